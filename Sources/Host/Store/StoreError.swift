/// Why the results store refused or failed an operation. Every message
/// names the store file and says what the user can do about it.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The file or its folder cannot be opened or created.
    case cannotOpen(path: String, reason: String)
    /// There is no store at `path` and the command only reads one.
    case noStore(path: String)
    /// The file exists but is not a results store: not SQLite, corrupt, or
    /// another program's database.
    case notAResultsStore(path: String, reason: String)
    /// The store was written by a newer adapter-search, with schema
    /// migrations this one does not know.
    case newerStore(path: String, unknownMigrations: [String])
    /// No run has this id.
    case unknownRun(id: String, path: String)
    /// The run has no probe with this number.
    case unknownProbe(run: String, probe: Int64, path: String)
    /// This placement was already evaluated under this budget in this run.
    case duplicateEvaluation(run: String, placement: String, budget: String, path: String)
    /// Scores of this metric on this probe are already stored.
    case duplicateScores(run: String, probe: Int64, metric: String, path: String)
    /// The caller passed something the store cannot hold.
    case invalidArgument(String)
    /// A stored row no longer matches its checksum, or the file is shorter
    /// than SQLite's header says: the store was damaged on disk.
    case damaged(path: String, run: String?, detail: String)
    /// Any other SQLite failure: disk full, a lock held too long, I/O errors.
    case database(path: String, message: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            "cannot open the results store \(path): \(reason)"
        case let .noStore(path):
            "no results store at \(path): run a search first, or name a store with --store FILE "
                + "or $\(ResultsStore.environmentVariable)"
        case let .notAResultsStore(path, reason):
            "\(path) is not an adapter-search results store (\(reason)); name another file with --store FILE "
                + "or $\(ResultsStore.environmentVariable), or move this one away"
        case let .newerStore(path, unknownMigrations):
            "the results store \(path) was written by a newer adapter-search (schema "
                + "\(unknownMigrations.joined(separator: ", "))); use that version, or another store"
        case let .unknownRun(id, path):
            "no run '\(id)' in \(path); `adapter-search runs list` shows the runs there"
        case let .unknownProbe(run, probe, path):
            "run \(run) has no probe \(probe) in \(path); `adapter-search runs show \(run)` lists its probes"
        case let .duplicateEvaluation(run, placement, budget, path):
            "run \(run) already has an evaluation of placement '\(placement)' under budget '\(budget)' in \(path); "
                + "a placement is never evaluated twice in one run: read the stored result instead"
        case let .duplicateScores(run, probe, metric, path):
            "run \(run) already has \(metric) scores for probe \(probe) in \(path); read the stored scores instead"
        case let .invalidArgument(message):
            message
        case let .damaged(path, run, detail):
            "the results store \(path) is damaged\(run.map { " in run \($0)" } ?? ""): \(detail); its figures cannot be trusted. "
                + "`adapter-search runs check --store \(path)` lists every damaged run and row; restore the file from a backup"
        case let .database(path, message):
            "the results store \(path) failed: \(message)"
        }
    }
}
