/// The input of a backbone: token ids (BERT family) or images (ViT).
public enum BackboneInput<Scalar: Real>: Sendable {
    /// Token ids and type ids, (B*T) row-major, with the layout's padding mask.
    case tokens(ids: [Int32], types: [Int32], layout: BatchLayout)
    /// Images, B x C x H x W row-major.
    case images(pixels: [Scalar], count: Int)
}

/// A frozen transformer backbone: embeddings, L blocks, and the readout that
/// pools the last node into one vector per example. Its residual stream is
/// sampled at n = 2L + 1 nodes (METHOD.md section 1): node 0 is the
/// embeddings' output, node 2k-1 follows block k's attention sub-layer and
/// node 2k is block k's output. Segment s computes node s from node s-1.
public struct Backbone<Scalar: Real>: Sendable {
    /// The input embeddings.
    public enum Embeddings: Sendable {
        case tokens(TokenEmbeddings<Scalar>)
        case patches(PatchEmbeddings<Scalar>)
    }

    /// The input embeddings.
    public var embeddings: Embeddings
    /// The blocks, in order.
    public var blocks: [TransformerBlock<Scalar>]
    /// The norm after the last block (pre-LN backbones), part of the readout.
    public var finalNorm: LayerNorm<Scalar>?
    /// How the last node becomes one vector per example.
    public var pooling: Pooling

    /// A backbone from its parts. The blocks' weights stay fixed, so they
    /// are packed here, once, for the packed product kernel (`PackedMatrix`).
    public init(embeddings: Embeddings, blocks: [TransformerBlock<Scalar>], finalNorm: LayerNorm<Scalar>?,
                pooling: Pooling) {
        self.embeddings = embeddings
        self.blocks = blocks.map { $0.packingWeights() }
        self.finalNorm = finalNorm
        self.pooling = pooling
    }

    /// The precision of the frozen weight products (the blocks' four
    /// projections, forward and input gradient): bfloat16 when any of them
    /// multiplies in bfloat16, else float32. A backbone is built in float32;
    /// `with(precision:)` changes it.
    public var precision: Precision { blocks.contains { $0.precision == .bfloat16 } ? .bfloat16 : .float32 }

    /// The instructions the bfloat16 products run on (nil in float32).
    public var bfloat16Kernel: BFloat16Kernel? {
        blocks.lazy.compactMap { $0.qkv.packed?.transposed.bfloat16Kernel }.first
    }

    /// The precision for a person: `float32`, or `bfloat16 (amx)` with its kernel.
    public var precisionSummary: String {
        bfloat16Kernel.map { "\(precision) (\($0))" } ?? precision.description
    }

    /// This backbone with its blocks' weights packed in `precision` (the
    /// same backbone when it already computes in it). Only the weight
    /// products change; everything else stays float32.
    public func with(precision: Precision) -> Backbone {
        guard precision != self.precision else { return self }
        var backbone = self
        backbone.blocks = blocks.map { $0.packingWeights(in: precision) }
        return backbone
    }

    /// n = 2L + 1.
    public var nodeCount: Int { 2 * blocks.count + 1 }

    /// The backbone with `transform` applied to every weight: embeddings,
    /// blocks and final norm (e.g. `abs`, for data-free passes like synflow's).
    public func mapped(_ transform: (Scalar) -> Scalar) -> Backbone {
        let mappedEmbeddings: Embeddings = switch embeddings {
        case let .tokens(table): .tokens(table.mapped(transform))
        case let .patches(table): .patches(table.mapped(transform))
        }
        return Backbone(embeddings: mappedEmbeddings, blocks: blocks.map { $0.mapped(transform) },
                        finalNorm: finalNorm?.mapped(transform), pooling: pooling)
    }

    /// The hidden width d.
    public var width: Int { blocks.first?.attentionOutput.outputWidth ?? 0 }

    /// What one segment's backward needs.
    public enum SegmentTape: Sendable {
        case attention(TransformerBlock<Scalar>.AttentionTape)
        case mlp(TransformerBlock<Scalar>.MLPTape)
    }

