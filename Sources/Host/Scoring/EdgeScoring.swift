import Core
import Foundation

/// The work of `score`: every edge of the extended space scored by each
/// metric from one probe pass (and the extra passes metrics ask for). A
/// metric that fails is reported by name and the others still score.
public struct EdgeScoring {
    public var task: TaskSpecification
    public var probe: ProbeSettings
    public var plugins: PluginSources
    public var isolation: PluginIsolation
    /// The metrics as given to `--metric`, in the table's column order:
    /// plugin ids, or sweeps `ID:NAME=V1,V2` (`MetricSweep`), one column
    /// per setting, labelled `ID:NAME=V`.
    public var metrics: [String]

    public init(task: TaskSpecification, probe: ProbeSettings, plugins: PluginSources, isolation: PluginIsolation, metrics: [String]) {
        self.task = task
        self.probe = probe
        self.plugins = plugins
        self.isolation = isolation
        self.metrics = metrics
    }

    /// What scoring found.
    public struct Result {
        /// The scores of every edge by each metric that succeeded.
        public var table: ScoreTable
        /// The metrics that failed, with why.
        public var failures: [(metric: String, error: any Error)]
        /// Passes the engine ran: forward, backward, and extra probe passes.
        public var forwardPasses: Int
        public var backwardPasses: Int
        public var extraPasses: Int
        /// Every probe: the run's and each extra pass's.
        public var probes: [Probe]
        /// How finely each column's scores tell the edges apart, by column label.
        public var resolutions: [(label: String, resolution: ScoreResolution)] = []
        /// The backbone's width d.
        public var width: Int = 0

        /// The line saying what was scored and what it cost.
        public var summary: String {
            "scored \(table.edges.count) edges with \(table.columns.count) metrics from \(forwardPasses) forward "
                + "and \(backwardPasses) backward passes (\(extraPasses) extra)"
        }
    }

    /// Loads the plugins (an unknown metric or parameter is an error before
    /// any pass runs) and the task, runs the probe, and scores.
    public func run() throws -> Result {
        let found = try plugins.load()
        var rows: [MetricRow] = []
        for text in metrics { rows += try MetricSweep(parsing: text).rows() }
        let chosen = try rows.map { try PluginSources.find($0.metric, kind: .metric, in: found) }
        try plugins.checkMetricParameters(against: found)
        try MetricRow.check(rows, plugins: found, sources: plugins, probeSize: probe.size)
        let (backbone, loaded) = try task.load()
        let head = try probe.head(backbone: backbone, task: loaded)
        let passesBefore = (forward: PassCount.forward, backward: PassCount.backward)
        let engine = probe.run(backbone: backbone, task: loaded, head: head)
        let edges = Edge.all(nodeCount: backbone.nodeCount)
        let environment = PluginEnvironment(seed: probe.seed, nodeCount: backbone.nodeCount, candidates: edges, probe: engine)
        // Each metric scores once, whether asked for by the table or by a metric combining others (rank-ensemble).
        var known: [String: (values: [Double], direction: Int32)] = [:]
        func scores(_ id: String, chain: [String]) throws -> (values: [Double], direction: Int32) {
            if let scored = known[id] { return scored }
            let plugin = try RunScores.metric(id, in: found)
            let runner = try isolation.makeRunner(plugin, environment: environment.scoring(id, in: chain, from: scores),
                                                  configuration: plugins.parameters(ofMetric: id))
            let scored = (try runner.score(edges), plugin.direction)
            known[id] = scored
            return scored
        }
        var columns: [(id: String, scores: [Double])] = [], failures: [(metric: String, error: any Error)] = []
        var resolutions: [(label: String, resolution: ScoreResolution)] = []
        let ceiling = min(backbone.width, engine.probe.tokens)
        for (row, plugin) in zip(rows, chosen) {
            do {
                // A row with parameters of its own scores apart; its members (if it combines others) come from `known`.
                let values = row.parameters.isEmpty
                    ? try scores(row.metric, chain: []).values
                    : try isolation.makeRunner(plugin, environment: environment.scoring(row.metric, from: scores),
                                               configuration: row.configuration(plugins)).score(edges)
                columns.append((row.label, values))
                resolutions.append((row.label, ScoreResolution(scores: values, direction: ScoreDirection(abi: plugin.direction) ?? .higherIsBetter,
                                                               rankCeiling: ScoreResolution.isRankMetric(row.metric) ? ceiling : nil)))
            } catch {
                failures.append((row.label, error))
            }
        }
        return Result(table: ScoreTable(edges: edges, columns: columns), failures: failures,
                      forwardPasses: PassCount.forward - passesBefore.forward, backwardPasses: PassCount.backward - passesBefore.backward,
                      extraPasses: engine.passes - 1, probes: engine.allProbes, resolutions: resolutions, width: backbone.width)
    }
}
