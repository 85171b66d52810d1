import Core
import Foundation

/// The Slurm executor's launcher: each attempt is one job array submitted
/// with `sbatch --array`, each array task one worker; tasks are followed
/// with `squeue` (and `scontrol` says how an ended one ended) and cancelled
/// with `scancel`.
struct SlurmLauncher: TaskLauncher {
    let settings: SlurmSettings
    let executable: String
    /// Print the first batch script instead of submitting it, and stop.
    let dryRun: Bool
    var pollInterval: TimeInterval

    init(settings: SlurmSettings, executable: String = WorkerExecutable.path, dryRun: Bool = false,
         pollInterval: TimeInterval = Self.defaultPollInterval) {
        self.settings = settings
        self.executable = executable
        self.dryRun = dryRun
        self.pollInterval = pollInterval
    }

    /// Seconds between two `squeue` calls: `$ADAPTER_SEARCH_SLURM_POLL`, else 5.
    static var defaultPollInterval: TimeInterval {
        ProcessInfo.processInfo.environment["ADAPTER_SEARCH_SLURM_POLL"].flatMap(TimeInterval.init).map { max($0, 0.1) } ?? 5
    }

    var name: String { "slurm" }
    /// Without `--array-parallelism`, units are split as if 250 tasks ran at once.
    var slots: Int { settings.parallelism ?? 250 }

    /// The batch script of `count` tasks of `attempt` of `batch`.
    func script(_ batch: WorkBatch, attempt: Int, tasks count: Int, run: String) -> String {
        var options = ["--job-name=adapter-search-\(run)",
                       "--array=0-\(count - 1)" + (settings.parallelism.map { "%\($0)" } ?? ""),
                       "--output=" + Self.quoted(batch.folder.path + "/logs/attempt-\(attempt)-task-%a.log"),
                       "--cpus-per-task=\(settings.cpusPerTask)"]
        if let partition = settings.partition { options.append("--partition=\(partition)") }
        if let time = settings.timeLimit { options.append("--time=\(time)") }
        if let memory = settings.memory { options.append("--mem=\(memory)") }
        options += settings.extraArguments
        let worker = ([executable] + WorkerExecutable.arguments(batch, attempt: attempt)).map(Self.quoted).joined(separator: " ")
            + " --task \"$SLURM_ARRAY_TASK_ID\""
        return """
            #!/bin/bash
            # adapter-search worker tasks of run \(run): batch \(batch.folder.lastPathComponent), attempt \(attempt), \(count) tasks.
            # Every path here must be the same on the nodes: the store's folder, the model and data files, the executable.
            \(options.map { "#SBATCH " + $0 }.joined(separator: "\n"))
            export \(Parallel.threadsVariable)="${SLURM_CPUS_PER_TASK:-\(settings.cpusPerTask)}"
            exec \(worker)

            """
    }

    func launch(_ batch: WorkBatch, attempt: Int, tasks count: Int) throws -> any LaunchedTasks {
        let run = try batch.work().run.id
        let text = script(batch, attempt: attempt, tasks: count, run: run)
        if dryRun {
            try? FileManager.default.removeItem(at: batch.attemptFile(attempt))  // nothing was submitted
            print(text, terminator: "")
            throw DryRunStop(run: run, script: batch.scriptFile(attempt).path)
        }
        let file = batch.scriptFile(attempt)
        do {
            try text.write(to: file, atomically: true, encoding: .utf8)
        } catch {
            throw WorkError.unwritable(path: file.path, reason: error.localizedDescription)
        }
        let submitted = try SchedulerCommand.run("sbatch", ["--parsable", file.path])
        let job = submitted.output.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard submitted.status == 0, !job.isEmpty, job.allSatisfy(\.isNumber) else {
            throw WorkError.scheduler(command: "sbatch \(file.path)", detail: submitted.message)
        }
        do {
            try job.write(to: batch.jobFile(attempt), atomically: true, encoding: .utf8)
        } catch {
            throw WorkError.unwritable(path: batch.jobFile(attempt).path, reason: error.localizedDescription)
        }
        printError("submitted Slurm job \(job): \(count) array tasks (batch script \(file.path))")
        return SlurmTasks(job: job, count: count, jobFile: batch.jobFile(attempt))
    }

