import Foundation

/// How finely one metric's scores tell the edges apart (METHOD.md section 8,
/// "Resolution"): how many distinct values the scores take, the share of
/// edges tied at the best score, and, for a rank metric, the share at the
/// rank ceiling min(d, tokens). A metric whose scores crowd at one value
/// cannot rank the edges, whatever its correlation with the truth says.
///
/// Scores are compared exactly. Non-finite scores (NaN, infinity, or an
/// edge not scored) are left out of every share and counted in `missing`;
/// the shares are of the edges with a finite score.
public struct ScoreResolution: Codable, Equatable, Sendable {
    /// Edges looked at (every score given, finite or not).
    public var edges: Int
    /// Score vectors aggregated: 1 for one probe, else the probe seeds
    /// whose values are averaged here.
    public var seeds: Int
    /// Edges without a finite score (mean over the seeds).
    public var missing: Double
    /// Distinct finite values among the scores (mean over the seeds).
    public var distinctValues: Double
    /// The share of finite-scored edges whose score equals the best one
    /// (the highest for a higher-is-better metric, the lowest for a
    /// lower-is-better one), 0 ... 1 (mean over the seeds).
    public var tiedAtBest: Double
    /// For a rank metric, the rank ceiling min(d, tokens): the largest rank
    /// G_ij = H_iᵀ D_j (tokens × d by tokens × d) can have; the smallest
    /// over the seeds when their probe batches differ in tokens. nil for
    /// other metrics.
    public var rankCeiling: Int?
    /// For a rank metric, the share of finite-scored edges whose score is
    /// the rank ceiling (mean over the seeds); nil for other metrics.
    public var atRankCeiling: Double?
    /// Whether the metric is saturated (`isSaturated`): at least half the
    /// edges tied at the best, or distinct values fewer than a tenth of the edges.
    public var saturated: Bool

    /// The JSON keys, snake_case like every other output of the tool.
    public enum CodingKeys: String, CodingKey {
        case edges, seeds, missing, saturated
        case distinctValues = "distinct_values", tiedAtBest = "tied_at_best", rankCeiling = "rank_ceiling"
        case atRankCeiling = "at_rank_ceiling"
    }

    /// The share tied at the best from which a metric is saturated.
    public static let saturatedTiedShare = 0.5
    /// The share of the edges below which too few distinct values saturate a metric.
    public static let saturatedDistinctShare = 0.1

    /// The metrics whose score is a matrix rank of G_ij, bounded by the rank
    /// ceiling min(d, tokens). Metric descriptors carry no such flag, so
    /// they are known by id.
    public static let rankMetrics: Set<String> = ["gradient-rank"]

    /// Whether metric `id` (a plugin id) is a rank metric.
    public static func isRankMetric(_ id: String) -> Bool { rankMetrics.contains(id) }

    /// The resolution of one score vector: `scores[e]` is edge e's score,
    /// `direction` the metric's; `rankCeiling` is min(d, tokens) for a rank
    /// metric, nil for any other.
    public init(scores: [Double], direction: ScoreDirection, rankCeiling: Int? = nil) {
        let finite = scores.filter(\.isFinite)
        edges = scores.count
        seeds = 1
        missing = Double(scores.count - finite.count)
        distinctValues = Double(Set(finite).count)
        if let best = direction == .higherIsBetter ? finite.max() : finite.min() {
            tiedAtBest = Double(finite.filter { $0 == best }.count) / Double(finite.count)
        } else {
            tiedAtBest = 0
        }
        self.rankCeiling = rankCeiling
        atRankCeiling = rankCeiling.map { ceiling in
            finite.isEmpty ? 0 : Double(finite.filter { $0 == Double(ceiling) }.count) / Double(finite.count)
        }
        saturated = false
        saturated = isSaturated
    }

    /// The resolution of several seeds' score vectors of one metric: each
    /// figure the mean over the seeds of that seed's figure (the rank
    /// ceiling the smallest), and saturation judged on the means.
    /// `rankCeilings[s]` is seed s's ceiling (empty for a metric that is
    /// not a rank metric). nil when there is no seed.
    public static func mean(seedScores: [[Double]], direction: ScoreDirection, rankCeilings: [Int] = []) -> ScoreResolution? {
        let each = seedScores.indices.map { seed in
            ScoreResolution(scores: seedScores[seed], direction: direction,
                            rankCeiling: rankCeilings.isEmpty ? nil : rankCeilings[min(seed, rankCeilings.count - 1)])
        }
        return mean(each)
    }

