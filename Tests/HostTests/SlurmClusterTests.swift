import Foundation
import Testing

/// The single-node Slurm cluster the Slurm executor's tests run on
/// (`scripts/slurm-cluster`, Debian's slurm-wlm 22.05 and munge): it comes
/// up, runs a job array as root, reports each task's state and exit code
/// without an accounting daemon, and goes down leaving nothing running.
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
}
