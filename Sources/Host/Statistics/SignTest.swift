/// The two-sided exact sign test of paired differences: under the null
/// hypothesis a nonzero difference is positive with probability ½.
public enum SignTest {
    /// The test of `differences` (finite values): zero differences are
    /// dropped; of the n left, k are positive; the p-value is
    /// `binomialPValue(successes: k, trials: n)`. Undefined when nothing is
    /// left.
    public static func test(_ differences: [Double]) -> TestOutcome {
        precondition(differences.allSatisfy(\.isFinite), "sign test: a difference is not finite")
        let nonzero = differences.filter { $0 != 0 }
        guard !nonzero.isEmpty else { return .undefined(differences.isEmpty ? .noPairs : .noNonzeroDifference) }
        let positive = nonzero.filter { $0 > 0 }.count
        return .defined(pValue: binomialPValue(successes: positive, trials: nonzero.count), method: .exact)
    }

    /// scipy.stats.binomtest(k, n, 0.5).pvalue, two-sided: the probability
    /// of an outcome no more likely than k, which for p = ½ is
    /// min(1, 2 P(X ≤ min(k, n − k))); 1 when k = n/2. The binomial tail is
    /// P(X ≤ j) = I_{1/2}(n − j, j + 1) (`IncompleteBeta`). 0 ≤ k ≤ n, n ≥ 1.
    public static func binomialPValue(successes k: Int, trials n: Int) -> Double {
        precondition(n >= 1 && k >= 0 && k <= n, "binomial test: \(k) successes in \(n) trials")
        let j = min(k, n - k)
        if 2 * j == n { return 1 }
        return min(1, 2 * IncompleteBeta.regularized(0.5, a: Double(n - j), b: Double(j + 1)))
    }
}
