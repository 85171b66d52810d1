import Dispatch
import Foundation

/// The life of a run kept in the results store, shared by the commands that
/// make one (`search`, `compare`): create it with its configuration, or find
/// it again to resume; mark it finished with its outcome, or failed with the
/// error (interrupted when the user stopped it).
public enum StoredRun {
    /// A new run of `configuration`; `commandLine` is what the user typed, for `runs list`.
    public static func create(_ configuration: RunConfiguration, commandLine: String, in store: ResultsStore) throws -> RunRecord {
        let versions = try jsonText(["adapter_search": hostVersion, "abi": versionText(hostABIVersion)])
        return try store.createRun(command: commandLine, configuration: try configuration.json(), versions: versions,
                                   seed: configuration.budget.seed)
    }

    /// Run `id` of `store`, checked to be a run of `command`, and its configuration.
    public static func resume(_ id: String, of command: RunConfiguration.Command,
                              in store: ResultsStore) throws -> (RunRecord, RunConfiguration) {
        let record = try store.run(id)
        let configuration = try RunConfiguration(json: record.configuration, run: id)
        guard configuration.command == command else {
            throw RunError.notARunOf(run: id, command: record.command, expected: command.rawValue)
        }
        if record.observedStatus().isLive, let owner = record.owner, owner != .current {
            throw RunError.runIsLive(run: id, owner: owner)
        }
        return (record, configuration)
    }

    /// Records that `run` now runs with `execution` (how it is carried out
    /// may change on resume; what it is may not), and returns its configuration.
    public static func changeExecution(of run: RunRecord, _ configuration: RunConfiguration, to execution: ExecutionSettings,
                                       in store: ResultsStore) throws -> RunConfiguration {
        guard execution != configuration.execution else { return configuration }
        var changed = configuration
        changed.execution = execution
        try store.setConfiguration(run: run.id, try changed.json())
        return changed
    }

    /// Runs `body` for `run`: the run is marked running, then finished with
    /// the outcome JSON `body` returns, or failed with the error it throws.
    /// A run stopped by Ctrl-C, or by `--dry-run` before its first Slurm
    /// job, is marked interrupted instead.
    /// While it works, the run's heartbeat is refreshed every
    /// `RunOwner.heartbeatInterval` seconds.
    public static func execute(_ run: RunRecord, in store: ResultsStore, _ body: () throws -> String) throws -> String {
        Interruption.install()
        let heartbeat = DispatchSource.makeTimerSource(queue: .global())
        heartbeat.schedule(deadline: .now() + RunOwner.heartbeatInterval, repeating: RunOwner.heartbeatInterval)
        heartbeat.setEventHandler { try? store.heartbeat(run: run.id) }
        heartbeat.resume()
        defer { heartbeat.cancel() }
        do {
            try store.setStatus(run: run.id, .running)
            let outcome = try body()
            try store.setStatus(run: run.id, .finished, outcome: outcome)
            return outcome
        } catch {
            let outcome = try? jsonText(["error": String(describing: error)])
            let stopped = Interruption.requested || error is DryRunStop
            try? store.setStatus(run: run.id, stopped ? .interrupted : .failed, outcome: outcome)
            if Interruption.requested { printError("run \(run.id) interrupted; continue it with --resume \(run.id)") }
            throw error
        }
    }
}
