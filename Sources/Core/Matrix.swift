/// A dense row-major matrix that owns its values: the one tensor type of the
/// engine. Activations are (tokens x width) matrices with the batch folded
/// into the rows; images become (patches x pixels) matrices.
public struct Matrix<Scalar: Real>: Equatable, Sendable {
    /// Rows.
    public let rows: Int
    /// Columns.
    public let cols: Int
    /// The `rows * cols` values, row-major.
    public var values: [Scalar]

    /// A matrix over `values`, which must hold `rows * cols` entries.
    public init(rows: Int, cols: Int, values: [Scalar]) {
        precondition(values.count == rows * cols, "\(rows) x \(cols) matrix given \(values.count) values")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// A matrix from its rows, which must all have the same length.
    public init(_ rows: [[Scalar]]) {
        self.init(rows: rows.count, cols: rows.first?.count ?? 0, values: rows.flatMap { $0 })
    }

    /// A matrix whose values `body` writes, every one of them: the storage is
    /// handed over uninitialised (no zero-filling pass).
    @inlinable
    public init(rows: Int, cols: Int, writingEvery body: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        self.rows = rows
        self.cols = cols
        values = [Scalar](unsafeUninitializedCapacity: rows * cols) { buffer, count in
            body(buffer)
            count = rows * cols
        }
    }

    /// A matrix of zeros.
    public init(zeros rows: Int, _ cols: Int) {
        self.init(rows: rows, cols: cols, values: [Scalar](repeating: 0, count: rows * cols))
    }

    /// The element at `row`, `col`.
    @inlinable
    public subscript(row: Int, col: Int) -> Scalar {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }

    /// The rows `range`, copied.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols, values: Array(values[range.lowerBound * cols..<range.upperBound * cols]))
    }

    /// Element-wise sum.
    public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.cols == rhs.cols, "shape mismatch: \(lhs.shape) + \(rhs.shape)")
        return lhs.values.withUnsafeBufferPointer { a in
            rhs.values.withUnsafeBufferPointer { b in
                Matrix(rows: lhs.rows, cols: lhs.cols) { out in
                    Parallel.forEachChunk(out.count, minimumChunk: 1 << 15) { range in
                        for index in range { out[index] = a[index] + b[index] }
                    }
                }
            }
        }
    }

    /// Adds `rhs` element-wise.
    public static func += (lhs: inout Matrix, rhs: Matrix) {
        precondition(lhs.rows == rhs.rows && lhs.cols == rhs.cols, "shape mismatch: \(lhs.shape) + \(rhs.shape)")
        lhs.values.withUnsafeMutableBufferPointer { out in
            rhs.values.withUnsafeBufferPointer { add in
                Parallel.forEachChunk(out.count, minimumChunk: 1 << 15) { range in
                    for index in range { out[index] += add[index] }
                }
            }
        }
    }

    /// "rows x cols".
    public var shape: String { "\(rows) x \(cols)" }
}

extension Matrix where Scalar == Float {
    /// The singular values in descending order, in float64.
    public func singularValues() throws -> [Double] {
        try values.withUnsafeBufferPointer { try Spectrum.singularValues(rows: rows, cols: cols, values: $0) }
    }
}

/// Matrix products: through BLAS, or on the packed product kernel when B is
/// a `PackedMatrix` (a fixed weight, packed once).
public enum MatrixProduct {
    /// op(A) * op(B), with op the transpose where asked.
    public static func multiply<Scalar: Real>(_ a: Matrix<Scalar>, _ b: Matrix<Scalar>,
                                              transposeA: Bool = false, transposeB: Bool = false) -> Matrix<Scalar> {
        let m = transposeA ? a.cols : a.rows, k = transposeA ? a.rows : a.cols
        let n = transposeB ? b.rows : b.cols
        precondition(k == (transposeB ? b.cols : b.rows), "inner dimensions differ: \(a.shape) and \(b.shape)")
        guard k > 0 else { return Matrix<Scalar>(zeros: m, n) }
        // With beta = 0, gemm writes every element of C without reading it.
        var c = Matrix<Scalar>(rows: m, cols: n) { _ in }
        accumulate(a, b, transposeA: transposeA, transposeB: transposeB, into: &c, beta: 0)
        return c
    }