    /// The layout of `input`'s rows at every node.
    public func layout(of input: BackboneInput<Scalar>) -> BatchLayout {
        switch (embeddings, input) {
        case let (_, .tokens(_, _, layout)): layout
        case let (.patches(table), .images(_, count)): BatchLayout(examples: count, length: table.patchCount + 1)
        case (.tokens, .images): preconditionFailure("a text backbone was given images")
        }
    }

    /// Node 0 and the layout of its rows.
    public func embed(_ input: BackboneInput<Scalar>) -> (Matrix<Scalar>, BatchLayout) {
        switch (embeddings, input) {
        case let (.tokens(table), .tokens(ids, types, layout)):
            return (table.forward(ids: ids, types: types, layout: layout).0, layout)
        case let (.patches(table), .images(pixels, count)):
            return (table.forward(pixels, count: count), layout(of: input))
        case (.tokens, .images):
            preconditionFailure("a text backbone was given images")
        case (.patches, .tokens):
            preconditionFailure("an image backbone was given tokens")
        }
    }

    /// Node s from node s - 1, for s in 1 ..< nodeCount.
    public func segment(_ s: Int, _ input: Matrix<Scalar>, layout: BatchLayout) -> (Matrix<Scalar>, SegmentTape) {
        let block = blocks[(s - 1) / 2]
        if s % 2 == 1 {
            let (output, tape) = block.attention(input, layout: layout)
            return (output, .attention(tape))
        }
        let (output, tape) = block.mlp(input)
        return (output, .mlp(tape))
    }

    /// dL/d(node s - 1) from dL/d(node s).
    public func segmentBackward(_ s: Int, _ dOutput: Matrix<Scalar>, _ tape: SegmentTape,
                                layout: BatchLayout) -> Matrix<Scalar> {
        let block = blocks[(s - 1) / 2]
        switch tape {
        case let .attention(tape): return block.attentionBackward(dOutput, tape, layout: layout)
        case let .mlp(tape): return block.mlpBackward(dOutput, tape)
        }
    }

    /// The pooled features, B x d, from the last node; and the final norm's cache.
    public func readout(_ last: Matrix<Scalar>, layout: BatchLayout) -> (Matrix<Scalar>, LayerNorm<Scalar>.Cache?) {
        PassCount.countForward()
        guard let finalNorm else { return (pooling.forward(last, layout: layout), nil) }
        let (normalized, cache) = finalNorm.forward(last)
        return (pooling.forward(normalized, layout: layout), cache)
    }

    /// dL/d(last node) from dL/dpooled.
    public func readoutBackward(_ dPooled: Matrix<Scalar>, _ cache: LayerNorm<Scalar>.Cache?,
                                layout: BatchLayout) -> Matrix<Scalar> {
        PassCount.countBackward()
        let dLast = pooling.backward(dPooled, layout: layout)
        guard let finalNorm, let cache else { return dLast }
        return finalNorm.backward(dLast, cache)
    }
}

/// One recorded forward pass: every node's value and what backward needs.
public struct ForwardPass<Scalar: Real>: Sendable {
    /// h_k for k = 0 ..< n, each (B*T) x d.
    public var nodes: [Matrix<Scalar>] { run.passOne.values.map { $0! } }
    /// The pooled features, B x d.
    public var pooled: Matrix<Scalar> { run.pooled }
    /// The rows' layout.
    public var layout: BatchLayout { run.layout }
    var run: ResidualGraph<Adapter<Scalar>>.Run
}

extension Backbone {
    /// The residual graph without edges: the backbone alone.
    private var plainGraph: ResidualGraph<Adapter<Scalar>> { ResidualGraph(edges: [], modules: []) }

    /// Runs the backbone, recording every node.
    public func forward(_ input: BackboneInput<Scalar>) -> ForwardPass<Scalar> {
        let (nodeZero, layout) = embed(input)
        return ForwardPass(run: plainGraph.forward(self, from: 0, value: nodeZero, layout: layout))
    }

    /// dL/dh_k at every node k from dL/dpooled; no frozen-weight gradient is computed.
    public func nodeGradients(_ pass: ForwardPass<Scalar>, pooledGradient: Matrix<Scalar>) -> [Matrix<Scalar>] {
        plainGraph.backward(self, pass.run, pooledGradient: pooledGradient).nodes.map { $0! }
    }
}
