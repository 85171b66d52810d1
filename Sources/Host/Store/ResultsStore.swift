import Foundation
import GRDB

/// The results of every run, in one SQLite file: runs, probes, scores,
/// evaluations, plugin state and artefacts (issue 6).
///
/// Each call that writes is one committed transaction before it returns, so
/// a process killed right after a save loses nothing it saved (PLUGIN_ABI.md
/// rule 12). The journal is WAL with `synchronous = FULL`: NORMAL would
/// already survive a killed process (the commit is in the WAL, in the OS's
/// cache), but FULL also survives a power cut or an OS crash, for one fsync
/// per commit — milliseconds, against an evaluation that took seconds to
/// minutes of training and would otherwise have to be redone.
///
/// Thread-safe: one `DatabaseQueue` serialises every access, so strategies
/// may save evaluations from parallel threads. Other processes (`runs show`
/// while a search runs) read the same file concurrently thanks to WAL, and
/// wait up to `busyTimeout` for a write lock.
public final class ResultsStore: Sendable {
    /// The environment variable naming the store file.
    public static let environmentVariable = "ADAPTER_SEARCH_STORE"
    /// The store used when none is named, relative to the current directory.
    public static let defaultRelativePath = "runs/results.sqlite"
    /// How long a write waits for another process's lock before failing.
    public static let busyTimeout: TimeInterval = 30

    /// The store file, as given.
    public let path: String
    private let queue: DatabaseQueue

