import Foundation
@testable import Host

/// A fixed report for the page tests: 5 nodes, 3 metrics (one lower-is-
/// better, one with integer scores), a synthetic truth with one edge not
/// trained yet, comparisons over 3 probe seeds, and strategy results.
enum SampleReport {
    static let nodeCount = 5
    /// The edge whose truth is missing (NaN).
    static let untrainedEdge = 7

    /// The sample over `n` nodes (5 by default).
    static func make(nodeCount n: Int = nodeCount) -> ReportData {
        let edges = n * n
        var truth = (0..<edges).map { edge -> Double in
            let (i, j) = (edge / n, edge % n)
            let (across, apart) = (Double(j) / Double(n - 1), Double(abs(i - j)) / Double(n - 1))
            return 0.62 + 0.2 * across - 0.08 * apart + 0.015 * sin(Double(edge) * 1.7)
        }
        truth[untrainedEdge] = .nan
        func seeds(_ score: (Int, Int) -> Double) -> [[Double]] {
            (0..<3).map { seed in (0..<edges).map { score($0, seed) } }
        }
        let rank = seeds { edge, seed in Double(min(8, (edge % n) * 8 / n + (edge + seed) % 3)) }
        let norm = seeds { edge, seed in 1e-3 * (1 + 4 * Double(edge % n) / Double(n - 1) + 0.8 * cos(Double(edge * 3 + seed))) }
        let loss = seeds { edge, seed in 2.5 - 1.2 * Double(edge % n) / Double(n - 1) + 0.2 * sin(Double(edge + 5 * seed)) }
        let inputs: [(String, ScoreDirection, [[Double]])] = [("gradient-rank", .higherIsBetter, rank),
                                                              ("gradient-norm", .higherIsBetter, norm),
                                                              ("loss-proxy", .lowerIsBetter, loss)]
        let metrics = inputs.map { id, direction, seedScores in
            ReportData.Metric(id: id, direction: direction,
                              scores: SeedBootstrap.meanScores(seedScores, counts: [1, 1, 1]),
                              comparison: MetricComparison.compare(metric: id, direction: direction, seedScores: seedScores,
                                                                   truth: truth, k: 3, resamples: 200, seed: 1))
        }
        return ReportData(
            runID: "demo <run> & \"quotes\"",
            task: "tiny BERT on a synthetic task, 4 classes",
            configurationJSON: #"{"model": "tiny-bert", "steps": 300, "seed": 0, "note": "<script>alert(1)</script>"}"#,
            nodeCount: n, metrics: metrics, truth: truth,
            strategies: [
                .init(strategy: "gga", metric: "gradient-rank", k: 2, placement: "4>0:r8,2>3:r8",
                      validationAccuracy: 0.8312, testAccuracy: 0.8254, parameters: 12_544),
                .init(strategy: "top-k", metric: "gradient-norm", k: 2, placement: "3>4:r8,4>4:r8",
                      validationAccuracy: 0.8120, testAccuracy: 0.8093, parameters: 12_544),
                .init(strategy: "parallel-every", metric: nil, k: 4, placement: "0>1,1>2,2>3,3>4",
                      validationAccuracy: 0.8275, testAccuracy: 0.8301, parameters: 25_088),
            ],
            parameterCounts: [.init(item: "backbone (frozen)", count: 1_234_567),
                              .init(item: "head", count: 132),
                              .init(item: "one adapter, r = 8", count: 6_272)])
    }
}
