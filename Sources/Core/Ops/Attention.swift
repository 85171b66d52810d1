/// How a batch of sequences is folded into the rows of an activation matrix:
/// `examples` sequences of `length` rows each, with a mask of real rows.
public struct BatchLayout: Equatable, Sendable {
    /// B: sequences in the batch.
    public var examples: Int
    /// T: rows per sequence, padding included.
    public var length: Int
    /// One flag per row: true for a real token, false for padding.
    public var isToken: [Bool]

    /// A layout; `isToken` defaults to every row real.
    public init(examples: Int, length: Int, isToken: [Bool]? = nil) {
        self.examples = examples
        self.length = length
        self.isToken = isToken ?? [Bool](repeating: true, count: examples * length)
        precondition(self.isToken.count == examples * length, "a mask of \(self.isToken.count) rows for \(examples) x \(length)")
    }

    /// B * T.
    public var rows: Int { examples * length }
    /// N: the real (non-padding) rows.
    public var tokenCount: Int { isToken.lazy.filter { $0 }.count }
}

/// Multi-head scaled dot-product self-attention over packed projections:
/// each row of `qkv` is [q | k | v], each of `heads` heads of width d / heads.
/// Padding rows are never attended to (their keys are masked out).
public enum Attention {
    /// The attention probabilities, B x H x T x T, that backward needs.
    public struct Cache<Scalar: Real>: Sendable {
        public var probabilities: [Scalar]
    }

    /// softmax(Q K^T / sqrt(dh) + mask) V for every example and head;
    /// returns the context, (B*T) x d. Examples run in parallel.
    public static func forward<Scalar: Real>(_ qkv: Matrix<Scalar>, heads: Int,
                                             layout: BatchLayout) -> (Matrix<Scalar>, Cache<Scalar>) {
        let width = qkv.cols / 3, headWidth = width / heads, length = layout.length
        precondition(qkv.cols == 3 * width && width == heads * headWidth, "qkv of \(qkv.shape) for \(heads) heads")
        precondition(qkv.rows == layout.rows, "qkv has \(qkv.rows) rows, the layout \(layout.rows)")
        let scale = 1 / Scalar(headWidth).squareRoot()
        // Every head's gemms write all of context and probabilities.
        var context = Matrix<Scalar>(rows: qkv.rows, cols: width) { _ in }
        var probabilities = Matrix<Scalar>(rows: layout.examples * heads * length, cols: length) { _ in }.values
        let keyIsToken = layout.isToken.map { UInt8($0 ? 1 : 0) }
        keyIsToken.withUnsafeBufferPointer { keyIsToken in
        qkv.values.withUnsafeBufferPointer { packed in
        context.values.withUnsafeMutableBufferPointer { out in
        probabilities.withUnsafeMutableBufferPointer { allProbabilities in
            Parallel.forEachChunk(layout.examples, minimumChunk: 1) { examples in
                for example in examples {
                    let rowBase = example * length
                    for head in 0..<heads {
                        let q = packed.baseAddress! + rowBase * 3 * width + head * headWidth
                        let k = q + width, v = q + 2 * width
                        let p = allProbabilities.baseAddress! + (example * heads + head) * length * length
                        // S = Q K^T * scale, then P = softmax(S) in place
                        Scalar.gemm(transposeA: false, transposeB: true, m: length, n: length, k: headWidth,
                                    alpha: scale, a: q, lda: 3 * width, b: k, ldb: 3 * width, beta: 0, c: p, ldc: length)
                        Scalar.maskedSoftmax(UnsafeMutableBufferPointer(start: p, count: length * length), length: length,
                                             keyIsToken: UnsafeBufferPointer(rebasing: keyIsToken[rowBase..<rowBase + length]))
                        // O = P V
                        Scalar.gemm(transposeA: false, transposeB: false, m: length, n: headWidth, k: length,
                                    alpha: 1, a: p, lda: length, b: v, ldb: 3 * width,
                                    beta: 0, c: out.baseAddress! + rowBase * width + head * headWidth, ldc: width)
                    }
                }
            }
        }
        }
        }
        }
        return (context, Cache(probabilities: probabilities))
    }

