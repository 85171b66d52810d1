import Foundation
import GRDB
@testable import Host
import Testing

/// Merging shard stores (a worker's own results) into the main store, and
/// `adapter-search runs merge`: what the main store lacks is copied, once.
@Suite struct StoreMergeTests {
    /// A new shard store at `path` holding a copy of `run`'s row, as a
    /// worker training some of the run's evaluations starts with.
    func shard(at path: String, of run: RunRecord) throws -> ResultsStore {
        let shard = try ResultsStore(path: path)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: """
                INSERT INTO runs (id, command, created_at, status, configuration, versions, seed, outcome)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [run.id, run.command, run.createdAt.timeIntervalSince1970, run.status.rawValue, run.configuration,
                                 run.versions, Int64(bitPattern: run.seed), run.outcome])
            try RowChecksum.stamp(db, RowChecksum.runs, where: "id = ?", [run.id])
        }
        return shard
    }

    /// A trained evaluation of `placement` under 300 steps.
    func evaluation(_ run: String, _ placement: String, accuracy: Double) -> EvaluationRecord {
        EvaluationRecord(run: run, placement: placement, budget: "steps=300", validationAccuracy: accuracy, validationLoss: 1 - accuracy,
                         testAccuracy: accuracy - 0.0625, parameters: 1_234, seconds: 12.5, cacheKey: "key-\(placement)")
    }

    /// A placement whose training diverged (NaN accuracies, stored as NULL).
    func diverged(_ run: String, _ placement: String) -> EvaluationRecord {
        .diverged(run: run, placement: placement, budget: "steps=300", parameters: 99, seconds: 3, reason: "the loss became NaN at step 12")
    }

    /// Records as text, so that NaN figures compare equal.
    func text(_ records: [some Any]) -> [String] {
        records.map { "\($0)" }
    }

    /// Probes as text without their numbers, which differ between stores.
    func unnumbered(_ probes: [ProbeRecord]) -> [String] {
        text(probes.map { probe in
            var probe = probe
            probe.id = 0
            return probe
        })
    }

    /// A main store at `<folder>/main.sqlite` with one running run.
    func mainStore(in folder: URL) throws -> (store: ResultsStore, run: RunRecord) {
        let store = try ResultsStore(path: folder.appendingPathComponent("main.sqlite").path)
        let run = try store.createRun(command: "adapter-search search --strategy gga", configuration: #"{"strategy":"gga"}"#,
                                      versions: #"{"host":"0.7"}"#, seed: 7)
        return (store, run)
    }

    @Test func anEvaluationValidatedHereGainsTheTestAccuracyAShardMeasured() throws {
        try withTemporaryDirectory { folder in
            let (main, run) = try mainStore(in: folder)
            var validated = evaluation(run.id, "3>4:r8", accuracy: 0.75)
            validated.testAccuracy = nil
            try main.saveEvaluation(validated)
            let shard = try shard(at: folder.appendingPathComponent("task-0.sqlite").path, of: run)
            try shard.saveEvaluation(evaluation(run.id, "3>4:r8", accuracy: 0.75))  // the chosen placement, tested by a worker

            let report = try main.merge(from: shard)
            #expect(report.evaluationsAdded == 0 && report.evaluationsPresent == 1 && report.testAccuraciesAdded == 1)
            #expect(report.summary.hasSuffix("; 1 evaluation here given a test accuracy"))
            #expect(try main.evaluation(run: run.id, placement: "3>4:r8", budget: "steps=300")?.testAccuracy == 0.6875)
            #expect(try main.merge(from: shard).testAccuraciesAdded == 0, "a test accuracy is written once")
            #expect(try main.check().problems.isEmpty, "the completed row carries its new checksum")

            // saveOrComplete does the same in one store: a new evaluation is saved, a validated one gains its test accuracy.
            var other = evaluation(run.id, "0>1:r8", accuracy: 0.5)
            other.testAccuracy = nil
            try main.saveOrComplete(other)
            try main.saveOrComplete(evaluation(run.id, "0>1:r8", accuracy: 0.5))
            #expect(try main.evaluation(run: run.id, placement: "0>1:r8", budget: "steps=300")?.testAccuracy == 0.4375)
        }
    }

    @Test func aShardsEvaluationsAreAddedOnceAndAnOverlappingShardAddsOnlyWhatIsNew() throws {
        try withTemporaryDirectory { folder in
            let (main, run) = try mainStore(in: folder)
            let first = try shard(at: folder.appendingPathComponent("task-0.sqlite").path, of: run)
            for record in [evaluation(run.id, "3>4:r8", accuracy: 0.8125), evaluation(run.id, "0>1:r8", accuracy: 0.5),
                           diverged(run.id, "5>5:r8")] {
                try first.saveEvaluation(record)
            }

            let report = try main.merge(from: first)
            #expect(report == MergeReport(shard: first.path, evaluationsAdded: 3))
            #expect(report.summary
                    == "3 evaluations added, 0 already present, 0 runs, 0 probes, 0 score sets, 0 plugin states and 0 artefacts added")
            #expect(text(try main.evaluations(run: run.id)) == text(try first.evaluations(run: run.id)))
            let stored = try #require(try main.evaluation(run: run.id, placement: "5>5:r8", budget: "steps=300"))
            #expect(stored.validationAccuracy.isNaN && stored.failure == "the loss became NaN at step 12")
            #expect(try main.run(run.id) == run, "the main store's run row is left as it was")

            let again = try main.merge(from: first)
            #expect(again == MergeReport(shard: first.path, evaluationsPresent: 3))
            #expect(try main.evaluations(run: run.id).count == 3)

            // A resubmitted task: two evaluations the first shard had, and one new.
            let second = try shard(at: folder.appendingPathComponent("task-0-resubmitted.sqlite").path, of: run)
            for record in [evaluation(run.id, "0>1:r8", accuracy: 0.5), diverged(run.id, "5>5:r8"),
                           evaluation(run.id, "7>2:r8", accuracy: 0.875)] {
                try second.saveEvaluation(record)
            }
            #expect(try main.merge(from: second) == MergeReport(shard: second.path, evaluationsAdded: 1, evaluationsPresent: 2))
            #expect(try main.evaluations(run: run.id).map(\.placement) == ["3>4:r8", "0>1:r8", "5>5:r8", "7>2:r8"])
            #expect(try main.check().problems.isEmpty)
        }
    }

    @Test func aRunTheStoreLacksIsCopiedWithItsProbesRenumbered() throws {
        try withTemporaryDirectory { folder in
            let (main, old) = try mainStore(in: folder)
            // Probes 1 and 2 of the main store: the shard's probes have the same numbers.
            let oldProbe = try main.addProbe(run: old.id, seed: 1, examples: 32, head: "random", loss: 2.5, seconds: 0.5)
            _ = try main.addProbe(run: old.id, seed: 2, examples: 32, head: "random", loss: 2.25, seconds: 0.5)
            try main.saveScores(run: old.id, probe: oldProbe, metric: "snip", direction: -1, scores: [(0, 1, 0.25)])

            let shard = try ResultsStore(path: folder.appendingPathComponent("shard.sqlite").path)
            let run = try shard.createRun(command: "adapter-search compare", configuration: #"{"k":2}"#, versions: #"{"host":"0.7"}"#,
                                          seed: 11).id
            let probes = [try shard.addProbe(run: run, seed: 3, examples: 32, head: "random", loss: 3.25, seconds: 0.5),
                          try shard.addProbe(run: run, seed: 4, examples: 16, head: "fitted", loss: .nan, seconds: 0.75)]
            #expect(probes == [1, 2])
            try shard.saveScores(run: run, probe: probes[0], metric: "snip", direction: -1, scores: [(0, 1, 0.125), (1, 1, .nan)])
            try shard.saveScores(run: run, probe: probes[0], metric: "gradient-rank", direction: 1, scores: [(0, 0, 3), (1, 0, 2)])
            try shard.saveScores(run: run, probe: probes[1], metric: "snip", direction: -1, scores: [(0, 2, 4.5)])
            try shard.saveEvaluation(evaluation(run, "1>2:r8", accuracy: 0.75))
            try shard.saveEvaluation(diverged(run, "2>2:r8"))
            try shard.saveState(run: run, plugin: "gga", state: [1, 2, 3])
            try shard.saveState(run: run, plugin: "random", state: [])
            try shard.addArtefact(run: run, name: "adapters", path: "out/adapters.safetensors")
            try shard.setStatus(run: run, .finished, outcome: #"{"placement":"1>2:r8"}"#)

            let report = try main.merge(from: shard)
            #expect(report == MergeReport(shard: shard.path, runsAdded: 1, evaluationsAdded: 2, probesAdded: 2, scoreSetsAdded: 3,
                                          statesAdded: 2, artefactsAdded: 1))
            var expected = try shard.run(run)
            expected.owner = nil
            expected.heartbeatAt = nil
            #expect(try main.run(run) == expected)

            let copied = try main.probes(run: run)
            #expect(copied.map(\.id) == [3, 4], "new numbers after the main store's own")
            #expect(unnumbered(copied) == unnumbered(try shard.probes(run: run)))
            for (shardProbe, mainProbe) in zip(probes, copied.map(\.id)) {
                for metric in ["snip", "gradient-rank"] {
                    #expect(text(try main.scores(run: run, probe: mainProbe, metric: metric) ?? [])
                            == text(try shard.scores(run: run, probe: shardProbe, metric: metric) ?? []), "\(metric) on probe \(shardProbe)")
                }
            }
            #expect(try main.scoreSets(run: run).map(\.probe) == [3, 3, 4])
            #expect(text(try main.evaluations(run: run)) == text(try shard.evaluations(run: run)))
            #expect(try main.state(run: run, plugin: "gga") == [1, 2, 3] && main.state(run: run, plugin: "random") == [])
            #expect(text(try main.artefacts(run: run)) == text(try shard.artefacts(run: run)))
            // The main store's own run keeps its probes and scores.
            #expect(try main.probes(run: old.id).map(\.id) == [1, 2])
            #expect(text(try main.scores(run: old.id, probe: oldProbe, metric: "snip") ?? []) == text([(source: 0, target: 1, value: 0.25)]))
            #expect(try main.check().problems.isEmpty)

            #expect(try main.merge(from: shard) == MergeReport(shard: shard.path, evaluationsPresent: 2))
            #expect(try main.probes(run: run).count == 2 && main.scoreSets(run: run).count == 3)
        }
    }

    @Test func aDamagedShardIsRefusedAndTheStoreIsUnchanged() throws {
        try withTemporaryDirectory { folder in
            let (main, run) = try mainStore(in: folder)
            let path = folder.appendingPathComponent("damaged.sqlite").path
            let damaged = try shard(at: path, of: run)
            try damaged.saveEvaluation(evaluation(run.id, "3>4:r8", accuracy: 0.8125))
            try damaged.saveEvaluation(evaluation(run.id, "0>1:r8", accuracy: 0.5))
            let other = try damaged.createRun(command: "adapter-search search", configuration: "{}", versions: "{}", seed: 0).id
            try damaged.saveEvaluation(evaluation(other, "none", accuracy: 0.25))
            // A changed figure, its checksum left as it was.
            try DatabaseQueue(path: path).write { db in
                try db.execute(sql: "UPDATE evaluations SET validation_accuracy = 0.9125 WHERE placement = '0>1:r8'")
            }

            #expect(throws: StoreError.damaged(path: path, run: run.id, detail: "evaluations row (id 2) does not match its checksum")) {
                try main.merge(from: damaged)
            }
            #expect(try main.evaluations(run: run.id).isEmpty && main.runs().map(\.id) == [run.id])
        }
    }

    @Test func aStoreIsNeverMergedIntoItself() throws {
        try withTemporaryDirectory { folder in
            let (main, run) = try mainStore(in: folder)
            try main.saveEvaluation(evaluation(run.id, "3>4:r8", accuracy: 0.8125))
            let link = folder.appendingPathComponent("link.sqlite").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: main.path)
            for source in [main, try ResultsStore(path: link, create: false)] {
                let error = #expect(throws: StoreError.self) { try main.merge(from: source) }
                guard case let .invalidArgument(message) = error else {
                    Issue.record("not refused as an invalid argument: \(String(describing: error))")
                    continue
                }
                #expect(message.contains("cannot merge the results store \(source.path) into itself"), "\(message)")
            }
            #expect(try main.evaluations(run: run.id).count == 1)
        }
    }

    @Test func runsMergePrintsALinePerShardAndRefusesAMissingShard() throws {
        try withTemporaryDirectory { folder in
            let source = try ResultsStore(path: folder.appendingPathComponent("source.sqlite").path)
            let run = try source.createRun(command: "adapter-search search", configuration: "{}", versions: "{}", seed: 0)
            let shardPath = folder.appendingPathComponent("shard.sqlite").path
            let worker = try shard(at: shardPath, of: run)
            try worker.saveEvaluation(evaluation(run.id, "3>4:r8", accuracy: 0.8125))
            try worker.saveEvaluation(diverged(run.id, "5>5:r8"))
            let target = folder.appendingPathComponent("merged/results.sqlite").path

            let merged = try runAdapterSearch(["runs", "merge", shardPath, "--store", target])
            #expect(merged.status == 0, "\(merged.stderr)")
            #expect(merged.stdout == "merged \(shardPath): 2 evaluations added, 0 already present, 1 run, 0 probes, 0 score sets, "
                    + "0 plugin states and 0 artefacts added\n")
            #expect(try ResultsStore(path: target, create: false).evaluations(run: run.id).count == 2)

            let json = try runAdapterSearch(["runs", "merge", shardPath, shardPath, "--json", "--store", target])
            #expect(json.status == 0, "\(json.stderr)")
            let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
            #expect(objects.count == 2 && objects.allSatisfy { $0["shard"] as? String == shardPath })
            #expect(objects[0]["evaluations_present"] as? Int == 2 && objects[0]["evaluations_added"] as? Int == 0
                    && objects[0]["runs_added"] as? Int == 0 && objects[0]["score_sets_added"] as? Int == 0)

            // A missing shard: nothing is merged, not even the shards before it, and no store is created.
            let missing = folder.appendingPathComponent("task-7.sqlite").path
            let other = folder.appendingPathComponent("other.sqlite").path
            let refused = try runAdapterSearch(["runs", "merge", shardPath, missing, "--store", other])
            #expect(refused.status != 0 && refused.stdout.isEmpty)
            #expect(refused.stderr.contains("no shard store at \(missing)"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: other) && !FileManager.default.fileExists(atPath: missing))
        }
    }
}
