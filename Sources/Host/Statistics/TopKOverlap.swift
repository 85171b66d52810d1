/// How many of the truly best edges a metric puts in its own top k
/// (METHOD.md section 8).
public enum TopKOverlap {
    /// |top-k by the metric ∩ top-k by the truth| / k, between 0 and 1.
    /// The metric's top k follow its `direction`; the truth's are the
    /// highest accuracies. Ties at the k-th place are broken by the earlier
    /// index (the edge that comes first in source-major order is taken), on
    /// both sides, so the value is fully determined.
    ///
    /// nil when there are no edges or any value is NaN or infinite. `k` must
    /// be at least 1; a `k` beyond the number of edges is cut to it (then
    /// the overlap is 1).
    public static func overlap(scores: [Double], direction: ScoreDirection, truth: [Double], k: Int) -> Double? {
        precondition(scores.count == truth.count, "top-k overlap: \(scores.count) scores against \(truth.count) accuracies")
        precondition(k >= 1, "top-k overlap: k must be at least 1, got \(k)")
        guard !scores.isEmpty, scores.allSatisfy(\.isFinite), truth.allSatisfy(\.isFinite) else { return nil }
        let k = min(k, scores.count)
        let byMetric = Set(direction.bestFirst(scores).prefix(k))
        let byTruth = ScoreDirection.higherIsBetter.bestFirst(truth).prefix(k)
        return Double(byTruth.filter(byMetric.contains).count) / Double(k)
    }
}
