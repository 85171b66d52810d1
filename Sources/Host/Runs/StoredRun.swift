import ArgumentParser
import Foundation

/// The life of a run kept in the results store, shared by the commands
/// that make one (`search`, `compare`): create it with the arguments it was
/// given, or find it again for `--resume`; mark it finished with its
/// outcome, or failed with the error (interrupted when the user stopped it).
enum StoredRun {
    /// The arguments of this process after `subcommand`, without `--resume`
    /// and `--store` (they name the store, not the run).
    static func arguments(after subcommand: String, in all: [String] = CommandLine.arguments) -> [String] {
        guard let position = all.firstIndex(of: subcommand) else { return [] }
        var kept: [String] = [], skipNext = false
        for argument in all[(position + 1)...] {
            if skipNext { skipNext = false; continue }
            if argument == "--resume" || argument == "--store" { skipNext = true; continue }
            if argument.hasPrefix("--resume=") || argument.hasPrefix("--store=") { continue }
            kept.append(argument)
        }
        return kept
    }

    /// A new run of `subcommand` with this process's arguments.
    static func create(_ subcommand: String, in store: ResultsStore, seed: UInt64) throws -> RunRecord {
        let arguments = Self.arguments(after: subcommand)
        let configuration = String(decoding: try JSONSerialization.data(withJSONObject: ["arguments": arguments], options: [.sortedKeys]),
                                   as: UTF8.self)
        let versions = String(decoding: try JSONSerialization.data(withJSONObject: [
            "adapter_search": AdapterSearch.configuration.version, "abi": versionText(hostABIVersion),
        ], options: [.sortedKeys]), as: UTF8.self)
        return try store.createRun(command: (["adapter-search", subcommand] + arguments).joined(separator: " "),
                                   configuration: configuration, versions: versions, seed: seed)
    }

    /// Run `id` of `store`, checked to be a run of `subcommand`, and the
    /// arguments it was started with.
    static func resume(_ id: String, of subcommand: String, in store: ResultsStore) throws -> (RunRecord, [String]) {
        let record = try store.run(id)
        guard Self.subcommand(of: record) == subcommand else {
            throw ValidationError("run \(id) is a `\(record.command)` run, not a \(subcommand) run")
        }
        return (record, try arguments(of: record))
    }

    /// The subcommand that made `run` (`search`, `compare`).
    static func subcommand(of run: RunRecord) -> String {
        run.command.split(separator: " ").dropFirst().first.map(String.init) ?? ""
    }

    /// The arguments `run` was started with.
    static func arguments(of run: RunRecord) throws -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(run.configuration.utf8)) as? [String: Any],
              let arguments = object["arguments"] as? [String] else {
            throw ValidationError("run \(run.id) has no stored arguments")
        }
        return arguments
    }

    /// The task and search-space options `run` was started with.
    static func options(of run: RunRecord) throws -> (task: TaskOptions, space: SearchSpaceOptions) {
        let arguments = try arguments(of: run)
        switch subcommand(of: run) {
        case "search": let command = try SearchCommand.parse(arguments); return (command.task, command.space)
        case "compare": let command = try CompareCommand.parse(arguments); return (command.task, command.space)
        default: throw ValidationError("run \(run.id) is a `\(run.command)` run; reports are made of search and compare runs")
        }
    }

    /// Runs `body` for `run`: the run is marked running, then finished with
    /// the outcome JSON `body` returns, or failed with the error it throws.
    /// A run stopped by Ctrl-C is marked interrupted instead.
    static func execute(_ run: RunRecord, in store: ResultsStore, _ body: () throws -> String) throws -> String {
        Interruption.install()
        do {
            try store.setStatus(run: run.id, .running)
            let outcome = try body()
            try store.setStatus(run: run.id, .finished, outcome: outcome)
            return outcome
        } catch {
            let outcome = try? JSONSerialization.data(withJSONObject: ["error": String(describing: error)])
            try? store.setStatus(run: run.id, Interruption.requested ? .interrupted : .failed,
                                 outcome: outcome.map { String(decoding: $0, as: UTF8.self) })
            if Interruption.requested { printError("run \(run.id) interrupted; continue it with --resume \(run.id)") }
            throw error
        }
    }
}
