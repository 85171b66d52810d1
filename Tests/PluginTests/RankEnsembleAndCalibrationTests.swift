import Core
import Foundation
import PluginSDK
import Testing
@testable import Host

/// The shared ranking helpers (SDK `Ranking`), the rank-ensemble metric over
/// the host's member-scores service (`MemberScores`), and calibrated-gga's
/// choice of metric, each against a hand computation on a constructed table.
@Suite struct RankEnsembleAndCalibrationTests {
    // MARK: Ranks and rank aggregation

    /// A higher-is-better column with a tie for the best, a lower-is-better
    /// one with a tie for the best.
    static let higher = [3.0, 1.0, 3.0, 2.0], lower = [0.2, 0.1, 0.5, 0.1]
    /// Their ranks by hand: 1 = best, a tie shares the mean of its ranks.
    static let higherRanks = [1.5, 4, 1.5, 3], lowerRanks = [3, 1.5, 4, 1.5]

    @Test func ranksAreOneForTheBestUnderEitherDirectionWithTiesSharingTheirMean() {
        #expect(Ranking.ranks(Self.higher, direction: .higherIsBetter) == Self.higherRanks)
        #expect(Ranking.ranks(Self.lower, direction: .lowerIsBetter) == Self.lowerRanks)
        #expect(Ranking.ranks([5, 5, 5], direction: .lowerIsBetter) == [2, 2, 2])
        #expect(Ranking.ranks([]).isEmpty)
    }

    @Test func theEnsembleIsTheMeanLogRankByHand() {
        let hand = zip(Self.higherRanks, Self.lowerRanks).map { (log($0) + log($1)) / 2 }
        let computed = Ranking.meanLogRanks([(Self.higher, .higherIsBetter), (Self.lower, .lowerIsBetter)])
        #expect(zip(computed, hand).allSatisfy { abs($0 - $1) < 1e-15 }, "\(computed) vs \(hand)")
        #expect(Ranking.meanLogRanks([([9, 8], .higherIsBetter)]) == [0, log(2)])
    }

    /// The rank-ensemble plugin through the host's member-scores service
    /// (the `asp.search/1` table a metric gets) on a constructed table.
    @Test func theRankEnsemblePluginAggregatesItsMembersScoresFromTheHost() throws {
        let edges = Edge.all(nodeCount: 2)  // 4 edges, the table's rows in Edge.all order
        let table: [String: (values: [Double], direction: Int32)] = ["up": (Self.higher, 1), "down": (Self.lower, -1)]
        let asked = AskedMetrics()
        func source(_ metric: String, _ chain: [String]) throws -> (values: [Double], direction: Int32) {
            asked.record(metric, chain)
            guard let column = table[metric] else { throw ServiceError(status: 6, description: "no metric plugin '\(metric)'") }
            return column
        }
        let environment = PluginEnvironment.fixed(nodeCount: 2).scoring("rank-ensemble", from: source)
        let ensemble = try BuiltIns.instance("rank-ensemble", environment, ["metrics": "up, down"])
        let hand = zip(Self.higherRanks, Self.lowerRanks).map { (log($0) + log($1)) / 2 }
        let scores = try ensemble.score(edges)
        #expect(zip(scores, hand).allSatisfy { abs($0 - $1) < 1e-15 })
        #expect(asked.calls == ["up in rank-ensemble", "down in rank-ensemble"])
        #expect(BuiltIns.plugins["rank-ensemble"]!.direction == -1)
        // A subset is ranked among itself: the host answers the edges asked for.
        #expect(try ensemble.score([edges[1], edges[0]]) == [(log(2) + log(1)) / 2, (log(1) + log(2)) / 2])

        let unknown = try BuiltIns.instance("rank-ensemble", environment, ["metrics": "up,nope"])
        let error = #expect(throws: PluginCallError.self) { try unknown.score(edges) }
        #expect(error?.description.contains("no metric plugin 'nope'") == true)
    }

    @Test(arguments: [("", "at least one metric id"), (" , ", "at least one metric id"),
                      ("gradient-rank,rank-ensemble", "cannot name itself"), ("snip,snip", "names metric 'snip' twice")])
    func aBadMemberListIsRefusedAtCreate(list: String, message: String) {
        let error = #expect(throws: PluginCallError.self) {
            try BuiltIns.instance("rank-ensemble", .fixed(nodeCount: 2), ["metrics": list])
        }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test func aMetricCycleIsAnErrorNamingTheLoopAndAMetricCannotTrain() throws {
        let service = MemberScores(chain: ["a", "b"], nodeCount: 2) { _, _ in ([1, 2, 3, 4], 1) }
        let cycle = #expect(throws: ServiceError.self) { try service.scores(metric: "a", edges: [Edge(0, 0)]) }
        #expect(cycle?.status == 1 && cycle?.description.contains("metric cycle a → b → a") == true)
        #expect(try service.scores(metric: "c", edges: [Edge(1, 1), Edge(0, 0)]).scores == [4, 1])
        #expect(throws: ServiceError.self) { try service.scores(metric: "c", edges: [Edge(2, 0)]) }
        let training = #expect(throws: ServiceError.self) { try service.evaluate([[Edge(0, 0)]], budget: Budget()) }
        #expect(training?.status == 2 && training?.description.contains("metric 'b' called evaluate") == true)
    }

