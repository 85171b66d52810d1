import Foundation

/// A claim about a strategy A against a baseline B, judged from their
/// paired per-seed differences d = a − b (`PairedComparison`).
///
/// Each claim says the true mean difference exceeds a threshold −δ:
/// "beats" is Δ > 0 (δ = 0); "matches or beats" is Δ > −δ, A at most δ
/// worse (δ = 0.005 accuracy by default). With [lo, hi] the interval of the
/// mean difference:
///
/// - holds when lo > −δ (the whole interval is above the threshold);
/// - does not hold when hi ≤ −δ (the whole interval is at or below it: the
///   claim is strict, so an interval ending exactly at −δ, such as [0, 0]
///   for "beats", refutes it);
/// - undecided otherwise, and when there is no interval (no pairs, or one).
public enum Claim: Equatable, Sendable, CustomStringConvertible {
    /// δ for "matches or beats" when not given: half a point of accuracy.
    public static let defaultTolerance = 0.005

    /// A is better than B: Δ > 0.
    case beats
    /// A is at most `tolerance` worse than B: Δ > −tolerance (tolerance ≥ 0).
    case matchesOrBeats(tolerance: Double = Claim.defaultTolerance)

    /// δ: how far below zero the mean difference may be.
    public var tolerance: Double {
        switch self {
        case .beats: 0
        case let .matchesOrBeats(tolerance): tolerance
        }
    }

    /// How the claim reads in an explanation.
    public var description: String {
        switch self {
        case .beats: "beats"
        case let .matchesOrBeats(tolerance): String(format: "matches or beats within %.4f", tolerance)
        }
    }

    /// The verdict on this claim from `comparison`, with its explanation.
    public func judge(_ comparison: PairedComparison) -> ClaimJudgement {
        precondition(tolerance >= 0 && tolerance.isFinite, "claim: tolerance \(tolerance) must be finite and ≥ 0")
        let threshold = 0 - tolerance       // +0 for "beats", never −0 in the explanation
        let pairs = comparison.differences.count
        let counted = "\(pairs) pair\(pairs == 1 ? "" : "s")"
            + (comparison.droppedPairs > 0 ? ", \(comparison.droppedPairs) dropped" : "")
        guard let estimate = comparison.meanDifference, let mean = estimate.point else {
            return ClaimJudgement(verdict: .undecided, explanation: "undecided: no pair to compare (\(counted)); \(description)")
        }
        guard let low = estimate.low, let high = estimate.high else {
            return ClaimJudgement(verdict: .undecided, explanation: String(
                format: "undecided: mean difference %+.4f has no interval (%@); %@", mean, counted, description))
        }
        let verdict: ClaimVerdict = low > threshold ? .holds : high <= threshold ? .doesNotHold : .undecided
        let relation = switch verdict {
        case .holds: "lies above"
        case .doesNotHold: "lies at or below"
        case .undecided: "reaches both sides of"
        }
        return ClaimJudgement(verdict: verdict, explanation: String(
            format: "%@: mean difference %+.4f, %.0f%% interval [%+.4f, %+.4f] (%@) %@ %+.4f; %@",
            verdict.rawValue, mean, 100 * estimate.level, low, high, counted, relation, threshold, description))
    }
}
