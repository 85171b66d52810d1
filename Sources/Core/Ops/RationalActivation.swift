/// A learnable rational activation, applied element-wise: the "safe" Padé
/// activation unit of Molina et al. (Padé Activation Units, version A of
/// their rational_activations library), of degrees (5, 4):
///
///     phi(x) = P(x) / Q(x),  P(x) = a0 + a1 x + ... + a5 x^5,
///                            Q(x) = 1 + |b1 x| + |b2 x^2| + |b3 x^3| + |b4 x^4|.
///
/// Q >= 1, so phi has no pole. The 10 coefficients are parameters, trained
/// like weights (METHOD.md section 3). |.| is differentiated as sign(.),
/// with sign(0) = 0 (as PyTorch does): phi has a kink at x = 0 when b1 != 0,
/// and a b_k at exactly 0 gets no gradient.
public struct RationalActivation<Scalar: Real>: Sendable, Equatable {
    /// The numerator's coefficient count, a0 ... a5.
    public static var numeratorCount: Int { 6 }
    /// The denominator's coefficient count, b1 ... b4 (Q's constant term is 1).
    public static var denominatorCount: Int { 4 }
    /// Trainable coefficients: 10.
    public static var parameterCount: Int { numeratorCount + denominatorCount }

    /// a0 ... a5.
    public var numerator: [Scalar]
    /// b1 ... b4.
    public var denominator: [Scalar]

