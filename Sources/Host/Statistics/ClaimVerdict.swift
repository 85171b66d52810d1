/// What the seeds say about a claim: it holds, it does not, or they cannot
/// tell (`Claim.judge`).
public enum ClaimVerdict: String, Equatable, Sendable {
    /// The whole interval of the mean difference is on the claim's side.
    case holds
    /// The whole interval is on the other side.
    case doesNotHold = "does not hold"
    /// The interval reaches both sides, or there is no interval.
    case undecided
}

/// A verdict with the one line that says why, naming the numbers.
public struct ClaimJudgement: Equatable, Sendable {
    /// The verdict.
    public var verdict: ClaimVerdict
    /// One line: the verdict, the mean difference, its interval, the number
    /// of pairs and the threshold it was held against.
    public var explanation: String
}