    /// dL/dqkv from dL/dcontext: dV = P^T dO, dP = dO V^T,
    /// dS = P (dP - rowsum(dP P)), dQ = dS K / sqrt(dh), dK = dS^T Q / sqrt(dh).
    /// Examples run in parallel.
    public static func backward<Scalar: Real>(_ dContext: Matrix<Scalar>, qkv: Matrix<Scalar>, heads: Int,
                                              layout: BatchLayout, cache: Cache<Scalar>) -> Matrix<Scalar> {
        let width = qkv.cols / 3, headWidth = width / heads, length = layout.length
        let scale = 1 / Scalar(headWidth).squareRoot()
        var dqkv = Matrix<Scalar>(rows: qkv.rows, cols: qkv.cols) { _ in }  // the heads' gemms write all of it
        cache.probabilities.withUnsafeBufferPointer { probabilities in
        qkv.values.withUnsafeBufferPointer { packed in
        dContext.values.withUnsafeBufferPointer { dOut in
        dqkv.values.withUnsafeMutableBufferPointer { grad in
            Parallel.forEachChunk(layout.examples, minimumChunk: 1) { examples in
                let ds = UnsafeMutablePointer<Scalar>.allocate(capacity: length * length)
                defer { ds.deallocate() }
                for example in examples {
                    let rowBase = example * length
                    for head in 0..<heads {
                        let column = rowBase * 3 * width + head * headWidth
                        let q = packed.baseAddress! + column, k = q + width, v = q + 2 * width
                        let dq = grad.baseAddress! + column, dk = dq + width, dv = dq + 2 * width
                        let dO = dOut.baseAddress! + rowBase * width + head * headWidth
                        let p = probabilities.baseAddress! + (example * heads + head) * length * length
                        // dV = P^T dO
                        Scalar.gemm(transposeA: true, transposeB: false, m: length, n: headWidth, k: length,
                                    alpha: 1, a: p, lda: length, b: dO, ldb: width, beta: 0, c: dv, ldc: 3 * width)
                        // dP = dO V^T
                        Scalar.gemm(transposeA: false, transposeB: true, m: length, n: length, k: headWidth,
                                    alpha: 1, a: dO, lda: width, b: v, ldb: 3 * width, beta: 0, c: ds, ldc: length)
                        // dS = P (dP - rowsum(dP P)): the softmax backward
                        Scalar.softmaxBackward(UnsafeMutableBufferPointer(start: ds, count: length * length),
                                               probabilities: UnsafeBufferPointer(start: p, count: length * length), length: length)
                        // dQ = dS K * scale, dK = dS^T Q * scale
                        Scalar.gemm(transposeA: false, transposeB: false, m: length, n: headWidth, k: length,
                                    alpha: scale, a: ds, lda: length, b: k, ldb: 3 * width, beta: 0, c: dq, ldc: 3 * width)
                        Scalar.gemm(transposeA: true, transposeB: false, m: length, n: headWidth, k: length,
                                    alpha: scale, a: ds, lda: length, b: q, ldb: 3 * width, beta: 0, c: dk, ldc: 3 * width)
                    }
                }
            }
        }
        }
        }
        }
        return dqkv
    }
}

extension Real {
    /// dS = P (dP - rowsum(dP P)) in place, in plain Swift: Double's kernel.
    @inlinable
    static func exactSoftmaxBackward(_ gradient: UnsafeMutableBufferPointer<Self>, probabilities p: UnsafeBufferPointer<Self>,
                                     length: Int) {
        for base in stride(from: 0, to: gradient.count, by: length) {
            var dot: Self = 0
            for col in 0..<length { dot += gradient[base + col] * p[base + col] }
            for col in 0..<length { gradient[base + col] = p[base + col] * (gradient[base + col] - dot) }
        }
    }
}
