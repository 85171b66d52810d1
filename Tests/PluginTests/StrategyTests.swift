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
        let best = search.evaluated.max { search.accuracy($0, 0) < search.accuracy($1, 0) }!
        #expect(chosen == best)
    }

    /// Runs successive-halving on 3 nodes (9 candidates) over `search`.
    func halving(k: Int, _ search: FixedSearch, seed: UInt64 = 0, reports: HostReports = HostReports(),
                 _ configuration: [String: String]) throws -> [Edge] {
        try select("successive-halving", k: k, reports.wired(.fixed(nodeCount: 3, seed: seed, search: search)), configuration)
    }

    @Test func successiveHalvingKeepsAThirdPerRungAtThreeTimesTheSteps() throws {
        // Every pair ties, so each rung keeps the earliest drawn: 27 at s, 9 at 3s, 3 at 9s, 1 survivor.
        let search = FixedSearch(accuracy: { _ in 0.5 })
        let chosen = try halving(k: 2, search, ["steps": "270"])
        #expect(search.batches.map(\.placements.count) == [27, 9, 3], "one evaluate call per rung")
        #expect(search.batches.map(\.steps) == [30, 90, 270], "s = 270 / 3^2")
        let drawn = search.batches[0].placements
        #expect(Set(drawn.map(Set.init)).count == 27 && drawn.allSatisfy { Set($0).count == 2 }, "distinct 2-sets")
        #expect(search.batches[1].placements == Array(drawn.prefix(9)))
        #expect(search.batches[2].placements == Array(drawn.prefix(3)))
        #expect(chosen == drawn[0])
    }

    @Test func successiveHalvingRoundsRungSizesUpWhenNIsNoPowerOfEta() throws {
        let search = FixedSearch(accuracy: { _ in 0.5 })
        _ = try halving(k: 2, search, ["n": "10", "steps": "90"])
        // 10 -> ceil(10/3) = 4 -> 2 -> 1: three rungs, s = 90 / 3^2.
        #expect(search.batches.map(\.placements.count) == [10, 4, 2])
        #expect(search.batches.map(\.steps) == [10, 30, 90])

        let explicit = FixedSearch(accuracy: { _ in 0.5 })
        _ = try halving(k: 2, explicit, ["n": "5", "eta": "2", "min-steps": "30", "steps": "100"])
        // 5 -> 3 -> 2 -> 1; 30, 60, then 120 capped at the full 100.
        #expect(explicit.batches.map(\.placements.count) == [5, 3, 2])
        #expect(explicit.batches.map(\.steps) == [30, 60, 100])
    }

    @Test func successiveHalvingRanksEachRungByItsOwnAccuracies() throws {
        // At 3 steps 2>0, 1>1, 0>2 lead; at 9 steps 0>2 overtakes them.
        let early: [Edge: Double] = [Edge(2, 0): 0.9, Edge(1, 1): 0.8, Edge(0, 2): 0.7]
        let late: [Edge: Double] = [Edge(0, 2): 0.95, Edge(2, 0): 0.6, Edge(1, 1): 0.5]
        let search = FixedSearch(accuracyAtSteps: { placement, steps in (steps == 3 ? early : late)[placement[0]] ?? 0.1 })
        let chosen = try halving(k: 1, search, ["steps": "9"])
        // n = 27 but there are only 9 single edges: the first rung trains them all.
        #expect(search.batches.map(\.placements.count) == [9, 3])
        #expect(search.batches.map(\.steps) == [3, 9])
        #expect(Set(search.batches[0].placements.map { $0[0] }) == Set(Edge.all(nodeCount: 3)))
        let drawOrder = search.batches[0].placements.filter { early[$0[0]] != nil }
        #expect(search.batches[1].placements == drawOrder, "the three best, in draw order")
        #expect(chosen == [Edge(0, 2)])
    }

    @Test func successiveHalvingDropsDivergedPlacementsBeforeTrainedOnes() throws {
        let accuracy: [Edge: Double] = [Edge(1, 2): 0.2, Edge(2, 1): 0.1]
        let search = FixedSearch(accuracy: { accuracy[$0[0]] ?? .nan })
        let chosen = try halving(k: 1, search, ["n": "9", "steps": "9"])
        let firstDiverged = search.batches[0].placements.first { accuracy[$0[0]] == nil }!
        #expect(Set(search.batches[1].placements) == [[Edge(1, 2)], [Edge(2, 1)], firstDiverged],
                "both trained, then the earliest drawn of the diverged")
        #expect(chosen == [Edge(1, 2)])
    }

    @Test func successiveHalvingFailsClearlyWhenARungAllDiverges() throws {
        let first = #expect(throws: PluginCallError.self) {
            try halving(k: 1, FixedSearch(accuracy: { _ in .nan }), ["n": "9", "steps": "9"])
        }
        #expect(first?.description.contains("the training of every one of the 9 placements of rung 1 of 2 (3 steps) diverged") == true,
                "\(String(describing: first))")
        let last = #expect(throws: PluginCallError.self) {
            try halving(k: 1, FixedSearch(accuracyAtSteps: { _, steps in steps == 9 ? .nan : 0.5 }), ["n": "9", "steps": "9"])
        }
        #expect(last?.description.contains("every one of the 3 placements of rung 2 of 2 (9 steps) diverged") == true,
                "\(String(describing: last))")
    }

    @Test func successiveHalvingRepeatsPerSeed() throws {
        let accuracy: ([Edge]) -> Double = { placement in placement.reduce(0) { $0 + Double(($1.source * 5 + $1.target * 3) % 7) } / 20 }
        let runs = try (0..<2).map { _ in
            let search = FixedSearch(accuracy: accuracy)
            return (chosen: try halving(k: 2, search, seed: 4, ["n": "12", "steps": "40"]), search: search)
        }
        #expect(runs[0].chosen == runs[1].chosen)
        #expect(runs[0].search.batches.map(\.placements) == runs[1].search.batches.map(\.placements))
        let others = try (5..<9).map { seed in
            let search = FixedSearch(accuracy: accuracy)
            _ = try halving(k: 2, search, seed: UInt64(seed), ["n": "12", "steps": "40"])
            return search.batches[0].placements
        }
        #expect(others.contains { $0 != runs[0].search.batches[0].placements })
    }

    @Test func successiveHalvingReportsEachRungAndStopsBetweenRungs() throws {
        let reports = HostReports()
        _ = try halving(k: 2, FixedSearch(accuracy: { _ in 0.5 }), reports: reports, ["steps": "270"])
        #expect(reports.progress.count == 3)
        #expect(reports.progress.first?.hasPrefix("0.333") == true && reports.progress.last?.hasPrefix("1.0 ") == true,
                "\(reports.progress)")
        #expect(reports.progress.last?.contains("rung 3 of 3 (270 steps): kept 1 of 3 placements") == true, "\(reports.progress)")

        let stopping = HostReports()
        let search = FixedSearch(accuracy: { _ in stopping.requestStop(); return 0.5 })
        #expect(throws: PluginCallError.self) { try halving(k: 2, search, reports: stopping, ["steps": "270"]) }
        #expect(search.batches.count == 1, "the rung under way finishes; the next one never starts")
    }

    @Test func successiveHalvingWithOnePlacementTrainsNothing() throws {
        let search = FixedSearch(accuracy: { _ in 0.5 })
        let chosen = try halving(k: 3, search, ["n": "1", "steps": "10"])
        #expect(Set(chosen).count == 3 && search.batches.isEmpty)
    }

    @Test func successiveHalvingChecksItsParameters() throws {
        for (name, value) in [("n", "0"), ("n", "100001"), ("eta", "1"), ("eta", "101"), ("min-steps", "-1"), ("steps", "0")] {
            let error = #expect(throws: PluginCallError.self) {
                try halving(k: 1, FixedSearch(), ["steps": "9"].merging([name: value]) { $1 })
            }
            #expect(error?.description.contains(name) == true, "\(name) = \(value): \(String(describing: error))")
        }
        // The default full budget is the run's default, 300 steps.
        let search = FixedSearch()
        _ = try halving(k: 1, search, [:])
        #expect(search.batches.last?.steps == 300, "the last rung trains the default 300 steps")
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

    @Test func noneChoosesNoEdgeWhateverK() throws {
        #expect(try select("none", k: 3, environment(worked)).isEmpty)
    }

    @Test func sideNetworkTakesTheBestEdgesIntoTheLastNode() throws {
        // Into node 2: 1>2 (9), 2>2 (8), 0>2 (1); 1>1 (10) scores best but does not end at the last node.
        #expect(try select("side-network", k: 2, environment(worked), ["metric": "m"]) == [Edge(1, 2), Edge(2, 2)])
        #expect(try select("side-network", k: 1, environment(worked, direction: -1), ["metric": "m"]) == [Edge(0, 2)])
        let error = #expect(throws: PluginCallError.self) { try select("side-network", k: 4, environment(worked), ["metric": "m"]) }
        #expect(error?.description.contains("only 3 candidate edges end at the last node 2") == true)
    }

    @Test func learnedSwitchKeepsTheMostOpenGatesOrEveryOpenOne() throws {
        let search = FixedSearch()
        search.gates = [Edge(0, 2): 0.9, Edge(1, 1): 0.7, Edge(2, 0): 0.7, Edge(1, 2): 0.2]
        let run = PluginEnvironment.fixed(nodeCount: 3, search: search)
        // 0.9, then the two at 0.7 in candidate order (1>1 before 2>0), then the 0.5s.
        #expect(try select("learned-switch", k: 2, run) == [Edge(0, 2), Edge(1, 1)])
        #expect(try select("learned-switch", k: 1, run, ["keep": "open"]) == [Edge(0, 2), Edge(1, 1), Edge(2, 0)])
        #expect(throws: PluginCallError.self) { try select("learned-switch", k: 1, run, ["keep": "some"]) }
        // Every candidate behind a gate, under the parameters given.
        let (edges, budget) = try #require(search.gatedTrainings.last)
        #expect(edges == Edge.all(nodeCount: 3) && budget == GatedRequest(steps: 0, learningRate: 0, gateLearningRate: 0.05,
                                                                          sparsity: 0.2, initialTemperature: 1,
                                                                          finalTemperature: 0.1, initialLogit: 1))
        _ = try select("learned-switch", k: 1, run, ["sparsity": "0.5", "gate-steps": "40", "temperature": "2"])
        #expect(search.gatedTrainings.last?.budget.sparsity == 0.5 && search.gatedTrainings.last?.budget.steps == 40
                && search.gatedTrainings.last?.budget.initialTemperature == 2)
    }

    @Test func learnedSwitchFailsClearlyWhenTheGatedTrainingDiverges() throws {
        let search = FixedSearch()
        search.gates = [Edge(0, 0): .nan]
        let error = #expect(throws: PluginCallError.self) {
            try select("learned-switch", k: 1, PluginEnvironment.fixed(nodeCount: 3, search: search))
        }
        #expect(error?.description.contains("gated training of 9 candidate adapters diverged") == true)
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
