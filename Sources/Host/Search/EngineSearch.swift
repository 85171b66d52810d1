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
/// batch of work units.
final class EngineSearch: SearchProvider, @unchecked Sendable {
    // @unchecked: the counters are guarded by `lock`; the rest is immutable.

    /// The run's scores.
    let scores: RunScores
    /// Trains placements; its budget is the run's (an asp_budget's zero fields take its values).
    let evaluator: PlacementEvaluator
    /// Makes the evaluations the store does not have yet.
    let execution: any UnitExecution
    /// Whether other runs' evaluations of the same computation are reused.
    let reusesEvaluations: Bool
    private let lock = NSLock()
    private var trainedCount = 0, storedCount = 0, cachedCount = 0
    private var stop: DryRunStop?

    init(scores: RunScores, evaluator: PlacementEvaluator, execution: any UnitExecution, reusesEvaluations: Bool = true) {
        self.scores = scores
        self.evaluator = evaluator
        self.execution = execution
        self.reusesEvaluations = reusesEvaluations
    }

    /// Placements trained for this process (by it or by its workers), those
    /// answered from the run's own stored evaluations, and those reused from
    /// other runs (the cache).
    var counts: (trained: Int, fromStore: Int, fromCache: Int) { lock.withLock { (trainedCount, storedCount, cachedCount) } }

    /// Where a dry run stopped, once the executor stopped instead of
    /// submitting: a strategy sees only that its evaluation was cancelled.
    var dryRunStop: DryRunStop? { lock.withLock { stop } }

    func scores(metric: String, edges: [Edge]) throws -> (scores: [Double], direction: Int32) {
        let all = try scores.scores(metric: metric), nodes = evaluator.backbone.nodeCount
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

    /// The work unit of `placement` under an asp_budget: its non-zero fields
    /// replace the run's.
    func unit(_ placement: Placement, budget requested: Budget) -> WorkUnit {
        WorkUnit(placement: placement.description, steps: requested.steps > 0 ? requested.steps : evaluator.budget.steps,
                 examples: requested.examples)
    }

    func evaluate(_ placements: [[Edge]], budget requested: Budget) throws -> [EvaluationResult] {
        try make(placements.map { try unit(placement($0), budget: requested) }).map(EvaluationResult.init)
    }

    /// The evaluation of each of `units`: answered from the run's store, or
    /// reused from another run's (the cache; not for a unit that tests or
    /// writes files), or made by the run's executor as one batch.
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
            } else if stored == nil, !unit.tests, unit.out == nil, reusesEvaluations,
                      let cacheKey = evaluator.cacheKey(unit.placement, budget: key), let cached = try scores.store.cachedEvaluation(key: cacheKey) {
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
