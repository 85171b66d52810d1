import Core
import Foundation

/// The work of a `compare` run: judges metrics against the truth (METHOD.md
/// section 8). Every candidate single-edge placement is trained (the ground
/// truth, stored and resumable), every metric scores every edge on probes
/// drawn with several seeds, and each metric's Spearman rho, Kendall tau-b,
/// top-k overlap and regret come with bootstrap intervals over those seeds.
public struct CompareRun {
    /// The run's configuration; its `compare` settings must be present.
    public let configuration: RunConfiguration
    /// Stop where the Slurm executor would submit its first job, printing its script.
    public let dryRun: Bool

    public init(_ configuration: RunConfiguration, dryRun: Bool = false) {
        self.configuration = configuration
        self.dryRun = dryRun
    }

    /// Trains the truth, scores, and compares, for run `run` of `results`.
    public func work(in results: ResultsStore, run: String) throws -> Comparison {
        guard let settings = configuration.compare else { throw RunError.invalidSetting("run \(run) has no compare settings") }
        let context = try RunContext(store: results, run: run, configuration: configuration, dryRun: dryRun)
        let rows = try settings.rows(found: context.plugins.filter { $0.kind == .metric }.map(\.id))
        try MetricRow.check(rows, plugins: context.plugins, sources: configuration.plugins, probeSize: configuration.probe.size)

        // The truth: every candidate single edge, trained under the run's budget, as one batch.
        var truth = [Double](repeating: .nan, count: context.scores.edges.count)
        let nodes = context.backbone.nodeCount
        let evaluations = try context.search.evaluate(context.candidates.map { [$0] }, budget: Budget())
        for (edge, evaluation) in zip(context.candidates, evaluations) {
            truth[edge.position(nodeCount: nodes)] = evaluation.accuracy
        }
        let (trained, fromStore, fromCache) = context.search.counts
        printError("truth: \(context.candidates.count) single edges (\(trained) newly trained, \(fromStore) from the run's store, "
                   + "\(fromCache) reused from other runs)")

        // Scores on every probe seed, and the statistics.
        let seeds = (0..<settings.probeSeeds).map { configuration.probe.seed + UInt64($0) }
        // Every row is scored on every seed's probe of its size; the truth is shared.
        let comparisons = try rows.map { row -> MetricComparison in
            let plugin = try context.scores.metric(row.metric)
            let direction = ScoreDirection(abi: plugin.direction) ?? .higherIsBetter
            let seedScores = try seeds.map { try context.scores.scores(row: row, probeSeed: $0).values }
            var comparison = MetricComparison.compare(metric: row.label, direction: direction, seedScores: seedScores, truth: truth,
                                                      k: settings.topK, resamples: settings.resamples, seed: configuration.budget.seed)
            let ceilings = ScoreResolution.isRankMetric(row.metric)
                ? seeds.map { context.scores.rankCeiling(row: row, probeSeed: $0) } : []
            comparison.resolution = ScoreResolution.mean(seedScores: seedScores, direction: direction, rankCeilings: ceilings)
            return comparison
        }
        let accuracies = evaluations.map(\.accuracy)
        let finite = accuracies.indices.filter { accuracies[$0].isFinite }
        guard let bestIndex = finite.max(by: { accuracies[$0] < accuracies[$1] || (accuracies[$0] == accuracies[$1] && $0 > $1) }) else {
            throw RunError.invalidSetting("the training of every one of the \(accuracies.count) single edges diverged; "
                                          + "lower the learning rate")
        }
        let diverged = accuracies.count - finite.count
        return Comparison(run: run, edges: context.candidates.count, seeds: seeds.count,
                          best_edge: context.candidates[bestIndex].description, best_accuracy: accuracies[bestIndex],
                          metrics: comparisons, diverged_edges: diverged > 0 ? diverged : nil, width: context.scores.width)
    }
}

/// What `compare` reports: the keys are its JSON.
public struct Comparison: Codable, Equatable, Sendable {
    public var run: String
    /// Single-edge placements trained (the truth).
    public var edges: Int
    /// Probe seeds each metric was scored on.
    public var seeds: Int
    /// The truly best single edge and its validation accuracy.
    public var best_edge: String
    public var best_accuracy: Double
    public var metrics: [MetricComparison]
    /// Single edges whose training diverged: no accuracy, left out of every
    /// statistic (absent from the JSON when there are none).
    public var diverged_edges: Int?
    /// The backbone's width d, which bounds rank metrics with the probe's
    /// tokens (absent from an outcome stored before resolution diagnostics).
    public var width: Int?

    /// One row per metric: each statistic with its interval.
    public func table() -> String {
        func format(_ estimate: BootstrapEstimate) -> String {
            guard let point = estimate.point else { return "undefined" }
            let interval = estimate.low.flatMap { low in estimate.high.map { String(format: " [%.3f, %.3f]", low, $0) } } ?? ""
            return String(format: "%+.3f", point) + interval
        }
        let k = metrics.first?.k ?? 0
        let header = ["METRIC", "SPEARMAN RHO [95%]", "KENDALL TAU-B [95%]", "TOP-\(k) OVERLAP", "REGRET"]
        // Correlations keep the sign as measured (METHOD section 8): a lower-is-better metric that ranks well has ρ < 0.
        let lower = metrics.filter { $0.direction == .lowerIsBetter }
        let rows = metrics.map {
            [$0.metric + ($0.direction == .lowerIsBetter ? " ↓" : ""), format($0.spearman), format($0.kendallTauB),
             format($0.topKOverlap), format($0.regret)]
        }
        return TextTable.render([header] + rows)
            + (lower.isEmpty ? "" : "↓ lower is better: its correlations keep their measured sign, so a negative one means it ranks the edges "
                                    + "the right way round\n")
            + "\(edges) single edges trained\(diverged_edges.map { " (\($0) diverged, left out)" } ?? ""); "
            + "best \(best_edge) at \(String(format: "%.4f", best_accuracy)); "
            + "intervals over \(seeds) probe seeds (run \(run))\n"
            + resolutionText()
    }

    /// The resolution diagnostics of the metrics that have them: a table
    /// (mean over the probe seeds) and a warning line per saturated metric.
    public func resolutionText() -> String {
        let rows = metrics.compactMap { metric in metric.resolution.map { (label: metric.metric, resolution: $0) } }
        guard !rows.isEmpty else { return "" }
        return "\nresolution (mean over \(seeds) probe seed\(seeds == 1 ? "" : "s") of each seed's scores):\n"
            + ScoreResolution.diagnostics(rows, width: width)
    }
}
