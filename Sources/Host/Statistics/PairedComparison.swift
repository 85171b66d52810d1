/// A strategy against a baseline on the same seeds: the per-seed
/// differences of a figure (accuracy at equal budget), their mean with a
/// bootstrap interval, and two tests of whether they centre on zero.
///
/// Seed s gives the pair (a_s, b_s), a the strategy's value, b the
/// baseline's. A pair where either value is NaN or infinite (a diverged
/// training) is dropped and counted; the n pairs left give the differences
/// d_s = a_s − b_s, in seed order.
///
/// - `meanDifference`: point = the mean of the d_s (summed in seed order);
///   interval = the percentile bootstrap of `SeedBootstrap` over the n
///   pairs: each of B resamples draws n pairs with replacement, pair index
///   = the high 64 bits of n × a 64-bit draw of
///   `SeededRandom(seed: seed, stream: "study.paired-bootstrap")` (draws
///   taken resample by resample, pair by pair), its value is the mean of the
///   drawn differences (Σ count_s · d_s / n in seed order), and the interval
///   is the (1 − level)/2 and (1 + level)/2 percentiles of the B values,
///   interpolated linearly between order statistics (NumPy's default). Its
///   `undefinedSeeds` is the number of dropped pairs (they are not
///   resampled). nil when n = 0; when n = 1 the point alone, with no
///   interval and no resample drawn (one pair has no spread to resample:
///   its percentile interval would be the point itself).
/// - `signTest`: `SignTest` of the d_s.
/// - `wilcoxon`: `WilcoxonSignedRank` of the d_s.
public struct PairedComparison: Codable, Equatable, Sendable {
    /// The random stream of the bootstrap's draws.
    public static let bootstrapStream = "study.paired-bootstrap"

    /// d_s = a_s − b_s for the kept pairs, in seed order.
    public var differences: [Double]
    /// How many pairs had a NaN or infinite value and were dropped.
    public var droppedPairs: Int
    /// The mean difference with its bootstrap interval; nil without pairs.
    @ExplicitNull public var meanDifference: BootstrapEstimate?
    /// The two-sided exact sign test of the differences.
    public var signTest: TestOutcome
    /// The two-sided Wilcoxon signed-rank test of the differences.
    public var wilcoxon: TestOutcome

    /// Compares `strategy` with `baseline`, one value each per seed, in the
    /// same seed order; the bootstrap draws `resamples` resamples from
    /// `seed` for a `level` interval.
    public init(strategy: [Double], baseline: [Double], resamples: Int = SeedBootstrap.defaultResamples,
                seed: UInt64 = 0, level: Double = 0.95) {
        precondition(strategy.count == baseline.count,
                     "paired comparison: \(strategy.count) strategy values against \(baseline.count) baseline values")
        let kept = zip(strategy, baseline).filter { $0.0.isFinite && $0.1.isFinite }
        differences = kept.map { $0.0 - $0.1 }
        droppedPairs = strategy.count - kept.count
        signTest = SignTest.test(differences)
        wilcoxon = WilcoxonSignedRank.test(differences)
        guard !differences.isEmpty else { return }
        guard differences.count >= 2 else {
            meanDifference = BootstrapEstimate(point: differences[0], low: nil, high: nil, level: level, resamples: 0,
                                               undefined: 0, undefinedSeeds: droppedPairs)
            return
        }
        var estimate = SeedBootstrap.estimate(seedScores: differences.map { [$0] }, resamples: resamples, seed: seed,
                                              level: level, stream: Self.bootstrapStream) { $0[0] }
        estimate.undefinedSeeds = droppedPairs
        meanDifference = estimate
    }

    private enum CodingKeys: String, CodingKey {
        case differences, droppedPairs = "dropped_pairs", meanDifference = "mean_difference", signTest = "sign_test", wilcoxon
    }
}
