import Foundation

/// What workers left for a run whose coordinator stopped before collecting
/// it (it was killed, or its machine went down): Slurm jobs still queued or
/// running, and shard stores not yet merged. A resumed run, whichever
/// executor it now uses, cancels the first and merges the second before it
/// decides what is left to train.
enum LeftoverWork {
    /// Cancels `run`'s leftover Slurm jobs and merges its workers' shards
    /// into `store`; returns the evaluations that merging added.
    static func collect(store: ResultsStore, run: String, report: (String) -> Void = { printError($0) }) throws -> Int {
        let batches = WorkBatch.batchesFolder(store: store, run: run)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: batches.path) else { return 0 }
        var added = 0
        for name in names.sorted() {
            let batch = WorkBatch(folder: batches.appendingPathComponent(name))
            let files = (try? FileManager.default.contentsOfDirectory(atPath: batch.folder.path)) ?? []
            for job in files.filter({ $0.hasSuffix(".job") }).sorted() {
                let file = batch.folder.appendingPathComponent(job)
                guard let id = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else { continue }
                let queued = try SchedulerCommand.run("squeue", ["--noheader", "--jobs", id, "--format", "%i"])
                if queued.status == 0, !queued.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    let cancelled = try SchedulerCommand.run("scancel", [id])
                    report(cancelled.status == 0 ? "cancelled Slurm job \(id), left queued by an earlier coordinator of run \(run)"
                                                 : "could not cancel Slurm job \(id) of run \(run): \(cancelled.message)")
                }
                try? FileManager.default.removeItem(at: file)
            }
            for shard in batch.shards() {
                added += try store.merge(from: try ResultsStore(path: shard, create: false)).evaluationsAdded
            }
        }
        if added > 0 { report("merged \(added) evaluations that workers stored after the run's coordinator stopped") }
        return added
    }
}
