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
    /// The probe passes this process ran, by seed, with their store ids.
    private var probes: [UInt64: (engine: EngineProbe, id: Int64)] = [:]

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
    /// `probeSeed` (the run's probe seed by default), and the metric's
    /// direction. `chain` holds the metrics being scored that asked for
    /// these (a rank-ensemble's members), outermost first; a metric may ask
    /// for other metrics' scores on the same probe, each stored as if asked for directly.
    func scores(metric id: String, probeSeed: UInt64? = nil, chain: [String] = []) throws -> (values: [Double], direction: Int32) {
        let plugin = try metric(id)
        let seed = probeSeed ?? settings.seed
        if let probe = try storedProbe(seed: seed), let stored = try store.scores(run: run, probe: probe, metric: id) {
            return (stored.map(\.value), plugin.direction)
        }
        let (engine, probeID) = try probe(seed: seed)
        let environment = PluginEnvironment(seed: seed, nodeCount: backbone.nodeCount, candidates: edges, probe: engine)
            .scoring(id, in: chain) { [self] member, chain in try scores(metric: member, probeSeed: seed, chain: chain) }
        let values = try makeRunner(plugin, environment, parameters.parameters(ofMetric: id)).score(edges)
        try store.saveScores(run: run, probe: probeID, metric: id, direction: plugin.direction,
                             scores: zip(edges, values).map { (source: $0.source, target: $0.target, value: $1) })
        return (values, plugin.direction)
    }

    /// The stored probe of this run drawn with `seed`, if any.
    private func storedProbe(seed: UInt64) throws -> Int64? {
        try store.probes(run: run).first { $0.seed == seed }?.id
    }

    /// The probe pass with `seed` (run now if this process has not) and its store id.
    private func probe(seed: UInt64) throws -> (EngineProbe, Int64) {
        if let known = lock.withLock({ probes[seed] }) { return known }
        let options = settings.seeded(seed)
        let start = Date()
        let engine = try options.run(backbone: backbone, task: task)
        let id = try storedProbe(seed: seed) ?? store.addProbe(run: run, seed: seed, examples: engine.probe.examples,
                                                                head: options.head.rawValue, loss: engine.probe.loss,
                                                                seconds: Date().timeIntervalSince(start))
        lock.withLock { probes[seed] = (engine, id) }
        return (engine, id)
    }
}
