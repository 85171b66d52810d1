import Foundation
import GRDB

/// What merging one results store into another added, and what it found
/// already there (`ResultsStore.merge(from:)`).
public struct MergeReport: Equatable, Sendable, Encodable {
    /// The store merged in, as its path was given.
    public var shard: String
    /// Runs the target lacked, copied whole.
    public var runsAdded = 0
    /// Evaluations the target lacked.
    public var evaluationsAdded = 0
    /// Evaluations the target already held (same run, placement and budget), left as they were.
    public var evaluationsPresent = 0
    /// Evaluations here without a test accuracy that gained the shard's.
    public var testAccuraciesAdded = 0
    /// Probes the target lacked (none of the run's probes had the same seed, examples and head).
    public var probesAdded = 0
    /// Metrics' scores on a probe that the target lacked, each with all its scores.
    public var scoreSetsAdded = 0
    /// Plugin states the target lacked (by run and plugin).
    public var statesAdded = 0
    /// Artefacts the target lacked (by run and name).
    public var artefactsAdded = 0

    /// The JSON keys, snake_case like every other output of the tool.
    public enum CodingKeys: String, CodingKey {
        case shard
        case runsAdded = "runs_added", evaluationsAdded = "evaluations_added", evaluationsPresent = "evaluations_present",
             testAccuraciesAdded = "test_accuracies_added"
        case probesAdded = "probes_added", scoreSetsAdded = "score_sets_added", statesAdded = "states_added"
        case artefactsAdded = "artefacts_added"
    }

    /// One line: "3 evaluations added, 1 already present, 1 run, 2 probes,
    /// 1 score set, 0 plugin states and 1 artefact added".
    public var summary: String {
        func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }
        return "\(count(evaluationsAdded, "evaluation")) added, \(evaluationsPresent) already present, \(count(runsAdded, "run")), "
            + "\(count(probesAdded, "probe")), \(count(scoreSetsAdded, "score set")), \(count(statesAdded, "plugin state")) "
            + "and \(count(artefactsAdded, "artefact")) added"
            + (testAccuraciesAdded > 0 ? "; \(count(testAccuraciesAdded, "evaluation")) here given a test accuracy" : "")
    }
}

extension ResultsStore {
    /// Copies into this store what `other` (a shard: a worker's own store)
    /// holds and this one lacks, in one transaction; merging the same shard
    /// again, or one overlapping it, adds nothing twice.
    ///
    /// Every row of `other` is verified first: a damaged shard throws
    /// `StoreError.damaged` naming it, and nothing is merged. A run this
    /// store lacks is copied as it is (with no owner); a run it holds keeps
    /// its row. A probe is the run's probe with the same seed, examples and
    /// head, else a new one: score sets follow their probe's number in this
    /// store. A score set (probe, metric), an evaluation (run, placement,
    /// budget), a plugin state (run, plugin) and an artefact (run, name)
    /// already here are kept; the others are copied, as stored.
    public func merge(from other: ResultsStore) throws(StoreError) -> MergeReport {
        guard !Self.sameFile(path, other.path) else {
            throw .invalidArgument("cannot merge the results store \(other.path) into itself (\(path)): name a shard, "
                                   + "and the store it goes into with --store")
        }
        let shard = try other.read { db in try StoreRows(db, of: other) }
        return try write { db in
            var report = MergeReport(shard: other.path)
            report.runsAdded = try Self.copyMissing(shard.runs, of: RowChecksum.runs, matching: ["id"], into: db)
            var probes: [Int64: Int64] = [:]  // shard probe number -> this store's
            for probe in shard.probes {
                let copy = RowCopy(probe, of: RowChecksum.probes, replacing: ["id": .null])
                if let existing = try copy.match(["run", "seed", "examples", "head"], in: db) {
                    probes[probe["id"]] = existing
                } else {
                    probes[probe["id"]] = try copy.insert(into: db)
                    report.probesAdded += 1
                }
            }
            for set in shard.scoreSets {
                guard let probe = probes[set["probe"]] else {
                    throw StoreError.damaged(path: other.path, run: set["run"],
                                             detail: "score_sets row (id \(set["id"] as Int64)) names probe \(set["probe"] as Int64), "
                                                + "which the store does not hold")
                }
                let copy = RowCopy(set, of: RowChecksum.scoreSets, replacing: ["id": .null, "probe": probe.databaseValue])
                guard try copy.match(["probe", "metric"], in: db) == nil else { continue }
                let id = try copy.insert(into: db)
                for score in shard.scores[set["id"]] ?? [] {
                    try RowCopy(score, of: RowChecksum.scores, replacing: ["score_set": id.databaseValue]).insert(into: db)
                }
                report.scoreSetsAdded += 1
            }
            report.evaluationsAdded = try Self.copyMissing(shard.evaluations, of: RowChecksum.evaluations,
                                                           matching: ["run", "placement", "budget"], newID: true, into: db)
            report.evaluationsPresent = shard.evaluations.count - report.evaluationsAdded
            report.testAccuraciesAdded = try Self.completeTestAccuracies(shard.evaluations, into: db)
            report.statesAdded = try Self.copyMissing(shard.states, of: RowChecksum.states, matching: ["run", "plugin"], into: db)
            report.artefactsAdded = try Self.copyMissing(shard.artefacts, of: RowChecksum.artefacts, matching: ["run", "name"],
                                                         newID: true, into: db)
            return report
        }
    }

