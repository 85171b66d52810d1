import ArgumentParser
import Core
import Host

/// The training budget every command that trains shares, and the prefix
/// cache's memory (which changes no result).
struct BudgetOptions: ParsableArguments {
    @Option(help: "Optimiser steps.")
    var steps: Int = 300

    @Option(help: "Examples per step.")
    var batchSize: Int = 32

    @Option(help: "Peak learning rate (AdamW, linear warmup over 10% of the steps, then cosine).")
    var learningRate: Double = 1e-3

    @Option(help: "Decoupled weight decay on weights (none on biases and scales).")
    var weightDecay: Double = 1e-4

    @Option(help: "Seed of the initialisation and the batch order.")
    var seed: UInt64 = 0

    @Option(help: "Evaluate on at most this many validation and test examples (default: all of them).")
    var evaluationLimit: Int?

    @Option(help: "GiB of frozen node values kept in memory; beyond it they spill to a temporary file. 0 turns the prefix cache off.")
    var cacheMemory: Double = 4

    @Option(help: ArgumentHelp("What the frozen backbone's weight products compute in: float32, or bfloat16 (float32 sums; fast on "
                               + "CPUs with AVX512_BF16 or AMX, elsewhere a portable kernel computes the same more slowly than "
                               + "float32). Adapters, head, loss, optimiser and the probe stay float32; results of the two "
                               + "are kept apart.", valueName: "float32|bfloat16"))
    var precision: Precision = .float32

    @Option(help: ArgumentHelp("The order training visits its examples in: shuffled, or length-grouped[:BATCHES] (each window of "
                               + "BATCHES batches, 32 when not given, sorted by length so that batches pad less, the batches "
                               + "visited in a seeded order). Results of different orders are kept apart.",
                               valueName: "shuffled|length-grouped[:BATCHES]"))
    var batchOrder: BatchOrder = .shuffled

    func validate() throws {
        guard steps > 0, batchSize > 0 else { throw ValidationError("--steps and --batch-size must be positive") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw ValidationError("--weight-decay must be a finite number, 0 or more") }
        if let evaluationLimit, evaluationLimit < 1 {
            throw ValidationError("--evaluation-limit must be at least 1 (leave it out to evaluate every example)")
        }
        try validating { try ExecutionSettings.check(cacheMemory: cacheMemory) }
    }

    /// The budget these options give.
    var budget: TrainingBudget {
        TrainingBudget(steps: steps, batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay, seed: seed,
                       evaluationLimit: evaluationLimit, precision: precision, batchOrder: batchOrder)
    }

    /// The prefix cache these options ask for, with in-process plugins.
    var execution: ExecutionSettings { ExecutionSettings(cacheMemory: cacheMemory) }
}

extension Precision: ExpressibleByArgument {}

extension BatchOrder: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { name }
}
