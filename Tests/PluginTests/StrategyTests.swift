import Core
import Testing
@testable import Host

/// Every built-in strategy, driven through the C ABI on fixed score and
/// accuracy tables with hand-computed answers.
@Suite struct StrategyTests {
    /// A run over 3 nodes (9 edges) whose metric "m" scores edges by `table`.
    func environment(_ table: [Edge: Double], direction: Int32 = 1, seed: UInt64 = 0,
                     nodeCount: Int = 3) -> PluginEnvironment {
        .fixed(nodeCount: nodeCount, seed: seed, search: FixedSearch(scoreTables: ["m": (table, direction)]))
    }

    func select(_ id: String, k: Int, _ environment: PluginEnvironment, _ configuration: [String: String] = [:]) throws -> [Edge] {
        try BuiltIns.instance(id, environment, configuration).select(k: k)
    }

    /// The worked example: one strong edge, two neighbours, one far edge.
    let worked: [Edge: Double] = [
        Edge(1, 1): 10, Edge(1, 2): 9, Edge(2, 2): 8, Edge(0, 0): 5,
        Edge(0, 1): 1, Edge(0, 2): 1, Edge(1, 0): 1, Edge(2, 0): 1, Edge(2, 1): 1,
    ]

    @Test func topKTakesTheBestScores() throws {
        #expect(try select("top-k", k: 3, environment(worked), ["metric": "m"]) == [Edge(1, 1), Edge(1, 2), Edge(2, 2)])
    }

    @Test func topKFollowsALowerIsBetterMetricsDirection() throws {
        #expect(try select("top-k", k: 2, environment(worked, direction: -1), ["metric": "m"]) == [Edge(0, 1), Edge(0, 2)])
    }

