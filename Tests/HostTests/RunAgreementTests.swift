import Foundation
import Testing
@testable import Host

/// `runs diff`: two runs' evaluations of the same placements paired by
/// placement and seed, their differences, rank correlations checked against
/// scipy, and the command on two real `compare` runs of the tiny task.
@Suite struct RunAgreementTests {
    /// An evaluation of `placement` in run `run` at `steps` and `seed`.
    static func record(_ run: String, _ placement: String, _ accuracy: Double, steps: Int = 100, seed: Int = 0,
                       failure: String? = nil) -> EvaluationRecord {
        let budget = "steps=\(steps),examples=0,batch=32,lr=0.003,wd=0.0001,seed=\(seed),eval=1000"
        return failure.map { EvaluationRecord.diverged(run: run, placement: placement, budget: budget, parameters: 10, seconds: 1, reason: $0) }
            ?? EvaluationRecord(run: run, placement: placement, budget: budget, validationAccuracy: accuracy, validationLoss: 1,
                                parameters: 10, seconds: 1)
    }

    @Test func evaluationsPairByPlacementAndSeedAtTheirMostSteps() throws {
        let first = [
            Self.record("a", "0>0:r8", 0.50), Self.record("a", "0>1:r8", 0.60), Self.record("a", "1>1:r8", 0.70),
            Self.record("a", "1>2:r8", 0.80), Self.record("a", "2>2:r8", 0.40), Self.record("a", "0>0:r8", 0.55, seed: 1),
            Self.record("a", "3>3:r8", 0.30),
        ]
        let second = [
            // A rung of fewer steps first: the 100-step evaluation is the one that counts.
            Self.record("b", "0>0:r8", 0.10, steps: 11), Self.record("b", "0>0:r8", 0.52), Self.record("b", "0>1:r8", 0.75),
            Self.record("b", "1>1:r8", 0.65), Self.record("b", "1>2:r8", 0.81), Self.record("b", "2>2:r8", .nan, failure: "the loss was NaN"),
            Self.record("b", "4>4:r8", 0.20), Self.record("b", "5>5:r8", 0.20),
        ]
        let agreement = RunAgreement(first: first, second: second, firstRun: "a", secondRun: "b", threshold: 0.01)
        #expect(agreement.pairs.count == 5 && agreement.compared == 4 && agreement.diverged == 1)
        #expect(agreement.onlyInFirst == 2 && agreement.onlyInSecond == 2)
        // Largest |difference| first, the diverged pair last.
        #expect(agreement.pairs.map(\.placement) == ["0>1:r8", "1>1:r8", "0>0:r8", "1>2:r8", "2>2:r8"])
        #expect(agreement.pairs.last?.difference == nil && agreement.pairs.last?.second == nil)
        let differences = [0.15, -0.05, 0.02, 0.01]
        #expect(abs(try #require(agreement.meanDifference) - differences.reduce(0, +) / 4) < 1e-12)
        #expect(abs(try #require(agreement.meanAbsoluteDifference) - differences.map(abs).reduce(0, +) / 4) < 1e-12)
        #expect(abs(try #require(agreement.largestAbsoluteDifference) - 0.15) < 1e-12)
        // 0.01 is not beyond a threshold of 0.01.
        #expect(agreement.beyondThreshold == 3)
        // scipy.stats.spearmanr([0.5, 0.6, 0.7, 0.8], [0.52, 0.75, 0.65, 0.81]) = 0.8; kendalltau = 0.6666666666666669.
        #expect(abs(try #require(agreement.spearman) - 0.8) < 1e-12)
        #expect(abs(try #require(agreement.kendall) - 2.0 / 3.0) < 1e-12)
        let text = agreement.text(rows: 2)
        #expect(text.contains("5 placements evaluated by both") && text.contains("2 only by the first, 2 only by the second"))
        #expect(text.contains("1 left out because a training diverged") && text.contains("largest |Δ| 0.1500 (0>1:r8 seed 0)"))
        #expect(text.contains("3 of 4 moved by more than 0.0100; Spearman rho 0.8000, Kendall tau-b 0.6667"))
        #expect(text.contains("the 2 that moved most:") && !text.contains("1>2:r8"))
        let json = try jsonText(agreement)
        #expect(json.contains(#""second":null"#) && json.contains(#""difference":null"#) && !json.contains("NaN"))
        #expect(try JSONDecoder().decode(RunAgreement.self, from: Data(json.utf8)) == agreement)
    }

