import Core
import Foundation

/// Turns a work unit into its evaluation record: trains the placement on the
/// run's task and validates it. The one place this happens, whether the
/// run's own process trains (the serial executor) or a worker does.
final class PlacementEvaluator: @unchecked Sendable {
    // @unchecked: immutable; the prefix cache guards itself.

    let backbone: Backbone<Float>
    let task: any ClassificationTask
    /// The run's budget: a unit changes its steps and seed only.
    let budget: TrainingBudget
    /// Options of every adapter a placement gets (rank, activation, scale, init).
    let adapter: AdapterOptions
    let stopsGradientAtRecurrentSources: Bool
    /// What the task held: with the rest, the key of every evaluation.
    let taskIdentity: TaskIdentity
    private let prefixes: PrefixCache<Float>?

    init(backbone: Backbone<Float>, task: any ClassificationTask, budget: TrainingBudget, adapter: AdapterOptions,
         stopsGradientAtRecurrentSources: Bool, taskIdentity: TaskIdentity, prefixes: PrefixCache<Float>?) {
        self.backbone = backbone
        self.task = task
        self.budget = budget
        self.adapter = adapter
        self.stopsGradientAtRecurrentSources = stopsGradientAtRecurrentSources
        self.taskIdentity = taskIdentity
        self.prefixes = prefixes
    }

    /// The evaluator of a run of `configuration`, on its loaded backbone and
    /// task: the backbone converted, once, to the budget's precision, and the
    /// prefix cache over the converted one.
    convenience init(_ configuration: RunConfiguration, backbone: Backbone<Float>, task: any ClassificationTask) throws {
        let backbone = backbone.with(precision: configuration.budget.precision)
        self.init(backbone: backbone, task: task, budget: configuration.budget, adapter: try configuration.space.adapterOptions(),
                  stopsGradientAtRecurrentSources: configuration.space.stopGradient, taskIdentity: configuration.taskIdentity,
                  prefixes: configuration.execution.prefixCache(for: backbone))
    }

    /// The run's budget with `steps` optimiser steps and, when given, `seed`.
    func budget(steps: Int, seed: UInt64? = nil) -> TrainingBudget {
        var resolved = budget
        resolved.steps = steps
        resolved.seed = seed ?? budget.seed
        return resolved
    }

    /// The budget `unit` is trained under.
    func budget(of unit: WorkUnit) -> TrainingBudget { budget(steps: unit.steps, seed: unit.seed) }

    /// The store's key of a budget: every field that changes a result. The
    /// precision and the batch order are named when they are not float32 and
    /// shuffled (so those keys are the ones of stores made before either
    /// existed, and no two settings ever match).
    static func key(_ budget: TrainingBudget, examples: Int) -> String {
        "steps=\(budget.steps),examples=\(examples),batch=\(budget.batchSize),lr=\(budget.learningRate),"
            + "wd=\(budget.weightDecay),seed=\(budget.seed),eval=\(budget.evaluationLimit.map(String.init) ?? "all")"
            + (budget.precision == .float32 ? "" : ",precision=\(budget.precision)")
            + (budget.batchOrder == .shuffled ? "" : ",order=\(budget.batchOrder.name)")
    }

    /// The store's budget key of `unit`.
    func budgetKey(_ unit: WorkUnit) -> String { Self.key(budget(of: unit), examples: unit.examples) }

    /// The evaluation key of `placement` under the store's `budget` key.
    func cacheKey(_ placement: String, budget: String) -> String? {
        EvaluationIdentity.key(task: taskIdentity, placement: placement, budget: budget, stopsGradient: stopsGradientAtRecurrentSources)
    }

    /// Trains `unit` and returns its record for run `run`: validation (and
    /// test) accuracy and loss, or the reason its training diverged; writes
    /// the trained adapters and head to the unit's `out` folder. `progress`
    /// hears each step and its loss.
    func evaluate(_ unit: WorkUnit, run: String, progress: (Int, Double) -> Void = { _, _ in }) throws -> EvaluationRecord {
        let placement = try Placement(parsing: unit.placement, nodeCount: backbone.nodeCount)
        let key = budgetKey(unit), cacheKey = cacheKey(unit.placement, budget: key)
        let started = Date()
        do {
            let trained = try train(placement, budget: budget(of: unit), examples: unit.examples, evaluatesTest: unit.tests,
                                    progress: progress)
            if let out = unit.out { try TrainedPlacement(state: trained.state, classes: task.classes).write(to: out) }
            return EvaluationRecord(run: run, placement: unit.placement, budget: key, validationAccuracy: trained.validation.accuracy,
                                    validationLoss: trained.validation.loss, testAccuracy: trained.test?.accuracy,
                                    parameters: trained.state.parameterCount, seconds: trained.seconds, cacheKey: cacheKey)
        } catch let error as TrainingError where error.isDivergence {
            let parameters = TrainableState<Float>.initial(placement, width: backbone.width, classes: task.classes.count,
                                                           seed: 0).parameterCount
            var record = EvaluationRecord.diverged(run: run, placement: unit.placement, budget: key, parameters: parameters,
                                                   seconds: Date().timeIntervalSince(started), reason: error.description)
            record.cacheKey = cacheKey
            return record
        }
    }

    /// Trains `candidates` together behind learned gates under `budget` (METHOD.md section 7, "Gated training").
    func trainGated(_ candidates: Placement, budget: GatedBudget) throws -> GatedTrainingRun {
        try GatedTrainingRun.train(candidates, on: task, backbone: backbone, budget: budget,
                                   stopsGradientAtRecurrentSources: stopsGradientAtRecurrentSources,
                                   shouldStop: { Interruption.requested })
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