    /// phi with coefficients a0 ... a5 (`numerator`) and b1 ... b4 (`denominator`).
    public init(numerator: [Scalar], denominator: [Scalar]) {
        precondition(numerator.count == Self.numeratorCount && denominator.count == Self.denominatorCount,
                     "a rational activation has 6 numerator and 4 denominator coefficients, given \(numerator.count) and \(denominator.count)")
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The function with `transform` applied to every coefficient.
    public func mapped(_ transform: (Scalar) -> Scalar) -> RationalActivation {
        RationalActivation(numerator: numerator.map(transform), denominator: denominator.map(transform))
    }

    /// The coefficient-wise sum (for gradients).
    func adding(_ other: RationalActivation) -> RationalActivation {
        RationalActivation(numerator: zip(numerator, other.numerator).map(+), denominator: zip(denominator, other.denominator).map(+))
    }

    /// phi applied to every element.
    public func forward(_ x: Matrix<Scalar>) -> Matrix<Scalar> {
        elementWise(x) { _, x in let point = evaluate(x); return point.p / point.q }
    }

    /// dL/dx = dL/dy phi'(x), phi' = (P' - phi Q') / Q with
    /// Q'(x) = sum_k sign(b_k x^k) k b_k x^(k-1).
    public func backward(_ dy: Matrix<Scalar>, input x: Matrix<Scalar>) -> Matrix<Scalar> {
        precondition(dy.rows == x.rows && dy.cols == x.cols, "gradient \(dy.shape) for an input of \(x.shape)")
        return elementWise(x) { index, x in
            let point = evaluate(x)
            return dy.values[index] * (point.dp - point.p / point.q * point.dq) / point.q
        }
    }

    /// The coefficients' gradients, summed over every element:
    /// dL/da_j = sum dL/dy x^j / Q, dL/db_k = -sum dL/dy (phi / Q) sign(b_k x^k) x^k,
    /// where sign(b_k x^k) x^k = sign(b_k) |x|^k. One ordered sum (in
    /// Double), so the result does not depend on the thread count.
    public func parameterGradients(_ dy: Matrix<Scalar>, input x: Matrix<Scalar>) -> RationalActivation {
        precondition(dy.rows == x.rows && dy.cols == x.cols, "gradient \(dy.shape) for an input of \(x.shape)")
        var da = [Double](repeating: 0, count: Self.numeratorCount), db = [Double](repeating: 0, count: Self.denominatorCount)
        let signs = denominator.map { $0 > 0 ? 1.0 : $0 < 0 ? -1.0 : 0.0 }
        for index in x.values.indices {
            let point = evaluate(x.values[index])
            let value = Double(x.values[index]), q = Double(point.q)
            let perQ = Double(dy.values[index]) / q  // dL/dy / Q
            let perQ2 = -perQ * Double(point.p) / q  // -dL/dy phi / Q
            var power = 1.0
            for j in 0..<Self.numeratorCount {
                da[j] += perQ * power
                power *= value
            }
            var magnitude = 1.0
            for k in 0..<Self.denominatorCount {
                magnitude *= abs(value)
                db[k] += perQ2 * signs[k] * magnitude
            }
        }
        return RationalActivation(numerator: da.map { Scalar($0) }, denominator: db.map { Scalar($0) })
    }

    /// P, Q and their derivatives at one x.
    private struct Point {
        var p: Scalar, dp: Scalar, q: Scalar, dq: Scalar
    }

    /// P(x), P'(x), Q(x) and Q'(x), P by Horner's rule.
    @inline(__always)
    private func evaluate(_ x: Scalar) -> Point {
        let x2 = x * x, x3 = x2 * x, x4 = x3 * x
        let a = numerator, b = denominator
        let p = a[0] + x * (a[1] + x * (a[2] + x * (a[3] + x * (a[4] + x * a[5]))))
        let dp = a[1] + x * (2 * a[2] + x * (3 * a[3] + x * (4 * a[4] + x * 5 * a[5])))
        let t1 = b[0] * x, t2 = b[1] * x2, t3 = b[2] * x3, t4 = b[3] * x4
        let q = 1 + abs(t1) + abs(t2) + abs(t3) + abs(t4)
        // d|b_k x^k|/dx = sign(b_k x^k) k b_k x^(k-1)
        let dq1 = Self.sign(t1) * b[0], dq2 = Self.sign(t2) * 2 * b[1] * x
        let dq3 = Self.sign(t3) * 3 * b[2] * x2, dq4 = Self.sign(t4) * 4 * b[3] * x3
        return Point(p: p, dp: dp, q: q, dq: dq1 + dq2 + dq3 + dq4)
    }

    /// -1, 0 or 1: the derivative PyTorch takes for |v| (0 at v = 0).
    @inline(__always)
    private static func sign(_ v: Scalar) -> Scalar { v > 0 ? 1 : v < 0 ? -1 : 0 }

    /// A matrix of x's shape whose element i is `value(i, x_i)`, computed in parallel chunks.
    private func elementWise(_ x: Matrix<Scalar>, _ value: (Int, Scalar) -> Scalar) -> Matrix<Scalar> {
        x.values.withUnsafeBufferPointer { input in
            Matrix(rows: x.rows, cols: x.cols) { output in
                Parallel.forEachChunk(input.count) { range in
                    for index in range { output[index] = value(index, input[index]) }
                }
            }
        }
    }
}

extension RationalActivation {
    /// The coefficients that approximate the exact GELU, x (1 + erf(x / sqrt 2)) / 2,
    /// where a `:rational` adapter starts. Fitted by tools/golden/rational_gelu.py:
    /// least squares on 8001 equally spaced points of [-4, 4], every |b_k| held
    /// at or above 1e-3 (a b_k at 0 would never train; b4 > 0 keeps phi linear
    /// beyond the interval). Maximum absolute error on [-4, 4]: 3.786e-3 (at
    /// x = -4; 1.79e-3 root mean square); phi(-10) = -0.106, phi(10) = 10.33.
    public static var geluFit: RationalActivation {
        RationalActivation(numerator: geluFitNumerator.map { Scalar($0) }, denominator: geluFitDenominator.map { Scalar($0) })
    }

    /// The interval `geluFit` was fitted on.
    public static var geluFitInterval: ClosedRange<Double> { -4...4 }
    /// `geluFit`'s largest absolute error against the exact GELU on `geluFitInterval`, as the script measured it.
    public static var geluFitMaximumError: Double { 3.786162e-3 }

    private static var geluFitNumerator: [Double] {
        [-0.00282689008573877, 0.49888160856473246, 0.4157814384211837, 0.12223401343837657, 0.015052643714270713,
         0.0006887013684815211]
    }

    private static var geluFitDenominator: [Double] {
        [0.0010000000000000059, 0.23949170041689793, 0.0026230916770085275, 0.0010000000000000002]
    }
}
