/// Why work units could not be handed out, made or collected; each message
/// says where to look or what to change.
public enum WorkError: Error, Equatable, CustomStringConvertible {
    /// A batch file or folder cannot be written.
    case unwritable(path: String, reason: String)
    /// A batch file is missing or not one this version reads.
    case unreadable(path: String, reason: String)
    /// A worker was asked for a task its attempt does not have.
    case noSuchTask(task: Int, attempt: Int, tasks: Int)
    /// The files a worker loads are not those the run was created with.
    case taskChanged(run: String, detail: String)
    /// A unit's placement does not read back as the same text.
    case placementChanged(unit: String, read: String)
    /// Units still unmade after every allowed submission.
    case unmade(count: Int, attempts: Int, batch: String)
    /// `sbatch`, `squeue` or a worker process could not be started, or refused.
    case scheduler(command: String, detail: String)

    public var description: String {
        switch self {
        case let .unwritable(path, reason):
            "cannot write \(path): \(reason); the run's folder must be writable (on Slurm: by the coordinator and every node)"
        case let .unreadable(path, reason):
            "cannot read the batch file \(path): \(reason)"
        case let .noSuchTask(task, attempt, tasks):
            "attempt \(attempt) of this batch has tasks 0...\(tasks - 1), not \(task)"
        case let .taskChanged(run, detail):
            "the task's files are not those run \(run) was created with (\(detail)); every worker must see the same model and data "
                + "files, at the same paths"
        case let .placementChanged(unit, read):
            "the work unit's placement '\(unit)' reads back as '\(read)': it was written by another version"
        case let .unmade(count, attempts, batch):
            "\(count) evaluation\(count == 1 ? "" : "s") still unmade after \(attempts) submission\(attempts == 1 ? "" : "s") "
                + "(workers failed, timed out or were preempted); their logs are in \(batch)/logs. Fix the cause and resume the run "
                + "(--resume): every stored evaluation is kept"
        case let .scheduler(command, detail):
            "\(command) failed: \(detail)"
        }
    }
}
