/// Where a block's layer norms sit.
public enum NormPlacement: String, Sendable {
    /// a = LN(x + Attn(x)); y = LN(a + MLP(a)) — BERT, RoBERTa, MiniLM.
    case post
    /// a = x + Attn(LN(x)); y = a + MLP(LN(a)) — ViT.
    case pre
}

/// One transformer block as two sub-layers, attention and MLP, each a
/// segment of the residual stream between two nodes (METHOD.md section 1).
public struct TransformerBlock<Scalar: Real>: Sendable {
    /// Where the norms sit.
    public var placement: NormPlacement
    /// Attention heads.
    public var heads: Int
    /// Q, K and V projections fused: 3d x d.
    public var qkv: Linear<Scalar>
    /// The attention output projection, d x d.
    public var attentionOutput: Linear<Scalar>
    /// Post-LN: the norm after the attention residual. Pre-LN: the norm before attention.
    public var attentionNorm: LayerNorm<Scalar>
    /// The MLP's first projection, 4d x d.
    public var intermediate: Linear<Scalar>
    /// The MLP's second projection, d x 4d.
    public var output: Linear<Scalar>
    /// Post-LN: the norm after the MLP residual. Pre-LN: the norm before the MLP.
    public var mlpNorm: LayerNorm<Scalar>

    /// A block from its parts.
    public init(placement: NormPlacement, heads: Int, qkv: Linear<Scalar>, attentionOutput: Linear<Scalar>,
                attentionNorm: LayerNorm<Scalar>, intermediate: Linear<Scalar>, output: Linear<Scalar>,
                mlpNorm: LayerNorm<Scalar>) {
        self.placement = placement
        self.heads = heads
        self.qkv = qkv
        self.attentionOutput = attentionOutput
        self.attentionNorm = attentionNorm
        self.intermediate = intermediate
        self.output = output
        self.mlpNorm = mlpNorm
    }

    /// What the attention sub-layer's backward needs.
    public struct AttentionTape: Sendable {
        var norm: LayerNorm<Scalar>.Cache
        /// What the QKV projection read: x (post-LN) or LN(x) (pre-LN).
        var projected: Matrix<Scalar>
        var qkv: Matrix<Scalar>
        var attention: Attention.Cache<Scalar>
        var context: Matrix<Scalar>
    }

    /// What the MLP sub-layer's backward needs.
    public struct MLPTape: Sendable {
        var norm: LayerNorm<Scalar>.Cache
        /// What the first projection read: a (post-LN) or LN(a) (pre-LN).
        var projected: Matrix<Scalar>
        var hidden: Matrix<Scalar>
        var activated: Matrix<Scalar>
    }

    // MARK: Attention sub-layer

    /// Node 2k-1 from node 2k-2.
    public func attention(_ x: Matrix<Scalar>, layout: BatchLayout) -> (Matrix<Scalar>, AttentionTape) {
        switch placement {
        case .post:
            let (sum, tape) = attentionCore(x, layout: layout)
            let (y, norm) = attentionNorm.forward(x, adding: sum)
            return (y, AttentionTape(norm: norm, projected: x, qkv: tape.qkv, attention: tape.attention, context: tape.context))
        case .pre:
            let (normalized, norm) = attentionNorm.forward(x)
            let (sum, tape) = attentionCore(normalized, layout: layout)
            return (x + sum, AttentionTape(norm: norm, projected: normalized, qkv: tape.qkv,
                                           attention: tape.attention, context: tape.context))
        }
    }

    /// dL/d(node 2k-2) from dL/d(node 2k-1).
    public func attentionBackward(_ dy: Matrix<Scalar>, _ tape: AttentionTape, layout: BatchLayout) -> Matrix<Scalar> {
        switch placement {
        case .post:
            let dSum = attentionNorm.backward(dy, tape.norm)
            return dSum + attentionCoreBackward(dSum, tape, layout: layout)
        case .pre:
            return dy + attentionNorm.backward(attentionCoreBackward(dy, tape, layout: layout), tape.norm)
        }
    }

    private func attentionCore(_ input: Matrix<Scalar>, layout: BatchLayout)
        -> (Matrix<Scalar>, (qkv: Matrix<Scalar>, attention: Attention.Cache<Scalar>, context: Matrix<Scalar>)) {
        let packed = qkv.forward(input)
        let (context, cache) = Attention.forward(packed, heads: heads, layout: layout)
        return (attentionOutput.forward(context), (packed, cache, context))
    }

    private func attentionCoreBackward(_ dOut: Matrix<Scalar>, _ tape: AttentionTape, layout: BatchLayout) -> Matrix<Scalar> {
        let dContext = attentionOutput.backward(dOut)
        let dPacked = Attention.backward(dContext, qkv: tape.qkv, heads: heads, layout: layout, cache: tape.attention)
        return qkv.backward(dPacked)
    }

    // MARK: MLP sub-layer

    /// Node 2k from node 2k-1.
    public func mlp(_ a: Matrix<Scalar>) -> (Matrix<Scalar>, MLPTape) {
        switch placement {
        case .post:
            let (sum, hidden, activated) = mlpCore(a)
            let (y, norm) = mlpNorm.forward(a, adding: sum)
            return (y, MLPTape(norm: norm, projected: a, hidden: hidden, activated: activated))
        case .pre:
            let (normalized, norm) = mlpNorm.forward(a)
            let (sum, hidden, activated) = mlpCore(normalized)
            return (a + sum, MLPTape(norm: norm, projected: normalized, hidden: hidden, activated: activated))
        }
    }

    /// dL/d(node 2k-1) from dL/d(node 2k).
    public func mlpBackward(_ dy: Matrix<Scalar>, _ tape: MLPTape) -> Matrix<Scalar> {
        switch placement {
        case .post:
            let dSum = mlpNorm.backward(dy, tape.norm)
            return dSum + mlpCoreBackward(dSum, tape)
        case .pre:
            return dy + mlpNorm.backward(mlpCoreBackward(dy, tape), tape.norm)
        }
    }

    private func mlpCore(_ input: Matrix<Scalar>) -> (Matrix<Scalar>, Matrix<Scalar>, Matrix<Scalar>) {
        let hidden = intermediate.forward(input)
        let activated = GELU.forward(hidden)
        return (output.forward(activated), hidden, activated)
    }

    private func mlpCoreBackward(_ dOut: Matrix<Scalar>, _ tape: MLPTape) -> Matrix<Scalar> {
        intermediate.backward(GELU.backward(output.backward(dOut), input: tape.hidden))
    }
}
