/// One metric judged against the truth (METHOD.md section 8): Spearman's
/// rho, Kendall's tau-b, top-k overlap and regret, each with a bootstrap
/// interval over the probe seeds (see `SeedBootstrap`). Signs as measured.
public struct MetricComparison: Equatable, Sendable, Codable {
    /// The metric's id, or its row's label in a sweep (`MetricRow.label`).
    public var metric: String
    /// Which way the metric points.
    public var direction: ScoreDirection
    /// The k of the top-k overlap actually used (the requested k, cut to
    /// the number of edges compared).
    public var k: Int
    /// How many edges were compared: those with a finite true accuracy and
    /// a finite score under every seed.
    public var edges: Int
    /// How many probe seeds the scores came from (S).
    public var seeds: Int
    /// Spearman's rho between score and true accuracy.
    public var spearman: BootstrapEstimate
    /// Kendall's tau-b between score and true accuracy.
    public var kendallTauB: BootstrapEstimate
    /// The fraction of the true top k among the metric's top k.
    public var topKOverlap: BootstrapEstimate
    /// True best accuracy minus the true accuracy of the metric's best edge.
    public var regret: BootstrapEstimate

    /// How finely the scores tell the edges apart, and whether the metric
    /// is saturated (mean over the seeds of each seed's figures); nil in
    /// an outcome stored before resolution diagnostics.
    public var resolution: ScoreResolution? = nil

    /// The JSON keys, snake_case like every other output of the tool.
    public enum CodingKeys: String, CodingKey {
        case metric, direction, k, edges, seeds, spearman, regret, resolution
        case kendallTauB = "kendall_tau_b", topKOverlap = "top_k_overlap"
    }

    /// Compares a metric with the truth. `seedScores[s][e]` is the score of
    /// edge e under probe seed s, `truth[e]` its true accuracy (NaN for an
    /// edge not trained yet); edges are in one fixed order (source-major).
    /// Edges with a non-finite truth or score are left out of every
    /// statistic. `resamples` and `seed` drive the bootstrap.
    public static func compare(metric: String, direction: ScoreDirection, seedScores: [[Double]], truth: [Double], k: Int,
                        resamples: Int = SeedBootstrap.defaultResamples, seed: UInt64 = 0) -> MetricComparison {
        precondition(seedScores.allSatisfy { $0.count == truth.count },
                     "compare \(metric): score vectors and truth differ in length")
        precondition(k >= 1, "compare \(metric): k must be at least 1")
        let kept = truth.indices.filter { edge in truth[edge].isFinite && seedScores.allSatisfy { $0[edge].isFinite } }
        let truth = kept.map { truth[$0] }
        let seedScores = seedScores.map { scores in kept.map { scores[$0] } }
        let k = max(1, min(k, kept.count))
        let none = BootstrapEstimate(point: nil, low: nil, high: nil, level: 0.95, resamples: 0, undefined: 0)
        guard !seedScores.isEmpty, !kept.isEmpty else {
            return MetricComparison(metric: metric, direction: direction, k: k, edges: kept.count, seeds: seedScores.count,
                                    spearman: none, kendallTauB: none, topKOverlap: none, regret: none)
        }
        let estimates = SeedBootstrap.estimate(seedScores: seedScores, resamples: resamples, seed: seed, statistics: [
            { RankCorrelation.spearman($0, truth) },
            { RankCorrelation.kendallTauB($0, truth) },
            { TopKOverlap.overlap(scores: $0, direction: direction, truth: truth, k: k) },
            { Regret.regret(scores: $0, direction: direction, truth: truth) },
        ])
        return MetricComparison(metric: metric, direction: direction, k: k, edges: kept.count, seeds: seedScores.count,
                                spearman: estimates[0], kendallTauB: estimates[1], topKOverlap: estimates[2],
                                regret: estimates[3])
    }
}
