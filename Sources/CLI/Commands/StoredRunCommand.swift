import ArgumentParser
import Foundation
import Host

/// A command whose runs are kept in the results store: it creates a run
/// with the configuration its options describe, or with `--resume RUN`
/// continues one with the configuration stored with it; a finished run
/// prints its stored outcome.
protocol StoredRunCommand: ParsableCommand {
    /// What the run found; encoded as the run's outcome and `--json`'s output.
    associatedtype Outcome: Codable

    /// The kind of run this command makes.
    static var command: RunConfiguration.Command { get }
    /// The run's options (and `--resume`).
    var options: RunOptions { get }
    /// Print the outcome as JSON.
    var json: Bool { get }

    /// The configuration of a new run, from the options.
    func configuration() throws -> RunConfiguration
    /// Does the run's work, committing each result as it is made.
    func work(_ configuration: RunConfiguration, in results: ResultsStore, run: String) throws -> Outcome
    /// The outcome for a person.
    func text(_ outcome: Outcome) -> String
}

extension StoredRunCommand {
    func run() throws {
        let results = try options.store.open(create: true)
        guard let resume = options.resume else {
            let configuration = try configuration()
            try configuration.preflight()
            let record = try StoredRun.create(configuration, commandLine: Self.commandLine(), in: results)
            return try execute(record, configuration, in: results)
        }
        let arguments = Self.arguments()
        let fixed = Self.definitionOptions(in: arguments)
        guard fixed.isEmpty else { throw RunError.definitionFixed(run: resume, options: fixed) }
        let (record, stored) = try StoredRun.resume(resume, of: Self.command, in: results)
        if record.status == .finished, let outcome = record.outcome {
            printError("run \(resume) has finished; its stored result:")
            show(try JSONDecoder().decode(Outcome.self, from: Data(outcome.utf8)))
            return
        }
        var execution = stored.execution
        let isolation = options.isolation
        if isolation.isolate || isolation.pluginTimeout != nil { execution.isolation = try isolation.isolation() }
        if Self.gives("--cache-memory", in: arguments) { execution.cacheMemory = options.budget.cacheMemory }
        if options.noCache { execution.reusesEvaluations = false }
        let executor = options.executor
        if Self.gives("--executor", in: arguments) { execution = try executor.execution(execution) }
        if Self.gives("--units-per-task", in: arguments) { execution.unitsPerTask = executor.unitsPerTask }
        if Self.gives("--retries", in: arguments) { execution.retries = executor.retries }
        let configuration = try StoredRun.changeExecution(of: record, stored, to: execution, in: results)
        try execute(record, configuration, in: results)
    }

    /// Runs (or continues) `run` and prints what it found.
    func execute(_ run: RunRecord, _ configuration: RunConfiguration, in results: ResultsStore) throws {
        var found: Outcome?
        do {
            _ = try StoredRun.execute(run, in: results) {
                let outcome = try work(configuration, in: results, run: run.id)
                found = outcome
                return try jsonText(outcome)
            }
        } catch where Interruption.requested {
            throw ExitCode(Interruption.exitStatus)  // StoredRun said how to resume
        } catch let stop as DryRunStop {
            printError(stop.description)
            return
        }
        if let found { show(found) }
    }

    /// Prints `outcome` as JSON or as text.
    func show(_ outcome: Outcome) {
        if json, let text = try? jsonText(outcome) { print(text) } else { print(text(outcome), terminator: "") }
    }

    /// This process's arguments after the subcommand.
    static func arguments(_ all: [String] = CommandLine.arguments) -> [String] {
        guard let position = all.firstIndex(of: command.rawValue) else { return [] }
        return Array(all[(position + 1)...])
    }

    /// The command line that made this run, for `runs list`: the arguments
    /// without `--resume` and `--store` (they name the store, not the run).
    static func commandLine() -> String {
        var kept: [String] = [], skipNext = false
        for argument in arguments() {
            if skipNext { skipNext = false; continue }
            if argument == "--resume" || argument == "--store" { skipNext = true; continue }
            if argument.hasPrefix("--resume=") || argument.hasPrefix("--store=") { continue }
            kept.append(argument)
        }
        return (["adapter-search", command.rawValue] + kept).joined(separator: " ")
    }

    /// The options among `arguments` that would change what a resumed run
    /// is: every option but those naming the run and the store, the output
    /// format and the execution settings.
    static func definitionOptions(in arguments: [String]) -> [String] {
        let free = Set(["--resume", "--store", "--json", "--isolate", "--plugin-timeout", "--cache-memory", "--no-cache", "--dry-run"])
            .union(executionOptions)
        let valued = Set(["--resume", "--store", "--plugin-timeout", "--cache-memory"]).union(executionOptions)
        var found: [String] = [], skipNext = false
        for argument in arguments {
            if skipNext { skipNext = false; continue }
            let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
            if valued.contains(argument) { skipNext = true }
            if name.hasPrefix("-"), !free.contains(name) { found.append(name) }
        }
        return found
    }

    /// The valued options that say how and where placements are trained, not what the run is.
    static var executionOptions: Set<String> {
        ["--executor", "--units-per-task", "--retries", "--partition", "--time", "--cpus-per-task", "--mem", "--array-parallelism",
         "--sbatch-arg"]
    }

    /// Whether `option` is among `arguments` (alone or as option=value).
    static func gives(_ option: String, in arguments: [String]) -> Bool {
        arguments.contains { $0 == option || $0.hasPrefix(option + "=") }
    }
}
