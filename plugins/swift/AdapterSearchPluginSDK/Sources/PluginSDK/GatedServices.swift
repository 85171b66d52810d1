import CAdapterSearch

/// How a gated training runs (`asp_gated_budget`): the defaults are the
/// learned-switch strategy's; steps and learning rate 0 take the run's.
public struct GatedBudget: Sendable, Equatable {
    public var steps: Int = 0
    public var learningRate: Double = 0
    public var gateLearningRate: Double = 0.05
    public var sparsity: Double = 0.2
    public var initialTemperature: Double = 1
    public var finalTemperature: Double = 0.1
    public var initialLogit: Double = 1

    public init(steps: Int = 0, learningRate: Double = 0, gateLearningRate: Double = 0.05, sparsity: Double = 0.2,
                initialTemperature: Double = 1, finalTemperature: Double = 0.1, initialLogit: Double = 1) {
        self.steps = steps
        self.learningRate = learningRate
        self.gateLearningRate = gateLearningRate
        self.sparsity = sparsity
        self.initialTemperature = initialTemperature
        self.finalTemperature = finalTemperature
        self.initialLogit = initialLogit
    }
}

/// What a gated training gave: each edge's gate probability and the gated
/// model's validation figures.
public struct GatedOutcome: Sendable, Equatable {
    /// σ(logit) per edge, in the order given; NaN when the training diverged.
    public var probabilities: [Double]
    /// Validation accuracy of the gated model (open gates kept); NaN when diverged.
    public var accuracy: Double
    public var loss: Double
    public var seconds: Double
    public var diverged: Bool
}

/// Candidate adapters trained together behind learned switches, the
/// `asp.gated/1` extension (ABI 1.2).
public struct GatedServices {
    let api: UnsafePointer<asp_gated_api>
    let host: PluginHost

    /// Trains an adapter on each of `edges` together, each behind a gate, under `budget`.
    public func train(_ edges: [Edge], budget: GatedBudget) throws -> GatedOutcome {
        guard let steps = UInt32(exactly: budget.steps) else {
            throw PluginError.invalidArgument("steps must be between 0 and \(UInt32.max), not \(budget.steps)")
        }
        var cBudget = asp_gated_budget(struct_size: UInt32(MemoryLayout<asp_gated_budget>.size), steps: steps,
                                       learning_rate: budget.learningRate, gate_learning_rate: budget.gateLearningRate,
                                       sparsity: budget.sparsity, initial_temperature: budget.initialTemperature,
                                       final_temperature: budget.finalTemperature, initial_logit: budget.initialLogit)
        var probabilities = [Double](repeating: .nan, count: edges.count)
        var result = asp_gated_result()
        result.struct_size = UInt32(MemoryLayout<asp_gated_result>.size)
        let cEdges = edges.map(\.cValue)
        try host.call("train_gated") { context in
            probabilities.withUnsafeMutableBufferPointer {
                api.pointee.train_gated(context, cEdges, UInt32(edges.count), &cBudget, $0.baseAddress, &result)
            }
        }
        return GatedOutcome(probabilities: probabilities, accuracy: result.accuracy, loss: result.loss, seconds: result.seconds,
                            diverged: result.diverged != 0)
    }
}
