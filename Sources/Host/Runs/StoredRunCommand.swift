import ArgumentParser
import Foundation

/// A command whose runs are kept in the results store: it creates a run,
/// or with `--resume RUN` continues one with the arguments it was started
/// with; a finished run prints its stored outcome.
protocol StoredRunCommand: ParsableCommand {
    /// What the run found; encoded as the run's outcome and `--json`'s output.
    associatedtype Outcome: Codable

    /// The subcommand's name (`search`).
    static var subcommand: String { get }
    /// The run to continue.
    var resume: String? { get }
    /// Print the outcome as JSON.
    var json: Bool { get set }
    /// Where runs are kept.
    var store: StoreOptions { get }
    /// The run's seed.
    var seed: UInt64 { get }

    /// Does the run's work, committing each result as it is made.
    func work(in results: ResultsStore, run: String) throws -> Outcome
    /// Prints the outcome for a person.
    func printText(_ outcome: Outcome)
}

extension StoredRunCommand {
    func run() throws {
        let results = try store.open(create: true)
        guard let resume else {
            return try execute(StoredRun.create(Self.subcommand, in: results, seed: seed), in: results)
        }
        let (record, arguments) = try StoredRun.resume(resume, of: Self.subcommand, in: results)
        var original = try Self.parse(arguments)
        original.json = json
        if record.status == .finished, let stored = record.outcome {
            printError("run \(resume) has finished; its stored result:")
            original.show(try JSONDecoder().decode(Outcome.self, from: Data(stored.utf8)))
            return
        }
        try original.execute(record, in: results)
    }

    /// Runs (or continues) `run` and prints what it found.
    func execute(_ run: RunRecord, in results: ResultsStore) throws {
        var found: Outcome?
        _ = try StoredRun.execute(run, in: results) {
            found = try work(in: results, run: run.id)
            return try jsonText(found!)
        }
        show(found!)
    }

    /// Prints `outcome` as JSON or as text.
    func show(_ outcome: Outcome) {
        if json, let text = try? jsonText(outcome) { print(text) } else { printText(outcome) }
    }
}