    /// `text` as one shell word.
    static func quoted(_ text: String) -> String {
        text.allSatisfy { $0.isLetter || $0.isNumber || "/._-=%:+,@".contains($0) } ? text
            : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// One submitted job array.
final class SlurmTasks: LaunchedTasks {
    let job: String
    private let count: Int
    private let jobFile: URL
    private var failedLooks = 0
    /// How each ended task ended (nil: cleanly, or Slurm no longer knows), once looked up.
    private var endings: [Int: String?] = [:]

    init(job: String, count: Int, jobFile: URL) {
        self.job = job
        self.count = count
        self.jobFile = jobFile
    }

    func states() throws -> [TaskState] {
        let listed = try SchedulerCommand.run("squeue", ["--noheader", "--array", "--jobs", job, "--format", "%K %T"])
        var states = [TaskState](repeating: .ended(how: nil), count: count)
        if listed.status != 0 {
            // A job Slurm has already forgotten is one whose tasks all ended.
            guard listed.message.contains("Invalid job id") else {
                failedLooks += 1
                if failedLooks >= 12 { throw WorkError.scheduler(command: "squeue --jobs \(job)", detail: listed.message) }
                return [TaskState](repeating: .running, count: count)  // look again later
            }
            return try withEndings(states)
        }
        failedLooks = 0
        for line in listed.output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let task = Int(fields[0]), states.indices.contains(task) else { continue }
            states[task] = ["PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"].contains(fields[1])
                ? .queued : .running
        }
        return try withEndings(states)
    }

    /// `states` with each ended task's end as `scontrol` tells it, when it
    /// still knows; it is asked once for the tasks that ended since last time.
    private func withEndings(_ states: [TaskState]) throws -> [TaskState] {
        let unknown = states.indices.filter { states[$0].hasEnded && endings[$0] == nil }
        if !unknown.isEmpty {
            let shown = try SchedulerCommand.run("scontrol", ["--oneliner", "show", "job", job])
            var told: [Int: String?] = [:]
            for line in shown.output.split(separator: "\n") {
                var fields: [String: String] = [:]
                for field in line.split(separator: " ") {
                    let parts = field.split(separator: "=", maxSplits: 1)
                    if parts.count == 2, fields[String(parts[0])] == nil { fields[String(parts[0])] = String(parts[1]) }
                }
                guard let task = fields["ArrayTaskId"].flatMap({ Int($0) }), let state = fields["JobState"] else { continue }
                let exit = fields["ExitCode"] ?? "?"
                told[task] = state == "COMPLETED" && exit == "0:0" ? .some(nil) : "\(state), exit code \(exit)"
            }
            for task in unknown { endings[task] = told[task] ?? .some(nil) }
        }
        return states.enumerated().map { task, state in state.hasEnded ? .ended(how: endings[task] ?? nil) : state }
    }

    func cancel() {
        _ = try? SchedulerCommand.run("scancel", [job])
        printError("cancelled Slurm job \(job)")
        for _ in 0..<120 {  // until no task of it runs, at most a minute
            guard let states = try? states(), states.contains(where: { !$0.hasEnded }) else { break }
            usleep(500_000)
        }
        finish()
    }

    func finish() { try? FileManager.default.removeItem(at: jobFile) }
}

/// `--dry-run` stopped the run where it would have submitted its first job
/// array; the batch script went to standard output.
public struct DryRunStop: Error, CustomStringConvertible {
    /// The run, kept in the store: resuming it submits.
    public var run: String
    /// Where the script would have been written.
    public var script: String

    public var description: String {
        "dry run: nothing was submitted (the script above would go to \(script)); run \(run) is kept: "
            + "`--resume \(run)` without --dry-run submits it"
    }
}
