import CAdapterSearch
import Core
import Foundation

/// Makes the object that calls a plugin: in this process, or isolated.
typealias PluginRunnerFactory = (PluginDescriptor, PluginEnvironment, [String: String]) throws -> any PluginRunner

/// The search services of the v1 ABI served by the engine and the results
/// store: scores by metric id (computed once, stored), and placements
/// trained and validated under a budget, each result committed the moment
/// it exists and answered from the store when the run already has it. A
/// batch of placements asked for at once goes to the run's executor as one
/// batch of work units. An instance answers under one seed (the run's, or a
/// study's seed: `seeded`) and keeps account of what a strategy asked of it.
final class EngineSearch: SearchProvider, @unchecked Sendable {
    // @unchecked: the counters and the account are guarded by `lock`; the rest is immutable.

    /// The run's scores.
    let scores: RunScores
    /// Trains placements; its budget is the run's (an asp_budget's zero fields take its values).
    let evaluator: PlacementEvaluator
    /// Makes the evaluations the store does not have yet.
    let execution: any UnitExecution
    /// Whether other runs' evaluations of the same computation are reused.
    let reusesEvaluations: Bool
    /// The seed placements are trained from, when not the run's.
    let seed: UInt64?
    /// The probe seed scores are computed on, when not the run's.
    let probeSeed: UInt64?
    private let lock = NSLock()
    private var trainedCount = 0, storedCount = 0, cachedCount = 0
    private var stop: DryRunStop?
    private var askedUnits: [WorkUnit] = []
    private var askedScores = false

    init(scores: RunScores, evaluator: PlacementEvaluator, execution: any UnitExecution, reusesEvaluations: Bool = true,
         seed: UInt64? = nil, probeSeed: UInt64? = nil) {
        self.scores = scores
        self.evaluator = evaluator
        self.execution = execution
        self.reusesEvaluations = reusesEvaluations
        self.seed = seed
        self.probeSeed = probeSeed
    }

    /// The same services answering under `seed` (training) and `probeSeed`
    /// (scores), with counters and an account of their own.
    func seeded(_ seed: UInt64, probeSeed: UInt64) -> EngineSearch {
        EngineSearch(scores: scores, evaluator: evaluator, execution: execution, reusesEvaluations: reusesEvaluations,
                     seed: seed, probeSeed: probeSeed)
    }

    /// What a strategy asked of this instance: the evaluations (each unit
    /// once per request, answered from the store or not) and whether it
    /// asked for scores (one probe pass serves every metric).
    var asked: (units: [WorkUnit], scores: Bool) { lock.withLock { (askedUnits, askedScores) } }

    /// Placements trained for this process (by it or by its workers), those
    /// answered from the run's own stored evaluations, and those reused from
    /// other runs (the cache).
    var counts: (trained: Int, fromStore: Int, fromCache: Int) { lock.withLock { (trainedCount, storedCount, cachedCount) } }

    /// Where a dry run stopped, once the executor stopped instead of
    /// submitting: a strategy sees only that its evaluation was cancelled.
    var dryRunStop: DryRunStop? { lock.withLock { stop } }

