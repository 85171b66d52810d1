import Foundation

/// Where a worker task stands.
enum TaskState: Equatable, Sendable {
    /// Waiting for a slot (a local worker, or Slurm's queue).
    case queued
    case running
    /// No longer queued or running; `how` says why when it did not end well
    /// (a failure, a time limit, a signal), nil when it exited cleanly.
    case ended(how: String?)

    var hasEnded: Bool { if case .ended = self { true } else { false } }
}

/// Starts the worker tasks of one attempt of a batch and follows them: the
/// part of an executor that differs between this machine and Slurm.
protocol TaskLauncher {
    /// The executor, for messages (`local:2`, `slurm`).
    var name: String { get }
    /// Worker tasks that run at once, at most (for splitting units into tasks).
    var slots: Int { get }
    /// Seconds between two looks at the tasks.
    var pollInterval: TimeInterval { get }
    /// Starts tasks `0..<count` of `attempt` of `batch`.
    func launch(_ batch: WorkBatch, attempt: Int, tasks count: Int) throws -> any LaunchedTasks
}

/// The tasks of one launched attempt.
protocol LaunchedTasks: AnyObject {
    /// Each task's state now, by task index.
    func states() throws -> [TaskState]
    /// Stops every task that has not ended and waits until none runs.
    func cancel()
    /// Called once every task has ended.
    func finish()
}

/// The path of the running `adapter-search` executable, which workers run.
enum WorkerExecutable {
    static var path: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The worker command line of `attempt` of `batch` without its
    /// `--task`, as arguments (after the executable).
    static func arguments(_ batch: WorkBatch, attempt: Int) -> [String] {
        ["worker", batch.folder.path, "--attempt", String(attempt)]
    }
}
