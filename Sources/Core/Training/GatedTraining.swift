import Foundation

/// How candidate adapters are trained together behind learned switches
/// (METHOD.md section 7, "Gated training").
public struct GatedBudget: Hashable, Sendable, Codable {
    /// Optimiser steps.
    public var steps: Int
    /// Examples per step.
    public var batchSize: Int
    /// Peak learning rate of the adapters and the head (warmup, then cosine).
    public var learningRate: Double
    /// Learning rate of the gates' logits (constant, Adam without decay).
    public var gateLearningRate: Double
    /// Decoupled weight decay on the adapters' and head's weights.
    public var weightDecay: Double
    /// λ: the weight of the sparsity pressure, the mean probability a gate is open.
    public var sparsity: Double
    /// τ at the first step, annealed geometrically to `finalTemperature`.
    public var initialTemperature: Double
    /// τ at the last step.
    public var finalTemperature: Double
    /// Every gate's logit before training (σ of it: the probability it starts open).
    public var initialLogit: Double
    /// Seed of the adapters, the head, the batch order and the gates' noise.
    public var seed: UInt64
    /// Validate on at most this many examples (all when nil).
    public var evaluationLimit: Int?
    /// The order the training examples are visited in.
    public var batchOrder: BatchOrder

    /// A gated budget; the defaults are `learned-switch`'s.
    public init(steps: Int = 300, batchSize: Int = 32, learningRate: Double = 1e-3, gateLearningRate: Double = 0.05,
                weightDecay: Double = 1e-4, sparsity: Double = 0.5, initialTemperature: Double = 1, finalTemperature: Double = 0.1,
                initialLogit: Double = 1, seed: UInt64 = 0, evaluationLimit: Int? = nil, batchOrder: BatchOrder = .shuffled) {
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.gateLearningRate = gateLearningRate
        self.weightDecay = weightDecay
        self.sparsity = sparsity
        self.initialTemperature = initialTemperature
        self.finalTemperature = finalTemperature
        self.initialLogit = initialLogit
        self.seed = seed
        self.evaluationLimit = evaluationLimit
        self.batchOrder = batchOrder
    }
}

/// Candidate adapters trained together, each behind a relaxed Bernoulli
/// gate, with a sparsity pressure on the gates; then the gated model
/// (every adapter whose gate is open, σ(α) > 1/2, at full strength; the
/// others removed) validated.
public struct GatedTrainingRun: Sendable {
    /// The candidates' adapters and the head, as trained.
    public var state: TrainableState<Float>
    /// Each candidate's gate logit α, in the candidates' placement order.
    public var logits: [Double]
    /// Each candidate's probability of being open, σ(α).
    public var probabilities: [Double] { logits.map(RelaxedGate.probability) }
    /// The validation accuracy and loss of the gated model.
    public var validation: Evaluation
    /// Wall-clock seconds, validation included.
    public var seconds: Double

    /// Trains `candidates`' adapters with gates on `task` under `budget`.
    /// `progress` hears each step's number and loss; `shouldStop` ends the
    /// training with `TrainingError.stopped`.
    public static func train(_ candidates: Placement, on task: some ClassificationTask, backbone: Backbone<Float>,
                             budget: GatedBudget, stopsGradientAtRecurrentSources: Bool = false,
                             progress: (Int, Double) -> Void = { _, _ in },
                             shouldStop: () -> Bool = { false }) throws -> GatedTrainingRun {
        let start = Date()
        var trainer = GatedTrainer(backbone: backbone, candidates: candidates, classes: task.classes.count, budget: budget,
                                   stopsGradientAtRecurrentSources: stopsGradientAtRecurrentSources)
        for step in 0..<budget.steps {
            if shouldStop() { throw TrainingError.stopped(step: step + 1) }
            progress(step + 1, try trainer.train(on: task.trainingBatch(step: step, size: budget.batchSize, seed: budget.seed, order: budget.batchOrder)))
        }
        let open = trainer.openState()
        let validation = try Trainer(backbone: backbone, state: open, steps: 1)
            .evaluate(task.evaluationBatches(.validation, size: 64, limit: budget.evaluationLimit))
        return GatedTrainingRun(state: trainer.state, logits: trainer.logits, validation: validation,
                                seconds: Date().timeIntervalSince(start))
    }
}

/// The optimiser loop of gated training: each step draws every gate,
/// runs the residual graph with gated adapters, and updates the adapters
/// and head (AdamW, warmup-cosine) and the gates' logits (Adam, constant
/// rate) from the loss plus the sparsity pressure.
struct GatedTrainer {
    let backbone: Backbone<Float>
    let budget: GatedBudget
    var state: TrainableState<Float>
    var logits: [Double]
    private var optimiser: AdamW<Float>
    private var gateOptimiser = AdamW<Double>(weightDecay: 0)
    private let schedule: WarmupCosine
    private var noise: SeededRandom
    private var step = 0

