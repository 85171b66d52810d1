import Foundation
import Testing
@testable import Host

/// The statistics that judge strategies (Student-t summaries, paired
/// comparisons, the Pareto front, claim verdicts) against scipy.stats on the
/// fixed inputs of tools/golden/paired.py, and on constructed cases.
@Suite struct PairedStatisticsTests {
    /// One Student t quantile of the golden file.
    struct Quantile: Decodable {
        var df: Double
        var p: Double
        var value: Double
    }

    /// One binomial test of the golden file.
    struct Binomial: Decodable {
        var k: Int
        var n: Int
        var pvalue: Double
    }

    /// Per-seed values (nil: NaN) with numpy's and scipy's summary.
    struct Summary: Decodable {
        var name: String
        var values: [Double?]
        var count: Int
        var excluded: Int
        var mean: Double?
        var std: Double?
        var low: Double?
        var high: Double?
    }

    /// The golden interval of the documented bootstrap.
    struct Bootstrap: Decodable {
        var resamples: Int
        var seed: UInt64
        var low: Double
        var high: Double
    }

    /// Paired per-seed values (nil: NaN) with scipy's statistics.
    struct Paired: Decodable {
        var name: String
        var strategy: [Double?]
        var baseline: [Double?]
        var differences: [Double]
        var dropped: Int
        var mean_difference: Double?
        var sign_test: Double?
        var wilcoxon: Double?
        var wilcoxon_method: String?
        var bootstrap: Bootstrap?
    }

    /// The golden file.
    struct Golden: Decodable {
        var scipy: String
        var t_ppf: [Quantile]
        var binomtest: [Binomial]
        var summaries: [Summary]
        var paired: [Paired]
    }

    static let golden: Golden = {
        let url = Locations.fixtures.appendingPathComponent("paired_golden.json")
        return try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }()

    /// Whether `value` is within `relative` of `expected`, relative to the
    /// larger of |expected| and `scale`.
    static func close(_ value: Double?, _ expected: Double?, relative: Double = 1e-12, scale: Double = 0) -> Bool {
        guard let value, let expected else { return value == nil && expected == nil }
        return abs(value - expected) <= relative * max(abs(expected), scale)
    }

    // MARK: Against scipy

    @Test func studentQuantilesMatchScipy() {
        let cases = Self.golden.t_ppf
        #expect(Set(cases.filter { $0.p == 0.975 }.map(\.df)) == Set((1...200).map(Double.init)))
        for item in cases {
            let t = StudentT(degreesOfFreedom: item.df).quantile(item.p)
            #expect(Self.close(t, item.value), "df \(item.df), p \(item.p): \(t), scipy \(item.value)")
        }
    }

    @Test func binomialPValuesMatchScipy() {
        for item in Self.golden.binomtest {
            let p = SignTest.binomialPValue(successes: item.k, trials: item.n)
            #expect(Self.close(p, item.pvalue), "k \(item.k) of \(item.n): \(p), scipy \(item.pvalue)")
        }
    }

    @Test func seedSummariesMatchNumpyAndScipy() {
        for item in Self.golden.summaries {
            let summary = SeedSummary(item.values.map { $0 ?? .nan })
            #expect(summary.count == item.count && summary.excluded == item.excluded, "\(item.name)")
            #expect(Self.close(summary.mean, item.mean), "\(item.name): mean \(String(describing: summary.mean))")
            #expect(Self.close(summary.standardDeviation, item.std, scale: 1e-3), "\(item.name): s")
            #expect(Self.close(summary.low, item.low), "\(item.name): low \(String(describing: summary.low))")
            #expect(Self.close(summary.high, item.high), "\(item.name): high \(String(describing: summary.high))")
            #expect(summary.level == 0.95)
        }
        // The fixture covers one value (mean only), none, and NaN among values.
        #expect(Self.golden.summaries.contains { $0.count == 1 && $0.mean != nil && $0.low == nil })
        #expect(Self.golden.summaries.contains { $0.count == 0 && $0.mean == nil })
        #expect(Self.golden.summaries.contains { $0.excluded > 0 && $0.count > 1 })
    }

