/// What one strategy chose at one k on one seed of a study, and how the
/// chosen placement did when trained and tested under the study's budget.
public struct StudyChoice: Codable, Equatable, Sendable {
    /// The strategy's label (`StrategySpecification`'s text form).
    public var strategy: String
    /// The size it was asked for.
    public var k: Int
    /// The training seed (the run's + the seed's offset): the adapters'
    /// initialisation, the data order and the strategy's random stream.
    public var seed: UInt64
    /// The probe seed its scores came from.
    public var probeSeed: UInt64
    /// The chosen placement's text form (`none` for no adapter).
    public var placement: String
    /// Validation accuracy; nil when the training diverged.
    @ExplicitNull public var validationAccuracy: Double?
    /// Test accuracy; nil when the training diverged.
    @ExplicitNull public var testAccuracy: Double?
    /// Trainable parameters: the adapters and the head.
    public var parameters: Int
    /// Seconds the chosen placement's training and evaluation took.
    public var trainingSeconds: Double
    /// Why the training diverged, when it did.
    @ExplicitNull public var failure: String?
    /// What choosing cost the strategy.
    public var search: SearchCost
    /// What the strategy reported about its choice (`asp.findings/1`), e.g.
    /// the metric calibrated-gga settled on and its rho; nil when nothing.
    public var findings: Findings?

    public init(strategy: String, k: Int, seed: UInt64, probeSeed: UInt64, placement: String, validationAccuracy: Double?,
                testAccuracy: Double?, parameters: Int, trainingSeconds: Double, failure: String? = nil,
                search: SearchCost = SearchCost(), findings: Findings? = nil) {
        self.strategy = strategy
        self.k = k
        self.seed = seed
        self.probeSeed = probeSeed
        self.placement = placement
        self.validationAccuracy = validationAccuracy
        self.testAccuracy = testAccuracy
        self.parameters = parameters
        self.trainingSeconds = trainingSeconds
        self.failure = failure
        self.search = search
        self.findings = findings
    }

    private enum CodingKeys: String, CodingKey {
        case strategy, k, seed, probeSeed = "probe_seed", placement, validationAccuracy = "val_acc", testAccuracy = "test_acc",
             parameters = "params", trainingSeconds = "train_seconds", failure, search, findings
    }
}

/// What a strategy spent choosing a placement: the probe passes its
/// scores needed (one serves every metric), the placements it had trained
/// and validated, their optimiser steps, and the seconds of both (the
/// stored seconds of each evaluation and of the probe pass, whether this
/// process made them or found them stored). For a row of a study, the mean
/// over its seeds.
public struct SearchCost: Codable, Equatable, Sendable {
    public var probePasses: Double
    public var evaluations: Double
    public var steps: Double
    public var seconds: Double

    public init(probePasses: Double = 0, evaluations: Double = 0, steps: Double = 0, seconds: Double = 0) {
        self.probePasses = probePasses
        self.evaluations = evaluations
        self.steps = steps
        self.seconds = seconds
    }

    /// The mean of `costs` (zero for none).
    public static func mean(_ costs: [SearchCost]) -> SearchCost {
        guard !costs.isEmpty else { return SearchCost() }
        let n = Double(costs.count)
        return SearchCost(probePasses: costs.map(\.probePasses).reduce(0, +) / n, evaluations: costs.map(\.evaluations).reduce(0, +) / n,
                          steps: costs.map(\.steps).reduce(0, +) / n, seconds: costs.map(\.seconds).reduce(0, +) / n)
    }

    private enum CodingKeys: String, CodingKey { case probePasses = "probe_passes", evaluations, steps, seconds }

    /// The cost in a table cell: `1 probe, 39 evals, 2,691 steps, 812 s`, or `none`.
    public var summary: String {
        guard probePasses > 0 || evaluations > 0 else { return "none" }
        var parts: [String] = []
        if probePasses > 0 { parts.append("\(Self.count(probePasses)) probe") }
        if evaluations > 0 { parts.append("\(Self.count(evaluations)) evals, \(Self.count(steps)) steps") }
        parts.append(String(format: "%.0f s", seconds))
        return parts.joined(separator: ", ")
    }

    /// A count, with one decimal when a mean is not whole.
    static func count(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
