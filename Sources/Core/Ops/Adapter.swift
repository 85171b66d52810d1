/// One adapter module (METHOD.md section 3):
/// A(x) = s * (W_up phi(W_down x + b_down) + b_up), in row form
/// A(X) = s * (phi(X W_down^T + b_down) W_up^T + b_up).
public struct Adapter<Scalar: Real>: Sendable {
    /// phi.
    public enum Activation: String, Sendable, Hashable {
        case linear, gelu
    }

    /// W_down (r x d) and b_down (r).
    public var down: Linear<Scalar>
    /// W_up (d x r) and b_up (d).
    public var up: Linear<Scalar>
    /// s: one value (a fixed scalar alpha) or d values (a learned channel-wise scale).
    public var scale: [Scalar]
    /// phi.
    public var activation: Activation

    /// An adapter from its parts.
    public init(down: Linear<Scalar>, up: Linear<Scalar>, scale: [Scalar], activation: Activation) {
        precondition(down.outputWidth == up.inputWidth && down.inputWidth == up.outputWidth, "adapter shapes differ")
        precondition(scale.count == 1 || scale.count == up.outputWidth, "scale must be 1 or d values")
        self.down = down
        self.up = up
        self.scale = scale
        self.activation = activation
    }

    /// Trainable parameters: both projections, and the scale when channel-wise.
    public var parameterCount: Int {
        down.weight.values.count + down.bias.count + up.weight.values.count + up.bias.count + (scale.count > 1 ? scale.count : 0)
    }

    /// What backward needs.
    public struct Tape: Sendable {
        var input: Matrix<Scalar>
        var hidden: Matrix<Scalar>
        var activated: Matrix<Scalar>
        var unscaled: Matrix<Scalar>
    }

    /// A(X), rows x d.
    public func forward(_ x: Matrix<Scalar>) -> (Matrix<Scalar>, Tape) {
        let hidden = down.forward(x)
        let activated = activation == .gelu ? GELU.forward(hidden) : hidden
        let unscaled = up.forward(activated)
        var y = unscaled
        for row in 0..<y.rows {
            for col in 0..<y.cols { y[row, col] *= scale[scale.count == 1 ? 0 : col] }
        }
        return (y, Tape(input: x, hidden: hidden, activated: activated, unscaled: unscaled))
    }

    /// dL/dX, and the parameter gradients (an adapter of gradients) when asked for.
    public func backward(_ dy: Matrix<Scalar>, _ tape: Tape, parameterGradients: Bool = true) -> (Matrix<Scalar>, Adapter?) {
        var dUnscaled = dy
        var dScale = [Scalar](repeating: 0, count: scale.count)
        for row in 0..<dy.rows {
            for col in 0..<dy.cols {
                let s = scale.count == 1 ? 0 : col
                dScale[s] += dy[row, col] * tape.unscaled[row, col]
                dUnscaled[row, col] *= scale[s]
            }
        }
        let dActivated = up.backward(dUnscaled)
        let dHidden = activation == .gelu ? GELU.backward(dActivated, input: tape.hidden) : dActivated
        let dx = down.backward(dHidden)
        guard parameterGradients else { return (dx, nil) }
        return (dx, Adapter(down: down.parameterGradients(dHidden, input: tape.input),
                            up: up.parameterGradients(dUnscaled, input: tape.activated),
                            scale: dScale, activation: activation))
    }
}

extension Adapter: EdgeModule {
    /// dL/dX; adds the parameter gradients (an adapter of gradients) into `gradient`.
    func backward(_ dy: Matrix<Scalar>, _ tape: Tape, accumulating gradient: inout Adapter?) -> Matrix<Scalar> {
        let (dx, dParameters) = backward(dy, tape)
        gradient = gradient.map { $0.adding(dParameters!) } ?? dParameters
        return dx
    }

    /// An adapter of zeros shaped like this one: the gradient of a module no gradient reached.
    var zeroGradient: Adapter {
        Adapter(down: Linear(weight: Matrix(zeros: down.outputWidth, down.inputWidth), bias: [Scalar](repeating: 0, count: down.outputWidth)),
                up: Linear(weight: Matrix(zeros: up.outputWidth, up.inputWidth), bias: [Scalar](repeating: 0, count: up.outputWidth)),
                scale: [Scalar](repeating: 0, count: scale.count), activation: activation)
    }

    /// The element-wise sum of two adapters' parameters (for gradients).
    func adding(_ other: Adapter) -> Adapter {
        func sum(_ a: [Scalar], _ b: [Scalar]) -> [Scalar] { zip(a, b).map(+) }
        return Adapter(down: Linear(weight: down.weight + other.down.weight, bias: sum(down.bias, other.down.bias)),
                       up: Linear(weight: up.weight + other.up.weight, bias: sum(up.bias, other.up.bias)),
                       scale: sum(scale, other.scale), activation: activation)
    }
}
