/// A fully connected layer, y = x W^T + b, with PyTorch's (out x in) weight.
public struct Linear<Scalar: Real>: Sendable {
    /// The weight, outputs x inputs. Changing it drops `packed`.
    public var weight: Matrix<Scalar> { didSet { packed = nil } }
    /// The bias, one per output.
    public var bias: [Scalar]

    /// A layer from its weight (out x in) and bias (out).
    public init(weight: Matrix<Scalar>, bias: [Scalar]) {
        precondition(bias.count == weight.rows, "bias of \(bias.count) for a weight of \(weight.shape)")
        self.weight = weight
        self.bias = bias
    }

    /// W^T (for the forward product) and W (for the input gradient) packed
    /// for the packed product kernel, when `packingWeight()` made them.
    public private(set) var packed: (transposed: PackedMatrix<Scalar>, plain: PackedMatrix<Scalar>)?

    /// This layer with its weight packed once, for a weight that stays fixed
    /// (a frozen backbone's): its products then skip sgemm's per-call
    /// copying. Where the packed kernel does not run, the layer unchanged.
    public func packingWeight() -> Linear {
        var layer = self
        layer.packed = nil
        if let transposed = PackedMatrix(weight, transposed: true), let plain = PackedMatrix(weight, transposed: false) {
            layer.packed = (transposed, plain)
        }
        return layer
    }

    /// This layer with its weight packed in `precision`: float32 as
    /// `packingWeight()`; bfloat16 rounds the weight once, and both its
    /// products (forward and input gradient) then multiply in bfloat16 with
    /// float32 sums, on every CPU (`BFloat16Kernel`). Only float32 layers
    /// multiply in bfloat16 (double ones serve gradient checks).
    public func packingWeight(in precision: Precision) -> Linear {
        guard precision != .float32 else { return packingWeight() }
        guard let transposed = PackedMatrix(weight, transposed: true, precision: precision),
              let plain = PackedMatrix(weight, transposed: false, precision: precision) else {
            preconditionFailure("\(precision) products need Float weights and the memory to pack them")
        }
        var layer = self
        layer.packed = (transposed, plain)
        return layer
    }

    /// The precision of this layer's products with its weight: bfloat16
    /// when it is packed so, else float32 (packed or on BLAS).
    public var precision: Precision { packed?.transposed.precision ?? .float32 }

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
        return x.values.withUnsafeBufferPointer { input in
        bias.withUnsafeBufferPointer { b in
            Matrix<Scalar>(rows: x.rows, cols: outputWidth) { out in
                let y = out.baseAddress!
                product(rows: x.rows, input.baseAddress!, transposed: true, bias: b.baseAddress!, into: y,
                        epilogue: { rows in epilogue(rows, y) })
            }
        }
        }
    }

    /// dL/dx = dL/dy W.
    public func backward(_ dy: Matrix<Scalar>) -> Matrix<Scalar> {
        precondition(dy.cols == outputWidth, "linear layer's gradient has \(outputWidth) columns, got \(dy.shape)")
        guard dy.rows > 0 else { return Matrix(zeros: 0, inputWidth) }
        return dy.values.withUnsafeBufferPointer { g in
            Matrix<Scalar>(rows: dy.rows, cols: inputWidth) { dx in
                backward(rows: dy.rows, dy: g.baseAddress!, into: dx.baseAddress!)
            }
        }
    }

    /// dL/dx = dL/dy W (+ `residual`) on raw storage: `dy` is rows x
    /// outputWidth, `dx` rows x inputWidth. Each thread runs `prologue(rows)`
    /// (which may write those rows of dy), the block's product (onto the
    /// residual's rows, when one is given) and then `epilogue(rows)`.
    public func backward(rows: Int, dy: UnsafePointer<Scalar>, into dx: UnsafeMutablePointer<Scalar>,
                         adding residual: UnsafePointer<Scalar>? = nil,
                         prologue: (Range<Int>) -> Void = { _ in }, epilogue: (Range<Int>) -> Void = { _ in }) {
        product(rows: rows, dy, transposed: false, adding: residual, into: dx, prologue: prologue, epilogue: epilogue)
    }

    /// C = A W^T (`transposed`, A rows x inputWidth) or C = A W (A rows x
    /// outputWidth), plus `bias` on every row and the rows of `residual`
    /// when given, by row blocks with their prologue and epilogue: on the
    /// packed weight when there is one, else through BLAS onto C
    /// initialised from bias and residual.
    private func product(rows: Int, _ a: UnsafePointer<Scalar>, transposed: Bool, bias: UnsafePointer<Scalar>? = nil,
                         adding residual: UnsafePointer<Scalar>? = nil, into c: UnsafeMutablePointer<Scalar>,
                         prologue: (Range<Int>) -> Void = { _ in }, epilogue: (Range<Int>) -> Void) {
        let k = transposed ? inputWidth : outputWidth, n = transposed ? outputWidth : inputWidth
        if let packed {
            MatrixProduct.rowBlocks(m: rows, a: a, lda: k, b: transposed ? packed.transposed : packed.plain, bias: bias,
                                    adding: residual, ldd: n, c: c, ldc: n, prologue: prologue, epilogue: epilogue)
            return
        }
        weight.values.withUnsafeBufferPointer { w in
            MatrixProduct.rowBlocks(m: rows, n: n, k: k, a: a, lda: k, b: w.baseAddress!, ldb: inputWidth,
                                    transposeB: transposed, beta: bias == nil && residual == nil ? 0 : 1, c: c, ldc: n,
                                    prologue: { block in
                                        prologue(block)
                                        for row in block {
                                            let out = c + row * n
                                            if let residual { out.initialize(from: residual + row * n, count: n) }
                                            guard let bias else { continue }
                                            if residual == nil { out.initialize(from: bias, count: n) }
                                            else { for col in 0..<n { out[col] += bias[col] } }
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
