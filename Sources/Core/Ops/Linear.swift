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

    /// y = x W^T + b.
    public func forward(_ x: Matrix<Scalar>) -> Matrix<Scalar> {
        precondition(x.cols == inputWidth, "linear layer takes \(inputWidth) columns, got \(x.shape)")
        var y = bias.withUnsafeBufferPointer { b in
            Matrix<Scalar>(rows: x.rows, cols: outputWidth) { out in
                for row in 0..<x.rows { (out.baseAddress! + row * b.count).initialize(from: b.baseAddress!, count: b.count) }
            }
        }
        MatrixProduct.accumulate(x, weight, transposeB: true, into: &y)
        return y
    }

    /// dL/dx = dL/dy W.
    public func backward(_ dy: Matrix<Scalar>) -> Matrix<Scalar> {
        MatrixProduct.multiply(dy, weight)
    }

    /// dL/dW = dL/dy^T x and dL/db = the column sums of dL/dy.
    public func parameterGradients(_ dy: Matrix<Scalar>, input x: Matrix<Scalar>) -> Linear<Scalar> {
        var db = [Scalar](repeating: 0, count: outputWidth)
        for row in 0..<dy.rows { for col in 0..<dy.cols { db[col] += dy[row, col] } }
        return Linear(weight: MatrixProduct.multiply(dy, x, transposeA: true), bias: db)
    }
}
