/// Where a command loads plugins from, besides $ADAPTER_SEARCH_PLUGIN_PATH
/// and the host's own folder (PLUGIN_ABI.md rule 11).
public struct PluginSources: Codable, Equatable, Sendable {
    /// Plugin libraries and metric manifests to load; a failure is an error.
    public var files: [String]
    /// Folders to scan, before $ADAPTER_SEARCH_PLUGIN_PATH and the host's own folder.
    public var directories: [String]

    public init(files: [String] = [], directories: [String] = []) {
        self.files = files
        self.directories = directories
    }

    /// Loads every plugin these sources and the environment name; warnings
    /// go to standard error unless `reportingWarnings` is false (a check
    /// that loads them again later, where they are reported).
    public func load(reportingWarnings: Bool = true) throws -> [PluginDescriptor] {
        let result = try PluginDiscovery.standard(files: files, directories: directories).load()
        if reportingWarnings { result.warnings.forEach { printError("warning: \($0)") } }
        return result.plugins
    }

    /// The plugin `id` of `kind` among `plugins`, or an error naming what is wrong.
    public static func find(_ id: String, kind: PluginKind, in plugins: [PluginDescriptor]) throws(RunError) -> PluginDescriptor {
        guard let plugin = plugins.first(where: { $0.id == id }) else { throw .unknownPlugin(id: id, kind: kind) }
        guard plugin.kind == kind else { throw .wrongPluginKind(id: id, kind: plugin.kind, expected: kind) }
        return plugin
    }
}