    /// The mean of `resolutions` of one metric (one per seed), as `mean(seedScores:...)`; nil when empty.
    public static func mean(_ resolutions: [ScoreResolution]) -> ScoreResolution? {
        guard var result = resolutions.first else { return nil }
        guard resolutions.count > 1 else { return result }
        func average(_ value: (ScoreResolution) -> Double) -> Double {
            resolutions.map(value).reduce(0, +) / Double(resolutions.count)
        }
        result.seeds = resolutions.count
        result.edges = resolutions.map(\.edges).max() ?? 0
        result.missing = average(\.missing)
        result.distinctValues = average(\.distinctValues)
        result.tiedAtBest = average(\.tiedAtBest)
        let ceilings = resolutions.compactMap(\.rankCeiling)
        result.rankCeiling = ceilings.min()
        result.atRankCeiling = ceilings.isEmpty ? nil : average { $0.atRankCeiling ?? 0 }
        result.saturated = result.isSaturated
        return result
    }

    /// Edges with a finite score.
    public var scoredEdges: Double { Double(edges) - missing }

    /// The saturation rule (METHOD.md section 8): at least
    /// `saturatedTiedShare` (half) of the scored edges tied at the best, or
    /// fewer distinct values than `saturatedDistinctShare` (a tenth) of the
    /// scored edges. A metric with no finite score is not judged (false).
    public var isSaturated: Bool {
        guard scoredEdges > 0 else { return false }
        return tiedAtBest >= Self.saturatedTiedShare || distinctValues < Self.saturatedDistinctShare * scoredEdges
    }

    /// The warning line for a saturated metric labelled `label` (a metric
    /// id, or a sweep row's label such as `gradient-rank:rtol=1e-3`), naming
    /// what to try; nil when it is not saturated. `width` is d, when known,
    /// to tell a ceiling set by the probe's tokens from one set by d.
    public func warning(label: String, width: Int? = nil) -> String? {
        guard saturated else { return nil }
        let id = MetricRow.metricID(ofLabel: label)
        var found = String(format: "%@ distinct values over %.0f edges, %.0f%% tied at the best",
                           Self.number(distinctValues), scoredEdges, tiedAtBest * 100)
        let hint: String
        if let ceiling = rankCeiling, let share = atRankCeiling, share >= Self.saturatedTiedShare {
            found += String(format: ", %.0f%% at the rank ceiling min(d, tokens) = %d", share * 100, ceiling)
            let tokensBound = width.map { ceiling < $0 } ?? false
            hint = "try a larger rtol, so that small singular values stop counting (compare --metric \(id):rtol=1e-4,1e-3,1e-2 "
                + "judges each)" + (tokensBound ? ", or a larger --probe-size (the ceiling is the probe's \(ceiling) tokens)" : "")
        } else if Self.isRankMetric(id) {
            hint = "try a smaller rtol, so that more singular values count (compare --metric \(id):rtol=1e-6,1e-5,1e-4 judges each)"
        } else {
            hint = "try a larger --probe-size or other parameters (compare --metric \(id):NAME=V1,V2 judges each setting; "
                + "`adapter-search plugins list` shows them)"
        }
        return "warning: \(label) is saturated (\(found)): it cannot tell most edges apart; \(hint)"
    }

    /// The diagnostics table of labelled resolutions: metric, distinct
    /// values / edges, the share tied at the best, the share at the rank
    /// ceiling (or `-`), and whether the metric is saturated.
    public static func table(_ rows: [(label: String, resolution: ScoreResolution)]) -> String {
        let header = ["METRIC", "DISTINCT / EDGES", "TIED AT BEST", "AT RANK CEILING", "SATURATED"]
        return TextTable.render([header] + rows.map { label, resolution in
            let missing = resolution.missing > 0 ? " (\(number(resolution.missing)) missing)" : ""
            let ceiling = zip(resolution.atRankCeiling, resolution.rankCeiling).map { share, ceiling in
                percent(share) + " of \(ceiling)"
            } ?? "-"
            return [label, "\(number(resolution.distinctValues)) / \(number(resolution.scoredEdges))\(missing)",
                    percent(resolution.tiedAtBest), ceiling, resolution.saturated ? "yes" : "no"]
        })
    }

    /// The table and a warning line per saturated metric, as `compare` and `score` print them.
    public static func diagnostics(_ rows: [(label: String, resolution: ScoreResolution)], width: Int? = nil) -> String {
        table(rows) + rows.compactMap { $0.resolution.warning(label: $0.label, width: width).map { $0 + "\n" } }.joined()
    }

    /// A count, whole when it is (a mean over seeds may not be).
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// A share as a percentage with one decimal.
    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }
}

/// Both optionals, or nil.
private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
