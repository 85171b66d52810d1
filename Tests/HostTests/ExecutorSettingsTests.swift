import Foundation
@testable import Host
import Testing

/// The executor's settings and the pieces of a batch that need no process:
/// parsing, the stored form, dealing units to tasks, the Slurm script, the
/// progress line.
@Suite struct ExecutorSettingsTests {
    @Test func executorsParseAndRefuseWhatTheyCannotRun() throws {
        #expect(try Executor(parsing: "serial") == .serial)
        #expect(try Executor(parsing: "local:3") == .local(workers: 3))
        #expect(try Executor(parsing: "slurm", slurm: SlurmSettings(partition: "cpu")) == .slurm(SlurmSettings(partition: "cpu")))
        for bad in ["local", "local:0", "local:x", "local:2000", "Serial", ""] {
            #expect(throws: RunError.self) { try Executor(parsing: bad) }
        }
        #expect(throws: RunError.self) { try SlurmSettings(partition: "two words").check() }
        #expect(throws: RunError.self) { try SlurmSettings(cpusPerTask: 0).check() }
        #expect(throws: RunError.self) { try SlurmSettings(extraArguments: ["--qos=x\n#SBATCH --mem=1"]).check() }
    }

    @Test func settingsWrittenBeforeExecutorsReadAsSerial() throws {
        let old = #"{"isolation":{"isolate":false},"cache_memory":4}"#
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let settings = try decoder.decode(ExecutionSettings.self, from: Data(old.utf8))
        #expect(settings.executor == .serial && settings.retries == 2 && settings.unitsPerTask == nil && settings.reusesEvaluations)

        var slurm = ExecutionSettings(executor: .slurm(SlurmSettings(timeLimit: "1:00:00", parallelism: 8, extraArguments: ["--qos=low"])),
                                      unitsPerTask: 5, retries: 1)
        slurm.cacheMemory = 2
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        #expect(try decoder.decode(ExecutionSettings.self, from: encoder.encode(slurm)) == slurm)
    }

    @Test func unitsAreDealtRoundRobinToTasksOfAtMostTheSize() {
        #expect(BatchCoordinator.split(Array(0..<10), unitsPerTask: 3) == [[0, 4, 8], [1, 5, 9], [2, 6], [3, 7]])
        #expect(BatchCoordinator.split([4, 7, 9], unitsPerTask: 5) == [[4, 7, 9]])
        #expect(BatchCoordinator.split([4, 7, 9], unitsPerTask: 1) == [[4], [7], [9]])
    }

    @Test func theBatchScriptQuotesPathsAndRunsTheArrayTasksWorker() {
        let batch = WorkBatch(folder: URL(fileURLWithPath: "/shared/my runs/r1/batches/abc"))
        let launcher = SlurmLauncher(settings: SlurmSettings(partition: "cpu", cpusPerTask: 4, parallelism: 3),
                                     executable: "/opt/adapter search/bin/adapter-search")
        let script = launcher.script(batch, attempt: 2, tasks: 7, run: "r1")
        #expect(script.hasPrefix("#!/bin/bash\n"))
        #expect(script.contains("#SBATCH --array=0-6%3\n") && script.contains("#SBATCH --cpus-per-task=4\n")
                && script.contains("#SBATCH --partition=cpu\n"))
        #expect(script.contains("#SBATCH --output='/shared/my runs/r1/batches/abc/logs/attempt-2-task-%a.log'\n"))
        #expect(script.contains("exec '/opt/adapter search/bin/adapter-search' worker '/shared/my runs/r1/batches/abc' --attempt 2 "
                                + "--task \"$SLURM_ARRAY_TASK_ID\"\n"), "\(script)")
        #expect(script.contains("export ADAPTER_SEARCH_THREADS=\"${SLURM_CPUS_PER_TASK:-4}\""))
    }

    @Test func theProgressLineCountsUnitsAndEstimatesTheTimeLeft() {
        var progress = BatchProgress(executor: "local:2", units: 10)
        (progress.done, progress.running, progress.queued) = (4, 2, 4)
        (progress.seconds, progress.timed, progress.runningTasks) = (40, 4, 2)
        #expect(progress.lineIfChanged() == "evaluations (local:2): 4/10 done, 2 running, 4 queued, 0 failed; ETA 30 s")
        #expect(progress.lineIfChanged() == nil, "the same line is not printed twice")
        #expect(BatchProgress.duration(600) == "10 min" && BatchProgress.duration(9000) == "2.5 h")
    }
}
