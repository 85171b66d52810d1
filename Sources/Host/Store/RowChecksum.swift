import Foundation
import GRDB

/// A checksum in every stored row, so that a store damaged on disk (digits
/// changed inside a page, a row overwritten) is never read as if it were
/// fine: the store stamps each row it writes and verifies each row it reads.
/// The checksum is SHA-256 (first 16 bytes, hex) of the row's content
/// columns, in a fixed order, each with its exact stored value.
enum RowChecksum {
    /// A checksummed table: its content columns in checksum order, and the
    /// columns that identify one row.
    struct Table: Sendable {
        var name: String
        var columns: [String]
        var key: [String]
    }

    static let runs = Table(name: "runs", columns: ["id", "command", "created_at", "status", "configuration", "versions", "seed",
                                                    "outcome"], key: ["id"])
    static let probes = Table(name: "probes", columns: ["id", "run", "seed", "examples", "head", "loss", "seconds", "created_at"],
                              key: ["id"])
    static let scoreSets = Table(name: "score_sets", columns: ["id", "run", "probe", "metric", "direction", "created_at"], key: ["id"])
    static let scores = Table(name: "scores", columns: ["score_set", "source", "target", "value"], key: ["score_set", "source", "target"])
    static let evaluations = Table(name: "evaluations", columns: ["id", "run", "placement", "budget", "validation_accuracy",
                                                                  "validation_loss", "test_accuracy", "parameters", "seconds",
                                                                  "created_at", "failure", "cache_key", "cached_from"], key: ["id"])
    static let states = Table(name: "states", columns: ["run", "plugin", "state", "updated_at"], key: ["run", "plugin"])
    static let artefacts = Table(name: "artefacts", columns: ["id", "run", "name", "path", "created_at"], key: ["id"])

    /// Every checksummed table.
    static let tables = [runs, probes, scoreSets, scores, evaluations, states, artefacts]

    /// The checksum of `row`'s content columns of `table`.
    static func digest(_ row: Row, of table: Table) -> String {
        var text = ""
        for column in table.columns {
            text += column + "="
            switch (row[column] as DatabaseValue?)?.storage ?? .null {
            case .null: text += "null"
            case let .int64(value): text += "i:\(value)"
            case let .double(value): text += "d:" + String(value.bitPattern, radix: 16)
            case let .string(value): text += "s:\(value.utf8.count):" + value
            case let .blob(value): text += "b:" + value.map { String(format: "%02x", $0) }.joined()
            }
            text += "\n"
        }
        return String(ContentDigest.sha256(Array(text.utf8)).prefix(32))
    }

    /// Stamps the rows of `table` that `condition` (SQL over its columns,
    /// with `arguments`) selects with their checksums.
    static func stamp(_ db: Database, _ table: Table, where condition: String, _ arguments: StatementArguments) throws {
        let key = table.key.map { "\($0) = ?" }.joined(separator: " AND ")
        let update = try db.makeStatement(sql: "UPDATE \(table.name) SET checksum = ? WHERE \(key)")
        for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table.name) WHERE \(condition)", arguments: arguments) {
            try update.execute(arguments: StatementArguments([digest(row, of: table)] + table.key.map { row[$0] as DatabaseValue }))
        }
    }

    /// The damage in `row` of `table`, or nil when its checksum matches.
    static func damage(_ row: Row, of table: Table) -> String? {
        let stored: String? = row["checksum"]
        guard stored != digest(row, of: table) else { return nil }
        let key = table.key.map { "\($0) \((row[$0] as DatabaseValue?)?.description ?? "?")" }.joined(separator: ", ")
        return stored == nil ? "\(table.name) row (\(key)) has no checksum" : "\(table.name) row (\(key)) does not match its checksum"
    }

    /// Throws `StoreError.damaged` unless `row` of `table` matches its checksum.
    static func verify(_ row: Row, of table: Table, path: String) throws {
        if let damage = damage(row, of: table) {
            let run: String? = table.name == "runs" ? row["id"] : row["run"]
            throw StoreError.damaged(path: path, run: run, detail: damage)
        }
    }
}
