/// The probe of METHOD.md section 4: one forward and one backward pass of
/// the cross-entropy loss on a probe batch, recording at every node k the
/// activations H_k and the gradients D_k = dL/dh_k over the real
/// (non-padding) tokens. Every edge's gradient G_ij = H_i^T D_j follows.
public struct Probe: Sendable {
    /// H_k, N x d, for k = 0 ..< n (N real tokens of the batch).
    public var activations: [Matrix<Float>]
    /// D_k = dL/dh_k, N x d.
    public var gradients: [Matrix<Float>]
    /// The task head the loss was taken through.
    public var head: Linear<Float>
    /// The probe batch's mean cross-entropy loss.
    public var loss: Double
    /// Examples in the probe batch.
    public var examples: Int

    /// n.
    public var nodeCount: Int { activations.count }
    /// d.
    public var width: Int { activations.first?.cols ?? 0 }
    /// N, the real tokens.
    public var tokens: Int { activations.first?.rows ?? 0 }
    /// Classes of the head.
    public var classes: Int { head.outputWidth }

    /// How the probe's head is made.
    public enum Head: Hashable, Sendable {
        /// PyTorch's nn.Linear init (uniform in ±1/sqrt(d)) drawn from a seed.
        case random(seed: UInt64)
        /// A linear probe trained on frozen features first (head only), under a budget.
        case fitted(TrainingBudget)
    }

    /// Runs the probe pass on `batch` with `head`.
    public init(backbone: Backbone<Float>, batch: LabelledBatch<Float>, head: Linear<Float>) {
        let pass = backbone.forward(batch.input)
        let (loss, dLogits) = CrossEntropy.loss(head.forward(pass.pooled), labels: batch.labels)
        let gradients = backbone.nodeGradients(pass, pooledGradient: head.backward(dLogits))
        let real = pass.layout.isToken.indices.filter { pass.layout.isToken[$0] }
        func tokenRows(_ matrix: Matrix<Float>) -> Matrix<Float> {
            real.count == matrix.rows ? matrix : Matrix(rows: real.count, cols: matrix.cols, values: real.flatMap { row in
                matrix.values[(row * matrix.cols)..<((row + 1) * matrix.cols)]
            })
        }
        activations = pass.nodes.map(tokenRows)
        self.gradients = gradients.map(tokenRows)
        self.head = head
        self.loss = Double(loss)
        examples = batch.labels.count
    }

    /// The probe batch of `task`: `size` training examples drawn with `seed`.
    public static func batch(of task: some ClassificationTask, size: Int, seed: UInt64) -> LabelledBatch<Float> {
        var random = SeededRandom(seed: seed, stream: "probe batch")
        let count = task.count(.train)
        return task.batch(.train, Array(Array(0..<count).shuffled(using: &random).prefix(size)))
    }

    /// The head `kind` asks for on `task`: drawn, or fitted as a linear probe.
    public static func head(_ kind: Head, backbone: Backbone<Float>, task: some ClassificationTask,
                            prefixes: PrefixCache<Float>? = nil) throws -> Linear<Float> {
        switch kind {
        case let .random(seed):
            return TrainableState<Float>.initial(Placement([]), width: backbone.width, classes: task.classes.count, seed: seed).head
        case let .fitted(budget):
            return try TrainingRun.train(Placement([]), on: task, backbone: backbone, budget: budget, prefixes: prefixes,
                                         evaluatesTest: false).state.head
        }
    }
}
