import Foundation
@testable import Host
import Testing

/// The single-node Slurm cluster (`scripts/slurm-cluster`, Debian's
/// slurm-wlm 22.05 and munge): it comes up, runs a job array as root,
/// reports each task's state and exit code without an accounting daemon,
/// and goes down leaving nothing running. On it, `--executor slurm` trains
/// exactly the serial executor's evaluations, loses nothing when an array
/// task is killed, prints its script with `--dry-run`, and cancels its job
/// on Ctrl-C. (One suite, so that one cluster runs at a time.)
@Suite(.serialized, .enabled(if: getuid() == 0, "scripts/slurm-cluster installs packages and starts daemons: it needs root"))
struct SlurmClusterTests {
    static let script = Locations.packageRoot.appendingPathComponent("scripts/slurm-cluster").path

    @Test func aJobArrayRunsAndEachTasksEndIsKnown() throws {
        try withTemporaryDirectory { folder in
            let cluster = folder.appendingPathComponent("cluster").path
            let up = try runProcess(URL(fileURLWithPath: "/bin/bash"), [Self.script, "up", cluster])
            defer { _ = try? runProcess(URL(fileURLWithPath: "/bin/bash"), [Self.script, "down", cluster]) }
            try #require(up.status == 0, "slurm-cluster up failed: \(up.stderr)")
            let environment = ["SLURM_CONF": cluster + "/slurm.conf"]
            func run(_ tool: String, _ arguments: [String]) throws -> ProcessResult {
                try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [tool] + arguments,
                               environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new })
            }
            let out = folder.appendingPathComponent("out").path
            let submitted = try run("sbatch", ["--parsable", "--array=0-3%2", "--output=/dev/null",
                                               "--wrap", "if [ $SLURM_ARRAY_TASK_ID = 3 ]; then exit 3; fi; echo $SLURM_ARRAY_TASK_ID $(id -un) > \(out)_$SLURM_ARRAY_TASK_ID"])
            try #require(submitted.status == 0, "sbatch failed: \(submitted.stderr)")
            let job = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            var states: [String: (state: String, exit: String)] = [:]
            let deadline = Date().addingTimeInterval(90)
            while Date() < deadline {
                let shown = try run("scontrol", ["-o", "show", "job", job])
                states = [:]
                for line in shown.stdout.split(separator: "\n") {
                    let fields = Dictionary(line.split(separator: " ").compactMap { field -> (String, String)? in
                        let parts = field.split(separator: "=", maxSplits: 1)
                        return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
                    }, uniquingKeysWith: { first, _ in first })
                    if let task = fields["ArrayTaskId"], let state = fields["JobState"] { states[task] = (state, fields["ExitCode"] ?? "") }
                }
                if states.count == 4, states.values.allSatisfy({ ["COMPLETED", "FAILED", "CANCELLED"].contains($0.state) }) { break }
                usleep(200_000)
            }
            #expect(states["0"]?.state == "COMPLETED" && states["1"]?.state == "COMPLETED" && states["2"]?.state == "COMPLETED", "\(states)")
            #expect(states["3"]?.state == "FAILED" && states["3"]?.exit == "3:0", "\(states)")
            for task in 0..<3 {
                #expect(try String(contentsOfFile: "\(out)_\(task)", encoding: .utf8) == "\(task) root\n", "task \(task) ran as root")
            }
            let down = try runProcess(URL(fileURLWithPath: "/bin/bash"), [Self.script, "down", cluster])
            #expect(down.status == 0 && !FileManager.default.fileExists(atPath: cluster), "\(down.stderr)")
        }
    }

    /// Runs `body` on a cluster of its own under `folder`, with the environment its Slurm commands need.
    private func withCluster(in folder: URL, _ body: ([String: String]) throws -> Void) throws {
        let cluster = folder.appendingPathComponent("cluster").path
        let up = try runProcess(URL(fileURLWithPath: "/bin/bash"), [Self.script, "up", cluster])
        defer { _ = try? runProcess(URL(fileURLWithPath: "/bin/bash"), [Self.script, "down", cluster]) }
        try #require(up.status == 0, "slurm-cluster up failed: \(up.stderr)")
        try body(["SLURM_CONF": cluster + "/slurm.conf", "ADAPTER_SEARCH_SLURM_POLL": "0.2"])
    }

    /// Runs a Slurm command on the cluster of `environment`.
    private func slurm(_ tool: String, _ arguments: [String], _ environment: [String: String]) throws -> ProcessResult {
        try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [tool] + arguments,
                       environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new })
    }

    @Test func aSlurmJobArrayGivesExactlyTheSerialRunsEvaluations() throws {
        try withTemporaryDirectory { folder in
            let task = try TinyCompare(in: folder)
            try withCluster(in: folder) { environment in
                let serial = try runAdapterSearch(task.arguments(store: "serial"))
                try #require(serial.status == 0, "\(serial.stderr)")
                let slurm = try runAdapterSearch(task.arguments(store: "slurm", ["--executor", "slurm", "--units-per-task", "3",
                                                                                 "--array-parallelism", "2"]),
                                                 environment: environment)
                try #require(slurm.status == 0, "\(slurm.stderr)")
                #expect(try TinyCompare.withoutRun(slurm.stdout) == TinyCompare.withoutRun(serial.stdout))
                let made = try task.evaluations(store: "slurm"), serialMade = try task.evaluations(store: "serial")
                #expect(made.count == 10 && TinyCompare.sameFigures(made, serialMade))
                #expect(slurm.stderr.contains("submitted Slurm job") && slurm.stderr.contains("evaluations (slurm): 10/10 done"),
                        "\(slurm.stderr)")
                #expect(try task.trainedPlacements().count == 10)
            }
        }
    }

    @Test func anArrayTaskKilledMidRunLosesNothingAndNothingIsTrainedTwice() throws {
        try withTemporaryDirectory { folder in
            let task = try TinyCompare(in: folder)
            try withCluster(in: folder) { environment in
                let (coordinator, errors) = try task.startSlowCompare(store: "slurm", executor: "slurm", environment: environment)
                try task.waitForAFirstEvaluation(task: 1)
                #expect(try task.killWorker(task: 1))
                coordinator.waitUntilExit()
                let stderr = try String(contentsOf: errors, encoding: .utf8)
                #expect(coordinator.terminationStatus == 0, "\(stderr)")
                #expect(stderr.contains("worker task 1 of attempt 1 ended (FAILED") && stderr.contains("retry 1 of 2"), "\(stderr)")
                #expect(try task.evaluations(store: "slurm").count == 10)
                let trained = try task.trainedPlacements()
                #expect(trained.count == 10 && Set(trained).count == 10, "\(trained.sorted())")
            }
        }
    }

    @Test func aDryRunPrintsTheBatchScriptAndResumingSubmitsIt() throws {
        try withTemporaryDirectory { folder in
            let task = try TinyCompare(in: folder)
            try withCluster(in: folder) { environment in
                let dry = try runAdapterSearch(task.arguments(store: "slurm", ["--executor", "slurm", "--partition", "main", "--time", "10",
                                                                               "--mem", "500M", "--cpus-per-task", "2",
                                                                               "--array-parallelism", "2", "--units-per-task", "4",
                                                                               "--sbatch-arg=--comment=adapters", "--dry-run"]),
                                               environment: environment)
                #expect(dry.status == 0 && dry.stderr.contains("dry run: nothing was submitted"), "\(dry.stderr)")
                for line in ["#!/bin/bash", "#SBATCH --array=0-2%2", "#SBATCH --cpus-per-task=2", "#SBATCH --partition=main",
                             "#SBATCH --time=10", "#SBATCH --mem=500M", "#SBATCH --comment=adapters",
                             "export ADAPTER_SEARCH_THREADS=\"${SLURM_CPUS_PER_TASK:-2}\"", "worker "] {
                    #expect(dry.stdout.contains(line), "\(line) in:\n\(dry.stdout)")
                }
                #expect(try slurm("squeue", ["--noheader"], environment).stdout.isEmpty, "nothing was submitted")
                let results = try ResultsStore(path: task.store("slurm"), create: false)
                let run = try results.runs()[0]
                #expect(run.status == .interrupted)

                let resumed = try runAdapterSearch(["compare", "--resume", run.id, "--store", task.store("slurm"), "--json"],
                                                   environment: environment)
                #expect(resumed.status == 0 && resumed.stderr.contains("submitted Slurm job"), "\(resumed.stderr)")
                #expect(try task.evaluations(store: "slurm").count == 10)
            }
        }
    }

    @Test func ctrlCCancelsTheJobAndAnotherExecutorFinishesTheRun() throws {
        try withTemporaryDirectory { folder in
            let task = try TinyCompare(in: folder)
            try withCluster(in: folder) { environment in
                let (coordinator, errors) = try task.startSlowCompare(store: "slurm", executor: "slurm", environment: environment)
                try task.waitForAFirstEvaluation(task: 0)
                coordinator.interrupt()
                coordinator.waitUntilExit()
                let stderr = try String(contentsOf: errors, encoding: .utf8)
                #expect(coordinator.terminationStatus == 130 && stderr.contains("cancelled Slurm job"), "\(stderr)")
                #expect(try slurm("squeue", ["--noheader"], environment).stdout.isEmpty, "the job was cancelled")
                let results = try ResultsStore(path: task.store("slurm"), create: false)
                let run = try results.runs()[0]
                let kept = try results.evaluations(run: run.id).count
                #expect(run.status == .interrupted && kept >= 1, "the evaluations stored before Ctrl-C are kept")

                let resumed = try runAdapterSearch(["compare", "--resume", run.id, "--store", task.store("slurm"), "--executor", "local:2"],
                                                   environment: environment)
                #expect(resumed.status == 0, "\(resumed.stderr)")
                #expect(try task.evaluations(store: "slurm").count == 10)
                let trained = try task.trainedPlacements()
                #expect(trained.count == 10 && Set(trained).count == 10, "\(trained.sorted())")
            }
        }
    }
}
