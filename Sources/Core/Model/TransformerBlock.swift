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

    // MARK: The residual and norm around a sub-layer

    /// y = LN(x + core(x)) (post-LN) or y = x + core(LN(x)) (pre-LN); returns
    /// y, the norm's cache, what the core read, and the core's own tape.
    private func residual<CoreTape>(_ x: Matrix<Scalar>, _ norm: LayerNorm<Scalar>,
                                    _ core: (Matrix<Scalar>) -> (Matrix<Scalar>, CoreTape))
        -> (Matrix<Scalar>, LayerNorm<Scalar>.Cache, Matrix<Scalar>, CoreTape) {
        switch placement {
        case .post:
            let (sum, tape) = core(x)
            let (y, cache) = norm.forward(x, adding: sum)
            return (y, cache, x, tape)
        case .pre:
            let (normalized, cache) = norm.forward(x)
            let (sum, tape) = core(normalized)
            return (x + sum, cache, normalized, tape)
        }
    }

    /// Backward of `residual`: `coreBackward` maps the core's output gradient
    /// to its input gradient. Returns dL/dx, the core's output gradient, and
    /// the norm's output gradient (for the norm's parameter gradients).
    private func residualBackward(_ dy: Matrix<Scalar>, _ norm: LayerNorm<Scalar>, _ cache: LayerNorm<Scalar>.Cache,
                                  _ coreBackward: (Matrix<Scalar>) -> Matrix<Scalar>)
        -> (dx: Matrix<Scalar>, dOut: Matrix<Scalar>, dNormOutput: Matrix<Scalar>) {
        switch placement {
        case .post:
            let dOut = norm.backward(dy, cache)
            return (dOut + coreBackward(dOut), dOut, dy)
        case .pre:
            let dProjected = coreBackward(dy)
            return (dy + norm.backward(dProjected, cache), dy, dProjected)
        }
    }

    // MARK: Attention sub-layer

    /// Node 2k-1 from node 2k-2.
    public func attention(_ x: Matrix<Scalar>, layout: BatchLayout) -> (Matrix<Scalar>, AttentionTape) {
        let (y, norm, projected, core) = residual(x, attentionNorm) { input in
            let packed = qkv.forward(input)
            let (context, cache) = Attention.forward(packed, heads: heads, layout: layout)
            return (attentionOutput.forward(context), (packed, cache, context))
        }
        return (y, AttentionTape(norm: norm, projected: projected, qkv: core.0, attention: core.1, context: core.2))
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
        var dPacked = tape.qkv
        let (dx, dOut, dNormOutput) = residualBackward(dy, attentionNorm, tape.norm) { dOut in
            let dContext = attentionOutput.backward(dOut)
            dPacked = Attention.backward(dContext, qkv: tape.qkv, heads: heads, layout: layout, cache: tape.attention)
            return qkv.backward(dPacked)
        }
        guard collecting else { return (dx, nil) }
        var gradients = zeroed
        gradients.qkv = qkv.parameterGradients(dPacked, input: tape.projected)
        gradients.attentionOutput = attentionOutput.parameterGradients(dOut, input: tape.context)
        gradients.attentionNorm = attentionNorm.parameterGradients(dNormOutput, tape.norm)
        return (dx, gradients)
    }

    // MARK: MLP sub-layer

    /// Node 2k from node 2k-1.
    public func mlp(_ a: Matrix<Scalar>) -> (Matrix<Scalar>, MLPTape) {
        let (y, norm, projected, core) = residual(a, mlpNorm) { input in
            let hidden = intermediate.forward(input)
            let activated = GELU.forward(hidden)
            return (output.forward(activated), (hidden, activated))
        }
        return (y, MLPTape(norm: norm, projected: projected, hidden: core.0, activated: core.1))
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
        var dHidden = tape.hidden
        let (dx, dOut, dNormOutput) = residualBackward(dy, mlpNorm, tape.norm) { dOut in
            dHidden = GELU.backward(output.backward(dOut), input: tape.hidden)
            return intermediate.backward(dHidden)
        }
        guard collecting else { return (dx, nil) }
        var gradients = zeroed
        gradients.intermediate = intermediate.parameterGradients(dHidden, input: tape.projected)
        gradients.output = output.parameterGradients(dOut, input: tape.activated)
        gradients.mlpNorm = mlpNorm.parameterGradients(dNormOutput, tape.norm)
        return (dx, gradients)
    }

    /// The block with `transform` applied to every parameter.
    public func mapped(_ transform: (Scalar) -> Scalar) -> TransformerBlock {
        TransformerBlock(placement: placement, heads: heads, qkv: qkv.mapped(transform),
                         attentionOutput: attentionOutput.mapped(transform), attentionNorm: attentionNorm.mapped(transform),
                         intermediate: intermediate.mapped(transform), output: output.mapped(transform),
                         mlpNorm: mlpNorm.mapped(transform))
    }

    /// A block of the same shape with every parameter zero: where gradients accumulate.
    public var zeroed: TransformerBlock { mapped { _ in 0 } }
}
