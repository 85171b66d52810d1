import Core
import Foundation
import Testing
@testable import Host

/// rank-ensemble and calibrated-gga through `adapter-search` on the tiny task
/// (a 2-block random BERT): the ensemble's column against the mean log-rank
/// of its members' own columns from the same probe, in process and isolated;
/// calibrated-gga's findings stored with a search and a study, and its m
/// evaluations counted in the study's search cost; refusals with their reasons.
@Suite struct CalibrationCommandTests {
    func task(_ folder: URL) throws -> [String] {
        let (model, data) = try TinyTextTask.write(in: folder)
        return ["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2], "--probe-size", "12"]
    }

    /// Fractional ranks (1 = best under `direction`), written out here
    /// independently of the SDK's.
    static func handRanks(_ values: [Double], higherIsBetter: Bool) -> [Double] {
        values.map { value in
            let better = values.count { higherIsBetter ? $0 > value : $0 < value }
            let tied = values.count { $0 == value }
            return Double(better) + Double(tied + 1) / 2
        }
    }

    @Test func theEnsembleColumnIsTheMeanLogRankOfItsMembersColumnsInProcessAndIsolated() throws {
        try withTemporaryDirectory { folder in
            let members = ["gradient-rank", "nuclear-norm", "effective-rank"]
            let arguments = ["score"] + (try task(folder)) + (["rank-ensemble"] + members).flatMap { ["--metric", $0] } + ["--json"]
            let result = try runAdapterSearch(arguments)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("scored 25 edges with 4 metrics from 1 forward and 1 backward passes (0 extra)"), "\(result.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(rows.count == 25)
            let ranks = members.map { id in Self.handRanks(rows.map { $0[id] as! Double }, higherIsBetter: true) }
            #expect(Set(ranks[0]).count < 25, "gradient-rank ties on the tiny model, so the ties are exercised")
            for (index, row) in rows.enumerated() {
                let hand = ranks.map { log($0[index]) }.reduce(0, +) / 3
                #expect(abs(row["rank-ensemble"] as! Double - hand) < 1e-12, "edge \(row["i"]!)>\(row["j"]!)")
            }
            let isolated = try runAdapterSearch(arguments + ["--isolate"])
            #expect(isolated.status == 0 && isolated.stdout == result.stdout, "\(isolated.stderr)")
        }
    }

    @Test(arguments: [("rank-ensemble", "cannot name itself"), ("gradient-rank,nope", "no metric plugin 'nope'"),
                      ("", "at least one metric id")])
    func aBadEnsembleIsRefusedWithItsReason(members: String, message: String) throws {
        try withTemporaryDirectory { folder in
            let result = try runAdapterSearch(["score"] + (try task(folder))
                                              + ["--metric", "rank-ensemble", "--set", "rank-ensemble.metrics=\(members)", "--json"])
            #expect(result.status != 0 && result.stderr.contains(message), "\(result.stderr)")
        }
    }

    @Test func aSearchStoresTheChosenMetricAndItsRhoAndTrainsTheMEdgesAtTheReducedSteps() throws {
        try withTemporaryDirectory { folder in
            let store = folder.appendingPathComponent("results.sqlite").path
            let result = try runAdapterSearch(["search"] + (try task(folder))
                                              + ["--store", store, "--steps", "20", "--strategy", "calibrated-gga", "--k", "2",
                                                 "--set", "m=5", "--set", "steps=4", "--set", "metrics=gradient-rank,snip,rank-ensemble",
                                                 "--log-level", "info", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let outcome = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
            let findings = try #require(outcome["findings"] as? [String: Any], "\(outcome)")
            let metric = try #require(findings["metric"] as? String), rho = try #require(findings["rho"] as? Double)
            #expect(["gradient-rank", "snip", "rank-ensemble"].contains(metric) && (-1...1).contains(rho))
            #expect(findings["calibration-edges"] as? Double == 5)
            #expect(result.stderr.contains("calibrated-gga: \(metric) ranks the 5 calibration edges best"), "\(result.stderr)")
            let results = try ResultsStore(path: store, create: false)
            let run = outcome["run"] as! String
            let evaluations = try results.evaluations(run: run)
            #expect(evaluations.count { $0.budget.hasPrefix("steps=4,") } == 5, "\(evaluations.map(\.budget))")
            let shown = try runAdapterSearch(["runs", "show", run, "--store", store])
            #expect(shown.status == 0 && shown.stdout.contains("\"metric\":\"\(metric)\""), "\(shown.stdout)")
            // The scores of the ensemble's members are stored on the run's probe, as if asked for directly.
            #expect(Set(try results.scoreSets(run: run).map(\.metric)).isSuperset(of: ["gradient-rank", "snip", "rank-ensemble",
                                                                                      "nuclear-norm", "effective-rank"]))
        }
    }

    @Test func aStudyCountsTheMCalibrationEvaluationsInTheSearchCostAndKeepsTheFindings() throws {
        try withTemporaryDirectory { folder in
            let result = try runAdapterSearch(["study"] + (try task(folder))
                                              + ["--store", folder.appendingPathComponent("s.sqlite").path, "--steps", "10", "--k", "3",
                                                 "--seeds", "1", "--strategy", "calibrated-gga:m=4:steps=3",
                                                 "--strategy", "gga:metric=gradient-rank", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let study = try JSONDecoder().decode(Study.self, from: Data(result.stdout.utf8))
            let calibrated = try #require(study.rows.first { $0.strategy == "calibrated-gga:m=4:steps=3" })
            #expect(calibrated.search.evaluations == 4 && calibrated.search.steps == 12 && calibrated.search.probePasses == 1)
            let gga = try #require(study.rows.first { $0.strategy == "gga:metric=gradient-rank" })
            #expect(gga.search.evaluations == 0 && gga.choices[0].findings == nil)
            let findings = try #require(calibrated.choices[0].findings)
            guard case .text = findings["metric"], case .number = findings["rho"] else {
                Issue.record("findings \(findings.summary)")
                return
            }
            #expect(study.table().contains("findings (what the strategies reported about their choices):\n"
                                           + "  calibrated-gga:m=4:steps=3 k=3 seed 0: \(findings.summary)\n"), "\(study.table())")
        }
    }

    @Test(arguments: [(["--set", "m=1"], "m"), (["--set", "metrics=gradient-rank,nope"], "no metric plugin 'nope'"),
                      (["--set", "metrics=rank-ensemble", "--set", "rank-ensemble.metrics=rank-ensemble"], "cannot name itself")])
    func calibratedGGARefusesWithItsReasonAndANonZeroExit(extra: [String], message: String) throws {
        try withTemporaryDirectory { folder in
            let result = try runAdapterSearch(["search"] + (try task(folder))
                                              + ["--store", folder.appendingPathComponent("r.sqlite").path, "--steps", "5",
                                                 "--strategy", "calibrated-gga", "--k", "1"] + extra)
            #expect(result.status != 0 && result.stderr.contains(message), "\(result.stderr)")
        }
    }
}
