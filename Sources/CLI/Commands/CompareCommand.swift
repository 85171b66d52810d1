import ArgumentParser
import Host

/// `adapter-search compare`: judges metrics against the truth (METHOD.md
/// section 8): every single-edge placement trained (stored and resumable),
/// every metric scored on several probe seeds, with bootstrap intervals.
struct CompareCommand: StoredRunCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Train every single-edge placement and judge metrics against their validation accuracy.")

    @Option(name: .customLong("metric"), help: ArgumentHelp("A metric plugin id (repeatable; default: every metric found).", valueName: "id"))
    var metrics: [String] = []

    @Option(help: "Probe batches drawn with seeds --probe-seed, +1, ...: the bootstrap's samples.")
    var probeSeeds: Int = 5

    @Option(help: "k of the top-k overlap.")
    var topK: Int = 5

    @Option(help: "Bootstrap resamples of the probe seeds.")
    var resamples: Int = CompareSettings().resamples

    @OptionGroup var options: RunOptions

    @Flag(help: "Print the comparison as JSON: run, edges, truth and one object per metric.")
    var json = false

    func validate() throws {
        guard probeSeeds > 0, topK > 0, resamples > 0 else {
            throw ValidationError("--probe-seeds, --top-k and --resamples must be positive")
        }
    }

    static let command = RunConfiguration.Command.compare

    func configuration() throws -> RunConfiguration {
        try options.configuration(.compare, compare: CompareSettings(metrics: metrics, probeSeeds: probeSeeds, topK: topK,
                                                                     resamples: resamples))
    }

    func work(_ configuration: RunConfiguration, in results: ResultsStore, run: String) throws -> Comparison {
        try CompareRun(configuration, dryRun: options.executor.dryRun).work(in: results, run: run)
    }

    func text(_ outcome: Comparison) -> String { outcome.table() }
}
