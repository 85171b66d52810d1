import CAdapterSearch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a Python plugin script could not be loaded: names the script and
/// says what went wrong (for a Python exception, its traceback).
public struct PythonScriptError: Error, CustomStringConvertible, Equatable {
    /// The script (absolute).
    public var path: String
    /// What went wrong.
    public var message: String

    public var description: String {
        message.contains("\n") ? "\(path): the Python plugin script failed to load:\n\(message)" : "\(path): \(message)"
    }
}

/// Plugin scripts in Python (`*.py`), loaded through the Python bridge
/// `libAdapterSearchPython.so` (`Sources/PythonBridge`), which is built
/// beside the host and embeds CPython. The bridge runs the script and
/// returns an ordinary library table of what it declared
/// (`include/adapter_search_python.h`), which is checked like any library's
/// (`PluginLoader.load(table:path:owner:)`); from then on the script's
/// plugins are plugins like any other, through the same C ABI. The
/// descriptors' library path is the script.
///
/// A script named explicitly must declare something. In a scanned folder a
/// `*.py` that does not import `adapter_search` is never run (it is someone
/// else's Python), and one that declares nothing (a helper module) is
/// skipped quietly.
enum PythonScriptLoader {
    /// The file name suffix that marks a plugin script.
    static let suffix = ".py"
    /// The bridge's file name, in the host's folder.
    static let bridgeName = "libAdapterSearchPython.so"

    /// True when `path` names a Python script (ends in `.py`).
    static func isScript(_ path: String) -> Bool {
        path.hasSuffix(suffix)
    }

    /// True when the script at `path` has an import of `adapter_search` (an
    /// `import` or `from` line naming it): what makes a scanned `*.py` a
    /// plugin script. Read as text; the script is not run.
    static func importsTheModule(_ path: String) -> Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
        return text.range(of: #"(?m)^[ \t]*(import|from)[ \t][^#\n]*\badapter_search\b"#, options: .regularExpression) != nil
    }

    /// Loads the script at `file` (absolute, or relative to the current
    /// directory) and returns its plugins. `scanned`: it was found in a
    /// folder, not named, so a script that does not import adapter_search
    /// or declares nothing gives no plugins instead of an error. Throws
    /// `PythonScriptError` or, for a table that breaks the ABI's rules,
    /// `PluginLoadError`.
    static func load(_ file: String, scanned: Bool = false) throws -> [PluginDescriptor] {
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw PythonScriptError(path: path, message: "cannot read the Python plugin script")
        }
        if scanned && !importsTheModule(path) { return [] }
        let bridge = try Bridge.open(for: path)
        var message = [CChar](repeating: 0, count: 1 << 16)
        guard let table = bridge.load(hostABIVersion, path, &message, message.count) else {
            dlclose(bridge.handle)
            throw PythonScriptError(path: path, message: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                                                                as: UTF8.self))
        }
        // Releases the table when the last plugin of it goes (or right away on an error below).
        let keeper = PythonScriptTable(table: table, release: bridge.release, bridgePath: bridge.path)
        var owned = false
        defer { if !owned { dlclose(bridge.handle) } }
        let plugins = try PluginLoader.load(table: table, path: path) { abiVersion in
            owned = true
            return LibraryHandle(path: path, handle: bridge.handle, abiVersion: abiVersion, keepsAlive: keeper)
        }
        if plugins.isEmpty && !scanned {
            throw PythonScriptError(path: path, message: "declares no plugin: decorate a function with "
                                    + "@adapter_search.metric(...) or an adapter_search.Strategy subclass with "
                                    + "@adapter_search.strategy(...) (README, \"In Python\")")
        }
        return plugins
    }

    /// `asp_python_load_fn` of `Sources/PythonBridge/include/adapter_search_python.h`
    /// (the host does not link the bridge, so it does not import its header).
    typealias LoadFunction = @convention(c) (UInt32, UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int)
        -> UnsafePointer<asp_library>?
    /// `asp_python_release_fn` of the same header.
    typealias ReleaseFunction = @convention(c) (UnsafePointer<asp_library>?) -> Void
    /// `ASP_PYTHON_LOAD_SYMBOL` and `ASP_PYTHON_RELEASE_SYMBOL`.
    static let loadSymbol = "asp_python_load", releaseSymbol = "asp_python_release"

    /// The bridge library, opened, with its two functions.
    struct Bridge {
        let path: String
        let handle: UnsafeMutableRawPointer
        let load: LoadFunction
        let release: ReleaseFunction

        /// Opens the bridge beside the host (a new reference each time). Throws a
        /// `PythonScriptError` for `script` when it is missing or unusable.
        static func open(for script: String) throws -> Bridge {
            let path = URL(fileURLWithPath: PluginDiscovery.hostFolder()).appendingPathComponent(bridgeName).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw PythonScriptError(path: script, message: "Python plugin scripts need the Python bridge \(bridgeName), "
                                        + "which is not beside this adapter-search (in \(PluginDiscovery.hostFolder())); "
                                        + "build it with `swift build` (it needs python3-dev: bash scripts/setup)")
            }
            // RTLD_NODELETE as for every plugin library: the embedded interpreter keeps pointers into it.
            guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
                let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
                throw PythonScriptError(path: script, message: "the Python bridge \(path) cannot be loaded: \(reason) "
                                        + "(it needs Debian's libpython3: bash scripts/setup installs python3-dev)")
            }
            guard let load = dlsym(handle, loadSymbol), let release = dlsym(handle, releaseSymbol) else {
                dlclose(handle)
                throw PythonScriptError(path: script, message: "\(path) is not the Python bridge: it lacks "
                                        + "\(loadSymbol) or \(releaseSymbol)")
            }
            return Bridge(path: path, handle: handle, load: unsafeBitCast(load, to: LoadFunction.self),
                          release: unsafeBitCast(release, to: ReleaseFunction.self))
        }
    }
}

/// A script's library table, released through the bridge when the
/// `LibraryHandle` keeping it goes, after every plugin and instance of it.
/// Holds its own reference to the bridge, so the bridge is mapped while it
/// releases.
final class PythonScriptTable: @unchecked Sendable {
    // @unchecked: immutable; the bridge's release takes the GIL.
    private let table: UnsafePointer<asp_library>
    private let release: PythonScriptLoader.ReleaseFunction
    private let handle: UnsafeMutableRawPointer?

    init(table: UnsafePointer<asp_library>, release: @escaping PythonScriptLoader.ReleaseFunction, bridgePath: String) {
        self.table = table
        self.release = release
        handle = dlopen(bridgePath, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)
    }

    deinit {
        release(table)
        if let handle { dlclose(handle) }
    }
}
