import Foundation

/// The folder of one batch of work units, on the file system the workers
/// share with the coordinator: `<store folder>/<run>/batches/<digest>/`.
///
///     work.json                        the run (a copy of its row) and the units
///     attempt-A.json                   which units each worker task of attempt A makes
///     attempt-A.job                    the Slurm job of attempt A, while it is followed
///     attempt-A.sbatch                 its batch script
///     shards/attempt-A-task-T.sqlite   the results store task T writes (nothing else writes it)
///     logs/attempt-A-task-T.log        what task T printed
///
/// The folder's name is a digest of the units, so a resumed run finds the
/// folder of the same batch again, whichever executor made it.
struct WorkBatch: Sendable {
    /// The folder.
    let folder: URL

    /// What every worker of the batch reads: the run and the units.
    struct Work: Codable, Sendable {
        /// The layout of this file.
        var format = 1
        var run: RunCopy
        var units: [WorkUnit]
    }

    /// A run's row, as a worker copies it into its shard store.
    struct RunCopy: Codable, Sendable {
        var id: String
        var command: String
        var createdAt: Date
        var configuration: String
        var versions: String
        var seed: UInt64

        init(_ record: RunRecord) {
            (id, command, createdAt, configuration, versions, seed) =
                (record.id, record.command, record.createdAt, record.configuration, record.versions, record.seed)
        }

        /// The row, as a run that is running.
        var record: RunRecord {
            RunRecord(id: id, command: command, createdAt: createdAt, status: .running, configuration: configuration, versions: versions,
                      seed: seed, outcome: nil, owner: nil, heartbeatAt: nil)
        }
    }

    /// The folder holding every batch of `run` of `store`.
    static func batchesFolder(store: ResultsStore, run: String) -> URL {
        URL(fileURLWithPath: store.path).deletingLastPathComponent().appendingPathComponent(run).appendingPathComponent("batches")
    }

    /// The batch of `units` for `run`: its folder is created and `work.json`
    /// written unless they exist.
    static func prepare(_ units: [WorkUnit], run: RunRecord, store: ResultsStore) throws -> WorkBatch {
        let text = units.map { "\($0.placement)|\($0.steps)|\($0.examples)|\($0.tests)|\($0.out ?? "")" }.joined(separator: "\n")
        let name = String(ContentDigest.sha256(Array(text.utf8)).prefix(16))
        let batch = WorkBatch(folder: batchesFolder(store: store, run: run.id).appendingPathComponent(name))
        try batch.createFolders()
        if !FileManager.default.fileExists(atPath: batch.workFile.path) {
            try batch.write(Work(run: RunCopy(run), units: units), to: batch.workFile)
        }
        return batch
    }

    /// Creates the folder and its `shards` and `logs` folders.
    func createFolders() throws {
        for sub in ["shards", "logs"] {
            do {
                try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
            } catch {
                throw WorkError.unwritable(path: folder.appendingPathComponent(sub).path, reason: error.localizedDescription)
            }
        }
    }

    var workFile: URL { folder.appendingPathComponent("work.json") }

    /// The units file of `attempt`.
    func attemptFile(_ attempt: Int) -> URL { folder.appendingPathComponent("attempt-\(attempt).json") }
    /// Where the Slurm job of `attempt` is written down while it is followed.
    func jobFile(_ attempt: Int) -> URL { folder.appendingPathComponent("attempt-\(attempt).job") }
    /// The batch script of `attempt`.
    func scriptFile(_ attempt: Int) -> URL { folder.appendingPathComponent("attempt-\(attempt).sbatch") }
    /// The shard store task `task` of `attempt` writes.
    func shard(attempt: Int, task: Int) -> String { folder.appendingPathComponent("shards/attempt-\(attempt)-task-\(task).sqlite").path }
    /// The log of task `task` of `attempt`.
    func log(attempt: Int, task: Int) -> String { folder.appendingPathComponent("logs/attempt-\(attempt)-task-\(task).log").path }

    /// The run and the units.
    func work() throws -> Work { try read(Work.self, from: workFile) }

    /// The unit indices of each task of `attempt`.
    func tasks(attempt: Int) throws -> [[Int]] { try read([[Int]].self, from: attemptFile(attempt)) }

    /// Writes which units each task of a new attempt makes; returns the attempt's number.
    func addAttempt(tasks: [[Int]]) throws -> Int {
        var attempt = 1
        while FileManager.default.fileExists(atPath: attemptFile(attempt).path) { attempt += 1 }
        try write(tasks, to: attemptFile(attempt))
        return attempt
    }

    /// Every shard store in the folder.
    func shards() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("shards").path)) ?? []
        return names.filter { $0.hasSuffix(".sqlite") }.sorted().map { folder.appendingPathComponent("shards/\($0)").path }
    }

    private func write(_ value: some Encodable, to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        do {
            try encoder.encode(value).write(to: file, options: .atomic)
        } catch {
            throw WorkError.unwritable(path: file.path, reason: error.localizedDescription)
        }
    }

    private func read<T: Decodable>(_ type: T.Type, from file: URL) throws -> T {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw WorkError.unreadable(path: file.path, reason: "it cannot be read (\(error.localizedDescription))")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw WorkError.unreadable(path: file.path, reason: "it is not a batch file of this version (\(error))")
        }
    }
}
