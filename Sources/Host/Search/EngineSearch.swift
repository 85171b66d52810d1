import CAdapterSearch
import Core
import Foundation

/// Makes the object that calls a plugin: in this process, or isolated.
typealias PluginRunnerFactory = (PluginDescriptor, PluginEnvironment, [String: String]) throws -> any PluginRunner

/// The search services of the v1 ABI served by the engine and the results
/// store: scores by metric id (computed once, stored), and placements
/// trained and validated under a budget, each result committed the moment
/// it exists and answered from the store when the run already has it.
final class EngineSearch: SearchProvider, @unchecked Sendable {
    // @unchecked: the counters are guarded by `lock`; the rest is immutable.

    /// The run's scores.
    let scores: RunScores
    /// What every placement is trained on.
    let backbone: Backbone<Float>
    let task: any ClassificationTask
    /// The run's budget; an asp_budget's zero fields take its values.
    let budget: TrainingBudget
    /// Options of every adapter a placement gets (rank, activation, scale, init).
    let adapter: AdapterOptions
    let stopsGradientAtRecurrentSources: Bool
    private let prefixes: PrefixCache<Float>?
    /// What the task held: with the rest, the key of every evaluation.
    let taskIdentity: TaskIdentity
    /// Whether other runs' evaluations of the same computation are reused.
    let reusesEvaluations: Bool
    /// Hears one line per evaluation.
    private let report: (String) -> Void
    private let lock = NSLock()
    private var trainedCount = 0, storedCount = 0, cachedCount = 0

    init(scores: RunScores, backbone: Backbone<Float>, task: any ClassificationTask, budget: TrainingBudget,
         adapter: AdapterOptions, stopsGradientAtRecurrentSources: Bool, prefixes: PrefixCache<Float>?,
         taskIdentity: TaskIdentity = .unrecorded, reusesEvaluations: Bool = true,
         report: @escaping (String) -> Void = { printError($0) }) {
        self.taskIdentity = taskIdentity
        self.reusesEvaluations = reusesEvaluations
        self.scores = scores
        self.backbone = backbone
        self.task = task
        self.budget = budget
        self.adapter = adapter
        self.stopsGradientAtRecurrentSources = stopsGradientAtRecurrentSources
        self.prefixes = prefixes
        self.report = report
    }

    /// Placements this process trained, those answered from the run's own
    /// stored evaluations, and those reused from other runs (the cache).
    var counts: (trained: Int, fromStore: Int, fromCache: Int) { lock.withLock { (trainedCount, storedCount, cachedCount) } }

    /// The evaluation key of `placement` under the store's `budget` key.
    func cacheKey(_ placement: Placement, budget: String) -> String? {
        EvaluationIdentity.key(task: taskIdentity, placement: placement, budget: budget, stopsGradient: stopsGradientAtRecurrentSources)
    }

