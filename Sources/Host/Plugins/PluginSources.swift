/// Where a command loads plugins from, besides $ADAPTER_SEARCH_PLUGIN_PATH
/// and the host's own folder (PLUGIN_ABI.md rule 11).
public struct PluginSources: Codable, Equatable, Sendable {
    /// Plugin libraries and metric manifests to load; a failure is an error.
    public var files: [String]
    /// Folders to scan, before $ADAPTER_SEARCH_PLUGIN_PATH and the host's own folder.
    public var directories: [String]
    /// Metric plugins' parameters, by metric id then parameter name
    /// (`--set METRIC.NAME=VALUE`); a metric not named here takes its defaults.
    public var metricParameters: [String: [String: String]]

    public init(files: [String] = [], directories: [String] = [], metricParameters: [String: [String: String]] = [:]) {
        self.files = files
        self.directories = directories
        self.metricParameters = metricParameters
    }

    private enum CodingKeys: String, CodingKey { case files, directories, metricParameters }

    /// Reads the sources; a configuration written before metric parameters has none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        files = try container.decode([String].self, forKey: .files)
        directories = try container.decode([String].self, forKey: .directories)
        metricParameters = try container.decodeIfPresent([String: [String: String]].self, forKey: .metricParameters) ?? [:]
    }

    /// The parameters metric `id` is created with.
    public func parameters(ofMetric id: String) -> [String: String] { metricParameters[id] ?? [:] }

    /// Throws unless every metric named in `metricParameters` is a metric
    /// among `plugins` whose declarations accept the values.
    public func checkMetricParameters(against plugins: [PluginDescriptor]) throws {
        for (id, given) in metricParameters.sorted(by: { $0.key < $1.key }) {
            _ = try Self.find(id, kind: .metric, in: plugins).configuration(given)
        }
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