    /// The store file to use: `$ADAPTER_SEARCH_STORE` when set and not empty,
    /// else `runs/results.sqlite` relative to the current directory.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment[environmentVariable], !path.isEmpty { return path }
        return defaultRelativePath
    }

    /// Opens the store at `path`, creating its folders, the file and the
    /// schema when `create` is true and it is missing (`create: false` throws
    /// `StoreError.noStore` instead), and bringing an older schema up to date.
    /// A file that is not a results store — not SQLite, corrupt, another
    /// program's database, or a newer schema — throws a `StoreError` naming it.
    public init(path: String, create: Bool = true) throws(StoreError) {
        self.path = path
        if path.hasSuffix("/") {
            throw .cannotOpen(path: path, reason: "the path ends with '/': name the store file itself (e.g. \(path)results.sqlite)")
        }
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        if exists && isFolder.boolValue { throw .cannotOpen(path: path, reason: "it is a folder") }
        if !exists {
            guard create else { throw .noStore(path: path) }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw .cannotOpen(path: path, reason: "cannot create the folder \(folder.path): \(error.localizedDescription)")
            }
        }

        if exists { try Self.checkLength(path) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.prepareDatabase { db in
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            guard mode?.lowercased() == "wal" else {
                throw StoreError.cannotOpen(path: path, reason: "SQLite cannot use a WAL journal there (journal mode \(mode ?? "?"))")
            }
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw Self.storeError(error, path: path)
        }
        try checkAndMigrate()
    }

    /// Refuses files that are not results stores, then applies the
    /// migrations this store lacks.
    private func checkAndMigrate() throws(StoreError) {
        let path = self.path
        try perform {
            try queue.read { db in
                let application = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                // GRDB's own table alone: a new store another process is creating right now.
                let objects = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE tbl_name != 'grdb_migrations'") ?? 0
                if application != StoreSchema.applicationID {
                    if application != 0 {
                        throw StoreError.notAResultsStore(
                            path: path, reason: "another program's SQLite database, application id \(application)")
                    }
                    if objects > 0 {
                        throw StoreError.notAResultsStore(path: path, reason: "an SQLite database with other tables")
                    }
                }
                let problems = try String.fetchAll(db, sql: "PRAGMA quick_check")
                guard problems == ["ok"] else {
                    throw StoreError.notAResultsStore(path: path, reason: "corrupt: " + problems.prefix(3).joined(separator: "; "))
                }
                let unknown = try StoreSchema.migrator.appliedIdentifiers(db).subtracting(StoreSchema.migrator.migrations)
                if !unknown.isEmpty { throw StoreError.newerStore(path: path, unknownMigrations: unknown.sorted()) }
            }
            try migrateAlongsideOtherProcesses()
        }
    }

    /// Applies the missing migrations. Another process opening the same new
    /// store at the same moment may apply one first (GRDB reads which are
    /// applied outside each migration's transaction): our attempt then fails
    /// and rolls back, and we go on from what the other process applied.
    /// A failure while no other process made progress is rethrown.
    private func migrateAlongsideOtherProcesses() throws {
        while true {
            let before = try queue.read { try StoreSchema.migrator.appliedIdentifiers($0) }
            do {
                return try StoreSchema.migrator.migrate(queue)
            } catch {
                let after = try queue.read { try StoreSchema.migrator.appliedIdentifiers($0) }
                guard after.count > before.count else { throw error }
            }
        }
    }

    /// Throws `damaged` when the file at `path` is shorter than SQLite's
    /// header says, or not a whole number of pages: a truncated store, whose
    /// last rows SQLite would silently read as missing or as zeros. Checked
    /// only while no write-ahead log holds pages beyond the file.
    private static func checkLength(_ path: String) throws(StoreError) {
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        guard wal == 0, let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 100), header.count == 100,
              header.starts(with: Array("SQLite format 3\u{0}".utf8)),
              let size = try? handle.seekToEnd() else { return }
        func word(_ offset: Int) -> Int { header[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) } }
        let rawPageSize = Int(header[16]) << 8 | Int(header[17]), pageSize = rawPageSize == 1 ? 65536 : rawPageSize
        guard pageSize >= 512 else { return }  // not a page size: quick_check will say what is wrong
        let pages = word(28), headerIsCurrent = word(24) == word(92)
        if Int(size) % pageSize != 0 || headerIsCurrent && Int(size) < pages * pageSize {
            throw .damaged(path: path, run: nil, detail: "the file is \(size) bytes, but its header describes \(pages) pages of "
                           + "\(pageSize) bytes (\(pages * pageSize)): it was truncated")
        }
    }

    /// What `check()` found: every damaged row, by run where it has one.
    public struct CheckReport: Sendable {
        /// Damaged rows (and file-level problems, with no run).
        public var problems: [(run: String?, detail: String)]
        /// Rows whose checksums were verified.
        public var rowsChecked: Int
    }

    /// Verifies the whole store: SQLite's integrity check, then every row's
    /// checksum. Unlike reads, it does not stop at the first damaged row.
    public func check() throws(StoreError) -> CheckReport {
        try read { db in
            var problems: [(run: String?, detail: String)] = []
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            if integrity != ["ok"] { problems += integrity.map { (nil, "SQLite integrity check: \($0)") } }
            let setRuns = Dictionary(try Row.fetchAll(db, sql: "SELECT id, run FROM score_sets").map { ($0["id"] as Int64, $0["run"] as String) },
                                     uniquingKeysWith: { first, _ in first })
            var checked = 0
            for table in RowChecksum.tables {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table.name)") {
                    checked += 1
                    guard let damage = RowChecksum.damage(row, of: table) else { continue }
                    let run: String? = switch table.name {
                    case "runs": row["id"]
                    case "scores": setRuns[row["score_set"]]
                    default: row["run"]
                    }
                    problems.append((run, damage))
                }
            }
            return CheckReport(problems: problems, rowsChecked: checked)
        }
    }

    /// Closes the file; any later call fails.
    public func close() throws(StoreError) {
        try perform { try queue.close() }
    }

    // MARK: Runs

    /// Creates a run with status `running`, owned by this process, and a new short id.
    public func createRun(command: String, configuration: String, versions: String, seed: UInt64) throws(StoreError) -> RunRecord {
        try Self.requireJSON(configuration, "the run configuration")
        try Self.requireJSON(versions, "the run versions")
        let createdAt = Self.storedDate(Date())
        return try write { db in
            var id = Self.newRunID()
            while try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)", arguments: [id]) == true {
                id = Self.newRunID()
            }
            try db.execute(
                sql: """
                    INSERT INTO runs (id, command, created_at, status, configuration, versions, seed, outcome, owner, heartbeat_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
                    """,
                arguments: [id, command, createdAt.timeIntervalSince1970, RunStatus.running.rawValue, configuration,
                            versions, Int64(bitPattern: seed), try jsonText(RunOwner.current), createdAt.timeIntervalSince1970])
            try RowChecksum.stamp(db, RowChecksum.runs, where: "id = ?", [id])
            return RunRecord(id: id, command: command, createdAt: createdAt, status: .running,
                             configuration: configuration, versions: versions, seed: seed, outcome: nil, owner: .current,
                             heartbeatAt: createdAt)
        }
    }

    /// Stores a copy of another store's run `record` under its own id, unless
    /// this store has a run of that id: a worker's shard store holds the row
    /// of the run it works for.
    public func adoptRun(_ record: RunRecord) throws(StoreError) {
        try Self.requireJSON(record.configuration, "the run configuration")
        try Self.requireJSON(record.versions, "the run versions")
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)", arguments: [record.id]) == false else {
                return
            }
            try db.execute(
                sql: """
                    INSERT INTO runs (id, command, created_at, status, configuration, versions, seed, outcome, owner, heartbeat_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)
                    """,
                arguments: [record.id, record.command, Self.storedDate(record.createdAt).timeIntervalSince1970, record.status.rawValue,
                            record.configuration, record.versions, Int64(bitPattern: record.seed), record.outcome])
            try RowChecksum.stamp(db, RowChecksum.runs, where: "id = ?", [record.id])
        }
    }

    /// The run `id`; `StoreError.unknownRun` when there is none.
    public func run(_ id: String) throws(StoreError) -> RunRecord {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) else {
                throw StoreError.unknownRun(id: id, path: path)
            }
            return try runRecord(row)
        }
    }

    /// Every run, newest first.
    public func runs() throws(StoreError) -> [RunRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY created_at DESC, rowid DESC").map(runRecord)
        }
    }

    /// Every run with counts of its probes and evaluations, newest first;
    /// every row they are counted from is verified.
    public func summaries() throws(StoreError) -> [RunSummary] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY created_at DESC, rowid DESC").map { row in
                let run = try runRecord(row)
                let probes = try Row.fetchAll(db, sql: "SELECT * FROM probes WHERE run = ?", arguments: [run.id])
                try probes.forEach { try verified($0, RowChecksum.probes) }
                let evaluations = try Row.fetchAll(db, sql: "SELECT * FROM evaluations WHERE run = ?", arguments: [run.id])
                    .map { try Self.evaluationRecord(verified($0, RowChecksum.evaluations)) }
                return RunSummary(run: run, probes: probes.count, evaluations: evaluations.count,
                                  bestValidationAccuracy: evaluations.map(\.validationAccuracy).filter { !$0.isNaN }.max())
            }
        }
    }

    /// Sets the run's status and replaces its outcome (JSON; nil clears it).
    /// A running run is owned by this process from now on; any other status
    /// releases it.
    public func setStatus(run: String, _ status: RunStatus, outcome: String? = nil) throws(StoreError) {
        if let outcome { try Self.requireJSON(outcome, "the run outcome") }
        let owner = status == .running ? try? jsonText(RunOwner.current) : nil
        try write { db in
            try db.execute(sql: "UPDATE runs SET status = ?, outcome = ?, owner = ?, heartbeat_at = ? WHERE id = ?",
                           arguments: [status.rawValue, outcome, owner, Date().timeIntervalSince1970, run])
            if db.changesCount == 0 { throw StoreError.unknownRun(id: run, path: path) }
            try RowChecksum.stamp(db, RowChecksum.runs, where: "id = ?", [run])
        }
    }

    /// Says that this process, which owns the run, is still alive.
    public func heartbeat(run: String) throws(StoreError) {
        let owner = try? jsonText(RunOwner.current)
        try write { db in
            try db.execute(sql: "UPDATE runs SET heartbeat_at = ? WHERE id = ? AND owner = ?",
                           arguments: [Date().timeIntervalSince1970, run, owner])
        }
    }

    /// Replaces the run's configuration (JSON): only its execution settings
    /// may change, when a run is resumed in another way (the caller checks).
    public func setConfiguration(run: String, _ configuration: String) throws(StoreError) {
        try Self.requireJSON(configuration, "the run configuration")
        try write { db in
            try db.execute(sql: "UPDATE runs SET configuration = ? WHERE id = ?", arguments: [configuration, run])
            if db.changesCount == 0 { throw StoreError.unknownRun(id: run, path: path) }
            try RowChecksum.stamp(db, RowChecksum.runs, where: "id = ?", [run])
        }
    }

    // MARK: Probes and scores

    /// Records a probe pass of the run and returns its number.
    public func addProbe(run: String, seed: UInt64, examples: Int, head: String, loss: Double, seconds: Double) throws(StoreError) -> Int64 {
        try write { db in
            try requireRun(db, run)
            try db.execute(
                sql: "INSERT INTO probes (run, seed, examples, head, loss, seconds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [run, Int64(bitPattern: seed), examples, head, Self.real(loss), seconds,
                            Self.storedDate(Date()).timeIntervalSince1970])
            let id = db.lastInsertedRowID
            try RowChecksum.stamp(db, RowChecksum.probes, where: "id = ?", [id])
            return id
        }
    }

    /// The run's probes, in the order they were added.
    public func probes(run: String) throws(StoreError) -> [ProbeRecord] {
        try read { db in
            try requireRun(db, run)
            return try Row.fetchAll(db, sql: "SELECT * FROM probes WHERE run = ? ORDER BY id", arguments: [run]).map { row in
                try verified(row, RowChecksum.probes)
                return ProbeRecord(id: row["id"], run: row["run"], seed: UInt64(bitPattern: row["seed"]), examples: row["examples"],
                            head: row["head"], loss: Self.double(row["loss"]), seconds: row["seconds"],
                            createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }

    /// Stores the scores metric `metric` (direction +1 higher-is-better, -1
    /// lower) gave the edges on probe `probe`, all in one transaction. A
    /// second save of the same (probe, metric) is refused; so is an edge
    /// listed twice. NaN scores are kept as NaN.
    public func saveScores(run: String, probe: Int64, metric: String, direction: Int32,
                    scores: [(source: Int, target: Int, value: Double)]) throws(StoreError) {
        var seen = Set<[Int]>()
        for score in scores where !seen.insert([score.source, score.target]).inserted {
            throw .invalidArgument("the \(metric) scores list edge \(score.source)>\(score.target) twice")
        }
        try write { db in
            try requireProbe(db, run, probe)
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM score_sets WHERE probe = ? AND metric = ?)",
                                 arguments: [probe, metric]) == true {
                throw StoreError.duplicateScores(run: run, probe: probe, metric: metric, path: path)
            }
            try db.execute(sql: "INSERT INTO score_sets (run, probe, metric, direction, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [run, probe, metric, direction, Date().timeIntervalSince1970])
            let set = db.lastInsertedRowID
            let insert = try db.makeStatement(sql: "INSERT INTO scores (score_set, source, target, value) VALUES (?, ?, ?, ?)")
            for score in scores {
                try insert.execute(arguments: [set, score.source, score.target, Self.real(score.value)])
            }
            try RowChecksum.stamp(db, RowChecksum.scoreSets, where: "id = ?", [set])
            try RowChecksum.stamp(db, RowChecksum.scores, where: "score_set = ?", [set])
        }
    }

    /// The scores metric `metric` gave on probe `probe`, in source-major
    /// order (the order of `Edge.all`); nil when none are stored.
    public func scores(run: String, probe: Int64, metric: String) throws(StoreError) -> [(source: Int, target: Int, value: Double)]? {
        try read { db in
            try requireProbe(db, run, probe)
            guard let setRow = try Row.fetchOne(db, sql: "SELECT * FROM score_sets WHERE run = ? AND probe = ? AND metric = ?",
                                                arguments: [run, probe, metric]) else { return nil }
            let set: Int64 = try verified(setRow, RowChecksum.scoreSets)["id"]
            return try Row.fetchAll(db, sql: "SELECT * FROM scores WHERE score_set = ? ORDER BY source, target",
                                    arguments: [set]).map { row in
                try verified(row, RowChecksum.scores)
                return (source: row["source"], target: row["target"], value: Self.double(row["value"]))
            }
        }
    }

    /// Which metrics' scores the run holds, per probe, in the order saved.
    public func scoreSets(run: String) throws(StoreError) -> [ScoreSetRecord] {
        try read { db in
            try requireRun(db, run)
            return try Row.fetchAll(db, sql: """
                SELECT score_sets.*, (SELECT count(*) FROM scores WHERE scores.score_set = score_sets.id) AS edges
                FROM score_sets WHERE run = ? ORDER BY id
                """, arguments: [run]).map { row in
                try verified(row, RowChecksum.scoreSets)
                return ScoreSetRecord(probe: row["probe"], metric: row["metric"], direction: row["direction"], count: row["edges"])
            }
        }
    }

    // MARK: Evaluations

    /// The evaluation of `placement` (canonical text) under `budget`
    /// (canonical key) in the run, or nil when it has not been evaluated.
    public func evaluation(run: String, placement: String, budget: String) throws(StoreError) -> EvaluationRecord? {
        try read { db in
            try requireRun(db, run)
            return try Row.fetchOne(db, sql: "SELECT * FROM evaluations WHERE run = ? AND placement = ? AND budget = ?",
                                    arguments: [run, placement, budget]).map { try Self.evaluationRecord(verified($0, RowChecksum.evaluations)) }
        }
    }

    /// The first stored evaluation, in any run, whose figures `key`
    /// determines (`EvaluationIdentity`), or nil: the evaluation cache. One
    /// that was tested (or diverged) comes before one that was not.
    public func cachedEvaluation(key: String) throws(StoreError) -> EvaluationRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM evaluations WHERE cache_key = ? "
                                 + "ORDER BY (test_accuracy IS NULL AND failure IS NULL), id LIMIT 1", arguments: [key])
                .map { try Self.evaluationRecord(verified($0, RowChecksum.evaluations)) }
        }
    }

    /// Stores an evaluation, committed before this returns. A second save of
    /// the same (run, placement, budget) throws `StoreError.duplicateEvaluation`.
    public func saveEvaluation(_ record: EvaluationRecord) throws(StoreError) {
        guard !record.placement.isEmpty, !record.budget.isEmpty else {
            throw .invalidArgument("an evaluation needs a placement and a budget key (placement '\(record.placement)', budget '\(record.budget)')")
        }
        try write { db in
            try requireRun(db, record.run)
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM evaluations WHERE run = ? AND placement = ? AND budget = ?)",
                                 arguments: [record.run, record.placement, record.budget]) == true {
                throw StoreError.duplicateEvaluation(run: record.run, placement: record.placement, budget: record.budget, path: path)
            }
            try db.execute(
                sql: """
                    INSERT INTO evaluations (run, placement, budget, validation_accuracy, validation_loss, test_accuracy,
                                             parameters, seconds, created_at, failure, cache_key, cached_from)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [record.run, record.placement, record.budget, Self.real(record.validationAccuracy),
                            Self.real(record.validationLoss), record.testAccuracy.flatMap(Self.real), record.parameters,
                            record.seconds, record.createdAt.timeIntervalSince1970, record.failure, record.cacheKey,
                            record.cachedFrom])
            try RowChecksum.stamp(db, RowChecksum.evaluations, where: "id = ?", [db.lastInsertedRowID])
        }
    }

    /// Stores an evaluation just made: a new one is saved; one the run
    /// already holds keeps its figures and gains the test accuracy it
    /// lacked (a placement validated while a strategy searched, tested once
    /// chosen). The same computation gives the same figures, so nothing
    /// stored is replaced.
    public func saveOrComplete(_ record: EvaluationRecord) throws(StoreError) {
        guard let stored = try evaluation(run: record.run, placement: record.placement, budget: record.budget) else {
            return try saveEvaluation(record)
        }
        if stored.testAccuracy == nil, stored.failure == nil, let test = record.testAccuracy {
            try saveTestAccuracy(test, run: record.run, placement: record.placement, budget: record.budget)
        }
    }

    /// Adds the test accuracy to a stored evaluation that has none: a
    /// strategy validates placements; the one it chooses is then tested.
    /// A test accuracy is written once; a second one is refused.
    public func saveTestAccuracy(_ accuracy: Double, run: String, placement: String, budget: String) throws(StoreError) {
        try write { db in
            try requireRun(db, run)
            guard try Self.addTestAccuracy(accuracy, run: run, placement: placement, budget: budget, in: db) else {
                throw StoreError.invalidArgument("run \(run) has no untested evaluation of \(placement) under \(budget) to add a test accuracy to")
            }
        }
    }

    /// Gives the evaluation of `placement` under `budget` in `run` the test
    /// accuracy it lacks, and its new checksum; false when there is no such
    /// evaluation without one (a diverged training never gets one).
    static func addTestAccuracy(_ accuracy: Double, run: String, placement: String, budget: String, in db: Database) throws -> Bool {
        try db.execute(sql: "UPDATE evaluations SET test_accuracy = ? WHERE run = ? AND placement = ? AND budget = ? "
                           + "AND test_accuracy IS NULL AND failure IS NULL",
                       arguments: [real(accuracy), run, placement, budget])
        guard db.changesCount > 0 else { return false }
        try RowChecksum.stamp(db, RowChecksum.evaluations, where: "run = ? AND placement = ? AND budget = ?", [run, placement, budget])
        return true
    }

    /// The run's evaluations, in the order they were saved.
    public func evaluations(run: String) throws(StoreError) -> [EvaluationRecord] {
        try read { db in
            try requireRun(db, run)
            return try Row.fetchAll(db, sql: "SELECT * FROM evaluations WHERE run = ? ORDER BY id", arguments: [run])
                .map { try Self.evaluationRecord(verified($0, RowChecksum.evaluations)) }
        }
    }

    // MARK: Plugin state and artefacts

    /// Stores plugin `plugin`'s state for the run, replacing earlier state.
    public func saveState(run: String, plugin: String, state: [UInt8]) throws(StoreError) {
        try write { db in
            try requireRun(db, run)
            try db.execute(
                sql: """
                    INSERT INTO states (run, plugin, state, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (run, plugin) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                    """,
                arguments: [run, plugin, Data(state), Date().timeIntervalSince1970])
            try RowChecksum.stamp(db, RowChecksum.states, where: "run = ? AND plugin = ?", [run, plugin])
        }
    }

    /// Plugin `plugin`'s last saved state for the run, or nil.
    public func state(run: String, plugin: String) throws(StoreError) -> [UInt8]? {
        try read { db in
            try requireRun(db, run)
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM states WHERE run = ? AND plugin = ?",
                                             arguments: [run, plugin]) else { return nil }
            try verified(row, RowChecksum.states)
            // SQLite may hold an empty blob as NULL.
            return (row["state"] as Data?).map { [UInt8]($0) } ?? []
        }
    }

    /// Records a file the run wrote; a second artefact of the same name
    /// replaces the path and keeps its place in the list.
    public func addArtefact(run: String, name: String, path artefactPath: String) throws(StoreError) {
        try write { db in
            try requireRun(db, run)
            try db.execute(
                sql: """
                    INSERT INTO artefacts (run, name, path, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (run, name) DO UPDATE SET path = excluded.path
                    """,
                arguments: [run, name, artefactPath, Date().timeIntervalSince1970])
            try RowChecksum.stamp(db, RowChecksum.artefacts, where: "run = ? AND name = ?", [run, name])
        }
    }

    /// The run's artefacts, in the order they were first added.
    public func artefacts(run: String) throws(StoreError) -> [(name: String, path: String)] {
        try read { db in
            try requireRun(db, run)
            return try Row.fetchAll(db, sql: "SELECT * FROM artefacts WHERE run = ? ORDER BY id", arguments: [run]).map { row in
                try verified(row, RowChecksum.artefacts)
                return (name: row["name"], path: row["path"])
            }
        }
    }

    /// The run's plugin state as the `CheckpointStore` plugins use, under `scope` when given.
    public func checkpoints(run: String, scope: String? = nil) throws(StoreError) -> StoreCheckpoints {
        _ = try self.run(run)
        return StoreCheckpoints(store: self, run: run, scope: scope)
    }

    // MARK: Helpers

    /// Runs `body` in one write transaction, committed before this returns.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        try perform { try queue.write(body) }
    }

    /// Runs `body` in one read transaction.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        try perform { try queue.read(body) }
    }

    /// Runs `body`, turning every error into a `StoreError` naming the file.
    private func perform<T>(_ body: () throws -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    /// Throws `unknownRun` unless the run exists.
    private func requireRun(_ db: Database, _ run: String) throws {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)", arguments: [run]) == true else {
            throw StoreError.unknownRun(id: run, path: path)
        }
    }

    /// Throws unless the run exists and has probe `probe`.
    private func requireProbe(_ db: Database, _ run: String, _ probe: Int64) throws {
        try requireRun(db, run)
        guard try String.fetchOne(db, sql: "SELECT run FROM probes WHERE id = ?", arguments: [probe]) == run else {
            throw StoreError.unknownProbe(run: run, probe: probe, path: path)
        }
    }

    /// A `StoreError` for any error of an operation on the store at `path`.
    public static func storeError(_ error: any Error, path: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? DatabaseError else { return .database(path: path, message: "\(error)") }
        let message = error.message ?? "\(error)"
        switch error.resultCode {
        case .SQLITE_NOTADB: return .notAResultsStore(path: path, reason: "not an SQLite database")
        case .SQLITE_CORRUPT: return .notAResultsStore(path: path, reason: "corrupt: \(message)")
        case .SQLITE_CANTOPEN: return .cannotOpen(path: path, reason: message)
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            return .cannotOpen(path: path, reason: "it cannot be written (\(message)); check the file's permissions")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .database(path: path, message: "another process kept it locked for over \(Int(busyTimeout)) s (\(message))")
        case .SQLITE_FULL: return .database(path: path, message: "the disk is full (\(message))")
        default: return .database(path: path, message: message)
        }
    }

    /// Throws unless `text` parses as JSON.
    private static func requireJSON(_ text: String, _ what: String) throws(StoreError) {
        guard (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil else {
            throw .invalidArgument("\(what) is not valid JSON: \(text.prefix(80))")
        }
    }

    /// A new run id: "r" and six random base-36 characters.
    private static func newRunID() -> String {
        let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        return "r" + String((0..<6).map { _ in digits[Int.random(in: 0..<digits.count)] })
    }

    /// `date` as it reads back from the store (Unix seconds, a Double).
    private static func storedDate(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970)
    }

    /// A Double for a REAL column: NaN as NULL, which SQLite would store anyway.
    private static func real(_ value: Double) -> Double? {
        value.isNaN ? nil : value
    }

    /// A REAL column's value, NULL as NaN.
    private static func double(_ value: Double?) -> Double {
        value ?? .nan
    }

    /// `row` of `table`, once its checksum is verified.
    @discardableResult
    func verified(_ row: Row, _ table: RowChecksum.Table) throws -> Row {
        try RowChecksum.verify(row, of: table, path: path)
        return row
    }

    /// A `RunRecord` from a verified row of `runs`.
    private func runRecord(_ row: Row) throws -> RunRecord {
        try verified(row, RowChecksum.runs)
        let status: String = row["status"]
        guard let runStatus = RunStatus(rawValue: status) else {
            throw StoreError.invalidArgument("run \(row["id"] as String) has an unknown status '\(status)'")
        }
        let owner = (row["owner"] as String?).flatMap { try? JSONDecoder().decode(RunOwner.self, from: Data($0.utf8)) }
        return RunRecord(id: row["id"], command: row["command"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                         status: runStatus, configuration: row["configuration"], versions: row["versions"],
                         seed: UInt64(bitPattern: row["seed"]), outcome: row["outcome"], owner: owner,
                         heartbeatAt: (row["heartbeat_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    /// An `EvaluationRecord` from a row of `evaluations`.
    private static func evaluationRecord(_ row: Row) -> EvaluationRecord {
        EvaluationRecord(run: row["run"], placement: row["placement"], budget: row["budget"],
                         validationAccuracy: double(row["validation_accuracy"]), validationLoss: double(row["validation_loss"]),
                         testAccuracy: row["test_accuracy"], parameters: row["parameters"], seconds: row["seconds"],
                         createdAt: Date(timeIntervalSince1970: row["created_at"]), failure: row["failure"],
                         cacheKey: row["cache_key"], cachedFrom: row["cached_from"])
    }
}
