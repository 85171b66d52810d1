import Foundation

/// How much training a placement gets (METHOD.md section 7): the same
/// budget for every placement a comparison ranks.
public struct TrainingBudget: Hashable, Sendable, Codable {
    /// Optimiser steps.
    public var steps: Int
    /// Examples per step.
    public var batchSize: Int
    /// Peak learning rate (linear warmup over 10% of the steps, then cosine).
    public var learningRate: Double
    /// Decoupled weight decay on weights (none on biases, scales and activation coefficients).
    public var weightDecay: Double
    /// Seed of the initialisation and the batch order.
    public var seed: UInt64
    /// Evaluate on at most this many validation and test examples (all when nil).
    public var evaluationLimit: Int?
    /// What the frozen backbone's weight products compute in (training and
    /// evaluation alike); the adapters, head, loss and optimiser are float32.
    public var precision: Precision
    /// The order the training examples are visited in.
    public var batchOrder: BatchOrder

    /// A budget; the defaults are the README's.
    public init(steps: Int = 300, batchSize: Int = 32, learningRate: Double = 1e-3, weightDecay: Double = 1e-4,
                seed: UInt64 = 0, evaluationLimit: Int? = nil, precision: Precision = .float32, batchOrder: BatchOrder = .shuffled) {
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.seed = seed
        self.evaluationLimit = evaluationLimit
        self.precision = precision
        self.batchOrder = batchOrder
    }

    private enum CodingKeys: String, CodingKey { case steps, batchSize, learningRate, weightDecay, seed, evaluationLimit, precision, batchOrder }

    /// Reads a budget; one written before precisions trained in float32, one
    /// written before batch orders in shuffled batches.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        steps = try container.decode(Int.self, forKey: .steps)
        batchSize = try container.decode(Int.self, forKey: .batchSize)
        learningRate = try container.decode(Double.self, forKey: .learningRate)
        weightDecay = try container.decode(Double.self, forKey: .weightDecay)
        seed = try container.decode(UInt64.self, forKey: .seed)
        evaluationLimit = try container.decodeIfPresent(Int.self, forKey: .evaluationLimit)
        precision = try container.decodeIfPresent(Precision.self, forKey: .precision) ?? .float32
        batchOrder = try container.decodeIfPresent(BatchOrder.self, forKey: .batchOrder) ?? .shuffled
    }
}

/// One placement trained under a budget and evaluated.
public struct TrainingRun: Sendable {
    /// The trained adapters and head.
    public var state: TrainableState<Float>
    /// Accuracy and loss on the validation split.
    public var validation: Evaluation
    /// Accuracy and loss on the test split (nil when not asked for).
    public var test: Evaluation?
    /// Wall-clock seconds, evaluation included.
    public var seconds: Double

    /// Trains `placement` on `task` with `budget` and evaluates it; `prefixes`
    /// serves frozen prefixes shared with other runs; `progress` hears each
    /// step's number (from 1) and loss; `shouldStop`, asked before each step,
    /// ends the training with `TrainingError.stopped` when it says so. The
    /// backbone's weight products compute in `budget.precision`: `backbone`
    /// is converted here when it computes in another, and `prefixes` must
    /// cache a backbone of that precision.
    public static func train(_ placement: Placement, on task: some ClassificationTask, backbone: Backbone<Float>,
                             budget: TrainingBudget, stopsGradientAtRecurrentSources: Bool = false,
                             prefixes: PrefixCache<Float>? = nil, evaluatesTest: Bool = true,
                             progress: (Int, Double) -> Void = { _, _ in },
                             shouldStop: () -> Bool = { false }) throws -> TrainingRun {
        let start = Date()
        let backbone = backbone.with(precision: budget.precision)
        precondition(prefixes.map { $0.backbone.precision == budget.precision } ?? true,
                     "a \(budget.precision) training run was given a prefix cache of a \(prefixes!.backbone.precision) backbone")
        let state = TrainableState<Float>.initial(placement, width: backbone.width, classes: task.classes.count, seed: budget.seed,
                                                  stopsGradientAtRecurrentSources: stopsGradientAtRecurrentSources)
        var trainer = Trainer(backbone: backbone, state: state, learningRate: budget.learningRate, weightDecay: budget.weightDecay,
                              steps: budget.steps, prefixes: prefixes)
        for step in 0..<budget.steps {
            if shouldStop() { throw TrainingError.stopped(step: step + 1) }
            let loss = try trainer.train(on: task.trainingBatch(step: step, size: budget.batchSize, seed: budget.seed, order: budget.batchOrder))
            progress(step + 1, loss)
        }
        let validation = try trainer.evaluate(task.evaluationBatches(.validation, size: 64, limit: budget.evaluationLimit))
        let test = evaluatesTest ? try trainer.evaluate(task.evaluationBatches(.test, size: 64, limit: budget.evaluationLimit)) : nil
        return TrainingRun(state: trainer.state, validation: validation, test: test, seconds: Date().timeIntervalSince(start))
    }
}
