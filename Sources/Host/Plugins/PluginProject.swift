import Foundation

/// Why `plugins new` could not write a project. Each case says what to do.
public enum PluginProjectError: Error, CustomStringConvertible, Equatable {
    /// The id breaks the ABI's rule for ids.
    case invalidID(String)
    /// The destination exists and is not an empty folder.
    case destinationNotEmpty(String)
    /// No `plugins/` folder with the header was found.
    case pluginsFolderNotFound(searched: [String])
    /// The example a template copies is missing from the `plugins/` folder.
    case missingTemplate(String)

    public var description: String {
        switch self {
        case let .invalidID(id):
            "plugin id '\(id)' is not valid: use letters, digits, '.', '_' and '-' (e.g. org.example.my-metric)"
        case let .destinationNotEmpty(path):
            "\(path) exists and is not empty: name a new folder, or empty this one"
        case let .pluginsFolderNotFound(searched):
            "cannot find the repository's plugins/ folder (plugins/include/adapter_search.h) above "
                + searched.joined(separator: " or ") + ": pass it with --plugins-folder DIR"
        case let .missingTemplate(path):
            "the template \(path) is missing: is --plugins-folder the repository's plugins/ folder?"
        }
    }
}

/// A new plugin project: the example of its language and kind with the new
/// id, the one build file it needs (Makefile, Cargo.toml or Package.swift),
/// the command that builds it and the library that command makes.
///
/// The project refers to the repository's `plugins/` folder by absolute
/// path (the header, the linker script that exports only
/// `asp_plugin_entry`, the Rust kit, the Swift SDK package): nothing is
/// copied that could drift from the ABI the host speaks.
public struct PluginProject: Sendable {
    public let language: PluginLanguage
    public let kind: PluginKind
    public let id: String
    /// The display name (`plugins list`'s NAME).
    public let name: String
    /// The project's folder, absolute.
    public let folder: URL
    /// The repository's `plugins/` folder, absolute.
    public let plugins: URL

    /// A project for `id` in `folder`. Throws `PluginProjectError.invalidID`.
    public init(language: PluginLanguage, kind: PluginKind, id: String, name: String? = nil,
                folder: String, plugins: URL) throws {
        guard PluginLoader.isValidID(id) else { throw PluginProjectError.invalidID(id) }
        self.language = language
        self.kind = kind
        self.id = id
        self.name = name ?? id
        self.folder = URL(fileURLWithPath: folder).standardizedFileURL
        self.plugins = plugins.standardizedFileURL
    }

