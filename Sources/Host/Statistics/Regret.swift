/// What trusting a metric costs: how much accuracy its single best edge
/// gives up against the truly best edge (METHOD.md section 8).
public enum Regret {
    /// The true best accuracy minus the true accuracy of the metric's best
    /// edge: the highest score, or for a lower-is-better metric the lowest;
    /// equal best scores go to the earlier index. Never negative; 0 when the
    /// metric's best is a truly best edge.
    ///
    /// nil when there are no edges or any value is NaN or infinite.
    public static func regret(scores: [Double], direction: ScoreDirection, truth: [Double]) -> Double? {
        precondition(scores.count == truth.count, "regret: \(scores.count) scores against \(truth.count) accuracies")
        guard let best = truth.max(), scores.allSatisfy(\.isFinite), truth.allSatisfy(\.isFinite),
              let chosen = direction.bestFirst(scores).first else { return nil }
        return best - truth[chosen]
    }
}