    func scores(metric: String, edges: [Edge]) throws -> (scores: [Double], direction: Int32) {
        let all = try scores.scores(metric: metric, probeSeed: probeSeed), nodes = evaluator.backbone.nodeCount
        lock.withLock { askedScores = true }
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
        let nodes = evaluator.backbone.nodeCount
        if let outside = edges.first(where: { !$0.isInside(nodeCount: nodes) }) {
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "edge \(outside) is outside nodes 0...\(nodes - 1)")
        }
        guard Set(edges).count == edges.count else {
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "a placement names an edge twice: \(edges)")
        }
        return Placement(edges: edges.sorted(), options: evaluator.adapter)
    }

    /// The work unit of `placement` under an asp_budget (its non-zero fields
    /// replace the run's) and this instance's seed.
    func unit(_ placement: Placement, budget requested: Budget) -> WorkUnit {
        WorkUnit(placement: placement.description, steps: requested.steps > 0 ? requested.steps : evaluator.budget.steps,
                 examples: requested.examples, seed: seed)
    }

    func evaluate(_ placements: [[Edge]], budget requested: Budget) throws -> [EvaluationResult] {
        let units = try placements.map { try unit(placement($0), budget: requested) }
        lock.withLock { askedUnits += units }
        return try make(units).map(EvaluationResult.init)
    }

    /// Trains adapters on `edges` (with the run's adapter options, batch
    /// size and order, weight decay, evaluation limit and this instance's seed)
    /// together behind learned gates, in this process; a diverged training
    /// is a result with NaN probabilities, not an error.
    func trainGated(_ edges: [Edge], budget request: GatedRequest) throws -> GatedResult {
        try request.check()
        guard !edges.isEmpty else { throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "train_gated needs at least one edge") }
        let placement = try placement(edges)
        let candidates = Placement(edges.map { edge in placement.entries.first { $0.edge == edge }! })  // in the order asked
        let run = evaluator.budget
        let budget = GatedBudget(steps: request.steps > 0 ? request.steps : run.steps, batchSize: run.batchSize,
                                 learningRate: request.learningRate > 0 ? request.learningRate : run.learningRate,
                                 gateLearningRate: request.gateLearningRate, weightDecay: run.weightDecay, sparsity: request.sparsity,
                                 initialTemperature: request.initialTemperature, finalTemperature: request.finalTemperature,
                                 initialLogit: request.initialLogit, seed: seed ?? run.seed, evaluationLimit: run.evaluationLimit,
                                 batchOrder: run.batchOrder)
        let started = Date()
        do {
            let trained = try evaluator.trainGated(candidates, budget: budget)
            return GatedResult(probabilities: trained.probabilities, accuracy: trained.validation.accuracy,
                               loss: trained.validation.loss, seconds: trained.seconds)
        } catch let error as TrainingError where error.isDivergence {
            return GatedResult(probabilities: [Double](repeating: .nan, count: edges.count), accuracy: .nan, loss: .nan,
                               seconds: Date().timeIntervalSince(started), diverged: true)
        } catch TrainingError.stopped {
            throw ServiceError(status: ASP_ERR_CANCELLED, description: "the gated training was stopped")
        }
    }

    /// The evaluation of each of `units`: answered from the run's store, or
    /// reused from another run's (the cache: for a unit that writes no
    /// files, when the cached evaluation is all the unit asks for), or made
    /// by the run's executor as one batch.
    func make(_ units: [WorkUnit]) throws -> [EvaluationRecord] {
        var records = [EvaluationRecord?](repeating: nil, count: units.count)
        var missing: [WorkUnit] = []
        for (index, unit) in units.enumerated() {
            try Interruption.check()
            let key = evaluator.budgetKey(unit)
            let stored = try scores.store.evaluation(run: scores.run, placement: unit.placement, budget: key)
            if unit.isMade(by: stored) {
                lock.withLock { storedCount += 1 }
                records[index] = stored
            } else if stored == nil, unit.out == nil, reusesEvaluations,
                      let cacheKey = evaluator.cacheKey(unit.placement, budget: key),
                      let cached = try scores.store.cachedEvaluation(key: cacheKey), unit.isMade(by: cached) {
                var copy = cached
                (copy.run, copy.createdAt, copy.cachedFrom) = (scores.run, Date(), cached.cachedFrom ?? cached.run)
                try scores.store.saveEvaluation(copy)
                lock.withLock { cachedCount += 1 }
                records[index] = copy
            } else if !missing.contains(unit) {
                missing.append(unit)
            }
        }
        if !missing.isEmpty {
            do {
                try execution.make(missing)
            } catch let dryRun as DryRunStop {
                lock.withLock { stop = dryRun }
                throw dryRun
            }
            lock.withLock { trainedCount += missing.count }
        }
        return try units.indices.map { index in
            if let known = records[index] { return known }
            let unit = units[index]
            guard let made = try scores.store.evaluation(run: scores.run, placement: unit.placement, budget: evaluator.budgetKey(unit)),
                  unit.isMade(by: made) else {
                throw ServiceError(status: ASP_ERR_ENGINE, description: "the evaluation of \(unit.placement) was not stored")
            }
            return made
        }
    }
}