    func scores(metric: String, edges: [Edge]) throws -> (scores: [Double], direction: Int32) {
        let all = try scores.scores(metric: metric), nodes = backbone.nodeCount
        let values = try edges.map { edge -> Double in
            guard edge.isInside(nodeCount: nodes) else {
                throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "no edge \(edge) over \(nodes) nodes")
            }
            return all.values[edge.position(nodeCount: nodes)]
        }
        return (values, all.direction)
    }

    /// The placement of `edges` with the run's adapter options, edges in
    /// canonical (source, target) order: one text form per set of edges.
    func placement(_ edges: [Edge]) throws -> Placement {
        let nodes = backbone.nodeCount
        if let outside = edges.first(where: { !$0.isInside(nodeCount: nodes) }) {
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "edge \(outside) is outside nodes 0...\(nodes - 1)")
        }
        guard Set(edges).count == edges.count else {
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "a placement names an edge twice: \(edges)")
        }
        return Placement(edges: edges.sorted(), options: adapter)
    }

    /// The run's budget with an asp_budget's non-zero fields applied, and the
    /// number of training examples (0: the whole train split).
    func resolve(_ requested: Budget) -> (budget: TrainingBudget, examples: Int) {
        var resolved = budget
        if requested.steps > 0 { resolved.steps = requested.steps }
        return (resolved, requested.examples)
    }

    /// The store's key of a budget: every field that changes a result.
    static func key(_ budget: TrainingBudget, examples: Int) -> String {
        "steps=\(budget.steps),examples=\(examples),batch=\(budget.batchSize),lr=\(budget.learningRate),"
            + "wd=\(budget.weightDecay),seed=\(budget.seed),eval=\(budget.evaluationLimit.map(String.init) ?? "all")"
    }

    func evaluate(_ placements: [[Edge]], budget requested: Budget) throws -> [EvaluationResult] {
        let (budget, examples) = resolve(requested)
        let key = Self.key(budget, examples: examples)
        return try placements.map { edges in
            try Interruption.check()
            let placement = try placement(edges)
            if let stored = try scores.store.evaluation(run: scores.run, placement: placement.description, budget: key) {
                lock.withLock { storedCount += 1 }
                return EvaluationResult(stored)
            }
            let cacheKey = cacheKey(placement, budget: key)
            if reusesEvaluations, let cacheKey, let cached = try scores.store.cachedEvaluation(key: cacheKey) {
                var copy = cached
                (copy.run, copy.createdAt, copy.cachedFrom) = (scores.run, Date(), cached.cachedFrom ?? cached.run)
                try scores.store.saveEvaluation(copy)
                lock.withLock { cachedCount += 1 }
                return EvaluationResult(cached)
            }
            let started = Date()
            let run: TrainingRun
            do {
                run = try train(placement, budget: budget, examples: examples, evaluatesTest: false)
            } catch let error as TrainingError where error.isDivergence {
                let parameters = TrainableState<Float>.initial(placement, width: backbone.width, classes: task.classes.count,
                                                               seed: 0).parameterCount
                let seconds = Date().timeIntervalSince(started)
                var record = EvaluationRecord.diverged(run: scores.run, placement: placement.description, budget: key,
                                                       parameters: parameters, seconds: seconds, reason: error.description)
                record.cacheKey = cacheKey
                try scores.store.saveEvaluation(record)
                lock.withLock { trainedCount += 1 }
                report("trained \(placement.description): \(error)")
                return EvaluationResult(accuracy: .nan, loss: .nan, parameters: parameters, seconds: seconds, diverged: true)
            }
            try scores.store.saveEvaluation(EvaluationRecord(
                run: scores.run, placement: placement.description, budget: key, validationAccuracy: run.validation.accuracy,
                validationLoss: run.validation.loss, parameters: run.state.parameterCount, seconds: run.seconds, cacheKey: cacheKey))
            let done = lock.withLock {
                trainedCount += 1
                return trainedCount
            }
            let (_, fromStore, fromCache) = counts
            report(String(format: "trained %@: validation accuracy %.4f (%.1f s; %d trained, %d from the store, %d from the cache)",
                          placement.description, run.validation.accuracy, run.seconds, done, fromStore, fromCache))
            return EvaluationResult(accuracy: run.validation.accuracy, loss: run.validation.loss,
                                    parameters: run.state.parameterCount, seconds: run.seconds)
        }
    }

    /// Trains `placement` under `budget` on `examples` training examples (0: all).
    func train(_ placement: Placement, budget: TrainingBudget, examples: Int, evaluatesTest: Bool,
               progress: (Int, Double) -> Void = { _, _ in }) throws -> TrainingRun {
        func train(on task: some ClassificationTask) throws -> TrainingRun {
            try TrainingRun.train(placement, on: task, backbone: backbone, budget: budget,
                                  stopsGradientAtRecurrentSources: stopsGradientAtRecurrentSources, prefixes: prefixes,
                                  evaluatesTest: evaluatesTest, progress: progress, shouldStop: { Interruption.requested })
        }
        func sampled(_ task: some ClassificationTask) throws -> TrainingRun {
            examples > 0 ? try train(on: TrainingSubset(task, examples: examples, seed: budget.seed)) : try train(on: task)
        }
        return try sampled(task)
    }
}
