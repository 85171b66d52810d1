/// A fully connected layer, y = x W^T + b, with PyTorch's (out x in) weight.
public struct Linear<Scalar: Real>: Sendable {
    /// The weight, outputs x inputs.
    public var weight: Matrix<Scalar>
    /// The bias, one per output.
    public var bias: [Scalar]

    /// A layer from its weight (out x in) and bias (out).
    public init(weight: Matrix<Scalar>, bias: [Scalar]) {
        precondition(bias.count == weight.rows, "bias of \(bias.count) for a weight of \(weight.shape)")
        self.weight = weight
        self.bias = bias
    }

    /// The layer with `transform` applied to every parameter.
    public func mapped(_ transform: (Scalar) -> Scalar) -> Linear {
        Linear(weight: Matrix(rows: weight.rows, cols: weight.cols, values: weight.values.map(transform)), bias: bias.map(transform))
    }

    /// Inputs per row.
    public var inputWidth: Int { weight.cols }
    /// Outputs per row.
    public var outputWidth: Int { weight.rows }

    /// y = x W^T + b. Each thread writes the bias into its block of rows
    /// and then runs that block's product; `then(rows, y)` runs next on the
    /// same thread, with the block's rows of y (at `y`, row stride
    /// `outputWidth`) just written: where row-local work fuses in.
    public func forward(_ x: Matrix<Scalar>,
                        then epilogue: (Range<Int>, UnsafeMutablePointer<Scalar>) -> Void = { _, _ in }) -> Matrix<Scalar> {
        precondition(x.cols == inputWidth, "linear layer takes \(inputWidth) columns, got \(x.shape)")
        let width = outputWidth
        return x.values.withUnsafeBufferPointer { input in
        weight.values.withUnsafeBufferPointer { w in
        bias.withUnsafeBufferPointer { b in
            Matrix<Scalar>(rows: x.rows, cols: width) { out in
                let y = out.baseAddress!
                MatrixProduct.rowBlocks(m: x.rows, n: width, k: inputWidth, a: input.baseAddress!, lda: inputWidth,
                                        b: w.baseAddress!, ldb: inputWidth, transposeB: true, beta: 1, c: y, ldc: width,
                                        prologue: { rows in
                                            for row in rows { (y + row * width).initialize(from: b.baseAddress!, count: width) }
                                        },
                                        epilogue: { rows in epilogue(rows, y) })
            }
        }
        }
        }
    }

    /// dL/dx = dL/dy W.
    public func backward(_ dy: Matrix<Scalar>) -> Matrix<Scalar> {
        MatrixProduct.multiply(dy, weight)
    }

    /// dL/dx = dL/dy W (+ `residual`) on raw storage: `dy` is rows x
    /// outputWidth, `dx` rows x inputWidth. Each thread runs `prologue(rows)`
    /// (which may write those rows of dy), copies those rows of the residual
    /// into dx when one is given, runs the block's product (accumulating onto
    /// the residual) and then `epilogue(rows)`.
    public func backward(rows: Int, dy: UnsafePointer<Scalar>, into dx: UnsafeMutablePointer<Scalar>,
                         adding residual: UnsafePointer<Scalar>? = nil,
                         prologue: (Range<Int>) -> Void = { _ in }, epilogue: (Range<Int>) -> Void = { _ in }) {
        let width = inputWidth
        weight.values.withUnsafeBufferPointer { w in
            MatrixProduct.rowBlocks(m: rows, n: width, k: outputWidth, a: dy, lda: outputWidth, b: w.baseAddress!, ldb: width,
                                    beta: residual == nil ? 0 : 1, c: dx, ldc: width,
                                    prologue: { rows in
                                        prologue(rows)
                                        if let residual {
                                            (dx + rows.lowerBound * width).initialize(from: residual + rows.lowerBound * width,
                                                                                      count: rows.count * width)
                                        }
                                    },
                                    epilogue: epilogue)
        }
    }

    /// dL/dW = dL/dy^T x and dL/db = the column sums of dL/dy.
    public func parameterGradients(_ dy: Matrix<Scalar>, input x: Matrix<Scalar>) -> Linear<Scalar> {
        var db = [Scalar](repeating: 0, count: outputWidth)
        for row in 0..<dy.rows { for col in 0..<dy.cols { db[col] += dy[row, col] } }
        return Linear(weight: MatrixProduct.multiply(dy, x, transposeA: true), bias: db)
    }
}