    @Test func ggaWithGammaPointSixDiscountsNeighboursOfEachPick() throws {
        // Pick 1>1 (10). Discount by 1 - 0.6^d: 1>2 (d 1) 9 * 0.4 = 3.6, 2>2 (d 2) 8 * 0.64 = 5.12,
        // 0>0 (d 2) 5 * 0.64 = 3.2. Pick 2>2 (5.12). Discount again: 1>2 (d 1) 3.6 * 0.4 = 1.44,
        // 0>0 (d 4) 3.2 * (1 - 0.1296) = 2.785. Pick 0>0. Top-k would take 1>1, 1>2, 2>2.
        #expect(try select("gga", k: 3, environment(worked), ["metric": "m", "gamma": "0.6"])
                == [Edge(1, 1), Edge(2, 2), Edge(0, 0)])
        #expect(try select("gga", k: 3, environment(worked), ["metric": "m"]) == [Edge(1, 1), Edge(2, 2), Edge(0, 0)],
                "0.6 is the default gamma")
    }

    @Test func ggaWithGammaZeroEqualsTopK() throws {
        var random = SeededRandom(seed: 7)
        for trial in 0..<20 {
            let nodeCount = 5
            // Coarse scores so that ties occur and tie-breaking is compared too.
            let table = Dictionary(uniqueKeysWithValues: Edge.all(nodeCount: nodeCount).map {
                ($0, Double(Int.random(in: 0..<8, using: &random)))
            })
            let k = 1 + trial % 6
            let run = environment(table, nodeCount: nodeCount)
            #expect(try select("gga", k: k, run, ["metric": "m", "gamma": "0"]) == select("top-k", k: k, run, ["metric": "m"]))
        }
    }

    @Test func randomDrawsDistinctCandidatesRepeatablyPerSeed() throws {
        let first = try select("random", k: 4, environment(worked, seed: 1))
        #expect(Set(first).count == 4)
        #expect(first.allSatisfy { worked[$0] != nil })
        #expect(try select("random", k: 4, environment(worked, seed: 1)) == first)
        let others = try (2..<6).map { try select("random", k: 4, environment(worked, seed: UInt64($0))) }
        #expect(others.contains { $0 != first })
    }

    @Test func randomBestOfNKeepsTheBestEvaluatedPlacement() throws {
        let search = FixedSearch(accuracy: { placement in placement.reduce(0) { $0 + Double($1.source * 3 + $1.target) } / 100 })
        let run = PluginEnvironment.fixed(nodeCount: 3, seed: 3, search: search)
        let chosen = try select("random-best-of-n", k: 2, run, ["n": "10"])
        #expect(search.evaluated.count == 10)
        let best = search.evaluated.max { search.accuracy($0) < search.accuracy($1) }!
        #expect(chosen == best)
    }

    @Test func exhaustiveOverSingleEdgesReturnsTheMostAccurateEdge() throws {
        let accuracy: [Edge: Double] = [Edge(2, 0): 0.9, Edge(1, 1): 0.7]
        let search = FixedSearch(accuracy: { accuracy[$0[0]] ?? 0.1 })
        #expect(try select("exhaustive", k: 1, .fixed(nodeCount: 3, search: search)) == [Edge(2, 0)])
        #expect(search.evaluated.count == 9, "every candidate once")
        #expect(Set(search.evaluated.map { $0[0] }).count == 9)
    }

    @Test func exhaustiveOverPairsTrainsEveryPairWhenThereAreFew() throws {
        let search = FixedSearch(accuracy: { $0 == [Edge(0, 2), Edge(2, 1)] ? 0.95 : 0.5 })
        #expect(try select("exhaustive", k: 2, .fixed(nodeCount: 3, search: search)) == [Edge(0, 2), Edge(2, 1)])
        #expect(search.evaluated.count == 36, "C(9, 2)")
    }

    @Test func exhaustivePastMaxSetsKeepsTheBestSingleEdges() throws {
        let accuracy: [Edge: Double] = [Edge(2, 0): 0.9, Edge(1, 1): 0.7, Edge(0, 1): 0.8]
        let search = FixedSearch(accuracy: { accuracy[$0[0]] ?? 0.1 })
        let chosen = try select("exhaustive", k: 2, .fixed(nodeCount: 3, search: search), ["max-sets": "10"])
        #expect(chosen == [Edge(2, 0), Edge(0, 1)])
        #expect(search.evaluated.count == 9)
    }

    @Test func parallelBaselinesTakeTheSubLayerEdges() throws {
        let run = PluginEnvironment.fixed(nodeCount: 5)
        #expect(try select("parallel-every", k: 1, run) == [Edge(0, 1), Edge(1, 2), Edge(2, 3), Edge(3, 4)])
        #expect(try select("first-k", k: 2, run) == [Edge(0, 1), Edge(1, 2)])
        #expect(try select("last-k", k: 2, run) == [Edge(2, 3), Edge(3, 4)])
        #expect(throws: PluginCallError.self) { try select("first-k", k: 5, run) }
    }

    @Test func askingForMoreEdgesThanCandidatesIsAClearError() throws {
        let error = #expect(throws: PluginCallError.self) { try select("top-k", k: 10, environment(worked), ["metric": "m"]) }
        #expect(error?.description.contains("k = 10 but the run has only 9 candidate edges") == true)
    }

    @Test func configurationsAreCheckedAgainstTheDeclaredParameters() throws {
        let outOfRange = #expect(throws: PluginCallError.self) { try select("gga", k: 1, environment(worked), ["gamma": "2"]) }
        #expect(outOfRange?.description.contains("gamma") == true)
        let unknown = #expect(throws: PluginCallError.self) { try select("gga", k: 1, environment(worked), ["gama": "0.5"]) }
        #expect(unknown?.description.contains("unknown parameter 'gama'") == true)
        let unknownMetric = #expect(throws: PluginCallError.self) {
            try select("gga", k: 1, environment(worked), ["metric": "nope"])
        }
        #expect(unknownMetric?.description.contains("unknown metric 'nope'") == true)
    }
}
