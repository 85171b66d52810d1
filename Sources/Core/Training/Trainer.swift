/// What is trained on a frozen backbone: the adapters of a placement and a
/// linear task head, with their flattening for the optimiser.
public struct TrainableState<Scalar: Real>: Sendable {
    public var graph: AdapterGraph<Scalar>
    public var head: Linear<Scalar>

    /// A state from its parts (e.g. adapters read back from a trained folder).
    public init(graph: AdapterGraph<Scalar>, head: Linear<Scalar>) {
        self.graph = graph
        self.head = head
    }

    /// A head drawn from `seed` (uniform, PyTorch's nn.Linear default bound
    /// 1/sqrt(d)) and adapters initialised as their options say.
    public static func initial(_ placement: Placement, width: Int, classes: Int, seed: UInt64,
                               stopsGradientAtRecurrentSources: Bool = false) -> TrainableState {
        var random = SeededRandom(seed: seed, stream: "head")
        let bound = 1 / Double(width).squareRoot()
        let head = Linear<Scalar>(
            weight: Matrix(rows: classes, cols: width,
                           values: (0..<classes * width).map { _ in Scalar(Double.random(in: -bound...bound, using: &random)) }),
            bias: (0..<classes).map { _ in Scalar(Double.random(in: -bound...bound, using: &random)) })
        return TrainableState(graph: .initialized(placement, width: width, seed: seed,
                                                  stopsGradientAtRecurrentSources: stopsGradientAtRecurrentSources),
                              head: head)
    }

    /// Trainable parameters: adapters and head.
    public var parameterCount: Int { graph.parameterCount + head.weight.values.count + head.bias.count }

    /// The tensors in a fixed order: the head's, then each adapter's
    /// `parameterTensors` (which say what decays: weights, never biases,
    /// scales or activation coefficients).
    func tensors() -> [ParameterTensor<Scalar>] {
        [ParameterTensor(values: head.weight.values, decays: true), ParameterTensor(values: head.bias, decays: false)]
            + graph.adapters.flatMap(\.parameterTensors)
    }

    /// The gradients of `tensors()`, in its order, from the head's and each
    /// adapter's gradient (a head and adapters of gradients).
    func gradients(head: Linear<Scalar>, adapters: [Adapter<Scalar>]) -> [[Scalar]] {
        [head.weight.values, head.bias] + adapters.flatMap { $0.parameterTensors.map(\.values) }
    }

    /// Writes tensors (in `tensors()` order) back.
    mutating func assign(_ list: [ParameterTensor<Scalar>]) {
        head.weight.values = list[0].values
        head.bias = list[1].values
        var next = 2
        for index in graph.adapters.indices {
            let count = graph.adapters[index].parameterTensors.count
            graph.adapters[index].assignParameters(list[next..<next + count].map(\.values))
            next += count
        }
    }
}

/// Why a training stopped before its budget was spent.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The loss, a parameter or the logits became NaN or infinite at `step`
    /// (1-based; 0: while evaluating): the training diverged, and no
    /// accuracy it would give means anything.
    case diverged(step: Int, what: String)
    /// The caller asked to stop (Ctrl-C) before step `step`.
    case stopped(step: Int)

    public var description: String {
        switch self {
        case let .stopped(step): "the training was stopped before step \(step)"
        case let .diverged(step, what):
            "the training diverged \(step > 0 ? "at step \(step)" : "by the end"): \(what); "
                + "lower the learning rate, or the adapters' scale (alpha)"
        }
    }
}

extension TrainingError {
    /// True for a divergence (a result of the placement), false for a stop (the user's).
    public var isDivergence: Bool {
        if case .diverged = self { true } else { false }
    }
}

/// Loss and accuracy over some batches.
public struct Evaluation: Sendable, Equatable {
    public var accuracy: Double
    public var loss: Double
    public var examples: Int
}