    /// Copies the `rows` of `table` that no row of the store matches on
    /// `columns`, each under a new id when `newID`; returns how many.
    private static func copyMissing(_ rows: [Row], of table: RowChecksum.Table, matching columns: [String], newID: Bool = false,
                                    into db: Database) throws -> Int {
        var copied = 0
        for row in rows {
            let copy = RowCopy(row, of: table, replacing: newID ? ["id": .null] : [:])
            guard try copy.match(columns, in: db) == nil else { continue }
            try copy.insert(into: db)
            copied += 1
        }
        return copied
    }

    /// Gives every evaluation of the store that has no test accuracy the one
    /// its copy among `rows` has (a placement tested after it was
    /// validated); returns how many.
    private static func completeTestAccuracies(_ rows: [Row], into db: Database) throws -> Int {
        try rows.count { row in
            guard let test = row["test_accuracy"] as Double? else { return false }
            return try addTestAccuracy(test, run: row["run"], placement: row["placement"], budget: row["budget"], in: db)
        }
    }

    /// Whether `first` and `second` name one file on disk: the same device
    /// and inode, however each path reaches it (relative, through links).
    private static func sameFile(_ first: String, _ second: String) -> Bool {
        func identity(_ path: String) -> [UInt64]? {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            return [UInt64(truncatingIfNeeded: info.st_dev), UInt64(truncatingIfNeeded: info.st_ino)]
        }
        guard let one = identity(first) else { return false }
        return one == identity(second)
    }
}

/// Every row of a store, each verified against its checksum: what a merge
/// copies from, read in one transaction.
private struct StoreRows {
    var runs: [Row]
    var probes: [Row]
    var scoreSets: [Row]
    /// The scores of each score set, by the set's id.
    var scores: [Int64: [Row]]
    var evaluations: [Row]
    var states: [Row]
    var artefacts: [Row]

    /// Reads every row of `store` through `db`, in the order they were written.
    init(_ db: Database, of store: ResultsStore) throws {
        func rows(_ table: RowChecksum.Table, orderedBy order: String = "rowid") throws -> [Row] {
            try Row.fetchAll(db, sql: "SELECT * FROM \(table.name) ORDER BY \(order)").map { try store.verified($0, table) }
        }
        runs = try rows(RowChecksum.runs)
        probes = try rows(RowChecksum.probes)
        scoreSets = try rows(RowChecksum.scoreSets)
        scores = Dictionary(grouping: try rows(RowChecksum.scores, orderedBy: "score_set, source, target")) { $0["score_set"] }
        evaluations = try rows(RowChecksum.evaluations)
        states = try rows(RowChecksum.states)
        artefacts = try rows(RowChecksum.artefacts)
    }
}

/// One row of another store, to be copied into this one: its checksummed
/// columns with their stored values, some replaced (an id replaced by NULL
/// is a new number SQLite gives the row). Other columns (a run's owner and
/// heartbeat) are left NULL.
private struct RowCopy {
    var table: RowChecksum.Table
    var values: [String: DatabaseValue]

    init(_ row: Row, of table: RowChecksum.Table, replacing replacements: [String: DatabaseValue] = [:]) {
        self.table = table
        values = Dictionary(uniqueKeysWithValues: table.columns.map { ($0, replacements[$0] ?? row[$0]) })
    }

    /// The rowid of the first row of the store whose `columns` hold this
    /// copy's values, or nil when there is none.
    func match(_ columns: [String], in db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT rowid FROM \(table.name) WHERE \(Self.condition(columns)) ORDER BY rowid LIMIT 1",
                           arguments: arguments(columns))
    }

    /// Inserts the row and stamps its checksum; returns its rowid (the new
    /// id of a row numbered on insert).
    @discardableResult
    func insert(into db: Database) throws -> Int64 {
        try db.execute(sql: "INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) "
                           + "VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", ")))",
                       arguments: arguments(table.columns))
        let rowID = db.lastInsertedRowID
        var inserted = self
        // Only an INTEGER PRIMARY KEY can be inserted as NULL: SQLite numbered it.
        for column in table.key where values[column] == .null { inserted.values[column] = rowID.databaseValue }
        try RowChecksum.stamp(db, table, where: Self.condition(table.key), inserted.arguments(table.key))
        return rowID
    }

    /// The values of `columns`, as statement arguments.
    private func arguments(_ columns: [String]) -> StatementArguments {
        StatementArguments(columns.map { values[$0] ?? .null })
    }

    /// SQL selecting the rows whose `columns` equal the arguments, in order.
    private static func condition(_ columns: [String]) -> String {
        columns.map { "\($0) = ?" }.joined(separator: " AND ")
    }
}
