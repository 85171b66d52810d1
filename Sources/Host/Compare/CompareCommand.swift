import ArgumentParser
import Core
import Foundation

/// `adapter-search compare`: judges metrics against the truth (METHOD.md
/// section 8). Every single-edge placement is trained (the ground truth,
/// stored and resumable), every metric scores every edge on probes drawn
/// with several seeds, and each metric's Spearman rho, Kendall tau-b, top-k
/// overlap and regret come with bootstrap intervals over those seeds.
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
    var resamples: Int = SeedBootstrap.defaultResamples

    @OptionGroup var space: SearchSpaceOptions
    @OptionGroup var task: TaskOptions
    @OptionGroup var budget: BudgetOptions
    @OptionGroup var probe: ProbeOptions
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var isolation: PluginIsolation
    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("Continue this compare run of the store where it stopped; its own options are used.", valueName: "run"))
    var resume: String?

    @Flag(help: "Print the comparison as JSON: run, edges, truth and one object per metric.")
    var json = false

    func validate() throws {
        guard probeSeeds > 0, topK > 0, resamples > 0 else {
            throw ValidationError("--probe-seeds, --top-k and --resamples must be positive")
        }
    }

    static let subcommand = "compare"
    var seed: UInt64 { budget.seed }

    func printText(_ outcome: Comparison) { print(outcome.table(), terminator: "") }

    /// Trains the truth, scores, and compares.
    func work(in results: ResultsStore, run: String) throws -> Comparison {
        let context = try RunContext(store: results, run: run, task: task, budget: budget, probe: probe, plugins: plugins,
                                     isolation: isolation, space: space)
        let ids = metrics.isEmpty ? context.plugins.filter { $0.kind == .metric }.map(\.id) : metrics
        let chosen = try ids.map { try context.scores.metric($0) }

        // The truth: every candidate single edge, trained under the run's budget.
        var truth = [Double](repeating: .nan, count: context.scores.edges.count)
        let nodes = context.backbone.nodeCount
        for (done, edge) in context.candidates.enumerated() {
            let evaluation = try context.search.evaluate([[edge]], budget: Budget())[0]
            truth[edge.position(nodeCount: nodes)] = evaluation.accuracy
            printError("truth: \(done + 1)/\(context.candidates.count) edges")
        }

        // Scores on every probe seed, and the statistics.
        let seeds = (0..<probeSeeds).map { probe.probeSeed + UInt64($0) }
        let comparisons = try chosen.map { plugin -> MetricComparison in
            let seedScores = try seeds.map { try context.scores.scores(metric: plugin.id, probeSeed: $0).values }
            return MetricComparison.compare(metric: plugin.id, direction: ScoreDirection(abi: plugin.direction) ?? .higherIsBetter,
                                            seedScores: seedScores, truth: truth, k: topK, resamples: resamples, seed: budget.seed)
        }
        let trained = context.candidates.map { truth[$0.position(nodeCount: nodes)] }
        let bestIndex = trained.indices.max { trained[$0] < trained[$1] || (trained[$0] == trained[$1] && $0 > $1) }!
        return Comparison(run: run, edges: context.candidates.count, seeds: seeds.count,
                          best_edge: context.candidates[bestIndex].description, best_accuracy: trained[bestIndex],
                          metrics: comparisons)
    }
}

/// What `compare` reports: the keys are its JSON.
struct Comparison: Codable {
    var run: String
    /// Single-edge placements trained (the truth).
    var edges: Int
    /// Probe seeds each metric was scored on.
    var seeds: Int
    /// The truly best single edge and its validation accuracy.
    var best_edge: String
    var best_accuracy: Double
    var metrics: [MetricComparison]

    /// One row per metric: each statistic with its interval.
    func table() -> String {
        func format(_ estimate: BootstrapEstimate) -> String {
            guard let point = estimate.point else { return "undefined" }
            let interval = estimate.low.flatMap { low in estimate.high.map { String(format: " [%.3f, %.3f]", low, $0) } } ?? ""
            return String(format: "%+.3f", point) + interval
        }
        let k = metrics.first?.k ?? 0
        let header = ["METRIC", "SPEARMAN RHO [95%]", "KENDALL TAU-B [95%]", "TOP-\(k) OVERLAP", "REGRET"]
        let rows = metrics.map { [$0.metric, format($0.spearman), format($0.kendallTauB), format($0.topKOverlap), format($0.regret)] }
        return TextTable.render([header] + rows)
            + "\(edges) single edges trained; best \(best_edge) at \(String(format: "%.4f", best_accuracy)); "
            + "intervals over \(seeds) probe seeds (run \(run))\n"
    }
}
