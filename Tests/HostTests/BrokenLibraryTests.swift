import CAdapterSearch
import Core
import Foundation
import Testing
@testable import Host

/// The cases of `PluginLoadError` without their payloads, so a test can
/// say which one it expects.
enum LoadErrorCase: Sendable {
    case notASharedLibrary, missingEntrySymbol, refusedHostVersion, incompatibleVersion, malformedDescriptor, duplicateID
}

extension PluginLoadError {
    /// Which case this is.
    var errorCase: LoadErrorCase {
        switch self {
        case .notASharedLibrary: .notASharedLibrary
        case .missingEntrySymbol: .missingEntrySymbol
        case .refusedHostVersion: .refusedHostVersion
        case .incompatibleVersion: .incompatibleVersion
        case .malformedDescriptor: .malformedDescriptor
        case .duplicateID: .duplicateID
        }
    }
}

/// A library the loader must refuse, and what it must say about it.
struct BrokenLibrary: Sendable, CustomTestStringConvertible {
    /// The C source under Fixtures/ (without ".c"), or nil for a text file named x.so.
    var fixture: String?
    /// The error case the loader must give.
    var expected: LoadErrorCase
    /// What the message must say besides the file's path.
    var mentions: [String]

    var testDescription: String { fixture.map { $0 + ".c" } ?? "a text file named x.so" }

    /// Puts the library into `directory` and returns its path.
    func make(in directory: URL) throws -> String {
        guard let fixture else {
            let path = directory.appendingPathComponent("x.so").path
            try "This is a text file, not a shared library.\n".write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        return try CCompiler.fixture(fixture, into: directory)
    }

    /// One of each way a library can be unusable.
    static let all: [BrokenLibrary] = [
        BrokenLibrary(fixture: nil, expected: .notASharedLibrary, mentions: ["is not a loadable shared library"]),
        BrokenLibrary(fixture: "no_entry", expected: .missingEntrySymbol, mentions: ["no entry symbol asp_plugin_entry"]),
        BrokenLibrary(fixture: "other_major", expected: .incompatibleVersion, mentions: ["ABI 2.0", "ABI \(hostABI)"]),
        BrokenLibrary(fixture: "refuses", expected: .refusedHostVersion, mentions: ["returned NULL", "ABI \(hostABI)"]),
        BrokenLibrary(fixture: "null_id", expected: .malformedDescriptor, mentions: ["id is NULL"]),
        BrokenLibrary(fixture: "duplicate_id", expected: .duplicateID, mentions: ["'fixture.twin'"]),
        BrokenLibrary(fixture: "zero_size", expected: .malformedDescriptor, mentions: ["struct_size is 0"]),
    ]
}

/// Libraries the host must refuse: in process, from `plugins inspect` and
/// `plugins list --plugin` (an error), and when scanning a folder (a warning).
/// This header's ABI version, as error messages write it.
let hostABI = "\(ASP_ABI_VERSION_MAJOR).\(ASP_ABI_VERSION_MINOR)"

@Suite("Broken plugin libraries")
struct BrokenLibraryTests {
    /// Loads `path` in process, expecting a `PluginLoadError`.
    static func loadError(_ path: String) -> PluginLoadError? {
        #expect(throws: PluginLoadError.self) { try PluginLoader.load(path) }
    }

    @Test("Each broken library gives its own error, naming the file", arguments: BrokenLibrary.all)
    func loaderRefuses(_ broken: BrokenLibrary) throws {
        try withTemporaryDirectory { directory in
            let path = try broken.make(in: directory)
            let error = try #require(Self.loadError(path))
            #expect(error.errorCase == broken.expected, "\(error)")
            #expect(error.description.contains(path), "the message names the file: \(error)")
            for text in broken.mentions {
                #expect(error.description.contains(text), "the message says '\(text)': \(error)")
            }

            // The executable says the same on standard error and fails.
            for arguments in [["plugins", "inspect", path], ["plugins", "list", "--plugin", path]] {
                let result = try runAdapterSearch(arguments)
                #expect(result.status != 0, "\(arguments) exits non-zero")
                #expect(result.stderr.contains(error.description),
                        "\(arguments) prints the loader's message on stderr: \(result.stderr)")
                #expect(result.stdout.isEmpty, "\(arguments) prints nothing on stdout: \(result.stdout)")
            }
        }
    }

    @Test("The version error names both versions")
    func versionErrorNamesBothVersions() throws {
        try withTemporaryDirectory { directory in
            let path = try CCompiler.fixture("other_major", into: directory)
            #expect(Self.loadError(path) == .incompatibleVersion(path: path, library: "2.0", host: hostABI))
        }
    }

    @Test("No two broken libraries get the same message")
    func messagesAreDistinct() throws {
        try withTemporaryDirectory { directory in
            let messages = try BrokenLibrary.all.map { broken in
                let path = try broken.make(in: directory)
                return Self.loadError(path).map { $0.description.replacingOccurrences(of: path, with: "<file>") }
            }
            #expect(Set(messages).count == BrokenLibrary.all.count, "\(messages)")
        }
    }

    @Test("A failed load of a library leaves an earlier load of it working (one dlclose per dlopen)")
    func failedLoadKeepsEarlierLoadAlive() throws {
        try withTemporaryDirectory { directory in
            let path = try CCompiler.fixture("changing_table", into: directory)
            let first = try PluginLoader.load(path)
            // Same file, so dlopen hands out the same handle again; its table is now malformed.
            #expect(Self.loadError(path)?.errorCase == .malformedDescriptor)
            // Were the library closed twice, it would be unmapped now and this would crash.
            let plugin = try #require(first.first)
            let instance = try PluginInstance(plugin, environment: PluginEnvironment(
                nodeCount: 2, candidates: Edge.all(nodeCount: 2)))
            #expect(try instance.score([Edge(1, 1)]) == [101])
        }
    }

    @Test("plugins list --plugin-path lists the good libraries of a folder and warns once per broken one")
    func folderScanSkipsBrokenLibraries() throws {
        try withTemporaryDirectory { directory in
            let brokenPaths = try BrokenLibrary.all.map { try $0.make(in: directory) }
            let examples = try CCompiler.examples(into: directory)
            try CCompiler.fixture("short_structs", into: directory)

            let result = try runAdapterSearch(["plugins", "list", "--json", "--plugin-path", directory.path])
            #expect(result.status == 0, "stderr: \(result.stderr)")

            let listed = try ListedPlugin.parse(result.stdout)
            let byID = Dictionary(listed.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byID[ExamplePlugins.metric]?.library == examples.metric)
            #expect(byID[ExamplePlugins.strategy]?.library == examples.strategy)
            #expect(byID["fixture.short"] != nil && byID["fixture.guarded-param"] != nil)
            for id in BuiltInPlugins.metrics {
                #expect(byID[id]?.library.hasSuffix("/" + BuiltInPlugins.metricsLibrary) == true, "\(id)")
            }
            for id in BuiltInPlugins.strategies {
                #expect(byID[id]?.library.hasSuffix("/" + BuiltInPlugins.strategiesLibrary) == true, "\(id)")
            }
            #expect(!listed.contains { $0.id.hasPrefix("fixture.") && !$0.library.hasSuffix("short_structs.so") },
                    "nothing from a broken library is listed")

            let warnings = result.stderrLines(startingWith: "warning:")
            #expect(warnings.count == brokenPaths.count, "\(warnings)")
            for path in brokenPaths {
                #expect(warnings.filter { $0.contains(path) }.count == 1, "one warning names \(path): \(warnings)")
            }
        }
    }
}
