import Foundation
import Testing
@testable import Host

/// Resolution diagnostics on constructed score tables: distinct values,
/// ties at the best end for both directions, all-equal scores, NaNs, the
/// rank ceiling, the saturation rule, the mean over seeds and the text.
@Suite struct ScoreResolutionTests {
    @Test func tiesAreCountedAtTheBestEndOfEachDirection() {
        let scores: [Double] = [1, 5, 5, 1, 1, 3, 2, 4, 0, 6]      // highest 6 once; lowest 0 once
        let high = ScoreResolution(scores: scores, direction: .higherIsBetter)
        #expect(high.edges == 10 && high.missing == 0 && high.distinctValues == 7)
        #expect(high.tiedAtBest == 0.1 && !high.saturated && high.rankCeiling == nil && high.atRankCeiling == nil)

        let crowdedLow: [Double] = [0, 0, 0, 0, 0, 1, 2, 3, 4, 5]   // half the edges tied at the lowest
        #expect(ScoreResolution(scores: crowdedLow, direction: .higherIsBetter).tiedAtBest == 0.1)
        let low = ScoreResolution(scores: crowdedLow, direction: .lowerIsBetter)
        #expect(low.tiedAtBest == 0.5 && low.saturated)
        // The same crowd at the highest end saturates a higher-is-better metric only.
        let crowdedHigh = crowdedLow.map { 5 - $0 }
        #expect(ScoreResolution(scores: crowdedHigh, direction: .higherIsBetter).saturated)
        #expect(!ScoreResolution(scores: crowdedHigh, direction: .lowerIsBetter).saturated)
    }

    @Test func tiesAreExact() {
        let scores: [Double] = [1, 1 + 1e-15, 1 + 2e-15, 0.5]
        let resolution = ScoreResolution(scores: scores, direction: .higherIsBetter)
        #expect(resolution.distinctValues == 4 && resolution.tiedAtBest == 0.25)
    }

    @Test func allEqualScoresAreOneValueAllTied() {
        let resolution = ScoreResolution(scores: [Double](repeating: 7, count: 25), direction: .lowerIsBetter)
        #expect(resolution.distinctValues == 1 && resolution.tiedAtBest == 1 && resolution.saturated)
        #expect(resolution.warning(label: "fisher")?.contains("fisher is saturated") == true)
    }

    @Test func nonFiniteScoresAreLeftOutAndCounted() {
        let scores: [Double] = [.nan, 3, 2, .infinity, 1, .nan, 3]
        let resolution = ScoreResolution(scores: scores, direction: .higherIsBetter)
        #expect(resolution.edges == 7 && resolution.missing == 3 && resolution.scoredEdges == 4)
        #expect(resolution.distinctValues == 3 && resolution.tiedAtBest == 0.5 && resolution.saturated)
        let none = ScoreResolution(scores: [.nan, .nan], direction: .higherIsBetter, rankCeiling: 16)
        #expect(none.missing == 2 && none.distinctValues == 0 && none.tiedAtBest == 0 && none.atRankCeiling == 0)
        #expect(!none.saturated && none.warning(label: "x") == nil)
    }

    @Test func theRankCeilingShareCountsEdgesAtMinOfWidthAndTokens() {
        // d = 16, tokens 40: ceiling 16; 14 of 20 edges at full rank.
        let ranks = [Double](repeating: 16, count: 14) + [3, 5, 7, 9, 11, 0]
        let resolution = ScoreResolution(scores: ranks, direction: .higherIsBetter, rankCeiling: 16)
        #expect(resolution.rankCeiling == 16 && resolution.atRankCeiling == 0.7 && resolution.tiedAtBest == 0.7)
        #expect(resolution.saturated)
        let warning = try! #require(resolution.warning(label: "gradient-rank", width: 16))
        #expect(warning.contains("70% at the rank ceiling min(d, tokens) = 16") && warning.contains("larger rtol"))
        #expect(warning.contains("gradient-rank:rtol=") && !warning.contains("--probe-size"))
        // A ceiling set by the probe's tokens (fewer than d) names --probe-size too.
        let tokensBound = ScoreResolution(scores: ranks.map { min($0, 12) }, direction: .higherIsBetter, rankCeiling: 12)
        #expect(tokensBound.warning(label: "gradient-rank", width: 16)?.contains("larger --probe-size") == true)
        // No edge at the ceiling: the best is lower; a saturated rank metric then wants a smaller rtol.
        let low = ScoreResolution(scores: [1, 1, 1, 1, 0], direction: .higherIsBetter, rankCeiling: 16)
        #expect(low.atRankCeiling == 0 && low.tiedAtBest == 0.8 && low.saturated)
        #expect(low.warning(label: "gradient-rank:rtol=0.1")?.contains("smaller rtol") == true)
    }