    @Test func anUndefinedCorrelationIsSaidToBeUndefined() throws {
        let agreement = RunAgreement(first: [Self.record("a", "0>0:r8", 0.5)], second: [Self.record("b", "0>0:r8", 0.5)],
                                     firstRun: "a", secondRun: "b")
        #expect(agreement.spearman == nil && agreement.kendall == nil && agreement.meanDifference == 0)
        #expect(agreement.text(rows: 10).contains("Spearman rho undefined, Kendall tau-b undefined (undefined: fewer than two pairs"))
        #expect(try jsonText(agreement).contains(#""spearman":null"#))
    }

    @Test func theCommandComparesTwoRealTruthsAndRefusesRunsWithNothingInCommon() throws {
        try withTemporaryDirectory { folder in
            let tiny = try TinyCompare(in: folder)
            // The same truth twice (the second not from the cache) and once with length-grouped batches.
            for extra in [[], ["--no-cache"], ["--batch-order", "length-grouped:2"]] {
                let run = try runAdapterSearch(tiny.arguments(store: "s", extra))
                #expect(run.status == 0, "\(run.stderr)")
            }
            let results = try ResultsStore(path: tiny.store("s"), create: false)
            let runs = try results.runs().map(\.id).reversed() as [String]
            let same = try runAdapterSearch(["runs", "diff", runs[0], runs[1], "--store", tiny.store("s"), "--json"])
            #expect(same.status == 0, "\(same.stderr)")
            let identical = try JSONDecoder().decode(RunAgreement.self, from: Data(same.stdout.utf8))
            #expect(identical.compared == 10 && identical.largestAbsoluteDifference == 0 && identical.beyondThreshold == 0)
            #expect(identical.onlyInFirst == 0 && identical.onlyInSecond == 0)

            let grouped = try runAdapterSearch(["runs", "diff", runs[0], runs[2], "--store", tiny.store("s"), "--rows", "3"])
            #expect(grouped.status == 0, "\(grouped.stderr)")
            let expected = try RunAgreement(comparing: runs[0], with: runs[2], in: results)
            #expect(expected.differences == ["budget.batch_order: \"shuffled\" → \"length-grouped:2\""])
            #expect(expected.compared == 10 && grouped.stdout == expected.text(rows: 3))
            #expect(identical.differences.isEmpty && same.stdout.contains(#""differences" : ["#))

            // A run with no placement in common (the same edges at another seed), an unknown run and a bad threshold are refused.
            let reseeded = try runAdapterSearch(tiny.arguments(store: "s", ["--seed", "1"]))
            #expect(reseeded.status == 0, "\(reseeded.stderr)")
            let newest = try results.runs()[0].id
            let disjoint = try runAdapterSearch(["runs", "diff", runs[0], newest, "--store", tiny.store("s")])
            #expect(disjoint.status != 0 && disjoint.stderr.contains("evaluated no placement at the same training seed"))
            let unknown = try runAdapterSearch(["runs", "diff", runs[0], "rnothere", "--store", tiny.store("s")])
            #expect(unknown.status != 0 && unknown.stderr.contains("rnothere"))
            let negative = try runAdapterSearch(["runs", "diff", runs[0], runs[1], "--threshold=-1", "--store", tiny.store("s")])
            #expect(negative.status != 0 && negative.stderr.contains("--threshold must be 0 or more"))
        }
    }
}