    @Test func pairedComparisonsMatchScipy() throws {
        let cases = Self.golden.paired
        for item in cases {
            let comparison = PairedComparison(strategy: item.strategy.map { $0 ?? .nan },
                                              baseline: item.baseline.map { $0 ?? .nan },
                                              resamples: item.bootstrap?.resamples ?? 1000,
                                              seed: item.bootstrap?.seed ?? 0)
            // The same IEEE subtraction: the differences are equal bit for bit.
            #expect(comparison.differences == item.differences, "\(item.name)")
            #expect(comparison.droppedPairs == item.dropped, "\(item.name)")
            // numpy sums pairwise, the Swift code in order: compare on the scale of the |d|.
            let scale = item.differences.isEmpty ? 0 : item.differences.map(abs).reduce(0, +) / Double(item.differences.count)
            #expect(Self.close(comparison.meanDifference?.point, item.mean_difference, scale: scale), "\(item.name): mean")
            #expect(Self.close(comparison.signTest.pValue, item.sign_test), "\(item.name): sign test \(comparison.signTest)")
            if !item.differences.isEmpty && item.differences.allSatisfy({ $0 == 0 }) {
                // scipy says 1.0 (N ≤ 13): nothing to test is reported as undefined here.
                #expect(comparison.wilcoxon == .undefined(.noNonzeroDifference), "\(item.name)")
                #expect(comparison.signTest == .undefined(.noNonzeroDifference), "\(item.name)")
            } else {
                #expect(Self.close(comparison.wilcoxon.pValue, item.wilcoxon),
                        "\(item.name): Wilcoxon \(comparison.wilcoxon), scipy \(String(describing: item.wilcoxon))")
                let method: TestOutcome.Method? = switch item.wilcoxon_method {
                case "exact", "permutation": .exact
                case "asymptotic": .normalApproximation
                default: nil
                }
                #expect(comparison.wilcoxon.method == method, "\(item.name): \(comparison.wilcoxon)")
            }
            if let golden = item.bootstrap {
                // The documented resampling, redone in Python: equal up to numpy's percentile rounding.
                let estimate = try #require(comparison.meanDifference)
                #expect(Self.close(estimate.low, golden.low, scale: scale), "\(item.name): low \(String(describing: estimate.low))")
                #expect(Self.close(estimate.high, golden.high, scale: scale), "\(item.name): high \(String(describing: estimate.high))")
                #expect(estimate.resamples == golden.resamples && estimate.undefined == 0 && estimate.undefinedSeeds == item.dropped)
            }
        }
        // Every method scipy picks is in the fixture, with n = 1 ... 12 among the cases.
        #expect(Set(cases.compactMap(\.wilcoxon_method)) == ["exact", "permutation", "asymptotic"])
        #expect(Set(cases.map(\.differences.count)).isSuperset(of: [0, 1, 2, 4, 5, 6, 7, 10, 11, 12, 13, 14, 50, 51]))
        #expect(cases.contains { ($0.mean_difference ?? 0) < 0 } && cases.contains { ($0.mean_difference ?? 0) > 0 })
    }

    // MARK: Constructed cases

    @Test func studentQuantilesAreSymmetricAndInvertTheDistribution() {
        let t = StudentT(degreesOfFreedom: 4)
        #expect(t.quantile(0.5) == 0)
        #expect(abs(t.quantile(0.025) + t.quantile(0.975)) < 1e-13)
        for p in [0.001, 0.2, 0.6, 0.975] { #expect(abs(t.cdf(t.quantile(p)) - p) < 1e-14) }
        // Closed forms: tan(π(p − ½)) for ν = 1, (2p − 1)/√(2p(1 − p)) for ν = 2.
        #expect(abs(StudentT(degreesOfFreedom: 1).quantile(0.9) - tan(Double.pi * 0.4)) < 1e-13)
        #expect(abs(StudentT(degreesOfFreedom: 2).quantile(0.9) - 0.8 / (2 * 0.9 * 0.1).squareRoot()) < 1e-14)
        // Next to the median, where scipy's ppf loses digits, the quantile keeps them (mpmath: 2.6666666652631e-7).
        #expect(abs(t.quantile(0.5000001) / 2.6666666652631e-7 - 1) < 1e-9)
    }

    @Test func seedSummaryExcludesWhatIsNotFinite() {
        let summary = SeedSummary([0.8, .nan, 0.82, .infinity, 0.81])
        #expect(summary.count == 3 && summary.excluded == 2)
        #expect(abs(summary.mean! - 0.81) < 1e-15)
        // A 90% interval uses t at 0.95 with n − 1 = 2 degrees of freedom.
        let half = StudentT(degreesOfFreedom: 2).quantile(0.95) * summary.standardDeviation! / 3.0.squareRoot()
        let narrower = SeedSummary([0.8, 0.82, 0.81], level: 0.9)
        #expect(abs(narrower.high! - (0.81 + half)) < 1e-15 && narrower.high! < summary.high!)
        let none = SeedSummary([.nan, .nan])
        #expect(none.count == 0 && none.excluded == 2 && none.mean == nil && none.low == nil)
    }

    @Test func testsAreUndefinedWithoutNonzeroDifferences() {
        #expect(SignTest.test([]) == .undefined(.noPairs))
        #expect(WilcoxonSignedRank.test([]) == .undefined(.noPairs))
        #expect(SignTest.test([0, 0]) == .undefined(.noNonzeroDifference))
        #expect(WilcoxonSignedRank.test([0, 0, 0]).pValue == nil)
        let none = PairedComparison(strategy: [.nan, 0.8], baseline: [0.7, .nan])
        #expect(none.meanDifference == nil && none.droppedPairs == 2 && none.signTest == .undefined(.noPairs))
        // One pair: a mean, but no spread to resample.
        let one = PairedComparison(strategy: [0.8, .nan], baseline: [0.75, 0.7])
        #expect(one.meanDifference?.point == 0.8 - 0.75 && one.meanDifference?.low == nil && one.meanDifference?.high == nil)
        #expect(one.meanDifference?.undefinedSeeds == 1)
    }

    @Test func wilcoxonCountsEverySignAssignment() {
        // Five positive differences: R+ = 15, the largest of 32 equally likely sums.
        #expect(WilcoxonSignedRank.test([0.1, 0.2, 0.3, 0.4, 0.5]) == .defined(pValue: 2.0 / 32, method: .exact))
        // Ties (ranks 1.5, 1.5, 3): 2R+ takes 0, 3, 3, 6, 6, 9, 9, 12; the observed 9 and above: 3 of 8.
        #expect(WilcoxonSignedRank.exactPValue(doubledRanks: [3, 3, 6], doubledRPlus: 9) == 2 * 3.0 / 8)
        #expect(WilcoxonSignedRank.test([0.01, -0.01, 0.02]).method == .exact)
    }

    @Test func theBootstrapIsSeededOnItsOwnStream() {
        let a: [Double] = [0.81, 0.83, 0.8, 0.84, 0.82, 0.85], b: [Double] = [0.8, 0.81, 0.81, 0.82, 0.8, 0.82]
        let first = PairedComparison(strategy: a, baseline: b, resamples: 400, seed: 3)
        #expect(first == PairedComparison(strategy: a, baseline: b, resamples: 400, seed: 3))
        #expect(first.meanDifference != PairedComparison(strategy: a, baseline: b, resamples: 400, seed: 4).meanDifference)
        let estimate = first.meanDifference!
        #expect(estimate.low! < estimate.point! && estimate.point! < estimate.high! && estimate.resamples == 400)
        // Not compare's draws: the paired bootstrap has a stream of its own.
        #expect(SeedBootstrap.resampleCounts(seeds: 6, resamples: 50, seed: 3, stream: PairedComparison.bootstrapStream)
                    != SeedBootstrap.resampleCounts(seeds: 6, resamples: 50, seed: 3))
    }

    @Test func theParetoFrontKeepsTheUndominated() {
        let points: [ParetoFront.Point] = [
            .init(label: "parallel-every", accuracy: 0.84, parameters: 120_000),
            .init(label: "greedy k=2", accuracy: 0.84, parameters: 20_000),      // dominates parallel-every
            .init(label: "greedy k=1", accuracy: 0.82, parameters: 10_000),
            .init(label: "random k=1", accuracy: 0.80, parameters: 10_000),      // dominated by greedy k=1
            .init(label: "gradient k=1", accuracy: 0.82, parameters: 10_000),    // tied with greedy k=1: both stay
            .init(label: "diverged", accuracy: .nan, parameters: 1_000),         // never on the front
            .init(label: "tiny", accuracy: 0.6, parameters: 5_000),
            .init(label: "best", accuracy: 0.86, parameters: 200_000),
        ]
        #expect(ParetoFront.front(points).map(\.label) == ["tiny", "greedy k=1", "gradient k=1", "greedy k=2", "best"])
        #expect(ParetoFront.dominates(points[1], points[0]) && !ParetoFront.dominates(points[2], points[4]))
        #expect(!ParetoFront.dominates(points[6], points[5]) && !ParetoFront.dominates(points[5], points[6]))
        #expect(ParetoFront.front([]).isEmpty)
    }

    /// A comparison whose differences are `differences` (baseline 0.8).
    static func comparison(_ differences: [Double]) -> PairedComparison {
        PairedComparison(strategy: differences.map { 0.8 + $0 }, baseline: differences.map { _ in 0.8 }, resamples: 1000, seed: 0)
    }

    @Test func verdictsFollowTheInterval() throws {
        // Clearly better on every seed: A beats B, so it also matches it.
        let better = Self.comparison([0.021, 0.018, 0.025, 0.019, 0.023, 0.02, 0.022, 0.017])
        let interval = try #require(better.meanDifference)
        #expect(interval.low! > 0.015)
        let beats = Claim.beats.judge(better)
        #expect(beats.verdict == .holds)
        #expect(beats.explanation == String(format: "holds: mean difference %+.4f, 95%% interval [%+.4f, %+.4f] (8 pairs) lies above +0.0000; beats",
                                            interval.point!, interval.low!, interval.high!), "\(beats.explanation)")
        #expect(Claim.matchesOrBeats().judge(better).verdict == .holds)

        // Clearly worse: neither claim holds.
        let worse = Self.comparison([-0.03, -0.025, -0.035, -0.028, -0.032, -0.027])
        #expect(Claim.beats.judge(worse).verdict == .doesNotHold)
        let matches = Claim.matchesOrBeats().judge(worse)
        #expect(matches.verdict == .doesNotHold)
        #expect(matches.explanation.contains("lies at or below -0.0050; matches or beats within 0.0050"), "\(matches.explanation)")

        // Slightly better with noise: not shown to beat, but shown to match within 0.005.
        let close = Self.comparison([0.006, -0.004, 0.005, -0.003, 0.004, -0.002, 0.003, -0.001])
        let closeBeats = Claim.beats.judge(close)
        #expect(closeBeats.verdict == .undecided && closeBeats.explanation.contains("reaches both sides of +0.0000"))
        #expect(Claim.matchesOrBeats().judge(close).verdict == .holds)
        // A tighter tolerance leaves it undecided.
        #expect(Claim.matchesOrBeats(tolerance: 0.0005).judge(close).verdict == .undecided)

        // Identical on every seed: [0, 0] refutes "beats" (it is strict) and shows a match.
        let same = Self.comparison([0, 0, 0, 0])
        #expect(Claim.beats.judge(same).verdict == .doesNotHold)
        #expect(Claim.matchesOrBeats().judge(same).verdict == .holds)

        // Nothing to judge from: no pair, or one.
        let nothing = Claim.beats.judge(PairedComparison(strategy: [.nan], baseline: [0.8]))
        #expect(nothing.verdict == .undecided && nothing.explanation == "undecided: no pair to compare (0 pairs, 1 dropped); beats")
        let single = Claim.matchesOrBeats().judge(Self.comparison([0.05]))
        #expect(single.verdict == .undecided && single.explanation.contains("+0.0500 has no interval (1 pair)"), "\(single.explanation)")
    }
}
