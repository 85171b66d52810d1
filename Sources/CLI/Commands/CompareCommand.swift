import ArgumentParser
import Host

/// `adapter-search compare`: judges metrics against the truth (METHOD.md
/// section 8): every single-edge placement trained (stored and resumable),
/// every metric scored on several probe seeds, with bootstrap intervals.
struct CompareCommand: StoredRunCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Train every single-edge placement and judge metrics against their validation accuracy.")

    @Option(name: .customLong("metric"),
            help: ArgumentHelp("A metric plugin id, or a sweep of its parameters ID:NAME=V1,V2[:NAME=...] judged one row per setting (repeatable; default: every metric found).",
                               valueName: "id[:name=v1,v2...]"))
    var metrics: [String] = []

    @Option(help: "Probe batches drawn with seeds --probe-seed, +1, ...: the bootstrap's samples.")
    var probeSeeds: Int = 5

    @Option(help: "k of the top-k overlap.")
    var topK: Int = 5

    @Option(help: "Bootstrap resamples of the probe seeds.")
    var resamples: Int = CompareSettings().resamples

    @OptionGroup var options: RunOptions

    @Flag(help: "Print the comparison as JSON: run, edges, seeds, best_edge, best_accuracy, metrics (one object per metric row, its statistics and resolution), diverged_edges when any diverged, width (the backbone's d, the rank ceiling's bound).")
    var json = false

    func validate() throws {
        guard probeSeeds > 0, topK > 0, resamples > 0 else {
            throw ValidationError("--probe-seeds, --top-k and --resamples must be positive")
        }
        _ = try validating { try settings().rows(found: []) }
    }

    static let command = RunConfiguration.Command.compare

    func configuration() throws -> RunConfiguration {
        try options.configuration(.compare, compare: try settings())
    }

    /// The compare settings these options give: a list of probe sizes
    /// sweeps them (a single size is the run's probe size, as before sweeps).
    func settings() throws -> CompareSettings {
        let sizes = try options.probe.sizes
        return CompareSettings(metrics: metrics, probeSizes: sizes.count > 1 ? sizes : nil, probeSeeds: probeSeeds, topK: topK,
                               resamples: resamples)
    }

    func work(_ configuration: RunConfiguration, in results: ResultsStore, run: String) throws -> Comparison {
        try CompareRun(configuration, dryRun: options.executor.dryRun).work(in: results, run: run)
    }

    func text(_ outcome: Comparison) -> String { outcome.table() }
}
