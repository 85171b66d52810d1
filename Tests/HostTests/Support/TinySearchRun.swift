import Core
import Foundation
@testable import Host

/// A real run on the tiny text task, for driving plugins through every
/// service without the `search` command: the engine's probe over a tiny
/// random BERT, scores from metric plugins run on it, placements trained
/// with Core's `TrainingRun`, and checkpoints in memory.
final class TinySearchRun {
    /// The engine's probe services (probe seed 0, 8 examples).
    let probe: EngineProbe
    /// The search services.
    let search: TinySearch
    /// Residual nodes (5).
    let nodeCount: Int

    /// Writes the tiny task into `folder` and runs the probe pass; `metrics`
    /// are the plugins `scores` may be asked for.
    /// With `blind`, the first block's output LayerNorm has γ = 0: node 2
    /// and every later node are the same for every input, so only an edge
    /// from node 0 or 1 into a later node can carry the input to the head.
    init(in folder: URL, metrics: [PluginDescriptor], blind: Bool = false) throws {
        let (model, data) = try TinyTextTask.write(in: folder)
        let specification = TaskSpecification(model: model, data: .textFiles(.init(train: data[0], validation: data[1], test: data[2])))
        var (backbone, task) = try specification.load()
        if blind { backbone.blocks[0].mlpNorm.gamma = [Float](repeating: 0, count: backbone.width) }
        probe = try ProbeSettings(size: 8).run(backbone: backbone, task: task)
        nodeCount = backbone.nodeCount
        search = TinySearch(backbone: backbone, task: task, probe: probe, metrics: metrics)
    }

    /// An environment over every service, with seed 7 and every edge a candidate.
    func environment(checkpoints: CheckpointStore? = MemoryCheckpoints(), search: SearchProvider? = nil,
                     log: @escaping @Sendable (String, Int32, String) -> Void = { _, _, _ in },
                     progress: @escaping @Sendable (String, Double, String) -> Void = { _, _, _ in }) -> PluginEnvironment {
        PluginEnvironment(seed: 7, nodeCount: nodeCount, candidates: Edge.all(nodeCount: nodeCount), probe: probe,
                          search: search ?? self.search, checkpoints: checkpoints, log: log, progress: progress)
    }
}

/// The engine's probe, with extra passes recorded instead of run (this
/// engine does not run them yet): `runPass` keeps the request and answers
/// probe 0, so a test can check what reached the host bit for bit.
final class RecordedPasses: ProbeProvider, @unchecked Sendable {
    // @unchecked: `recorded` is guarded by `lock`.
    private let engine: EngineProbe
    private let lock = NSLock()
    private var recorded: [PassRequest] = []

    init(_ engine: EngineProbe) { self.engine = engine }

    /// The requests so far.
    var requests: [PassRequest] { lock.withLock { recorded } }

    func info(probe: Int) throws -> ProbeSummary { try engine.info(probe: probe) }
    func activations(probe: Int, node: Int) throws -> Matrix<Float> { try engine.activations(probe: probe, node: node) }
    func gradients(probe: Int, node: Int) throws -> Matrix<Float> { try engine.gradients(probe: probe, node: node) }
    func edgeGradient(probe: Int, edge: Edge) throws -> Matrix<Float> { try engine.edgeGradient(probe: probe, edge: edge) }
    func singularValues(probe: Int, edge: Edge) throws -> [Double] { try engine.singularValues(probe: probe, edge: edge) }
    func rank(probe: Int, edge: Edge, relativeTolerance: Double) throws -> Int {
        try engine.rank(probe: probe, edge: edge, relativeTolerance: relativeTolerance)
    }
    func adapterInit(edge: Edge, rank: Int) throws -> (down: Matrix<Float>, up: Matrix<Float>) {
        try engine.adapterInit(edge: edge, rank: rank)
    }
    func runPass(_ request: PassRequest) throws -> Int {
        lock.withLock { recorded.append(request) }
        return 0
    }
}

/// `asp.search/1` served for real: a metric's scores come from running the
/// metric plugin in this process on the engine's probe; a placement is
/// trained (rank-2 adapters, batches of 8, `budget.steps` steps or 4) and
/// validated, and its result stored; a placement asked for again under the
/// same budget is answered from the store, as the search command's store does.
final class TinySearch: SearchProvider, @unchecked Sendable {
    // @unchecked: `stored` is guarded by `lock`.
    private let backbone: Backbone<Float>
    private let task: any ClassificationTask
    private let probe: EngineProbe
    private let metrics: [PluginDescriptor]
    private let lock = NSLock()
    private var stored: [Key: EvaluationResult] = [:]

    private struct Key: Hashable {
        var placement: [Edge]
        var budget: Budget
    }

    init(backbone: Backbone<Float>, task: any ClassificationTask, probe: EngineProbe, metrics: [PluginDescriptor]) {
        self.backbone = backbone
        self.task = task
        self.probe = probe
        self.metrics = metrics
    }

