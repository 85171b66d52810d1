import Foundation
import Testing
@testable import Host

/// Top-k overlap, regret, the seeded bootstrap and their combination.
@Suite struct CompareStatisticsTests {
    @Test func bestFirstFollowsTheDirectionAndBreaksTiesByIndex() {
        let scores: [Double] = [3, 5, 5, 1, 3]
        #expect(ScoreDirection.higherIsBetter.bestFirst(scores) == [1, 2, 0, 4, 3])
        #expect(ScoreDirection.lowerIsBetter.bestFirst(scores) == [3, 0, 4, 1, 2])
        #expect(ScoreDirection(abi: 1) == .higherIsBetter && ScoreDirection(abi: -1) == .lowerIsBetter)
        #expect(ScoreDirection(abi: 0) == nil)
    }

    @Test func topKOverlapCountsSharedEdges() {
        let truth: [Double] = [0.5, 0.9, 0.8, 0.7, 0.1]       // true top 2: edges 1, 2
        #expect(TopKOverlap.overlap(scores: [1, 9, 8, 0, 0], direction: .higherIsBetter, truth: truth, k: 2) == 1)
        #expect(TopKOverlap.overlap(scores: [9, 8, 0, 0, 0], direction: .higherIsBetter, truth: truth, k: 2) == 0.5)
        #expect(TopKOverlap.overlap(scores: [0, 9, 8, 0, 0], direction: .lowerIsBetter, truth: truth, k: 2) == 0)
        // Lowest three: edges 1, 4 and (tied with 3, the earlier) 2; true top three: 1, 2, 3.
        #expect(TopKOverlap.overlap(scores: [9, 1, 5, 5, 2], direction: .lowerIsBetter, truth: truth, k: 3) == 2.0 / 3)
        // A tie at the k-th place goes to the earlier index: edges 0 and 3
        // tie; edge 0 is taken, which is not in the true top 2.
        #expect(TopKOverlap.overlap(scores: [5, 9, 0, 5, 0], direction: .higherIsBetter, truth: truth, k: 2) == 0.5)
        #expect(TopKOverlap.overlap(scores: [5, 9, 0, 5, 0], direction: .higherIsBetter, truth: truth, k: 50) == 1)
        #expect(TopKOverlap.overlap(scores: [], direction: .higherIsBetter, truth: [], k: 1) == nil)
        #expect(TopKOverlap.overlap(scores: [1, .nan], direction: .higherIsBetter, truth: [1, 2], k: 1) == nil)
    }

    @Test func regretIsTheAccuracyGivenUp() {
        let truth: [Double] = [0.5, 0.9, 0.8, 0.7]
        #expect(Regret.regret(scores: [0, 3, 1, 2], direction: .higherIsBetter, truth: truth) == 0)
        #expect(Regret.regret(scores: [0, 3, 1, 2], direction: .lowerIsBetter, truth: truth) == 0.9 - 0.5)
        // Equal best scores: the earlier edge (2) is the metric's choice.
        #expect(Regret.regret(scores: [0, 1, 3, 3], direction: .higherIsBetter, truth: truth) == 0.9 - 0.8)
        #expect(Regret.regret(scores: [], direction: .higherIsBetter, truth: []) == nil)
    }

    @Test func percentilesInterpolateLikeNumpy() {
        let sorted: [Double] = [1, 2, 3, 4, 10]
        #expect(SeedBootstrap.percentile(sorted, 0) == 1 && SeedBootstrap.percentile(sorted, 1) == 10)
        #expect(SeedBootstrap.percentile(sorted, 0.5) == 3)
        #expect(abs(SeedBootstrap.percentile(sorted, 0.975)! - 9.4) < 1e-12)   // numpy.percentile(.., 97.5)
        #expect(SeedBootstrap.percentile([], 0.5) == nil)
    }

    @Test func resamplesAreSeededAndDrawWithReplacement() {
        let a = SeedBootstrap.resampleCounts(seeds: 4, resamples: 200, seed: 7)
        #expect(a == SeedBootstrap.resampleCounts(seeds: 4, resamples: 200, seed: 7))
        #expect(a != SeedBootstrap.resampleCounts(seeds: 4, resamples: 200, seed: 8))
        #expect(a.allSatisfy { $0.reduce(0, +) == 4 })
        #expect(a.contains { $0.contains(0) })                  // some seed left out
        // Every seed is drawn about equally often overall.
        let totals = (0..<4).map { seed in a.reduce(0) { $0 + $1[seed] } }
        #expect(totals.allSatisfy { abs($0 - 200) < 60 }, "\(totals)")
    }

