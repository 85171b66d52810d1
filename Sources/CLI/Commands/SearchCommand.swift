import ArgumentParser
import Host

/// `adapter-search search`: the main job. A strategy plugin, guided by a
/// metric, picks a placement; the host trains it and reports its accuracy.
/// Every score and evaluation is committed to the results store as it is
/// made, so `--resume RUN` continues a killed run without redoing any.
struct SearchCommand: StoredRunCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Choose a placement with a strategy plugin, train it, and report validation and test accuracy.")

    @Option(help: ArgumentHelp("The strategy plugin id.", valueName: "id"))
    var strategy: String = "gga"

    @Option(help: ArgumentHelp("The metric guiding the strategy (its `metric` parameter), for strategies that take one.", valueName: "id"))
    var metric: String?

    @Option(help: "Edges in the placement (strategies with a size of their own, like parallel-every, ignore it).")
    var k: Int = 3

    @OptionGroup var options: RunOptions

    @Option(help: ArgumentHelp("Write placement.json, adapters.safetensors and the AdapterHub export (adapterhub/) here (default: a folder named after the run beside the store).",
                               valueName: "dir"))
    var out: String?

    @Flag(help: "Print {\"placement\", \"val_acc\", \"test_acc\", \"params\", \"seconds\", \"run\"} as JSON.")
    var json = false

    func validate() throws {
        guard k > 0, k <= 1 << 20 else { throw ValidationError("--k must be at least 1, and no more than the candidate edges") }
    }

    static let command = RunConfiguration.Command.search

    func configuration() throws -> RunConfiguration {
        try options.configuration(.search, search: SearchSettings(strategy: strategy, metric: metric, k: k, out: out))
    }

    func work(_ configuration: RunConfiguration, in results: ResultsStore, run: String) throws -> SearchOutcome {
        try SearchRun(configuration, showsProgress: !json, dryRun: options.executor.dryRun).work(in: results, run: run)
    }

    func text(_ outcome: SearchOutcome) -> String { outcome.summary }
}
