/// The probe of METHOD.md section 4: one forward and one backward pass of
/// the cross-entropy loss on a probe batch, recording at every node k the
/// activations H_k and the gradients D_k = dL/dh_k over the real
/// (non-padding) tokens. Every edge's gradient G_ij = H_i^T D_j follows.
public struct Probe: Sendable {
    /// H_k, N x d, for k = 0 ..< n (N real tokens of the batch).
    public var activations: [Matrix<Float>]
    /// D_k = dL/dh_k, N x d.
    public var gradients: [Matrix<Float>]
    /// For nodes whose sequential edge carries a map in this pass: the node's
    /// value before the maps, N x d, which that edge reads (H_k is the value
    /// after them). Empty for the default pass.
    public var sequentialSources: [Int: Matrix<Float>] = [:]
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

    /// What a probe pass computes: METHOD.md section 4's pass by default; the
    /// variations are the extra passes metrics ask for (`asp.probe/1` run_pass).
    public struct Pass: Sendable {
        /// Where node 0 comes from.
        public enum Start: Sendable {
            /// The embeddings of the batch's input.
            case embedded
            /// Data-free: node 0 is all ones on every row (the batch gives only its layout).
            case ones
        }

        /// The loss backward starts from.
        public enum Loss: Sendable {
            /// Mean cross-entropy of the head's logits against the labels.
            case crossEntropy
            /// The sum of the head's outputs over the batch (synflow's R).
            case sumOfOutputs
        }

        public var start: Start
        public var loss: Loss
        /// Dense d x d maps on non-recurrent edges, h'_j += source_i W, with
        /// source_i = h'_i for i < j and h_j itself for i == j (METHOD.md
        /// section 2); for Hessian-gradient products by finite differences.
        public var maps: [(edge: Edge, map: Matrix<Float>)]

        /// A pass; the defaults are the probe's.
        public init(start: Start = .embedded, loss: Loss = .crossEntropy, maps: [(edge: Edge, map: Matrix<Float>)] = []) {
            self.start = start
            self.loss = loss
            self.maps = maps
        }
    }

    /// Why a pass cannot run.
    public enum PassError: Error, Equatable, CustomStringConvertible {
        /// A map on an edge outside the backbone's nodes.
        case edgeOutsideNodes(Edge, nodeCount: Int)
        /// A map on a recurrent edge: its gradient is not H_i^T D_j of one pass.
        case recurrentMap(Edge)
        /// A map of the wrong shape.
        case mapShape(Edge, rows: Int, cols: Int, width: Int)
        /// Two maps on one edge.
        case duplicateMap(Edge)

        public var description: String {
            switch self {
            case let .edgeOutsideNodes(edge, nodeCount):
                "a map on edge \(edge), but the backbone's nodes are 0...\(nodeCount - 1)"
            case let .recurrentMap(edge):
                "a map on recurrent edge \(edge): extra passes take maps on sequential, parallel and long-range edges only"
            case let .mapShape(edge, rows, cols, width):
                "the map on edge \(edge) is \(rows) x \(cols); it must be \(width) x \(width)"
            case let .duplicateMap(edge):
                "two maps on edge \(edge)"
            }
        }
    }

    /// Runs the probe pass on `batch` with `head`: one forward and one
    /// backward pass of the cross-entropy loss.
    public init(backbone: Backbone<Float>, batch: LabelledBatch<Float>, head: Linear<Float>) {
        // The default pass has no maps, so nothing can be wrong with it.
        try! self.init(backbone: backbone, batch: batch, head: head, pass: Pass())
    }

    /// Runs `pass` on `batch` with `head`: one forward and one backward pass.
    public init(backbone: Backbone<Float>, batch: LabelledBatch<Float>, head: Linear<Float>, pass: Pass) throws(PassError) {
        let n = backbone.nodeCount, width = backbone.width
        var seen: Set<Edge> = []
        for (edge, map) in pass.maps {
            guard edge.isInside(nodeCount: n) else { throw .edgeOutsideNodes(edge, nodeCount: n) }
            guard edge.kind != .recurrent else { throw .recurrentMap(edge) }
            guard map.rows == width, map.cols == width else { throw .mapShape(edge, rows: map.rows, cols: map.cols, width: width) }
            guard seen.insert(edge).inserted else { throw .duplicateMap(edge) }
        }
        let layout = backbone.layout(of: batch.input)
        let nodeZero = switch pass.start {
        case .embedded: backbone.embed(batch.input).0
        case .ones: Matrix<Float>(rows: layout.rows, cols: width, values: [Float](repeating: 1, count: layout.rows * width))
        }

        let graph = ResidualGraph(edges: pass.maps.map(\.edge), modules: pass.maps.map { DenseMap(weight: $0.map) })
        let run = graph.forward(backbone, from: 0, value: nodeZero, layout: layout)
        let logits = head.forward(run.pooled)
        let loss: Float, dLogits: Matrix<Float>
        switch pass.loss {
        case .crossEntropy:
            (loss, dLogits) = CrossEntropy.loss(logits, labels: batch.labels)
        case .sumOfOutputs:
            loss = logits.values.reduce(0, +)
            dLogits = Matrix(rows: logits.rows, cols: logits.cols, values: [Float](repeating: 1, count: logits.values.count))
        }
        let gradients = graph.backward(backbone, run, pooledGradient: head.backward(dLogits)).nodes

        let real = layout.isToken.indices.filter { layout.isToken[$0] }
        func tokenRows(_ matrix: Matrix<Float>) -> Matrix<Float> {
            real.count == matrix.rows ? matrix : Matrix(rows: real.count, cols: matrix.cols, values: real.flatMap { row in
                matrix.values[(row * matrix.cols)..<((row + 1) * matrix.cols)]
            })
        }
        activations = run.nodes.map { tokenRows($0!) }
        self.gradients = gradients.map { tokenRows($0!) }
        for (index, edge) in graph.edges.enumerated() where edge.kind == .sequential {
            sequentialSources[edge.target] = tokenRows(run.passOne.moduleTapes[index]!)  // the map's tape: what it read
        }
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

    /// N, the real (non-padding) tokens a probe of `input` records on
    /// `backbone`: the rows of its H_k and D_k.
    public static func tokens(of input: BackboneInput<Float>, backbone: Backbone<Float>) -> Int {
        backbone.layout(of: input).tokenCount
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

/// A fixed dense d x d map on an edge, adding source W into its target (the
/// probe's extra passes); its tape is the source it read.
struct DenseMap<Scalar: Real>: EdgeModule {
    var weight: Matrix<Scalar>

    func forward(_ source: Matrix<Scalar>) -> (Matrix<Scalar>, Matrix<Scalar>) {
        (MatrixProduct.multiply(source, weight), source)
    }

    func backward(_ dOutput: Matrix<Scalar>, _ source: Matrix<Scalar>, accumulating gradient: inout Never?) -> Matrix<Scalar> {
        MatrixProduct.multiply(dOutput, weight, transposeB: true)
    }
}
