import CKernels
import CLinearAlgebra
#if canImport(Glibc)
import Glibc
#endif

/// The scalar types the engine computes in: `Float` for real work on
/// OpenBLAS's sgemm, `Double` for gradient checks against finite differences.
/// Every op is written once, generic over `Real`; the few element-wise
/// kernels that dominate time are requirements, so that Float can use
/// vectorised approximations (VectorMath) while Double stays exact.
public protocol Real: BinaryFloatingPoint, Sendable, CustomStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// C = alpha * op(A) * op(B) + beta * C, row-major, through CBLAS gemm.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     alpha: Self, a: UnsafePointer<Self>, lda: Int,
                     b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// e^x.
    static func exp(_ x: Self) -> Self
    /// Natural logarithm.
    static func log(_ x: Self) -> Self
    /// The error function.
    static func erf(_ x: Self) -> Self

    /// Softmax of each row of `length` scores over the keys flagged 1 in
    /// `keyIsToken`; masked keys get 0, a row with no key becomes zeros.
    static func maskedSoftmax(_ scores: UnsafeMutableBufferPointer<Self>, length: Int, keyIsToken: UnsafeBufferPointer<UInt8>)
    /// output[i] = gelu(input[i]).
    static func gelu(_ input: UnsafeBufferPointer<Self>, into output: UnsafeMutableBufferPointer<Self>)
    /// output[i] = gradient[i] * gelu'(input[i]).
    static func geluBackward(_ gradient: UnsafeBufferPointer<Self>, input: UnsafeBufferPointer<Self>,
                             into output: UnsafeMutableBufferPointer<Self>)
    /// Layer norm of whole rows (see LayerNorm).
    static func layerNormRows(_ rows: LayerNormRows<Self>)
    /// Layer-norm backward of whole rows (see LayerNorm).
    static func layerNormBackwardRows(_ rows: LayerNormBackwardRows<Self>)
    /// Softmax backward in place, row by row (see Attention).
    static func softmaxBackward(_ gradient: UnsafeMutableBufferPointer<Self>, probabilities: UnsafeBufferPointer<Self>,
                                length: Int)
}

extension Real {
    /// The exact element-wise kernels, from libm: what Double uses, so that
    /// gradient checks see the true functions.
    @inlinable
    static func exactMaskedSoftmax(_ scores: UnsafeMutableBufferPointer<Self>, length: Int,
                                   keyIsToken: UnsafeBufferPointer<UInt8>) {
        for start in stride(from: 0, to: scores.count, by: length) {
            var largest = -Self.infinity
            for col in 0..<length where keyIsToken[col] != 0 { largest = max(largest, scores[start + col]) }
            var total: Self = 0
            for col in 0..<length {
                let value = keyIsToken[col] != 0 ? exp(scores[start + col] - largest) : 0
                scores[start + col] = value
                total += value
            }
            let inverse = total > 0 ? 1 / total : 0
            for col in 0..<length { scores[start + col] *= inverse }
        }
    }

    @inlinable
    static func exactGELU(_ input: UnsafeBufferPointer<Self>, into output: UnsafeMutableBufferPointer<Self>) {
        for index in input.indices {
            let x = input[index]
            output[index] = x * (1 + erf(x * Self(0.7071067811865475244))) / 2
        }
    }

    @inlinable
    static func exactGELUBackward(_ gradient: UnsafeBufferPointer<Self>, input: UnsafeBufferPointer<Self>,
                                  into output: UnsafeMutableBufferPointer<Self>) {
        for index in gradient.indices {
            let x = input[index]
            let cdf = (1 + erf(x * Self(0.7071067811865475244))) / 2
            let density = exp(-x * x / 2) * Self(0.3989422804014326779)
            output[index] = gradient[index] * (cdf + x * density)
        }
    }
}

extension Float: Real {
    @inlinable
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                            alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inlinable public static func exp(_ x: Float) -> Float { expf(x) }
    @inlinable public static func log(_ x: Float) -> Float { logf(x) }
    @inlinable public static func erf(_ x: Float) -> Float { erff(x) }
    @inlinable public static func maskedSoftmax(_ scores: UnsafeMutableBufferPointer<Float>, length: Int,
                                                keyIsToken: UnsafeBufferPointer<UInt8>) {
        guard let base = scores.baseAddress, let mask = keyIsToken.baseAddress, length > 0 else { return }
        kernel_masked_softmax_f32(base, scores.count / length, length, mask)
    }
    @inlinable public static func gelu(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        guard let x = input.baseAddress, let y = output.baseAddress else { return }
        kernel_gelu_f32(x, y, input.count)
    }
    @inlinable public static func geluBackward(_ gradient: UnsafeBufferPointer<Float>, input: UnsafeBufferPointer<Float>,
                                               into output: UnsafeMutableBufferPointer<Float>) {
        guard let dy = gradient.baseAddress, let x = input.baseAddress, let dx = output.baseAddress else { return }
        kernel_gelu_backward_f32(dy, x, dx, gradient.count)
    }
    @inlinable public static func layerNormRows(_ r: LayerNormRows<Float>) {
        kernel_layer_norm_f32(r.x.baseAddress!, r.residual?.baseAddress, r.rows, r.width, r.gamma.baseAddress!,
                              r.beta.baseAddress!, r.epsilon, r.normalized.baseAddress!, r.y.baseAddress!,
                              r.inverseStd.baseAddress!)
    }
    @inlinable public static func layerNormBackwardRows(_ r: LayerNormBackwardRows<Float>) {
        kernel_layer_norm_backward_f32(r.dy.baseAddress!, r.normalized.baseAddress!, r.inverseStd.baseAddress!,
                                       r.gamma.baseAddress!, r.rows, r.width, r.dx.baseAddress!)
    }
    @inlinable public static func softmaxBackward(_ gradient: UnsafeMutableBufferPointer<Float>,
                                                  probabilities: UnsafeBufferPointer<Float>, length: Int) {
        kernel_softmax_backward_f32(gradient.baseAddress!, probabilities.baseAddress!, gradient.count / length, length)
    }
}

extension Double: Real {
    @inlinable
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                            alpha: Double, a: UnsafePointer<Double>, lda: Int,
                            b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inlinable public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inlinable public static func erf(_ x: Double) -> Double { Glibc.erf(x) }
    @inlinable public static func maskedSoftmax(_ scores: UnsafeMutableBufferPointer<Double>, length: Int,
                                                keyIsToken: UnsafeBufferPointer<UInt8>) {
        exactMaskedSoftmax(scores, length: length, keyIsToken: keyIsToken)
    }
    @inlinable public static func gelu(_ input: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        exactGELU(input, into: output)
    }
    @inlinable public static func geluBackward(_ gradient: UnsafeBufferPointer<Double>, input: UnsafeBufferPointer<Double>,
                                               into output: UnsafeMutableBufferPointer<Double>) {
        exactGELUBackward(gradient, input: input, into: output)
    }
    @inlinable public static func layerNormRows(_ rows: LayerNormRows<Double>) { exactLayerNormRows(rows) }
    @inlinable public static func layerNormBackwardRows(_ rows: LayerNormBackwardRows<Double>) { exactLayerNormBackwardRows(rows) }
    @inlinable public static func softmaxBackward(_ gradient: UnsafeMutableBufferPointer<Double>,
                                                  probabilities: UnsafeBufferPointer<Double>, length: Int) {
        exactSoftmaxBackward(gradient, probabilities: probabilities, length: length)
    }
}
