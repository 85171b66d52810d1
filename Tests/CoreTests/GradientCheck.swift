import Core

/// Central finite differences in float64 against an analytic gradient.
enum GradientCheck {
    /// A seeded matrix of values in -1...1.
    static func random(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix<Double> {
        var generator = SeededRandom(seed: seed)
        return Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { _ in Double.random(in: -1...1, using: &generator) })
    }

    /// The relative error ||analytic - numeric|| / max(||analytic||, ||numeric||) of the gradient
    /// of `loss` at `x`, by central differences with `step`.
    static func relativeError(at x: Matrix<Double>, analytic: Matrix<Double>, step: Double = 1e-6,
                              loss: (Matrix<Double>) -> Double) -> Double {
        var numeric = Matrix<Double>(zeros: x.rows, x.cols)
        var probe = x
        for index in x.values.indices {
            probe.values[index] = x.values[index] + step
            let up = loss(probe)
            probe.values[index] = x.values[index] - step
            let down = loss(probe)
            probe.values[index] = x.values[index]
            numeric.values[index] = (up - down) / (2 * step)
        }
        var difference = analytic
        for index in difference.values.indices { difference.values[index] -= numeric.values[index] }
        return norm(difference) / max(norm(analytic), norm(numeric), 1e-300)
    }

    /// sqrt(sum of squares): the Frobenius norm.
    static func norm(_ m: Matrix<Double>) -> Double {
        m.values.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
    }

    /// <a, b>: the scalar loss that makes `b` the gradient at a's output.
    static func dot(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
        zip(a.values, b.values).reduce(0) { $0 + $1.0 * $1.1 }
    }
}
