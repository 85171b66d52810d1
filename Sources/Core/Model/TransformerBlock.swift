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
        attentionBackward(dy, tape, layout: layout, collecting: false).0
    }

    /// dL/d(node 2k-2), and the gradients of the attention sub-layer's
    /// parameters (qkv, attentionOutput, attentionNorm; the block's other
    /// fields are zero), for full fine-tuning.
    public func attentionGradients(_ dy: Matrix<Scalar>, _ tape: AttentionTape,
                                   layout: BatchLayout) -> (Matrix<Scalar>, TransformerBlock) {
        let (dx, gradients) = attentionBackward(dy, tape, layout: layout, collecting: true)
        return (dx, gradients!)
    }

    private func attentionBackward(_ dy: Matrix<Scalar>, _ tape: AttentionTape, layout: BatchLayout,
                                   collecting: Bool) -> (Matrix<Scalar>, TransformerBlock?) {
        // post: dSum = LN'(dy); pre: the core's output gradient is dy itself.
        let dOut = placement == .post ? attentionNorm.backward(dy, tape.norm) : dy
        let dContext = attentionOutput.backward(dOut)
        let dPacked = Attention.backward(dContext, qkv: tape.qkv, heads: heads, layout: layout, cache: tape.attention)
        let dProjected = qkv.backward(dPacked)
        let dx: Matrix<Scalar>, normGradient: Matrix<Scalar>
        switch placement {
        case .post: (dx, normGradient) = (dOut + dProjected, dy)
        case .pre: (dx, normGradient) = (dy + attentionNorm.backward(dProjected, tape.norm), dProjected)
        }
        guard collecting else { return (dx, nil) }
        var gradients = zeroed
        gradients.qkv = qkv.parameterGradients(dPacked, input: tape.projected)
        gradients.attentionOutput = attentionOutput.parameterGradients(dOut, input: tape.context)
        gradients.attentionNorm = attentionNorm.parameterGradients(normGradient, tape.norm)
        return (dx, gradients)
    }

    private func attentionCore(_ input: Matrix<Scalar>, layout: BatchLayout)
        -> (Matrix<Scalar>, (qkv: Matrix<Scalar>, attention: Attention.Cache<Scalar>, context: Matrix<Scalar>)) {
        let packed = qkv.forward(input)
        let (context, cache) = Attention.forward(packed, heads: heads, layout: layout)
        return (attentionOutput.forward(context), (packed, cache, context))
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
        mlpBackward(dy, tape, collecting: false).0
    }

    /// dL/d(node 2k-1), and the gradients of the MLP sub-layer's parameters
    /// (intermediate, output, mlpNorm; the block's other fields are zero).
    public func mlpGradients(_ dy: Matrix<Scalar>, _ tape: MLPTape) -> (Matrix<Scalar>, TransformerBlock) {
        let (dx, gradients) = mlpBackward(dy, tape, collecting: true)
        return (dx, gradients!)
    }

    private func mlpBackward(_ dy: Matrix<Scalar>, _ tape: MLPTape, collecting: Bool) -> (Matrix<Scalar>, TransformerBlock?) {
        let dOut = placement == .post ? mlpNorm.backward(dy, tape.norm) : dy
        let dHidden = GELU.backward(output.backward(dOut), input: tape.hidden)
        let dProjected = intermediate.backward(dHidden)
        let dx: Matrix<Scalar>, normGradient: Matrix<Scalar>
        switch placement {
        case .post: (dx, normGradient) = (dOut + dProjected, dy)
        case .pre: (dx, normGradient) = (dy + mlpNorm.backward(dProjected, tape.norm), dProjected)
        }
        guard collecting else { return (dx, nil) }
        var gradients = zeroed
        gradients.intermediate = intermediate.parameterGradients(dHidden, input: tape.projected)
        gradients.output = output.parameterGradients(dOut, input: tape.activated)
        gradients.mlpNorm = mlpNorm.parameterGradients(normGradient, tape.norm)
        return (dx, gradients)
    }

    private func mlpCore(_ input: Matrix<Scalar>) -> (Matrix<Scalar>, Matrix<Scalar>, Matrix<Scalar>) {
        let hidden = intermediate.forward(input)
        let activated = GELU.forward(hidden)
        return (output.forward(activated), hidden, activated)
    }

    /// A block of the same shape with every parameter zero: where gradients accumulate.
    public var zeroed: TransformerBlock {
        func zero(_ layer: Linear<Scalar>) -> Linear<Scalar> {
            Linear(weight: Matrix(zeros: layer.weight.rows, layer.weight.cols), bias: [Scalar](repeating: 0, count: layer.bias.count))
        }
        func zero(_ norm: LayerNorm<Scalar>) -> LayerNorm<Scalar> {
            LayerNorm(gamma: [Scalar](repeating: 0, count: norm.gamma.count), beta: [Scalar](repeating: 0, count: norm.beta.count),
                      epsilon: norm.epsilon)
        }
        return TransformerBlock(placement: placement, heads: heads, qkv: zero(qkv), attentionOutput: zero(attentionOutput),
                                attentionNorm: zero(attentionNorm), intermediate: zero(intermediate), output: zero(output),
                                mlpNorm: zero(mlpNorm))
    }
}