    /// C = op(A) * op(B) + beta * C.
    public static func accumulate<Scalar: Real>(_ a: Matrix<Scalar>, _ b: Matrix<Scalar>,
                                                transposeA: Bool = false, transposeB: Bool = false,
                                                into c: inout Matrix<Scalar>, beta: Scalar = 1) {
        let m = transposeA ? a.cols : a.rows, k = transposeA ? a.rows : a.cols
        let n = transposeB ? b.rows : b.cols
        precondition(c.rows == m && c.cols == n, "output is \(c.shape), product is \(m) x \(n)")
        guard m > 0, n > 0 else { return }
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    rowBlocks(m: m, n: n, k: k, a: pa.baseAddress!, lda: a.cols, transposeA: transposeA,
                              b: pb.baseAddress!, ldb: b.cols, transposeB: transposeB,
                              beta: beta, c: pc.baseAddress!, ldc: n)
                }
            }
        }
    }

    /// C = op(A) op(B) + beta C on raw row-major storage, with op(A)'s rows
    /// (C's rows) split over the threads: each block is an independent
    /// single-threaded gemm. On each thread `prologue(rows)` runs before its
    /// block's gemm (it may write those rows of C, or of A when A is not
    /// transposed) and `epilogue(rows)` after it (it may read and rewrite
    /// those rows of C): row-local element-wise work fused with the product,
    /// on data the thread has just touched.
    @inlinable
    public static func rowBlocks<Scalar: Real>(m: Int, n: Int, k: Int,
                                               a: UnsafePointer<Scalar>, lda: Int, transposeA: Bool = false,
                                               b: UnsafePointer<Scalar>, ldb: Int, transposeB: Bool = false,
                                               beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int,
                                               prologue: (Range<Int>) -> Void = { _ in },
                                               epilogue: (Range<Int>) -> Void = { _ in }) {
        splitRows(m, work: n * k, prologue: prologue, epilogue: epilogue) { rows in
            guard n > 0 else { return }
            guard k > 0 else {
                for row in rows { for col in 0..<n { c[row * ldc + col] *= beta } }
                return
            }
            let aStart = transposeA ? rows.lowerBound : rows.lowerBound * lda
            Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: 1,
                        a: a + aStart, lda: lda, b: b, ldb: ldb, beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
        }
    }

    /// The row-block product with B packed once (`PackedMatrix`) and what it
    /// adds given as operands: C = A B (+ bias) (+ D), A `m` x `b.rows`, `bias`
    /// one value per column, D (row stride `ldd`) possibly C itself.
    @inlinable
    public static func rowBlocks<Scalar: Real>(m: Int, a: UnsafePointer<Scalar>, lda: Int, b: PackedMatrix<Scalar>,
                                               bias: UnsafePointer<Scalar>? = nil,
                                               adding addend: UnsafePointer<Scalar>? = nil, ldd: Int = 0,
                                               c: UnsafeMutablePointer<Scalar>, ldc: Int,
                                               prologue: (Range<Int>) -> Void = { _ in },
                                               epilogue: (Range<Int>) -> Void = { _ in }) {
        splitRows(m, work: b.rows * b.cols, prologue: prologue, epilogue: epilogue) { rows in
            b.multiply(m: rows.count, a: a + rows.lowerBound * lda, lda: lda, bias: bias,
                       adding: addend.map { $0 + rows.lowerBound * ldd }, ldd: ldd,
                       c: c + rows.lowerBound * ldc, ldc: ldc)
        }
    }

    /// Runs prologue, `product` and epilogue on each block of `m` rows, the
    /// blocks split over the threads; `work` (B's size) sets how few rows
    /// are worth a thread.
    @inlinable
    static func splitRows(_ m: Int, work: Int, prologue: (Range<Int>) -> Void, epilogue: (Range<Int>) -> Void,
                          product: (Range<Int>) -> Void) {
        guard m > 0 else { return }
        Parallel.forEachChunk(m, minimumChunk: max(1 << 21 / max(work, 1), 16)) { rows in
            prologue(rows)
            product(rows)
            epilogue(rows)
        }
    }
}
