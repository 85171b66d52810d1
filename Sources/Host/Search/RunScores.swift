import CAdapterSearch
import Core
import Foundation

/// The metric scores of one run, by metric id and probe seed, over all n^2
/// edges: read from the results store when the run (or the run being
/// resumed) has them, else computed from a probe pass and stored at once.
/// Each probe seed's pass runs at most once per process, the first time a
/// metric needs it, and serves every metric.
final class RunScores: @unchecked Sendable {
    // @unchecked: `probes` is guarded by `lock`; the rest is immutable.

    /// Where scores are kept.
    let store: ResultsStore
    /// The run they belong to.
    let run: String
    private let plugins: [PluginDescriptor]
    /// Where the metrics' parameters come from.
    private let parameters: PluginSources
    private let settings: ProbeSettings
    private let backbone: Backbone<Float>
    private let task: any ClassificationTask
    private let makeRunner: PluginRunnerFactory
    private let lock = NSLock()
    /// The probe passes this process ran, by seed and probe size, with their store ids.
    private var probes: [ProbeKey: (engine: EngineProbe, id: Int64)] = [:]

    /// A probe pass's identity within a run: its seed and batch size.
    private struct ProbeKey: Hashable {
        var seed: UInt64
        var size: Int
    }

    /// Every edge of the backbone, in the store's order.
    let edges: [Edge]

    init(store: ResultsStore, run: String, plugins: [PluginDescriptor], parameters: PluginSources = PluginSources(),
         probe settings: ProbeSettings,
         backbone: Backbone<Float>, task: any ClassificationTask, makeRunner: @escaping PluginRunnerFactory) {
        self.store = store
        self.run = run
        self.plugins = plugins
        self.parameters = parameters
        self.settings = settings
        self.backbone = backbone
        self.task = task
        self.makeRunner = makeRunner
        edges = Edge.all(nodeCount: backbone.nodeCount)
    }

    /// The metric plugin `id`, or an error naming what there is.
    func metric(_ id: String) throws -> PluginDescriptor {
        try RunScores.metric(id, in: plugins)
    }

    /// The metric plugin `id` of `plugins`, or the error a plugin asking for its scores gets.
    static func metric(_ id: String, in plugins: [PluginDescriptor]) throws -> PluginDescriptor {
        guard let plugin = plugins.first(where: { $0.id == id }) else {
            throw ServiceError(status: ASP_ERR_NOT_FOUND,
                               description: "no metric plugin '\(id)'; `adapter-search plugins list` shows what there is")
        }
        guard plugin.kind == .metric else {
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "plugin '\(id)' is a \(plugin.kind), not a metric")
        }
        return plugin
    }

    /// Scores of every edge by metric `id` on the probe drawn with
    /// `probeSeed` (the run's probe seed by default), and the metric's direction.
    func scores(metric id: String, probeSeed: UInt64? = nil) throws -> (values: [Double], direction: Int32) {
        try scores(row: MetricRow(metric: id), probeSeed: probeSeed)
    }

    /// Scores of every edge by `row` (its metric with its parameters, on
    /// probes of its size) on the probe drawn with `probeSeed` (the run's
    /// by default), and the metric's direction. Stored under the row's
    /// label; a row of a plain id is stored under the id. `chain` holds the
    /// metrics being scored that asked for these (a rank-ensemble's
    /// members), outermost first; a metric may ask for other metrics'
    /// scores on the same probe, each scored with its own `--set`
    /// parameters at the row's probe size and stored as if asked for directly.
    func scores(row: MetricRow, probeSeed: UInt64? = nil, chain: [String] = []) throws -> (values: [Double], direction: Int32) {
        let plugin = try metric(row.metric)
        let key = ProbeKey(seed: probeSeed ?? settings.seed, size: row.probeSize ?? settings.size)
        if let probe = try storedProbe(key, sized: row.probeSize != nil),
           let stored = try store.scores(run: run, probe: probe, metric: row.label) {
            return (stored.map(\.value), plugin.direction)
        }
        let (engine, probeID) = try probe(key, sized: row.probeSize != nil)
        let environment = PluginEnvironment(seed: key.seed, nodeCount: backbone.nodeCount, candidates: edges, probe: engine)
            .scoring(row.metric, in: chain) { [self] member, chain in
                try scores(row: MetricRow(metric: member, probeSize: row.probeSize), probeSeed: key.seed, chain: chain)
            }
        let values = try makeRunner(plugin, environment, row.configuration(parameters)).score(edges)
        try store.saveScores(run: run, probe: probeID, metric: row.label, direction: plugin.direction,
                             scores: zip(edges, values).map { (source: $0.source, target: $0.target, value: $1) })
        return (values, plugin.direction)
    }

    /// The rank ceiling min(d, tokens) of the probe `row` is scored on
    /// with `probeSeed`: the largest rank an edge gradient H_iᵀ D_j can
    /// have. The tokens are counted from the probe batch, which is drawn
    /// again (no pass runs) when this process has not run the probe.
    func rankCeiling(row: MetricRow, probeSeed: UInt64) -> Int {
        let key = ProbeKey(seed: probeSeed, size: row.probeSize ?? settings.size)
        if let known = lock.withLock({ probes[key] }) { return min(backbone.width, known.engine.probe.tokens) }
        return min(backbone.width, Probe.tokens(of: Probe.batch(of: task, size: key.size, seed: key.seed).input, backbone: backbone))
    }

    /// The width d of the backbone.
    var width: Int { backbone.width }

    /// The stored probe of this run drawn with `key`'s seed, if any; when
    /// `sized` (a row of a probe-size sweep), only one of `key`'s size
    /// (its examples, the size cut to the training examples there are).
    private func storedProbe(_ key: ProbeKey, sized: Bool) throws -> Int64? {
        let examples = min(key.size, task.count(.train))
        return try store.probes(run: run).first { $0.seed == key.seed && (!sized || $0.examples == examples) }?.id
    }

    /// The probe pass of `key` (run now if this process has not) and its store id.
    private func probe(_ key: ProbeKey, sized: Bool) throws -> (EngineProbe, Int64) {
        if let known = lock.withLock({ probes[key] }) { return known }
        var options = settings.seeded(key.seed)
        options.size = key.size
        let start = Date()
        let engine = try options.run(backbone: backbone, task: task)
        let id = try storedProbe(key, sized: sized) ?? store.addProbe(run: run, seed: key.seed, examples: engine.probe.examples,
                                                                      head: options.head.rawValue, loss: engine.probe.loss,
                                                                      seconds: Date().timeIntervalSince(start))
        lock.withLock { probes[key] = (engine, id) }
        return (engine, id)
    }
}