/// Trains adapters and head on a frozen backbone with AdamW and warmup-cosine
/// (METHOD.md section 7). Deterministic: the same seed and batches give
/// bit-identical parameters.
public struct Trainer<Scalar: Real> {
    public let backbone: Backbone<Scalar>
    public var state: TrainableState<Scalar>
    public var optimiser: AdamW<Scalar>
    public let schedule: WarmupCosine
    /// Where batches' frozen prefixes come from; nil computes them every time.
    public let prefixes: PrefixCache<Scalar>?
    public private(set) var step = 0

    public init(backbone: Backbone<Scalar>, state: TrainableState<Scalar>, learningRate: Double = 1e-3,
                weightDecay: Double = 1e-4, steps: Int, warmupFraction: Double = 0.1, prefixes: PrefixCache<Scalar>? = nil) {
        precondition(prefixes == nil || prefixes!.backbone.nodeCount == backbone.nodeCount, "a cache of another backbone")
        self.backbone = backbone
        self.state = state
        self.prefixes = prefixes
        optimiser = AdamW(weightDecay: weightDecay)
        schedule = WarmupCosine(peak: learningRate, warmupSteps: max(Int(Double(steps) * warmupFraction), 1), totalSteps: steps)
    }

    /// One optimiser step on `batch`; returns the batch's loss before the step.
    @discardableResult
    public mutating func train(on batch: LabelledBatch<Scalar>) throws -> Double {
        let forward = backbone.forward(try prefix(batch), adapters: state.graph)
        let logits = state.head.forward(forward.pooled)
        let (loss, dLogits) = CrossEntropy.loss(logits, labels: batch.labels)
        guard loss.isFinite else { throw TrainingError.diverged(step: step + 1, what: "the loss is \(loss)") }
        let headGradient = state.head.parameterGradients(dLogits, input: forward.pooled)
        let adapterGradients = state.graph.adapters.isEmpty ? [] :
            backbone.adapterGradients(forward, adapters: state.graph, pooledGradient: state.head.backward(dLogits))
        var tensors = state.tensors()
        optimiser.update(&tensors, gradients: state.gradients(head: headGradient, adapters: adapterGradients),
                         learningRate: schedule.rate(at: step))
        if let bad = tensors.firstIndex(where: { !$0.values.allSatisfy(\.isFinite) }) {
            throw TrainingError.diverged(step: step + 1, what: "parameter tensor \(bad) (\(bad < 2 ? "the head" : "an adapter")) is no longer finite")
        }
        state.assign(tensors)
        step += 1
        return Double(loss)
    }

    /// Accuracy and mean loss over `batches`.
    public func evaluate(_ batches: [LabelledBatch<Scalar>]) throws -> Evaluation {
        var correct = 0, total = 0, lossSum = 0.0
        for batch in batches {
            let logits = state.head.forward(backbone.forward(try prefix(batch), adapters: state.graph).pooled)
            guard logits.values.allSatisfy(\.isFinite) else {
                throw TrainingError.diverged(step: 0, what: "the trained model's logits are not finite")
            }
            lossSum += Double(CrossEntropy.loss(logits, labels: batch.labels).loss) * Double(batch.labels.count)
            for (row, label) in batch.labels.enumerated() {
                let predicted = (0..<logits.cols).max { logits[row, $0] < logits[row, $1] }!
                if predicted == label { correct += 1 }
            }
            total += batch.labels.count
        }
        return Evaluation(accuracy: total > 0 ? Double(correct) / Double(total) : 0,
                          loss: total > 0 ? lossSum / Double(total) : 0, examples: total)
    }

    /// The frozen prefix of `batch` for the current placement.
    private func prefix(_ batch: LabelledBatch<Scalar>) throws -> FrozenPrefix<Scalar> {
        if let prefixes { return try prefixes.prefix(batch, for: state.graph) }
        return backbone.frozenPrefix(batch.input, for: state.graph)
    }
}
