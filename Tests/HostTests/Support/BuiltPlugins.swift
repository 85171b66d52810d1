import Foundation
@testable import Host

/// Plugin libraries built into a temporary folder once per test run and
/// loaded into this process, looked up by id. The files are removed right
/// after loading: the mapped libraries stay usable.
struct BuiltPlugins: Sendable {
    /// What the libraries are, for messages ("the C examples").
    private let what: String
    private let loaded: Result<[String: PluginDescriptor], TestSetupError>

    /// Builds with `build` (which returns the library paths it made in the
    /// folder it is given) and loads every library.
    init(_ what: String, build: (URL) throws -> [String]) {
        self.what = what
        loaded = Result {
            try withTemporaryDirectory { directory in try Self.load(try build(directory)) }
        }.mapError { TestSetupError(description: "building or loading \(what) failed: \($0)") }
    }

    /// The plugin `id`, or a TestSetupError naming what was built.
    func plugin(_ id: String) throws -> PluginDescriptor {
        guard let plugin = try loaded.get()[id] else {
            throw TestSetupError(description: "\(what) offer no plugin '\(id)'")
        }
        return plugin
    }

    /// The plugins of `libraries`, loaded into this process, by id.
    static func load(_ libraries: [String]) throws -> [String: PluginDescriptor] {
        let plugins = try libraries.flatMap { try PluginLoader.load($0) }
        return Dictionary(uniqueKeysWithValues: plugins.map { ($0.id, $0) })
    }
}
