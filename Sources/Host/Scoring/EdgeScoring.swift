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
    /// The metric plugins' ids, in the table's column order.
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
        let chosen = try metrics.map { try PluginSources.find($0, kind: .metric, in: found) }
        try plugins.checkMetricParameters(against: found)
        for plugin in chosen { _ = try plugin.configuration(plugins.parameters(ofMetric: plugin.id)) }
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
        for plugin in chosen {
            do {
                columns.append((plugin.id, try scores(plugin.id, chain: []).values))
            } catch {
                failures.append((plugin.id, error))
            }
        }
        return Result(table: ScoreTable(edges: edges, columns: columns), failures: failures,
                      forwardPasses: PassCount.forward - passesBefore.forward, backwardPasses: PassCount.backward - passesBefore.backward,
                      extraPasses: engine.passes - 1, probes: engine.allProbes)
    }
}
