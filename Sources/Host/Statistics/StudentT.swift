import Foundation

/// Student's t distribution with ν degrees of freedom (scipy.stats.t).
public struct StudentT: Sendable {
    /// ν, positive (n − 1 for the mean of n values).
    public let degreesOfFreedom: Double

    /// The distribution with `degreesOfFreedom` (> 0) degrees of freedom.
    public init(degreesOfFreedom: Double) {
        precondition(degreesOfFreedom > 0, "Student t: \(degreesOfFreedom) degrees of freedom")
        self.degreesOfFreedom = degreesOfFreedom
    }

    /// P(T > t): ½ I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, by symmetry below 0.
    public func upperTail(_ t: Double) -> Double {
        if t < 0 { return 1 - upperTail(-t) }
        if t == 0 { return 0.5 }
        let nu = degreesOfFreedom, square = t * t
        // x = ν/(ν + t²) and its complement t²/(ν + t²), each computed directly.
        let x = square.isInfinite ? 0 : nu / (nu + square)
        let complement = square.isInfinite ? 1 : 1 / (1 + nu / square)
        return 0.5 * IncompleteBeta.regularized(x, complement: complement, a: nu / 2, b: 0.5)
    }

    /// P(T ≤ t).
    public func cdf(_ t: Double) -> Double {
        t <= 0 ? upperTail(-t) : 1 - upperTail(t)
    }

    /// The density at t: (1 + t²/ν)^(−(ν+1)/2) / (√ν B(ν/2, ½)).
    public func density(_ t: Double) -> Double {
        let nu = degreesOfFreedom
        return exp(-(nu + 1) / 2 * log1p(t * t / nu) - IncompleteBeta.logBeta(nu / 2, 0.5)) / nu.squareRoot()
    }

    /// The p quantile (scipy.stats.t.ppf), 0 < p < 1: the t with
    /// P(T ≤ t) = p. Solved on the tail that p names (p itself below ½,
    /// 1 − p, exact in floating point, above), by Newton's method kept
    /// inside a bracket that halves when a step would leave it; to within a
    /// few units in the last place of the tail.
    public func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "Student t quantile: p = \(p) outside (0, 1)")
        if p == 0.5 { return 0 }
        let t = solveUpperTail(p < 0.5 ? p : 1 - p)
        return p < 0.5 ? -t : t
    }

    /// The t ≥ 0 with P(T > t) = `tail` (0 < tail < ½).
    private func solveUpperTail(_ tail: Double) -> Double {
        // A bracket [low, high] with P(T > low) ≥ tail ≥ P(T > high).
        var low = 0.0, high = 1.0
        while upperTail(high) > tail, high < .greatestFiniteMagnitude / 4 {
            low = high
            high *= 2
        }
        var t = (low + high) / 2
        for _ in 0..<200 {
            let excess = upperTail(t) - tail       // decreasing in t
            if excess == 0 { return t }
            if excess > 0 { low = t } else { high = t }
            var next = t + excess / density(t)
            if !(next > low && next < high) { next = low + (high - low) / 2 }
            if abs(next - t) <= 2 * t.ulp || high - low <= 2 * low.ulp { return next }
            t = next
        }
        return t
    }
}
