import Core
import Foundation

/// The `local:N` executor's launcher: worker tasks as child processes of
/// the coordinator, at most `workers` at once, each with `threads` threads.
struct LocalLauncher: TaskLauncher {
    let workers: Int
    /// Threads each worker computes with: the cores split between the workers.
    let threads: Int
    let executable: String

    init(workers: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount, executable: String = WorkerExecutable.path) {
        self.workers = workers
        self.threads = max(1, cores / workers)
        self.executable = executable
    }

    var name: String { "local:\(workers)" }
    var slots: Int { workers }
    var pollInterval: TimeInterval { 0.2 }

    func launch(_ batch: WorkBatch, attempt: Int, tasks count: Int) throws -> any LaunchedTasks {
        let launched = LocalTasks(launcher: self, batch: batch, attempt: attempt, count: count)
        try launched.startWaiting()
        return launched
    }
}

/// The processes of one attempt: started in task order as slots free up.
final class LocalTasks: LaunchedTasks {
    private let launcher: LocalLauncher
    private let batch: WorkBatch
    private let attempt: Int
    private var processes: [Process?]
    /// Set by `cancel`: no further task starts.
    private var cancelled = false

    init(launcher: LocalLauncher, batch: WorkBatch, attempt: Int, count: Int) {
        self.launcher = launcher
        self.batch = batch
        self.attempt = attempt
        processes = Array(repeating: nil, count: count)
    }

    /// Starts queued tasks while fewer than `workers` run.
    func startWaiting() throws {
        guard !cancelled else { return }
        var running = processes.count { $0?.isRunning == true }
        for task in processes.indices where processes[task] == nil && running < launcher.workers {
            processes[task] = try start(task)
            running += 1
        }
    }

    private func start(_ task: Int) throws -> Process {
        let log = batch.log(attempt: attempt, task: task)
        guard FileManager.default.createFile(atPath: log, contents: nil), let output = FileHandle(forWritingAtPath: log) else {
            throw WorkError.unwritable(path: log, reason: "the worker's log cannot be created")
        }
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: launcher.executable)
        process.arguments = WorkerExecutable.arguments(batch, attempt: attempt) + ["--task", String(task)]
        var environment = ProcessInfo.processInfo.environment
        environment[Parallel.threadsVariable] = String(launcher.threads)
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw WorkError.scheduler(command: "\(launcher.executable) worker", detail: error.localizedDescription)
        }
        return process
    }

    func states() throws -> [TaskState] {
        try startWaiting()
        return processes.map { process in
            guard let process else { return .queued }
            if process.isRunning { return .running }
            let status = process.terminationStatus
            let ending: WorkerProcess.Ending = process.terminationReason == .exit ? .exited(status) : .signalled(status)
            return .ended(how: ending == .exited(0) ? nil : ending.description)
        }
    }

    func cancel() {
        cancelled = true
        let running = processes.compactMap { $0 }.filter(\.isRunning)
        running.forEach { $0.terminate() }
        running.forEach { $0.waitUntilExit() }
    }

    func finish() {}
}
