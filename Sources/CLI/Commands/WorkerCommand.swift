import ArgumentParser
import Foundation
import Host

/// `adapter-search worker`: one worker task of a batch, as the `local:N`
/// and `slurm` executors start it (a Slurm array task runs it from the
/// batch script). It trains the task's placements into its own shard store
/// in the batch folder; the run's coordinator merges them.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Train one worker task's placements of a batch into its shard store (started by --executor local:N or slurm).")

    @Argument(help: ArgumentHelp("The batch folder (<store folder>/<run>/batches/<digest>).", valueName: "batch"))
    var batch: String

    @Option(help: "The attempt (submission) of the batch.")
    var attempt: Int

    @Option(help: "The task of that attempt (a Slurm array task id).")
    var task: Int

    func run() throws {
        let absolute = URL(fileURLWithPath: batch).standardizedFileURL.path
        _ = try WorkerTask(batch: absolute, attempt: attempt, task: task).work()
    }
}
