import Foundation

/// The `local:N` and `slurm` executors' side in the run's process: it never
/// trains. It writes the batch's units where the workers read them, has the
/// launcher start worker tasks, merges each task's shard store into the
/// run's store as the task ends, and submits again only the units still
/// unmade (a task failed, timed out or was preempted), at most `retries`
/// times. A unit whose training diverged is a result, never retried.
/// Ctrl-C cancels the tasks and keeps every result they stored.
struct BatchCoordinator: UnitExecution {
    let store: ResultsStore
    let run: String
    let launcher: any TaskLauncher
    /// Units per worker task, or nil: one task per slot (a local worker, or
    /// a Slurm array slot), so that each worker loads the task once.
    let unitsPerTask: Int?
    let retries: Int
    /// The store's budget key of a unit.
    let budgetKey: (WorkUnit) -> String
    /// Hears the progress lines.
    var report: (String) -> Void = { printError($0) }

    func make(_ units: [WorkUnit]) throws {
        let batch = try WorkBatch.prepare(units, run: try store.run(run), store: store)
        var progress = BatchProgress(executor: launcher.name, units: units.count)
        for submission in 0... {
            let unmade = try units.indices.filter { try !isStored(units[$0]) }
            progress.done = units.count - unmade.count
            if unmade.isEmpty { return }
            guard submission <= retries else {
                throw WorkError.unmade(count: unmade.count, attempts: submission, batch: batch.folder.path)
            }
            if submission > 0 {
                report("\(unmade.count) unit\(unmade.count == 1 ? "" : "s") unmade: submitting them again (retry \(submission) of \(retries))")
            }
            let tasks = Self.split(unmade, unitsPerTask: unitsPerTask ?? (unmade.count + launcher.slots - 1) / launcher.slots)
            let attempt = try batch.addAttempt(tasks: tasks)
            let launched = try launcher.launch(batch, attempt: attempt, tasks: tasks.count)
            try follow(launched, batch: batch, attempt: attempt, tasks: tasks, units: units, progress: &progress)
        }
    }

    /// `units` dealt out to tasks of at most `unitsPerTask` units, round
    /// robin: each task gets placements from the whole batch, so that tasks
    /// take about as long as each other (an early edge trains slower than a
    /// late one, whose frozen prefix is cached).
    static func split(_ units: [Int], unitsPerTask: Int) -> [[Int]] {
        let count = (units.count + max(unitsPerTask, 1) - 1) / max(unitsPerTask, 1)
        return (0..<count).map { task in stride(from: task, to: units.count, by: count).map { units[$0] } }
    }

    /// Follows one attempt until every task has ended, merging each task's
    /// shard as it ends.
    private func follow(_ launched: any LaunchedTasks, batch: WorkBatch, attempt: Int, tasks: [[Int]], units: [WorkUnit],
                        progress: inout BatchProgress) throws {
        var ended = [Bool](repeating: false, count: tasks.count)
        while true {
            if Interruption.requested {
                launched.cancel()
                for task in tasks.indices where !ended[task] { try merge(batch.shard(attempt: attempt, task: task)) }
                try Interruption.check()
            }
            let states = try launched.states()
            for (task, state) in states.enumerated() where !ended[task] {
                guard case let .ended(how) = state else { continue }
                ended[task] = true
                try merge(batch.shard(attempt: attempt, task: task))
                let records = try tasks[task].map { try stored(units[$0]) }
                let unmade = zip(tasks[task], records).count { !units[$0].isMade(by: $1) }
                progress.done += tasks[task].count - unmade
                progress.failed += unmade
                let times = records.compactMap { $0?.seconds }
                (progress.seconds, progress.timed) = (progress.seconds + times.reduce(0, +), progress.timed + times.count)
                if unmade > 0 {
                    report("worker task \(task) of attempt \(attempt) ended\(how.map { " (\($0))" } ?? "") with \(unmade) of its "
                           + "\(tasks[task].count) units unmade; its log: \(batch.log(attempt: attempt, task: task))")
                }
            }
            let running = tasks.indices.filter { states[$0] == .running }
            let logged = running.map { TrainedLine.count(inLogAt: batch.log(attempt: attempt, task: $0)) }
            progress.running = running.map { tasks[$0].count }.reduce(0, +)
            progress.queued = tasks.indices.filter { states[$0] == .queued }.map { tasks[$0].count }.reduce(0, +)
            progress.runningTasks = running.count
            progress.inRunningTasks = (logged.map(\.units).reduce(0, +), logged.map(\.seconds).reduce(0, +))
            if let line = progress.lineIfChanged() { report(line) }
            if ended.allSatisfy({ $0 }) {
                launched.finish()
                progress.failed = 0
                return
            }
            Thread.sleep(forTimeInterval: launcher.pollInterval)
        }
    }

    /// Merges the shard at `path` into the run's store, when the task wrote one.
    private func merge(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        _ = try store.merge(from: try ResultsStore(path: path, create: false))
    }

    private func stored(_ unit: WorkUnit) throws -> EvaluationRecord? {
        try store.evaluation(run: run, placement: unit.placement, budget: budgetKey(unit))
    }

    private func isStored(_ unit: WorkUnit) throws -> Bool { unit.isMade(by: try stored(unit)) }
}

/// The progress of a batch across workers, as one line: units done,
/// running, queued and failed, and the time left at the pace of the units
/// finished so far.
struct BatchProgress {
    let executor: String
    let units: Int
    var done = 0, running = 0, queued = 0, failed = 0
    /// Worker tasks running now: the units' pace is shared among them.
    var runningTasks = 0
    /// Training seconds of the `timed` units finished in this process's attempts.
    var seconds = 0.0, timed = 0
    /// Units the running tasks' logs say are trained (not yet merged), and their seconds.
    var inRunningTasks: (units: Int, seconds: Double) = (0, 0)
    private var last = ""

    init(executor: String, units: Int) {
        self.executor = executor
        self.units = units
    }

    /// The line, unless it says what the previous one said.
    mutating func lineIfChanged() -> String? {
        let line = self.line
        guard line != last else { return nil }
        last = line
        return line
    }

    /// "evaluations (local:2): 12/40 done, 2 running, 26 queued, 0 failed; ETA 3 min".
    var line: String {
        let done = done + inRunningTasks.units, timed = timed + inRunningTasks.units
        var text = "evaluations (\(executor)): \(done)/\(units) done, \(running - inRunningTasks.units) running, \(queued) queued, "
            + "\(failed) failed"
        let remaining = units - done
        if remaining > 0, timed > 0, runningTasks > 0 {
            let perUnit = (seconds + inRunningTasks.seconds) / Double(timed)
            text += "; ETA " + Self.duration(perUnit * Double(remaining) / Double(runningTasks))
        }
        return text
    }

    /// "40 s", "12 min", "3.5 h".
    static func duration(_ seconds: Double) -> String {
        seconds < 90 ? String(format: "%.0f s", seconds) : seconds < 5400 ? String(format: "%.0f min", seconds / 60)
            : String(format: "%.1f h", seconds / 3600)
    }
}
