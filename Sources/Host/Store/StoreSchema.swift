import GRDB

/// The store's tables, as versioned migrations. A released migration is
/// never edited: a change to the schema is a new migration appended here.
public enum StoreSchema {
    /// `PRAGMA application_id` of every results store ("ASRS"): it tells a
    /// results store from another program's SQLite file.
    public static let applicationID: Int32 = 0x4153_5253

    /// The migrations, in order.
    public static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            // Dates are Unix seconds (REAL). A Double column holding NaN
            // reads back as NULL (SQLite stores NaN as NULL), so those
            // columns are nullable and NULL reads as NaN.
            try db.execute(sql: """
                CREATE TABLE runs (
                    id            TEXT PRIMARY KEY NOT NULL,
                    command       TEXT NOT NULL,
                    created_at    REAL NOT NULL,
                    status        TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),
                    configuration TEXT NOT NULL,
                    versions      TEXT NOT NULL,
                    seed          INTEGER NOT NULL,  -- the UInt64's bit pattern
                    outcome       TEXT
                );
                CREATE TABLE probes (
                    id         INTEGER PRIMARY KEY AUTOINCREMENT,
                    run        TEXT NOT NULL REFERENCES runs(id),
                    seed       INTEGER NOT NULL,
                    examples   INTEGER NOT NULL,
                    head       TEXT NOT NULL,
                    loss       REAL,
                    seconds    REAL NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE INDEX probes_by_run ON probes(run);
                CREATE TABLE score_sets (
                    id         INTEGER PRIMARY KEY AUTOINCREMENT,
                    run        TEXT NOT NULL REFERENCES runs(id),
                    probe      INTEGER NOT NULL REFERENCES probes(id),
                    metric     TEXT NOT NULL,
                    direction  INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    UNIQUE (probe, metric)
                );
                CREATE INDEX score_sets_by_run ON score_sets(run);
                CREATE TABLE scores (
                    score_set INTEGER NOT NULL REFERENCES score_sets(id),
                    source    INTEGER NOT NULL,
                    target    INTEGER NOT NULL,
                    value     REAL,
                    PRIMARY KEY (score_set, source, target)
                ) WITHOUT ROWID;
                CREATE TABLE evaluations (
                    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
                    run                 TEXT NOT NULL REFERENCES runs(id),
                    placement           TEXT NOT NULL,
                    budget              TEXT NOT NULL,
                    validation_accuracy REAL,
                    validation_loss     REAL,
                    test_accuracy       REAL,
                    parameters          INTEGER NOT NULL,
                    seconds             REAL NOT NULL,
                    created_at          REAL NOT NULL,
                    UNIQUE (run, placement, budget)
                );
                CREATE TABLE states (
                    run        TEXT NOT NULL REFERENCES runs(id),
                    plugin     TEXT NOT NULL,
                    state      BLOB,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (run, plugin)
                );
                CREATE TABLE artefacts (
                    id         INTEGER PRIMARY KEY AUTOINCREMENT,
                    run        TEXT NOT NULL REFERENCES runs(id),
                    name       TEXT NOT NULL,
                    path       TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    UNIQUE (run, name)
                );
                """)
        }
        // 0.7.0: runs keep a typed configuration instead of their command line.
        migrator.registerMigration("v2-typed-configurations") { db in
            for row in try Row.fetchAll(db, sql: "SELECT id, command, configuration FROM runs") {
                guard let converted = LegacyRunArguments.converted(configuration: row["configuration"], command: row["command"]) else {
                    continue
                }
                try db.execute(sql: "UPDATE runs SET configuration = ? WHERE id = ?", arguments: [converted, row["id"] as String])
            }
        }
        // 0.7.0: a checksum in every row, stamped on write and verified on read.
        migrator.registerMigration("v3-row-checksums") { db in
            for table in RowChecksum.tables {
                try db.execute(sql: "ALTER TABLE \(table.name) ADD COLUMN checksum TEXT")
                try RowChecksum.stamp(db, table, where: "1", [])
            }
        }
        // 0.7.0: the process carrying a run out, and its heartbeat (not checksummed: they change while it works).
        migrator.registerMigration("v4-run-owners") { db in
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN owner TEXT")
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN heartbeat_at REAL")
        }
        // 0.7.0: a placement whose training diverged is recorded with its reason instead of an accuracy.
        migrator.registerMigration("v5-diverged-evaluations") { db in
            try db.execute(sql: "ALTER TABLE evaluations ADD COLUMN failure TEXT")
            try RowChecksum.stamp(db, RowChecksum.evaluations, where: "1", [])
        }
        // 0.7.0: evaluations carry what determines them, so that any run reuses them (the evaluation cache).
        migrator.registerMigration("v6-evaluation-cache") { db in
            try db.execute(sql: "ALTER TABLE evaluations ADD COLUMN cache_key TEXT")
            try db.execute(sql: "ALTER TABLE evaluations ADD COLUMN cached_from TEXT")
            try db.execute(sql: "CREATE INDEX evaluations_by_cache_key ON evaluations(cache_key)")
            try RowChecksum.stamp(db, RowChecksum.evaluations, where: "1", [])
        }
        return migrator
    }()
}
