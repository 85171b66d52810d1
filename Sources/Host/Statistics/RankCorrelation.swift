/// Rank correlations between a metric's scores and the true accuracies
/// (METHOD.md section 8), defined as scipy.stats defines them. The sign is
/// kept as measured: a metric that ranks the edges backwards has a negative
/// correlation, never its absolute value.
///
/// Undefined cases return nil where scipy returns nan: fewer than two
/// values, a constant input (every value tied, so a rank has no variance),
/// or any NaN or infinite value.
public enum RankCorrelation {
    /// Spearman's rho: the Pearson correlation of the average ranks
    /// (scipy.stats.spearmanr). `x` and `y` must have the same length.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "spearman: \(x.count) values against \(y.count)")
        guard defined(x, y) else { return nil }
        return pearson(AverageRanks.of(x), AverageRanks.of(y))
    }

    /// Kendall's tau-b (scipy.stats.kendalltau, variant "b"), which accounts
    /// for ties in either variable:
    /// (concordant - discordant) / sqrt((P - Tx) (P - Ty)), with P the number
    /// of pairs, Tx the pairs tied in x and Ty the pairs tied in y (a pair
    /// tied in both counts in each). O(n^2) over all pairs: n is at most the
    /// number of edges (625 for 25 nodes), and the direct count is clearest.
    public static func kendallTauB(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "kendallTauB: \(x.count) values against \(y.count)")
        guard defined(x, y) else { return nil }
        let n = x.count
        var balance = 0, tiedX = 0, tiedY = 0
        x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                for a in 0..<n {
                    let xa = x[a], ya = y[a]
                    for b in (a + 1)..<n {
                        let dx = x[b] - xa, dy = y[b] - ya
                        if dx == 0 { tiedX += 1 }
                        if dy == 0 { tiedY += 1 }
                        if dx != 0 && dy != 0 { balance += (dx > 0) == (dy > 0) ? 1 : -1 }
                    }
                }
            }
        }
        let pairs = n * (n - 1) / 2
        // As scipy computes it, clipped to [-1, 1] against rounding.
        let tau = Double(balance) / Double(pairs - tiedX).squareRoot() / Double(pairs - tiedY).squareRoot()
        return min(1, max(-1, tau))
    }

    /// Pearson's correlation of two samples that are not constant.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        let n = Double(x.count)
        let meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            let dx = a - meanX, dy = b - meanY
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        return min(1, max(-1, sxy / (sxx.squareRoot() * syy.squareRoot())))
    }

    /// Whether a rank correlation of `x` and `y` exists: two values or more,
    /// all finite, and neither sample constant.
    private static func defined(_ x: [Double], _ y: [Double]) -> Bool {
        x.count >= 2 && x.allSatisfy(\.isFinite) && y.allSatisfy(\.isFinite)
            && x.contains { $0 != x[0] } && y.contains { $0 != y[0] }
    }
}
