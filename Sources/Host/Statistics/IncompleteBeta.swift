import Foundation

/// The regularized incomplete beta function I_x(a, b): the probability that
/// a Beta(a, b) variable is at most x. Student's t and the binomial
/// distribution functions are special cases of it (`StudentT`, `SignTest`).
public enum IncompleteBeta {
    /// I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1. `complement` is 1 − x; a caller
    /// that has it without rounding (t²/(ν + t²) for Student's t) passes it
    /// so that no digits are lost when x is close to 1.
    ///
    /// Evaluated with the continued fraction of Numerical Recipes (section
    /// 6.4, modified Lentz), on I_x(a, b) where x < (a + 1)/(a + b + 2) and
    /// on 1 − I_{1−x}(b, a) elsewhere, where the fraction converges fast;
    /// measured against scipy, the relative error of the Student t quantile
    /// stays below 1e-14 for ν ≤ 200 (3e-14 up to 2000) and of the binomial
    /// tail below 5e-14 for n ≤ 200 (3e-13 up to 1000). It grows roughly in
    /// proportion to a + b: near the switch point the fraction takes
    /// O(√(a + b)) steps (ν = 10⁷: 1e-10).
    public static func regularized(_ x: Double, complement: Double? = nil, a: Double, b: Double) -> Double {
        precondition(a > 0 && b > 0, "incomplete beta: a = \(a), b = \(b) must be positive")
        precondition(x >= 0 && x <= 1, "incomplete beta: x = \(x) outside [0, 1]")
        let y = complement ?? 1 - x
        if x == 0 { return 0 }
        if y == 0 { return 1 }
        // log x and log(1 − x), each from whichever of x and 1 − x is exact.
        let logX = x < 0.5 ? log(x) : log1p(-y), logY = y < 0.5 ? log(y) : log1p(-x)
        let front = exp(a * logX + b * logY - logBeta(a, b))
        if x < (a + 1) / (a + b + 2) {
            return front * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - front * continuedFraction(y, a: b, b: a) / b
    }

    /// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b). When an argument
    /// is 10 or more, the large log Γ terms that would cancel are taken out
    /// by Stirling's formula (as R's lbeta does), so the result keeps its
    /// relative precision for large a or b.
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        let small = min(a, b), large = max(a, b), sum = a + b
        if small >= 10 {
            return -0.5 * log(large) + 0.5 * log(2 * Double.pi) + stirlingCorrection(small) + stirlingCorrection(large)
                - stirlingCorrection(sum) + (small - 0.5) * log(small / sum) + large * log1p(-small / sum)
        }
        if large >= 10 {
            return lgamma(small) + stirlingCorrection(large) - stirlingCorrection(sum) + small - small * log(sum)
                + (large - 0.5) * log1p(-small / sum)
        }
        return lgamma(a) + lgamma(b) - lgamma(sum)
    }

    /// log Γ(x) − ((x − ½) log x − x + ½ log 2π) for x ≥ 10: Stirling's
    /// series to the x^−15 term, below 1e-16 there.
    private static func stirlingCorrection(_ x: Double) -> Double {
        // B_2k / (2k (2k − 1)) for k = 1 ... 8.
        let coefficients: [Double] = [1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188,
                                      -691.0 / 360_360, 1.0 / 156, -3617.0 / 122_400]
        let inverseSquare = 1 / (x * x)
        return coefficients.reversed().reduce(0) { $0 * inverseSquare + $1 } / x
    }

    /// The continued fraction for I_x(a, b) (without its front factor
    /// x^a (1 − x)^b / (a B(a, b))), evaluated until a step changes it by
    /// less than a unit in the last place.
    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = Double.leastNormalMagnitude / Double.ulpOfOne
        func guarded(_ value: Double) -> Double { abs(value) < tiny ? tiny : value }
        var c = 1.0, d = 1 / guarded(1 - (a + b) * x / (a + 1)), fraction = d
        for m in 1...100_000 {
            let m = Double(m)
            // The even step, then the odd step, of the fraction.
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 / guarded(1 + even * d)
            c = guarded(1 + even / c)
            fraction *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 / guarded(1 + odd * d)
            c = guarded(1 + odd / c)
            let step = d * c
            fraction *= step
            if abs(step - 1) <= Double.ulpOfOne { break }
        }
        return fraction
    }
}