    init(backbone: Backbone<Float>, candidates: Placement, classes: Int, budget: GatedBudget, stopsGradientAtRecurrentSources: Bool) {
        self.backbone = backbone
        self.budget = budget
        state = .initial(candidates, width: backbone.width, classes: classes, seed: budget.seed,
                         stopsGradientAtRecurrentSources: stopsGradientAtRecurrentSources)
        logits = [Double](repeating: budget.initialLogit, count: candidates.entries.count)
        optimiser = AdamW(weightDecay: budget.weightDecay)
        schedule = WarmupCosine(peak: budget.learningRate, warmupSteps: max(budget.steps / 10, 1), totalSteps: budget.steps)
        noise = SeededRandom(seed: budget.seed, stream: "gates")
    }

    /// A uniform draw strictly inside (0, 1): (m + 1/2) / 2^53 for a 53-bit m.
    private mutating func uniform() -> Double { (Double(noise.next() >> 11) + 0.5) / 9_007_199_254_740_992 }

    /// One step on `batch`; returns the batch's loss (without the pressure) before the step.
    mutating func train(on batch: LabelledBatch<Float>) throws -> Double {
        let temperature = RelaxedGate.temperature(step: step, of: budget.steps, from: budget.initialTemperature,
                                                  to: budget.finalTemperature)
        var gates: [Double] = []
        for logit in logits { gates.append(RelaxedGate.sample(logit: logit, temperature: temperature, noise: uniform())) }
        let graph = ResidualGraph(edges: state.graph.placement.edges,
                                  modules: zip(state.graph.adapters, gates).map { GatedAdapter(adapter: $0, gate: Float($1)) },
                                  stopsGradientAtRecurrentSources: state.graph.stopsGradientAtRecurrentSources)
        let first = state.graph.firstChangedNode(nodeCount: backbone.nodeCount)
        let prefix = backbone.frozenPrefix(batch.input, through: first)
        let run = graph.forward(backbone, from: first, value: prefix.values[first]!, frozen: (0..<first).map { prefix.values[$0] },
                                layout: prefix.layout)
        let output = state.head.forward(run.pooled)
        let (loss, dLogits) = CrossEntropy.loss(output, labels: batch.labels)
        guard loss.isFinite else { throw TrainingError.diverged(step: step + 1, what: "the loss is \(loss)") }
        let headGradient = state.head.parameterGradients(dLogits, input: run.pooled)
        let modules = graph.backward(backbone, run, pooledGradient: state.head.backward(dLogits)).modules
        let adapterGradients = zip(modules, state.graph.adapters).map { $0?.adapter ?? $1.mapped { _ in 0 } }
        var tensors = state.tensors()
        optimiser.update(&tensors, gradients: state.gradients(head: headGradient, adapters: adapterGradients),
                         learningRate: schedule.rate(at: step))
        let pressure = RelaxedGate.sparsity(logits: logits, weight: budget.sparsity).gradient
        let dLogitsOfGates = logits.indices.map { index in
            (modules[index]?.gate ?? 0) * RelaxedGate.derivative(gate: gates[index], temperature: temperature) + pressure[index]
        }
        var gateTensor = [ParameterTensor(values: logits, decays: false)]
        gateOptimiser.update(&gateTensor, gradients: [dLogitsOfGates], learningRate: budget.gateLearningRate)
        guard tensors.allSatisfy({ $0.values.allSatisfy(\.isFinite) }), gateTensor[0].values.allSatisfy(\.isFinite) else {
            throw TrainingError.diverged(step: step + 1, what: "an adapter, the head or a gate is no longer finite")
        }
        state.assign(tensors)
        logits = gateTensor[0].values
        step += 1
        return Double(loss)
    }

    /// The gated model: the candidates whose gates are open (σ(α) > 1/2),
    /// with their trained adapters at full strength, and the head.
    func openState() -> TrainableState<Float> {
        let kept = logits.indices.filter { RelaxedGate.probability(logit: logits[$0]) > 0.5 }
        let placement = Placement(kept.map { state.graph.placement.entries[$0] })
        return TrainableState(graph: AdapterGraph(placement: placement, adapters: kept.map { state.graph.adapters[$0] },
                                                  stopsGradientAtRecurrentSources: state.graph.stopsGradientAtRecurrentSources),
                              head: state.head)
    }
}
