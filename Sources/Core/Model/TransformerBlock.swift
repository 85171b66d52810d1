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
        if placement == .post {
            // LN(x + Attn(x)) with the norm fused into the output projection's row blocks.
            let packed = qkv.forward(x)
            let (context, cache) = Attention.forward(packed, heads: heads, layout: layout)
            let (y, norm) = projectAndNormalize(attentionOutput, context, adding: x, attentionNorm)
            return (y, AttentionTape(norm: norm, projected: x, qkv: packed, attention: cache, context: context))
        }
        let (y, norm, projected, core) = residual(x, attentionNorm) { input in
            let packed = qkv.forward(input)
            let (context, cache) = Attention.forward(packed, heads: heads, layout: layout)
            return (attentionOutput.forward(context), (packed, cache, context))
        }
        return (y, AttentionTape(norm: norm, projected: projected, qkv: core.0, attention: core.1, context: core.2))
    }

    /// dL/d(node 2k-2) from dL/d(node 2k-1).
    public func attentionBackward(_ dy: Matrix<Scalar>, _ tape: AttentionTape, layout: BatchLayout) -> Matrix<Scalar> {
        attentionBackwardSteps(dy, tape, layout: layout).dx
    }

    /// The attention sub-layer's backward: dL/dx, and the gradients at the
    /// QKV projection's output, the output projection's output and the
    /// norm's output (what its parameters' gradients are read from).
    func attentionBackwardSteps(_ dy: Matrix<Scalar>, _ tape: AttentionTape, layout: BatchLayout)
        -> (dx: Matrix<Scalar>, dPacked: Matrix<Scalar>, dOut: Matrix<Scalar>, dNormOutput: Matrix<Scalar>) {
        var dPacked = tape.qkv
        let dx: Matrix<Scalar>, dOut: Matrix<Scalar>, dNormOutput: Matrix<Scalar>
        if placement == .post {
            // dOut = the norm's backward, fused into the output projection's
            // row blocks; dx = dOut + dPacked W_qkv, the residual as gemm's C.
            var dContext = Matrix<Scalar>(rows: dy.rows, cols: attentionOutput.inputWidth) { _ in }
            var dNorm = Matrix<Scalar>(rows: dy.rows, cols: dy.cols) { _ in }
            normBackwardThenProject(dy, attentionNorm, tape.norm, attentionOutput, into: &dNorm, &dContext) { _, _ in }
            dPacked = Attention.backward(dContext, qkv: tape.qkv, heads: heads, layout: layout, cache: tape.attention)
            dx = projectBackward(qkv, dPacked, adding: dNorm)
            (dOut, dNormOutput) = (dNorm, dy)
        } else {
            (dx, dOut, dNormOutput) = residualBackward(dy, attentionNorm, tape.norm) { dOut in
                let dContext = attentionOutput.backward(dOut)
                dPacked = Attention.backward(dContext, qkv: tape.qkv, heads: heads, layout: layout, cache: tape.attention)
                return qkv.backward(dPacked)
            }
        }
        return (dx, dPacked, dOut, dNormOutput)
    }

    // MARK: Fused row-block passes

    /// LN(residual + linear(input)) (post-LN), the norm run on each row
    /// block right after that block's product; returns it and the norm's cache.
    private func projectAndNormalize(_ linear: Linear<Scalar>, _ input: Matrix<Scalar>, adding residual: Matrix<Scalar>,
                                     _ norm: LayerNorm<Scalar>) -> (Matrix<Scalar>, LayerNorm<Scalar>.Cache) {
        let rows = input.rows, width = linear.outputWidth
        precondition(residual.rows == rows && residual.cols == width, "residual of another shape")
        var inverseStd = [Scalar](repeating: 0, count: rows)
        var normalized = Matrix<Scalar>(rows: rows, cols: width) { _ in }  // the norm writes every row
        var y = Matrix<Scalar>(rows: rows, cols: width) { _ in }
        residual.values.withUnsafeBufferPointer { x in
        normalized.values.withUnsafeMutableBufferPointer { xhat in
        y.values.withUnsafeMutableBufferPointer { out in
        inverseStd.withUnsafeMutableBufferPointer { inverse in
            _ = linear.forward(input) { block, sum in
                norm.forwardRows(block, x: x.baseAddress!, adding: UnsafePointer(sum), y: out.baseAddress!,
                                 normalized: xhat.baseAddress!, inverseStd: inverse.baseAddress!)
            }
        }
        }
        }
        }
        return (y, LayerNorm.Cache(normalized: normalized, inverseStd: inverseStd))
    }

    /// dNorm = the norm's backward of dy and, block by block on the same
    /// thread, dProjected = dNorm W (the linear layer's input gradient),
    /// then `then(rows)` on those rows of dProjected.
    private func normBackwardThenProject(_ dy: Matrix<Scalar>, _ norm: LayerNorm<Scalar>, _ cache: LayerNorm<Scalar>.Cache,
                                         _ linear: Linear<Scalar>, into dNorm: inout Matrix<Scalar>,
                                         _ dProjected: inout Matrix<Scalar>,
                                         then epilogue: (Range<Int>, UnsafeMutablePointer<Scalar>) -> Void) {
        let rows = dy.rows
        dy.values.withUnsafeBufferPointer { g in
        cache.normalized.values.withUnsafeBufferPointer { xhat in
        cache.inverseStd.withUnsafeBufferPointer { inverse in
        dNorm.values.withUnsafeMutableBufferPointer { dN in
        dProjected.values.withUnsafeMutableBufferPointer { dP in
            linear.backward(rows: rows, dy: dN.baseAddress!, into: dP.baseAddress!,
                            prologue: { block in
                                norm.backwardRows(block, dy: g.baseAddress!, normalized: xhat.baseAddress!,
                                                  inverseStd: inverse.baseAddress!, dx: dN.baseAddress!)
                            },
                            epilogue: { block in epilogue(block, dP.baseAddress!) })
        }
        }
        }
        }
        }
    }

    /// residual + dy W: the linear layer's input gradient with the
    /// residual branch's gradient added as gemm's C.
    private func projectBackward(_ linear: Linear<Scalar>, _ dy: Matrix<Scalar>, adding residual: Matrix<Scalar>) -> Matrix<Scalar> {
        precondition(residual.rows == dy.rows && residual.cols == linear.inputWidth, "residual of another shape")
        return dy.values.withUnsafeBufferPointer { g in
        residual.values.withUnsafeBufferPointer { r in
            Matrix<Scalar>(rows: dy.rows, cols: linear.inputWidth) { dx in
                linear.backward(rows: dy.rows, dy: g.baseAddress!, into: dx.baseAddress!, adding: r.baseAddress!)
            }
        }
        }
    }

    /// (hidden, gelu(hidden)) for the MLP's input, the activation run on
    /// each row block right after that block's product.
    private func activate(_ input: Matrix<Scalar>) -> (Matrix<Scalar>, Matrix<Scalar>) {
        let width = intermediate.outputWidth
        var activated = Matrix<Scalar>(rows: input.rows, cols: width) { _ in }  // every block is written
        let hidden = activated.values.withUnsafeMutableBufferPointer { out in
            intermediate.forward(input) { block, hidden in
                let start = block.lowerBound * width, count = block.count * width
                Scalar.gelu(UnsafeBufferPointer(start: hidden + start, count: count),
                            into: UnsafeMutableBufferPointer(start: out.baseAddress! + start, count: count))
            }
        }
        return (hidden, activated)
    }

    /// gelu'(hidden) * dActivated in place on rows `block` of dActivated.
    private func activationBackward(_ block: Range<Int>, _ gradient: UnsafeMutablePointer<Scalar>,
                                    hidden: UnsafePointer<Scalar>) {
        let width = intermediate.outputWidth, start = block.lowerBound * width, count = block.count * width
        Scalar.geluBackward(UnsafeBufferPointer(start: gradient + start, count: count),
                            input: UnsafeBufferPointer(start: hidden + start, count: count),
                            into: UnsafeMutableBufferPointer(start: gradient + start, count: count))
    }

    // MARK: MLP sub-layer

    /// Node 2k from node 2k-1.
    public func mlp(_ a: Matrix<Scalar>) -> (Matrix<Scalar>, MLPTape) {
        if placement == .post {
            let (hidden, activated) = activate(a)
            let (y, norm) = projectAndNormalize(output, activated, adding: a, mlpNorm)
            return (y, MLPTape(norm: norm, projected: a, hidden: hidden, activated: activated))
        }
        let (y, norm, projected, core) = residual(a, mlpNorm) { input in
            let (hidden, activated) = activate(input)
            return (output.forward(activated), (hidden, activated))
        }
        return (y, MLPTape(norm: norm, projected: projected, hidden: core.0, activated: core.1))
    }

    /// dL/d(node 2k-1) from dL/d(node 2k).
    public func mlpBackward(_ dy: Matrix<Scalar>, _ tape: MLPTape) -> Matrix<Scalar> {
        mlpBackwardSteps(dy, tape).dx
    }

    /// The MLP sub-layer's backward: dL/da, and the gradients at the first
    /// projection's output, the second projection's output and the norm's
    /// output (what its parameters' gradients are read from).
    func mlpBackwardSteps(_ dy: Matrix<Scalar>, _ tape: MLPTape)
        -> (dx: Matrix<Scalar>, dHidden: Matrix<Scalar>, dOut: Matrix<Scalar>, dNormOutput: Matrix<Scalar>) {
        var dHidden = Matrix<Scalar>(rows: dy.rows, cols: intermediate.outputWidth) { _ in }  // every block is written
        let dx: Matrix<Scalar>, dOut: Matrix<Scalar>, dNormOutput: Matrix<Scalar>
        if placement == .post {
            // Row blocks of: dOut = the norm's backward, dHidden = gelu' * (dOut W2);
            // then dx = dOut + dHidden W1, the residual as gemm's C.
            var dNorm = Matrix<Scalar>(rows: dy.rows, cols: dy.cols) { _ in }
            tape.hidden.values.withUnsafeBufferPointer { hidden in
                normBackwardThenProject(dy, mlpNorm, tape.norm, output, into: &dNorm, &dHidden) { block, gradient in
                    activationBackward(block, gradient, hidden: hidden.baseAddress!)
                }
            }
            dx = projectBackward(intermediate, dHidden, adding: dNorm)
            (dOut, dNormOutput) = (dNorm, dy)
        } else {
            (dx, dOut, dNormOutput) = residualBackward(dy, mlpNorm, tape.norm) { dOut in
                dOut.values.withUnsafeBufferPointer { g in
                tape.hidden.values.withUnsafeBufferPointer { hidden in
                dHidden.values.withUnsafeMutableBufferPointer { dH in
                    output.backward(rows: dOut.rows, dy: g.baseAddress!, into: dH.baseAddress!, epilogue: { block in
                        activationBackward(block, dH.baseAddress!, hidden: hidden.baseAddress!)
                    })
                }
                }
                }
                return intermediate.backward(dHidden)
            }
        }
        return (dx, dHidden, dOut, dNormOutput)
    }

    /// The block with its four weights packed for the packed product kernel
    /// (`Linear.packingWeight()`).
    public func packingWeights() -> TransformerBlock {
        TransformerBlock(placement: placement, heads: heads, qkv: qkv.packingWeight(),
                         attentionOutput: attentionOutput.packingWeight(), attentionNorm: attentionNorm,
                         intermediate: intermediate.packingWeight(), output: output.packingWeight(), mlpNorm: mlpNorm)
    }

    /// The block with its four weights packed in `precision`
    /// (`Linear.packingWeight(in:)`).
    public func packingWeights(in precision: Precision) -> TransformerBlock {
        TransformerBlock(placement: placement, heads: heads, qkv: qkv.packingWeight(in: precision),
                         attentionOutput: attentionOutput.packingWeight(in: precision), attentionNorm: attentionNorm,
                         intermediate: intermediate.packingWeight(in: precision), output: output.packingWeight(in: precision),
                         mlpNorm: mlpNorm)
    }

    /// The precision of the block's weight products: bfloat16 when any of
    /// its four layers multiplies in it, else float32.
    public var precision: Precision {
        [qkv, attentionOutput, intermediate, output].contains { $0.precision == .bfloat16 } ? .bfloat16 : .float32
    }

    /// The block with `transform` applied to every parameter.
    public func mapped(_ transform: (Scalar) -> Scalar) -> TransformerBlock {
        TransformerBlock(placement: placement, heads: heads, qkv: qkv.mapped(transform),
                         attentionOutput: attentionOutput.mapped(transform), attentionNorm: attentionNorm.mapped(transform),
                         intermediate: intermediate.mapped(transform), output: output.mapped(transform),
                         mlpNorm: mlpNorm.mapped(transform))
    }
}
