/// Why `adapter-search report` cannot report a run.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    /// A `study` run without its outcome: it has not finished.
    case unfinishedStudy(run: String, status: RunStatus)
    /// A finished run whose stored outcome this version cannot read.
    case unreadableOutcome(run: String, reason: String)

    /// What is wrong and what to do about it.
    public var description: String {
        switch self {
        case let .unfinishedStudy(run, status):
            let state = switch status {
            case .running: "is still running, or its process stopped without saying so"
            case .interrupted: "was interrupted"
            case .failed: "failed"
            case .finished: "has finished but has no stored outcome"
            }
            return "run \(run) is a study that \(state): it has no results to report yet. Finish it with "
                + "`adapter-search study --resume \(run)` (with the same --store), then run `adapter-search report \(run)` again"
                + (status == .running ? "; if its process is still alive, wait for it to finish instead" : "")
        case let .unreadableOutcome(run, reason):
            return "run \(run) has a stored outcome this version cannot read (\(reason)); report it with the version that made it"
        }
    }
}
