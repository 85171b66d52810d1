import Foundation

/// The two-sided Wilcoxon signed-rank test of paired differences, as
/// scipy.stats.wilcoxon(d) computes it with its defaults
/// (zero_method="wilcox", correction=False, method="auto"; scipy 1.17).
///
/// Zero differences are dropped; the m nonzero ones are ranked by absolute
/// value (ties share their average rank, `AverageRanks`) and R+ is the sum
/// of the ranks of the positive ones. The p-value comes from, with N the
/// number of differences *before* zeros are dropped (scipy's choice):
///
/// - N ≤ 50, no tied |d| and no zero: the exact distribution of R+ over
///   the 2^m sign assignments (scipy's "exact");
/// - N ≤ 13 with ties or zeros: the same exact count over the 2^m sign
///   assignments, with the average ranks (scipy's exact permutation test,
///   which enumerates every assignment when 2^N ≤ 9999);
/// - otherwise the normal approximation with scipy's tie correction:
///   z = (R+ − m(m+1)/4) / σ, σ² = (m(m+1)(2m+1) − Σ(t³ − t)/2) / 24 over
///   the groups of t tied |d|, no continuity correction, p = 2 Φ(−|z|).
///
/// Exact p-values are 2 min(P(R+ ≤ r), P(R+ ≥ r)), at most 1. Undefined
/// when there is no nonzero difference (scipy returns nan for none, and 1
/// when N ≤ 13 differences are all zero: no evidence either way, reported
/// here as undefined).
public enum WilcoxonSignedRank {
    /// The largest N that may use the exact distribution when nothing ties.
    public static let exactLimit = 50
    /// The largest N that uses the exact count with ties or zeros.
    public static let tiedExactLimit = 13

    /// The test of `differences` (finite values).
    public static func test(_ differences: [Double]) -> TestOutcome {
        precondition(differences.allSatisfy(\.isFinite), "Wilcoxon test: a difference is not finite")
        let nonzero = differences.filter { $0 != 0 }
        guard !nonzero.isEmpty else { return .undefined(differences.isEmpty ? .noPairs : .noNonzeroDifference) }
        let magnitudes = nonzero.map(abs)
        // Average ranks are whole or halves: twice a rank is a whole number.
        let doubledRanks = AverageRanks.of(magnitudes).map { Int(2 * $0) }
        let doubledRPlus = zip(nonzero, doubledRanks).reduce(0) { $0 + ($1.0 > 0 ? $1.1 : 0) }
        let tieGroups = Dictionary(grouping: magnitudes, by: { $0 }).values.map(\.count)
        let tiesOrZeros = tieGroups.contains { $0 > 1 } || nonzero.count < differences.count
        let n = differences.count
        if n <= tiedExactLimit || (n <= exactLimit && !tiesOrZeros) {
            return .defined(pValue: exactPValue(doubledRanks: doubledRanks, doubledRPlus: doubledRPlus), method: .exact)
        }
        let m = Double(nonzero.count)
        let tieCorrection = tieGroups.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
        let sigma = ((m * (m + 1) * (2 * m + 1) - tieCorrection / 2) / 24).squareRoot()
        let z = (Double(doubledRPlus) / 2 - m * (m + 1) / 4) / sigma
        return .defined(pValue: erfc(abs(z) * 0.5.squareRoot()), method: .normalApproximation)
    }

    /// 2 min(P(R+ ≤ r), P(R+ ≥ r)), capped at 1, under the 2^m equally
    /// likely sign assignments of m ≤ 62 ranks, in doubled units (2 × rank,
    /// 2 × R+) so sums stay whole. The counts come from one pass per rank
    /// over the counts of every possible sum (subset-sum counting).
    public static func exactPValue(doubledRanks: [Int], doubledRPlus: Int) -> Double {
        precondition(doubledRanks.count <= 62, "Wilcoxon exact distribution: \(doubledRanks.count) ranks")
        let total = doubledRanks.reduce(0, +)
        var counts = [Int](repeating: 0, count: total + 1)   // counts[s]: sign assignments with 2 R+ = s
        counts[0] = 1
        var reached = 0
        for rank in doubledRanks {
            for sum in stride(from: reached, through: 0, by: -1) where counts[sum] > 0 {
                counts[sum + rank] += counts[sum]
            }
            reached += rank
        }
        let atMost = counts[0...doubledRPlus].reduce(0, +), atLeast = counts[doubledRPlus...].reduce(0, +)
        return min(1, Double(2 * min(atMost, atLeast)) * pow(2, -Double(doubledRanks.count)))
    }
}
