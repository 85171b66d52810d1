/// phi's name, as the adapter options' text form and the trained files spell it.
public enum AdapterActivation: String, Sendable, Hashable, CaseIterable {
    /// The identity.
    case linear
    /// The exact GELU.
    case gelu
    /// A learnable rational function per adapter (`RationalActivation`), starting at its GELU fit.
    case rational
}

/// One adapter module (METHOD.md section 3):
/// A(x) = s * (W_up phi(W_down x + b_down) + b_up), in row form
/// A(X) = s * (phi(X W_down^T + b_down) W_up^T + b_up).
public struct Adapter<Scalar: Real>: Sendable {
    /// phi's name.
    public typealias Activation = AdapterActivation

    /// phi, with its coefficients when it has any.
    public enum Phi: Sendable, Equatable {
        /// The identity.
        case linear
        /// The exact GELU.
        case gelu
        /// A learnable rational function.
        case rational(RationalActivation<Scalar>)

        /// phi as a new adapter starts with it: a rational one at its GELU fit.
        public init(initial activation: Activation) {
            switch activation {
            case .linear: self = .linear
            case .gelu: self = .gelu
            case .rational: self = .rational(.geluFit)
            }
        }

        /// phi's name.
        public var activation: Activation {
            switch self {
            case .linear: .linear
            case .gelu: .gelu
            case .rational: .rational
            }
        }

        /// phi of every element of `hidden`.
        func forward(_ hidden: Matrix<Scalar>) -> Matrix<Scalar> {
            switch self {
            case .linear: hidden
            case .gelu: GELU.forward(hidden)
            case let .rational(function): function.forward(hidden)
            }
        }

        /// dL/dhidden, and phi's coefficient gradients (phi of gradients) when asked for.
        func backward(_ dActivated: Matrix<Scalar>, hidden: Matrix<Scalar>, parameterGradients: Bool) -> (Matrix<Scalar>, Phi?) {
            switch self {
            case .linear: (dActivated, parameterGradients ? self : nil)
            case .gelu: (GELU.backward(dActivated, input: hidden), parameterGradients ? self : nil)
            case let .rational(function):
                (function.backward(dActivated, input: hidden),
                 parameterGradients ? .rational(function.parameterGradients(dActivated, input: hidden)) : nil)
            }
        }

        /// phi with `transform` applied to every coefficient.
        func mapped(_ transform: (Scalar) -> Scalar) -> Phi {
            if case let .rational(function) = self { return .rational(function.mapped(transform)) }
            return self
        }

        /// The coefficient-wise sum (for gradients).
        func adding(_ other: Phi) -> Phi {
            switch (self, other) {
            case let (.rational(a), .rational(b)): return .rational(a.adding(b))
            default:
                precondition(activation == other.activation, "adding a \(other.activation) phi to a \(activation) one")
                return self
            }
        }
    }

    /// W_down (r x d) and b_down (r).
    public var down: Linear<Scalar>
    /// W_up (d x r) and b_up (d).
    public var up: Linear<Scalar>
    /// s: one value (a fixed scalar alpha) or d values (a learned channel-wise scale).
    public var scale: [Scalar]
    /// phi, with its coefficients.
    public var phi: Phi

    /// An adapter from its parts.
    public init(down: Linear<Scalar>, up: Linear<Scalar>, scale: [Scalar], phi: Phi) {
        precondition(down.outputWidth == up.inputWidth && down.inputWidth == up.outputWidth, "adapter shapes differ")
        precondition(scale.count == 1 || scale.count == up.outputWidth, "scale must be 1 or d values")
        self.down = down
        self.up = up
        self.scale = scale
        self.phi = phi
    }

    /// phi's name.
    public var activation: Activation { phi.activation }

    /// The trainable tensors, in a fixed order, each marked for weight decay
    /// or not. The one rule: weights decay; biases, a channel-wise scale and
    /// phi's coefficients do not. A fixed scalar alpha is not trained.
    public var parameterTensors: [ParameterTensor<Scalar>] {
        var list = [ParameterTensor(values: down.weight.values, decays: true), ParameterTensor(values: down.bias, decays: false),
                    ParameterTensor(values: up.weight.values, decays: true), ParameterTensor(values: up.bias, decays: false)]
        if scale.count > 1 { list.append(ParameterTensor(values: scale, decays: false)) }
        if case let .rational(function) = phi {
            list += [ParameterTensor(values: function.numerator, decays: false), ParameterTensor(values: function.denominator, decays: false)]
        }
        return list
    }

    /// Replaces the trainable tensors' values by `values`, given in
    /// `parameterTensors` order (and as many).
    public mutating func assignParameters(_ values: some Collection<[Scalar]>) {
        precondition(values.count == parameterTensors.count, "\(values.count) tensors for an adapter of \(parameterTensors.count)")
        var next = values.makeIterator()
        down.weight.values = next.next()!
        down.bias = next.next()!
        up.weight.values = next.next()!
        up.bias = next.next()!
        if scale.count > 1 { scale = next.next()! }
        if case .rational = phi { phi = .rational(RationalActivation(numerator: next.next()!, denominator: next.next()!)) }
    }

    /// Trainable parameters: both projections, the scale when channel-wise,
    /// and phi's coefficients when it has any (10 for a rational phi).
    public var parameterCount: Int {
        parameterTensors.reduce(0) { $0 + $1.values.count }
    }

    /// The adapter with `transform` applied to every parameter (the fixed scale too).
    public func mapped(_ transform: (Scalar) -> Scalar) -> Adapter {
        Adapter(down: down.mapped(transform), up: up.mapped(transform), scale: scale.map(transform), phi: phi.mapped(transform))
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
        let activated = phi.forward(hidden)
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
        let (dHidden, dPhi) = phi.backward(dActivated, hidden: tape.hidden, parameterGradients: parameterGradients)
        let dx = down.backward(dHidden)
        guard parameterGradients, let dPhi else { return (dx, nil) }
        return (dx, Adapter(down: down.parameterGradients(dHidden, input: tape.input),
                            up: up.parameterGradients(dUnscaled, input: tape.activated),
                            scale: dScale, phi: dPhi))
    }
}

extension Adapter: EdgeModule {
    /// dL/dX; adds the parameter gradients (an adapter of gradients) into `gradient`.
    func backward(_ dy: Matrix<Scalar>, _ tape: Tape, accumulating gradient: inout Adapter?) -> Matrix<Scalar> {
        let (dx, dParameters) = backward(dy, tape)
        gradient = gradient.map { $0.adding(dParameters!) } ?? dParameters
        return dx
    }

    /// The element-wise sum of two adapters' parameters (for gradients).
    func adding(_ other: Adapter) -> Adapter {
        func sum(_ a: [Scalar], _ b: [Scalar]) -> [Scalar] { zip(a, b).map(+) }
        return Adapter(down: Linear(weight: down.weight + other.down.weight, bias: sum(down.bias, other.down.bias)),
                       up: Linear(weight: up.weight + other.up.weight, bias: sum(up.bias, other.up.bias)),
                       scale: sum(scale, other.scale), phi: phi.adding(other.phi))
    }
}
