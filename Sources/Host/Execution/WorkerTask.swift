import Core
import Foundation

/// The work of `adapter-search worker`: one task of a batch. It reads the
/// batch's units, loads the run's backbone and task (checked against the
/// digests the run recorded), and trains each of its units into its own
/// shard store, committing each evaluation the moment it exists. A task run
/// again skips the units its shard already holds.
public struct WorkerTask: Sendable {
    /// The batch folder (`<store folder>/<run>/batches/<digest>`).
    public var batch: String
    public var attempt: Int
    public var task: Int

    public init(batch: String, attempt: Int, task: Int) {
        self.batch = batch
        self.attempt = attempt
        self.task = task
    }

    /// Makes the task's units; returns how many it trained now.
    public func work(report: (String) -> Void = { printError($0) }) throws -> Int {
        let batch = WorkBatch(folder: URL(fileURLWithPath: self.batch))
        let work = try batch.work(), tasks = try batch.tasks(attempt: attempt)
        guard tasks.indices.contains(task) else { throw WorkError.noSuchTask(task: task, attempt: attempt, tasks: tasks.count) }
        let run = work.run.id
        let configuration = try RunConfiguration(json: work.run.configuration, run: run)
        if configuration.taskIdentity.digest != nil {
            let now = try TaskIdentity(of: configuration.task)
            guard now == configuration.taskIdentity else {
                let changed = [now.model != configuration.taskIdentity.model ? "the model's digest differs" : nil,
                               now.data != configuration.taskIdentity.data ? "the data's digest differs" : nil].compactMap { $0 }
                throw WorkError.taskChanged(run: run, detail: changed.isEmpty ? "its digest differs" : changed.joined(separator: ", "))
            }
        }
        let (backbone, loaded) = try configuration.task.load()
        let evaluator = try PlacementEvaluator(configuration, backbone: backbone, task: loaded)
        let shard = try ResultsStore(path: batch.shard(attempt: attempt, task: task), create: true)
        try shard.adoptRun(work.run.record)
        let indices = tasks[task]
        report("worker: task \(task) of attempt \(attempt), \(indices.count) units, \(Parallel.threadCount) threads, run \(run)")
        var trained = 0
        for (done, index) in indices.enumerated() {
            guard work.units.indices.contains(index) else {
                throw WorkError.unreadable(path: batch.attemptFile(attempt).path, reason: "it names unit \(index) of \(work.units.count)")
            }
            let unit = work.units[index]
            let read = try Placement(parsing: unit.placement, nodeCount: backbone.nodeCount).description
            guard read == unit.placement else { throw WorkError.placementChanged(unit: unit.placement, read: read) }
            if unit.isMade(by: try shard.evaluation(run: run, placement: unit.placement, budget: evaluator.budgetKey(unit))) { continue }
            let record = try evaluator.evaluate(unit, run: run)
            try shard.saveOrComplete(record)
            trained += 1
            report(TrainedLine.text(record, done: done + 1, of: indices.count))
        }
        return trained
    }
}
