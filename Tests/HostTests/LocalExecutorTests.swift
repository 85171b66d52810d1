import Foundation
@testable import Host
import Testing

/// `--executor local:N`: worker processes on this machine train the
/// placements into shard stores the run's process merges; the results are
/// bit for bit the serial executor's, whatever happens to a worker.
@Suite struct LocalExecutorTests {
    @Test func localWorkersGiveExactlyTheSerialRunsEvaluationsAndStatistics() throws {
        try withTemporaryDirectory { folder in
            let task = try TinyCompare(in: folder)
            let serial = try runAdapterSearch(task.arguments(store: "serial"))
            try #require(serial.status == 0, "\(serial.stderr)")
            let local = try runAdapterSearch(task.arguments(store: "local", ["--executor", "local:2", "--units-per-task", "3"]))
            try #require(local.status == 0, "\(local.stderr)")

            #expect(try TinyCompare.withoutRun(local.stdout) == TinyCompare.withoutRun(serial.stdout))
            let made = try task.evaluations(store: "local"), serialMade = try task.evaluations(store: "serial")
            #expect(made.count == 10 && TinyCompare.sameFigures(made, serialMade))
            // The coordinator trained nothing; it reported progress across its workers; four tasks of at most 3 units, dealt round robin, ran.
            #expect(!local.stderr.contains("\ntrained ") && local.stderr.contains("evaluations (local:2): 10/10 done, 0 running, 0 queued"),
                    "\(local.stderr)")
            let results = try ResultsStore(path: task.store("local"), create: false)
            let batches = WorkBatch.batchesFolder(store: results, run: try results.runs()[0].id)
            let batch = try #require(try FileManager.default.contentsOfDirectory(atPath: batches.path).first)
            let tasks = try WorkBatch(folder: batches.appendingPathComponent(batch)).tasks(attempt: 1)
            #expect(tasks == [[0, 4, 8], [1, 5, 9], [2, 6], [3, 7]])
            let log = try String(contentsOfFile: batches.appendingPathComponent(batch).appendingPathComponent("logs/attempt-1-task-0.log").path,
                                 encoding: .utf8)
            #expect(log.contains("worker: task 0 of attempt 1, 3 units, 1 threads"), "\(log)")
        }
    }

    @Test func aSearchOnLocalWorkersChoosesTrainsAndTestsExactlyAsTheSerialOne() throws {
        try withTemporaryDirectory { folder in
            let task = try TinyCompare(in: folder)
            func search(_ name: String, _ extra: [String]) throws -> (SearchOutcome, Data) {
                var arguments = task.arguments(store: name, extra)
                arguments.replaceSubrange(0..<5, with: ["search", "--strategy", "random-best-of-n", "--set", "n=4", "--k", "2"])
                let result = try runAdapterSearch(arguments + ["--out", folder.appendingPathComponent(name + "-out").path])
                try #require(result.status == 0, "\(result.stderr)")
                let adapters = try Data(contentsOf: folder.appendingPathComponent(name + "-out/adapters.safetensors"))
                return (try JSONDecoder().decode(SearchOutcome.self, from: Data(result.stdout.utf8)), adapters)
            }
            let (serial, serialAdapters) = try search("serial", [])
            let (local, localAdapters) = try search("local", ["--executor", "local:2"])
            #expect(local.placement == serial.placement && local.val_acc.bitPattern == serial.val_acc.bitPattern
                    && local.test_acc.bitPattern == serial.test_acc.bitPattern && local.params == serial.params)
            #expect(localAdapters == serialAdapters, "the worker wrote the same adapters, byte for byte")
            // The chosen placement was trained by a worker: two batches (the strategy's 4, then the chosen one), each in its own folder.
            let results = try ResultsStore(path: task.store("local"), create: false)
            let batches = WorkBatch.batchesFolder(store: results, run: local.run)
            #expect(try FileManager.default.contentsOfDirectory(atPath: batches.path).count == 2)
            let chosen = try results.evaluations(run: local.run).filter { $0.testAccuracy != nil }
            #expect(chosen.count == 1 && chosen[0].testAccuracy?.bitPattern == serial.test_acc.bitPattern)
        }
    }

    @Test func aKilledWorkersUnmadeUnitsAreSubmittedAgainAndNothingIsTrainedTwice() throws {
        try withTemporaryDirectory { folder in
            let task = try TinyCompare(in: folder)
            let (coordinator, errors) = try task.startSlowCompare(store: "local", executor: "local:2")
            try task.waitForAFirstEvaluation(task: 1)
            #expect(try task.killWorker(task: 1))
            coordinator.waitUntilExit()
            let stderr = try String(contentsOf: errors, encoding: .utf8)
            #expect(coordinator.terminationStatus == 0, "\(stderr)")
            #expect(stderr.contains("worker task 1 of attempt 1 ended (crashed (signal 9"), "\(stderr)")
            #expect(stderr.contains("submitting them again (retry 1 of 2)"), "\(stderr)")

            // Every unit stored once; across all shards, each trained exactly once.
            #expect(try task.evaluations(store: "local").count == 10)
            let trained = try task.trainedPlacements()
            #expect(trained.count == 10 && Set(trained).count == 10, "\(trained.sorted())")
        }
    }

    @Test func aDivergedPlacementIsRecordedByItsWorkerAndNeverSubmittedAgain() throws {
        try withTemporaryDirectory { folder in
            let task = try TinyCompare(in: folder)
            let result = try runAdapterSearch(task.arguments(store: "local", ["--executor", "local:2", "--learning-rate", "1e30"]))
            #expect(result.status != 0 && result.stderr.contains("every one of the 10 single edges diverged"), "\(result.stderr)")
            #expect(!result.stderr.contains("submitting them again"), "\(result.stderr)")
            let made = try task.evaluations(store: "local")
            #expect(made.count == 10 && made.values.allSatisfy { $0.validationAccuracy.isNaN && ($0.failure ?? "").contains("diverged") })
        }
    }

    @Test func workBadlyAskedForIsRefusedWithAClearError() throws {
        try withTemporaryDirectory { folder in
            let task = try TinyCompare(in: folder)
            for (extra, message) in [(["--executor", "local:0"], "local:N with N workers between 1 and 1024"),
                                     (["--executor", "cluster"], "unknown executor 'cluster'"),
                                     (["--partition", "gpu"], "--partition is a Slurm setting: give it with --executor slurm"),
                                     (["--executor", "slurm", "--sbatch-arg", "account=lab"], "is not an sbatch option"),
                                     (["--executor", "local:2", "--units-per-task", "0"], "--units-per-task must be at least 1")] {
                let result = try runAdapterSearch(task.arguments(store: "refused", extra))
                #expect(result.status != 0 && result.stderr.contains(message), "\(extra): \(result.stderr)")
            }
            let missing = try runAdapterSearch(["worker", folder.appendingPathComponent("nothing").path, "--attempt", "1", "--task", "0"])
            #expect(missing.status != 0 && missing.stderr.contains("cannot read the batch file"), "\(missing.stderr)")
        }
    }
}
