/// One of the paper's claims at one k, judged from a study's paired test
/// accuracies (`Claim`): (a) GGA on gradient-rank with k adapters matches or
/// beats `parallel-every`; (b) random placements from the extended space
/// beat random sequential/parallel placements; (c) a gradient-rank-guided
/// choice beats a random one at the same k; (d) `calibrated-gga`, which
/// picks its metric on the task, beats GGA on gradient-rank at the same k.
public struct StudyClaim: Codable, Equatable, Sendable {
    /// Which claim: "a", "b", "c" or "d".
    public var claim: String
    /// What it says, with the rows it compares.
    public var statement: String
    /// The k it is judged at (nil when the study cannot judge it at all).
    @ExplicitNull public var k: Int?
    /// `holds`, `does not hold`, `undecided`, or `not judged` when the study lacks a row the claim needs.
    public var verdict: String
    /// One line naming the numbers the verdict follows from, or what is missing.
    public var explanation: String
    /// The mean difference of test accuracy and its interval, when judged.
    @ExplicitNull public var meanDifference: BootstrapEstimate?

    /// The verdict of a claim the study cannot judge.
    public static let notJudged = "not judged"

    private enum CodingKeys: String, CodingKey { case claim, statement, k, verdict, explanation, meanDifference = "mean_difference" }

    /// The line of the text output.
    public var line: String { "(\(claim)) \(statement): \(explanation)" }
}