    // MARK: Spearman and the calibration choice

    @Test func spearmanMatchesHandValuesWithTiesAndIsZeroWithoutEvidence() {
        #expect(Ranking.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == 1)
        #expect(Ranking.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1)
        // ranks [1.5, 1.5, 3] (as 1 = best: 2.5, 2.5, 1) against [1, 2, 3]: by hand 0.8660254
        #expect(abs(Ranking.spearman([1, 1, 2], [1, 2, 3]) - 0.75.squareRoot()) < 1e-12)
        #expect(Ranking.spearman([1, 1, 1], [1, 2, 3]) == 0 && Ranking.spearman([7], [1]) == 0)
    }

    /// A constructed truth: accuracies of six calibration edges, and
    /// candidates that do not correlate, correlate once oriented (a
    /// lower-is-better metric), or tie with it.
    @Test func theCalibrationChoosesTheCandidateThatCorrelatesTiesGoingFirst() throws {
        let accuracies = [0.55, 0.70, 0.60, 0.90, 0.50, -Double.infinity]  // the last diverged: the worst
        let noise = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0]
        let lowerIsBetter = [0.4, 0.2, 0.3, 0.1, 0.5, 0.9]  // ranks the edges exactly as the accuracies do
        let oriented = Ranking.oriented(lowerIsBetter, direction: .lowerIsBetter)
        let sameRanks = oriented.map { 2 * $0 + 7 }
        let choice = try #require(Ranking.bestCorrelated([noise, lowerIsBetter, oriented, sameRanks], with: accuracies))
        #expect(choice.index == 2 && choice.rho == 1)
        #expect(Ranking.spearman(lowerIsBetter, accuracies) == -1, "unoriented, the same metric anti-correlates")
        #expect(Ranking.bestCorrelated([], with: []) == nil)
        // Accuracies that are all equal give no evidence: every rho is 0 and the first candidate wins.
        #expect(Ranking.bestCorrelated([noise, oriented], with: [Double](repeating: 0.5, count: 6))! == (0, 0))
    }

    /// calibrated-gga on a constructed search host: the accuracy of a single
    /// edge is known, metric "truth" (lower is better) ranks edges exactly
    /// that way and "noise" does not; it must pick "truth", train its m edges
    /// in one batch at its reduced steps, report its findings and run GGA on it.
    @Test func calibratedGGAPicksTheMetricThatRanksTheCalibrationEdgesAndRunsGGAOnIt() throws {
        let edges = Edge.all(nodeCount: 5)
        let quality = Dictionary(uniqueKeysWithValues: edges.enumerated().map { ($1, Double(($0 * 7) % 25) / 25) })
        let search = FixedSearch(scoreTables: [
            "noise": (Dictionary(uniqueKeysWithValues: edges.enumerated().map { ($1, Double(($0 * 3) % 5)) }), 1),
            "truth": (quality.mapValues { 1 - $0 }, -1),
        ], accuracy: { placement in placement.count == 1 ? 0.5 + 0.4 * quality[placement[0]]! : 0.5 })
        let findings = FindingsRecorder()
        var environment = PluginEnvironment.fixed(nodeCount: 5, seed: 3, search: search)
        environment.findings = findings
        let chosen = try BuiltIns.instance("calibrated-gga", environment, ["metrics": "noise,truth", "m": "6", "steps": "7",
                                                                           "gamma": "0"]).select(k: 2)
        #expect(search.batches.count == 1 && search.batches[0].placements.count == 6 && search.batches[0].steps == 7)
        #expect(Set(search.batches[0].placements.map { $0[0].target }).count == 5, "spread over every target")
        #expect(Set(search.batches[0].placements.map { $0[0] }).count == 6)
        #expect(findings.findings["metric"] == .text("truth") && findings.findings["rho"] == .number(1))
        #expect(findings.findings["calibration-edges"] == .number(6))
        let best = edges.sorted { quality[$0]! > quality[$1]! }
        #expect(chosen == Array(best.prefix(2)), "gamma 0: GGA on truth is its top 2")
    }

    @Test(arguments: [(["m": "1"], "m"), (["metrics": ""], "at least one metric id"), (["metrics": "a,a"], "twice")])
    func calibratedGGARefusesBadParameters(configuration: [String: String], message: String) {
        let error = #expect(throws: (any Error).self) {
            try BuiltIns.instance("calibrated-gga", .fixed(nodeCount: 3, search: FixedSearch()), configuration)
        }
        #expect(String(describing: error).contains(message), "\(String(describing: error))")
    }

    @Test func calibratedGGAFailsOnAnUnknownCandidateBeforeTraining() throws {
        let search = FixedSearch(scoreTables: ["truth": ([:], 1)])
        let strategy = try BuiltIns.instance("calibrated-gga", .fixed(nodeCount: 3, search: search), ["metrics": "truth,nope", "m": "3"])
        let error = #expect(throws: PluginCallError.self) { try strategy.select(k: 1) }
        #expect(error?.description.contains("unknown metric 'nope'") == true && search.batches.isEmpty)
    }
}

/// The metrics a member-scores source was asked for, as "metric in chain".
private final class AskedMetrics: @unchecked Sendable {
    private(set) var calls: [String] = []
    func record(_ metric: String, _ chain: [String]) { calls.append("\(metric) in \(chain.joined(separator: ","))") }
}