    /// Three seeds of a noisy metric that tracks the truth.
    static func noisySeeds(seeds: Int, edges: Int) -> (scores: [[Double]], truth: [Double]) {
        let truth = (0..<edges).map { 0.5 + 0.4 * Double(($0 * 7) % edges) / Double(edges) }
        let scores = (0..<seeds).map { seed in
            truth.enumerated().map { edge, accuracy in accuracy + 0.15 * sin(Double(edge * 13 + seed * 101)) }
        }
        return (scores, truth)
    }

    @Test func theIntervalHoldsThePointAndTheSeedFixesIt() {
        let (scores, truth) = Self.noisySeeds(seeds: 5, edges: 60)
        let rho = SeedBootstrap.estimate(seedScores: scores, resamples: 500, seed: 1) { RankCorrelation.spearman($0, truth) }
        let perSeed = scores.map { RankCorrelation.spearman($0, truth)! }
        #expect(abs(rho.point! - perSeed.reduce(0, +) / 5) < 1e-15)
        // The mean of per-seed statistics sits inside its interval, not at an edge.
        #expect(rho.low! < rho.point! && rho.point! < rho.high!, "\(rho)")
        #expect(SeedBootstrap.meanScores([[1, 2], [3, 6]], counts: [1, 3]) == [2.5, 5])
        #expect(rho.low! <= rho.point! && rho.point! <= rho.high! && rho.low! < rho.high!, "\(rho)")
        #expect(rho.point! > 0.5 && rho.undefined == 0 && rho.resamples == 500 && rho.level == 0.95)
        #expect(rho == SeedBootstrap.estimate(seedScores: scores, resamples: 500, seed: 1) { RankCorrelation.spearman($0, truth) })
        // One seed: every resample is that seed, so the interval collapses.
        let single = SeedBootstrap.estimate(seedScores: [scores[0]], resamples: 50) { RankCorrelation.spearman($0, truth) }
        #expect(single.low == single.point && single.high == single.point)
    }

    @Test func undefinedStatisticsAreNilAndCounted() {
        // A metric that scores every edge alike under every seed (e.g. a
        // gradient-rank saturated at r) has no rank correlation.
        let flat = SeedBootstrap.estimate(seedScores: [[2, 2, 2], [2, 2, 2]], resamples: 20) {
            RankCorrelation.kendallTauB($0, [0.1, 0.2, 0.3])
        }
        #expect(flat.point == nil && flat.low == nil && flat.high == nil && flat.undefined == 20 && flat.undefinedSeeds == 2)
        // Constant in one seed only: that seed is left out of the means, and
        // a resample drawing only it is undefined.
        let partly = SeedBootstrap.estimate(seedScores: [[2, 2, 2], [1, 2, 3]], resamples: 200) {
            RankCorrelation.spearman($0, [0.1, 0.2, 0.3])
        }
        #expect(abs(partly.point! - 1) < 1e-12 && partly.undefinedSeeds == 1)
        #expect(partly.undefined > 20 && partly.undefined < 80, "\(partly.undefined) of 200, expected about 50")
        let json = String(decoding: try! JSONEncoder().encode(flat), as: UTF8.self)
        #expect(json.contains("\"point\":null") && json.contains("\"low\":null") && json.contains("\"undefined_seeds\":2"), "\(json)")
    }

    @Test func aComparisonLeavesOutUntrainedEdgesAndKeepsSigns() {
        var (scores, truth) = Self.noisySeeds(seeds: 3, edges: 40)
        truth[5] = .nan                                           // not trained yet
        let up = MetricComparison.compare(metric: "m", direction: .higherIsBetter, seedScores: scores, truth: truth,
                                          k: 5, resamples: 100, seed: 3)
        #expect(up.edges == 39 && up.seeds == 3 && up.k == 5)
        #expect(up.spearman.point! > 0.5 && up.kendallTauB.point! > 0.3 && up.regret.point! >= 0)
        #expect(up.topKOverlap.point! >= 0 && up.topKOverlap.point! <= 1)
        // The same scores negated: correlations flip sign, they are not made absolute.
        let down = MetricComparison.compare(metric: "m", direction: .lowerIsBetter, seedScores: scores.map { $0.map { -$0 } },
                                            truth: truth, k: 5, resamples: 100, seed: 3)
        #expect(abs(down.spearman.point! + up.spearman.point!) < 1e-12)
        #expect(abs(down.kendallTauB.point! + up.kendallTauB.point!) < 1e-12)
        // For overlap and regret the direction undoes the negation.
        #expect(down.topKOverlap == up.topKOverlap && down.regret == up.regret)
        let data = try! JSONEncoder().encode(up)
        #expect(try! JSONDecoder().decode(MetricComparison.self, from: data) == up)
    }
}