    /// The id as a file or crate name: lower case, every other character `_`
    /// (`org.example.my-metric` → `org_example_my_metric`).
    var stem: String {
        String(id.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    /// The id as a Swift product and module name (`OrgExampleMyMetric`).
    var moduleName: String {
        let words = id.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
        let name = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return name.first?.isLetter == true ? name : "Plugin" + name
    }

    /// The files the project holds, relative to its folder, with their text.
    func files() throws -> [(path: String, text: String)] {
        let source = try PluginTemplate.forLanguage(language, kind: kind).text(in: plugins, id: id, name: name)
        let include = plugins.appendingPathComponent("include").path
        let exports = plugins.appendingPathComponent("sdk/exports.map").path
        switch language {
        case .c, .cpp:
            let c = language == .c
            let file = stem + (c ? ".c" : ".cpp")
            let compiler = c ? "$(CC) -std=c99" : "$(CXX) -std=c++17"
            return [(file, source), ("Makefile", """
                # Builds \(id) into build/\(stem).so: `make` (or `make -C THIS_FOLDER`).
                # The header comes from the AdapterSearch repository; the linker
                # version script exports asp_plugin_entry and nothing else (with
                # -fvisibility=hidden alone, g++ still exports template symbols).
                INCLUDE := \(include)
                EXPORTS := \(exports)
                HERE := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))

                $(HERE)build/\(stem).so: $(HERE)\(file) $(INCLUDE)/adapter_search.h
                \tmkdir -p $(HERE)build
                \t\(compiler) -Wall -Wextra -pedantic -O2 -fPIC -shared -fvisibility=hidden \\
                \t    -Wl,--version-script=$(EXPORTS) -I$(INCLUDE) -o $@ $< -lm

                clean:
                \trm -rf $(HERE)build
                .PHONY: clean

                """)]
        case .rust:
            return [("src/lib.rs", source), ("Cargo.toml", """
                # \(id): an AdapterSearch \(kind.rawValue) plugin on the Rust kit, built offline:
                #   cargo build --release --offline --manifest-path Cargo.toml
                # gives target/release/lib\(stem).so, exporting asp_plugin_entry only.
                [package]
                name = "\(stem)"
                version = "0.1.0"
                edition = "2021"
                publish = false

                [lib]
                crate-type = ["cdylib"]

                [dependencies]
                adapter-search-plugin = { path = "\(plugins.appendingPathComponent("rust/adapter-search-plugin").path)" }

                # A workspace of its own, even inside another one.
                [workspace]

                [profile.release]
                # The kit catches panics at the ABI boundary: it needs unwinding.
                panic = "unwind"

                """)]
        case .swift:
            let sdk = plugins.appendingPathComponent("swift/AdapterSearchPluginSDK").path
            return [("Sources/\(moduleName)/\(moduleName).swift", source), ("Package.swift", """
                // swift-tools-version:6.0
                // \(id): an AdapterSearch \(kind.rawValue) plugin on the Swift SDK.
                //   swift build -c release --package-path THIS_FOLDER
                // gives .build/release/lib\(moduleName).so, exporting asp_plugin_entry only.
                import PackageDescription

                let package = Package(
                    name: "\(moduleName)",
                    products: [.library(name: "\(moduleName)", type: .dynamic, targets: ["\(moduleName)"])],
                    dependencies: [
                        // The SDK alone (it depends on nothing but the C header). A path
                        // dependency's package identity is its folder's name.
                        .package(path: "\(sdk)"),
                    ],
                    targets: [
                        .target(
                            name: "\(moduleName)",
                            dependencies: [.product(name: "AdapterSearchPluginSDK", package: "AdapterSearchPluginSDK")],
                            // Export asp_plugin_entry and nothing else.
                            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(exports)"])]
                        ),
                    ]
                )

                """)]
        case .python:
            return [(stem + ".py", source)]
        }
    }

    /// The command that builds the project, as a user types it.
    public var buildCommand: String? {
        switch language {
        case .c, .cpp: "make -C \(folder.path)"
        case .rust: "cargo build --release --offline --manifest-path \(folder.path)/Cargo.toml"
        case .swift: "swift build -c release --package-path \(folder.path)"
        case .python: nil
        }
    }

    /// The plugin file the build command makes (for Python, the script itself).
    public var pluginFile: String {
        switch language {
        case .c, .cpp: folder.appendingPathComponent("build/\(stem).so").path
        case .rust: folder.appendingPathComponent("target/release/lib\(stem).so").path
        case .swift: folder.appendingPathComponent(".build/release/lib\(moduleName).so").path
        case .python: folder.appendingPathComponent(stem + ".py").path
        }
    }

    /// Writes the project into its folder, which must be missing or empty.
    /// Returns the paths written, relative to the folder.
    @discardableResult
    public func write() throws -> [String] {
        let manager = FileManager.default
        // Something there must be an empty folder (a file lists no contents).
        if manager.fileExists(atPath: folder.path), (try? manager.contentsOfDirectory(atPath: folder.path))?.isEmpty != true {
            throw PluginProjectError.destinationNotEmpty(folder.path)
        }
        let files = try files()
        for file in files {
            let url = folder.appendingPathComponent(file.path)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.text.utf8).write(to: url)
        }
        return files.map(\.path)
    }

    /// The repository's `plugins/` folder: `explicit` when given, else the
    /// first folder above the running executable that holds
    /// `plugins/include/adapter_search.h` (a build in `.build/` of a clone).
    public static func pluginsFolder(explicit: String?) throws -> URL {
        func hasHeader(_ url: URL) -> Bool {
            FileManager.default.fileExists(atPath: url.appendingPathComponent("include/adapter_search.h").path)
        }
        if let explicit {
            let url = URL(fileURLWithPath: explicit).standardizedFileURL
            guard hasHeader(url) else { throw PluginProjectError.pluginsFolderNotFound(searched: [url.path]) }
            return url
        }
        var folder = URL(fileURLWithPath: PluginDiscovery.hostFolder())
        let start = folder.path
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("plugins")
            if hasHeader(candidate) { return candidate }
            folder.deleteLastPathComponent()
        }
        throw PluginProjectError.pluginsFolderNotFound(searched: [start])
    }
}