    /// Every result stored so far, by placement.
    var results: [[Edge]: EvaluationResult] {
        lock.withLock { Dictionary(stored.map { ($0.key.placement, $0.value) }, uniquingKeysWith: { first, _ in first }) }
    }

    func scores(metric: String, edges: [Edge]) throws -> (scores: [Double], direction: Int32) {
        guard let plugin = metrics.first(where: { $0.id == metric }) else {
            throw ServiceError(status: 6, description: "no metric '\(metric)' in this run")
        }
        let environment = PluginEnvironment(seed: 0, nodeCount: backbone.nodeCount, candidates: edges, probe: probe)
        return (try PluginInstance(plugin, environment: environment).score(edges), plugin.direction)
    }

    func evaluate(_ placements: [[Edge]], budget: Budget) throws -> [EvaluationResult] {
        try placements.map { edges in
            let key = Key(placement: edges, budget: budget)
            if let known = lock.withLock({ stored[key] }) { return known }
            let placement = Placement(edges: edges, options: AdapterOptions(rank: 2))
            let run = try TrainingRun.train(placement, on: task, backbone: backbone,
                                            budget: TrainingBudget(steps: budget.steps == 0 ? 4 : budget.steps, batchSize: 8,
                                                                   evaluationLimit: 16),
                                            evaluatesTest: false)
            let result = EvaluationResult(accuracy: run.validation.accuracy, loss: run.validation.loss,
                                          parameters: run.state.parameterCount, seconds: run.seconds)
            lock.withLock { stored[key] = result }
            return result
        }
    }
}

extension TinySearch {
    /// Gated training on the tiny task: rank-2 adapters, batches of 8,
    /// `budget.steps` steps or 60, learning rate 0.01, validated on 16 examples.
    func trainGated(_ edges: [Edge], budget: GatedRequest) throws -> GatedResult {
        try budget.check()
        let run = try GatedTrainingRun.train(
            Placement(edges: edges, options: AdapterOptions(rank: 2)), on: task, backbone: backbone,
            budget: GatedBudget(steps: budget.steps == 0 ? 60 : budget.steps, batchSize: 8,
                                learningRate: budget.learningRate == 0 ? 0.01 : budget.learningRate,
                                gateLearningRate: budget.gateLearningRate, sparsity: budget.sparsity,
                                initialTemperature: budget.initialTemperature, finalTemperature: budget.finalTemperature,
                                initialLogit: budget.initialLogit, evaluationLimit: 16))
        return GatedResult(probabilities: run.probabilities, accuracy: run.validation.accuracy, loss: run.validation.loss,
                           seconds: run.seconds)
    }
}

/// Search services that take `delay` seconds longer than `base` to answer
/// evaluate: the host's own time, which must not count against a plugin.
final class SlowSearch: SearchProvider, @unchecked Sendable {
    let base: SearchProvider
    let delay: Double

    init(_ base: SearchProvider, delay: Double) {
        self.base = base
        self.delay = delay
    }

    func scores(metric: String, edges: [Edge]) throws -> (scores: [Double], direction: Int32) {
        try base.scores(metric: metric, edges: edges)
    }

    func evaluate(_ placements: [[Edge]], budget: Budget) throws -> [EvaluationResult] {
        Thread.sleep(forTimeInterval: delay)
        return try base.evaluate(placements, budget: budget)
    }

    func trainGated(_ edges: [Edge], budget: GatedRequest) throws -> GatedResult {
        try base.trainGated(edges, budget: budget)
    }
}

/// Strategy state kept in memory, by plugin id.
final class MemoryCheckpoints: CheckpointStore, @unchecked Sendable {
    // @unchecked: `states` is guarded by `lock`.
    private let lock = NSLock()
    private var states: [String: [UInt8]] = [:]

    /// The state stored for `plugin`.
    subscript(plugin: String) -> [UInt8]? { lock.withLock { states[plugin] } }

    func save(plugin: String, state: [UInt8]) throws {
        lock.withLock { states[plugin] = state }
    }

    func load(plugin: String) throws -> [UInt8]? {
        lock.withLock { states[plugin] }
    }
}

/// Lines and reports a plugin sent to the host, collected from any thread.
final class HostRecord: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var logLines: [String] = []
    private var progressReports: [String] = []

    /// Log lines as "id level message".
    var log: [String] { lock.withLock { logLines } }
    /// Progress as "id fraction message".
    var progress: [String] { lock.withLock { progressReports } }

    /// A log closure recording here.
    var logger: @Sendable (String, Int32, String) -> Void {
        { id, level, message in self.lock.withLock { self.logLines.append("\(id) \(level) \(message)") } }
    }

    /// A progress closure recording here.
    var reporter: @Sendable (String, Double, String) -> Void {
        { id, fraction, message in self.lock.withLock { self.progressReports.append("\(id) \(fraction) \(message)") } }
    }
}