    @Test func fewDistinctValuesSaturateWithoutTies() {
        // 40 edges, 3 distinct values (< 4 = 10%), none with half the edges at the best.
        let scores = (0..<40).map { Double($0 % 3) }
        let resolution = ScoreResolution(scores: scores, direction: .higherIsBetter)
        #expect(resolution.distinctValues == 3 && resolution.tiedAtBest < 0.5 && resolution.saturated)
        // 4 distinct of 40 is exactly 10%: not saturated.
        #expect(!ScoreResolution(scores: (0..<40).map { Double($0 % 4) }, direction: .higherIsBetter).saturated)
    }

    @Test func severalSeedsAreAveragedAndJudgedOnTheMeans() throws {
        let a: [Double] = [4, 4, 4, 1, 2, 3]          // tied 0.5, 4 distinct
        let b: [Double] = [4, 3, 2, 1, 0, .nan]       // tied 0.2, 5 distinct, 1 missing
        let mean = try #require(ScoreResolution.mean(seedScores: [a, b], direction: .higherIsBetter, rankCeilings: [4, 3]))
        #expect(mean.seeds == 2 && mean.edges == 6 && mean.missing == 0.5 && mean.distinctValues == 4.5)
        #expect(abs(mean.tiedAtBest - 0.35) < 1e-12 && mean.rankCeiling == 3 && !mean.saturated)
        // Seed a: 3 of 6 edges at its ceiling 4; seed b: 1 of its 5 scored edges at its ceiling 3.
        #expect(abs(try #require(mean.atRankCeiling) - (0.5 + 0.2) / 2) < 1e-12)
        #expect(ScoreResolution.mean(seedScores: [], direction: .higherIsBetter) == nil)
        #expect(ScoreResolution.mean(seedScores: [a], direction: .higherIsBetter) == ScoreResolution(scores: a, direction: .higherIsBetter))
    }

    @Test func theJSONHasSnakeCaseKeysAndRoundTrips() throws {
        let resolution = ScoreResolution(scores: [16, 16, 3], direction: .higherIsBetter, rankCeiling: 16)
        let text = try jsonText(resolution)
        for key in ["\"distinct_values\":2", "\"tied_at_best\"", "\"rank_ceiling\":16", "\"at_rank_ceiling\"", "\"saturated\":true",
                    "\"missing\":0", "\"edges\":3", "\"seeds\":1"] {
            #expect(text.contains(key), "\(key) in \(text)")
        }
        #expect(try JSONDecoder().decode(ScoreResolution.self, from: Data(text.utf8)) == resolution)
    }

    @Test func theTableHasARowPerMetricAndAWarningPerSaturatedOne() {
        let rank = ScoreResolution(scores: [16, 16, 16, 2], direction: .higherIsBetter, rankCeiling: 16)
        let norm = ScoreResolution(scores: (0..<20).map(Double.init), direction: .higherIsBetter)
        let text = ScoreResolution.diagnostics([("gradient-rank", rank), ("gradient-norm", norm)], width: 16)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].contains("METRIC") && lines[0].contains("DISTINCT / EDGES") && lines[0].contains("AT RANK CEILING"))
        #expect(lines.contains { $0.contains("gradient-rank") && $0.contains("2 / 4") && $0.contains("75.0%") && $0.contains("of 16") && $0.hasSuffix("yes") })
        #expect(lines.contains { $0.contains("gradient-norm") && $0.contains("20 / 20") && $0.contains("5.0%") && $0.contains(" - ") })
        #expect(lines.filter { $0.hasPrefix("warning: ") }.count == 1 && lines.last!.hasPrefix("warning: gradient-rank is saturated"))
    }
}
