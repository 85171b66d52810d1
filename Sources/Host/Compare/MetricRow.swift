/// One row of `compare` (and one column of `score`): a metric plugin scored
/// with given parameters on probes of a given size. Its label names it in
/// every table and JSON, and keys its scores in the results store, so a
/// resumed run and `report` see the same rows: the metric id, then each
/// parameter the row sets as `:NAME=VALUE`, then `@probe-size=N` when the
/// run sweeps probe sizes (`gradient-rank:rtol=1e-3@probe-size=8`). A
/// row of a plain `--metric ID` is labelled with the id alone, as before sweeps.
public struct MetricRow: Equatable, Sendable, CustomStringConvertible {
    /// The metric plugin's id.
    public var metric: String
    /// The parameters this row sets, in the order given (on top of the
    /// metric's `--set` parameters).
    public var parameters: [(name: String, value: String)]
    /// The probe batch's size for this row; nil for the run's `--probe-size`.
    public var probeSize: Int?

    /// A row of `metric` with `parameters` at `probeSize`.
    public init(metric: String, parameters: [(name: String, value: String)] = [], probeSize: Int? = nil) {
        self.metric = metric
        self.parameters = parameters
        self.probeSize = probeSize
    }

    /// The row's label (see the type's comment).
    public var label: String {
        ([metric] + parameters.map { "\($0.name)=\($0.value)" }).joined(separator: ":")
            + (probeSize.map { "@probe-size=\($0)" } ?? "")
    }

    public var description: String { label }

    /// The metric id a row label starts with (plugin ids hold neither `:` nor `@`).
    public static func metricID(ofLabel label: String) -> String {
        String(label.prefix { $0 != ":" && $0 != "@" })
    }

    /// The configuration the row's metric is created with: the metric's
    /// `--set` parameters from `sources`, with the row's own on top. A
    /// parameter both set with `--set` and given in `--metric` is an error:
    /// the row's label would not say what it computed.
    public func configuration(_ sources: PluginSources) throws(RunError) -> [String: String] {
        var given = sources.parameters(ofMetric: metric)
        for (name, value) in parameters {
            if let set = given[name] {
                throw .invalidSetting("'\(name)' of \(metric) is given both by --set \(metric).\(name)=\(set) and by --metric \(label); "
                                      + "give it in one place")
            }
            given[name] = value
        }
        return given
    }

    /// Checks `rows` against the plugins found: each names a metric plugin
    /// that accepts the row's parameters (the same check as `--set`'s), and
    /// no two rows compute the same scores (the same metric with the same
    /// parameters, defaults filled in and numbers compared as numbers, at
    /// the same probe size).
    public static func check(_ rows: [MetricRow], plugins: [PluginDescriptor], sources: PluginSources,
                             probeSize: Int) throws {
        var seen: [String: MetricRow] = [:]
        for row in rows {
            let plugin = try PluginSources.find(row.metric, kind: .metric, in: plugins)
            let configuration: [(String, String)]
            do {
                configuration = try plugin.configuration(try row.configuration(sources))
            } catch let error as PluginCallError {
                throw RunError.invalidSetting("--metric \(row.label): \(error.message); "
                                              + "`adapter-search plugins list` shows each metric's parameters and their ranges")
            }
            let key = "\(row.metric)|\(row.probeSize ?? probeSize)|"
                + configuration.map { "\($0.0)=\(Double($0.1).map(\.description) ?? $0.1)" }.joined(separator: "|")
            if let earlier = seen[key] {
                throw RunError.invalidSetting(earlier.label == row.label
                    ? "--metric gives the row \(row.label) twice; give each setting once"
                    : "--metric rows \(earlier.label) and \(row.label) are the same setting (defaults filled in); give it once")
            }
            seen[key] = row
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.label == rhs.label }
}
