import Foundation
@testable import Host

/// A `compare` on the tiny nine-class task, for the executor tests: ten
/// single edges (parallel and long-range), one probe seed, one metric.
struct TinyCompare {
    let folder: URL
    let model: String
    let data: [String]

    /// Writes the task into `folder`.
    init(in folder: URL) throws {
        self.folder = folder
        (model, data) = try TinyTextTask.write(in: folder, labels: .colourAndAnimal)
    }

    /// The store file named `name` in the folder.
    func store(_ name: String) -> String { folder.appendingPathComponent(name + ".sqlite").path }

    /// `compare` arguments writing to store `name`, `steps` steps per edge, plus `extra`.
    func arguments(store name: String, steps: Int = 10, _ extra: [String] = []) -> [String] {
        ["compare", "--metric", "gradient-norm", "--probe-seeds", "1", "--json", "--model", model, "--train-file", data[0],
         "--validation-file", data[1], "--test-file", data[2], "--store", store(name), "--probe-size", "8", "--steps", String(steps),
         "--kinds", "parallel,long-range"] + extra
    }

    /// The evaluations of the newest run of store `name`, by placement.
    func evaluations(store name: String) throws -> [String: EvaluationRecord] {
        let results = try ResultsStore(path: store(name), create: false)
        let run = try results.runs()[0].id
        return Dictionary(uniqueKeysWithValues: try results.evaluations(run: run).map { ($0.placement, $0) })
    }

    /// Whether two stores' evaluations are the same computations with the
    /// same figures, bit for bit.
    static func sameFigures(_ a: [String: EvaluationRecord], _ b: [String: EvaluationRecord]) -> Bool {
        a.count == b.count && a.allSatisfy { placement, record in
            guard let other = b[placement] else { return false }
            return record.validationAccuracy.bitPattern == other.validationAccuracy.bitPattern
                && record.validationLoss.bitPattern == other.validationLoss.bitPattern
                && record.parameters == other.parameters && record.budget == other.budget && record.cacheKey == other.cacheKey
        }
    }

    /// A comparison's JSON without its run id.
    static func withoutRun(_ json: String) throws -> Comparison {
        var comparison = try JSONDecoder().decode(Comparison.self, from: Data(json.utf8))
        comparison.run = ""
        return comparison
    }

    /// Starts a slow compare (400 steps a placement, 5 per worker task)
    /// writing to store `name`, without waiting; its standard error goes to
    /// a file beside it, which the returned URL names.
    func startSlowCompare(store name: String, executor: String, environment: [String: String] = [:]) throws -> (Process, URL) {
        let errors = folder.appendingPathComponent(name + ".stderr")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = Locations.executable
        process.arguments = arguments(store: name, steps: 400, ["--executor", executor, "--units-per-task", "5"])
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        return (process, errors)
    }

    /// The shard of worker task `task` of attempt 1, once a worker created it
    /// (under `<folder>/<run>/batches/<batch>/shards`).
    func shard(task: Int) -> URL? {
        for run in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
            let batches = folder.appendingPathComponent(run).appendingPathComponent("batches")
            for batch in (try? FileManager.default.contentsOfDirectory(atPath: batches.path)) ?? [] {
                let shard = batches.appendingPathComponent(batch).appendingPathComponent("shards/attempt-1-task-\(task).sqlite")
                if FileManager.default.fileExists(atPath: shard.path) { return shard }
            }
        }
        return nil
    }

    /// Waits until the shard of worker task `task` of attempt 1 holds an
    /// evaluation (its worker is then inside its next one).
    func waitForAFirstEvaluation(task: Int) throws {
        let deadline = Date().addingTimeInterval(300)
        var opened: ResultsStore?  // opened once: reopening a store while a worker writes it is slow
        while Date() < deadline {
            if let store = opened {
                if let run = try store.runs().first, try !store.evaluations(run: run.id).isEmpty { return }
            } else if let shard = shard(task: task) {
                opened = try ResultsStore(path: shard.path, create: false)
            }
            usleep(50_000)
        }
        throw TestSetupError(description: "no worker of task \(task) stored an evaluation")
    }

    /// Kills (SIGKILL) worker task `task` of attempt 1 of a run in this
    /// folder, and only it: the pattern names the folder, so the workers of
    /// other runs on the machine (a study in the background) are left alone.
    /// True when a process was killed.
    func killWorker(task: Int) throws -> Bool {
        let folderPattern = folder.path.map { ".[]()*+?{}|^$\\".contains($0) ? "\\\($0)" : String($0) }.joined()
        return try runTool("pkill", ["-KILL", "-f", "worker \(folderPattern)/.* --attempt 1 --task \(task)$"]).status == 0
    }

    /// The placements every worker trained, over every shard of every batch in the folder.
    func trainedPlacements() throws -> [String] {
        var placements: [String] = []
        for run in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let batches = folder.appendingPathComponent(run).appendingPathComponent("batches")
            for batch in (try? FileManager.default.contentsOfDirectory(atPath: batches.path)) ?? [] {
                let shards = batches.appendingPathComponent(batch).appendingPathComponent("shards")
                for shard in try FileManager.default.contentsOfDirectory(atPath: shards.path) where shard.hasSuffix(".sqlite") {
                    let store = try ResultsStore(path: shards.appendingPathComponent(shard).path, create: false)
                    placements += try store.evaluations(run: try store.runs()[0].id).map(\.placement)
                }
            }
        }
        return placements
    }
}
