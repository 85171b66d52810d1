/// The figures of one strategy at one k over a study's seeds: accuracy
/// with its interval, size, what choosing cost, training time, and the
/// paired comparisons against the baselines.
public struct StudyRow: Codable, Equatable, Sendable {
    /// The strategy's label.
    public var strategy: String
    /// The size asked for; nil when the strategy chose the same placement at
    /// every k of the study on every seed (`none`, `parallel-every`): one row
    /// stands for all of them.
    @ExplicitNull public var k: Int?
    /// Its choices, one per seed, in seed order.
    public var choices: [StudyChoice]
    /// Test accuracy over the seeds: mean and 95% Student-t interval.
    public var test: SeedSummary
    /// Validation accuracy over the seeds.
    public var validation: SeedSummary
    /// Mean trainable parameters.
    public var parameters: Double
    /// Mean cost of choosing.
    public var search: SearchCost
    /// Mean seconds of the chosen placement's training and evaluation.
    public var trainingSeconds: Double
    /// Paired comparisons of test accuracy against each baseline the study has.
    public var versus: [StudyPairing]
    /// Whether no other row is both more accurate (test mean) and smaller.
    public var onParetoFront: Bool

    /// The row's label in lists: `gga:metric=gradient-rank k=3`, or the strategy alone when `k` is nil.
    public var label: String { k.map { "\(strategy) k=\($0)" } ?? strategy }

    /// The row of `choices` (one per seed, in seed order).
    init(strategy: String, k: Int?, choices: [StudyChoice]) {
        self.strategy = strategy
        self.k = k
        self.choices = choices
        test = SeedSummary(choices.map { $0.testAccuracy ?? .nan })
        validation = SeedSummary(choices.map { $0.validationAccuracy ?? .nan })
        let n = Double(max(choices.count, 1))
        parameters = choices.map { Double($0.parameters) }.reduce(0, +) / n
        search = SearchCost.mean(choices.map(\.search))
        trainingSeconds = choices.map(\.trainingSeconds).reduce(0, +) / n
        versus = []
        onParetoFront = false
    }

    /// The test accuracies in seed order, NaN for a diverged training.
    var testAccuracies: [Double] { choices.map { $0.testAccuracy ?? .nan } }

    private enum CodingKeys: String, CodingKey {
        case strategy, k, choices, test = "test_acc", validation = "val_acc", parameters = "params", search,
             trainingSeconds = "train_seconds", versus, onParetoFront = "pareto"
    }
}

/// A row's test accuracy against a baseline row's on the same seeds.
public struct StudyPairing: Codable, Equatable, Sendable {
    /// The baseline row's label.
    public var baseline: String
    /// The per-seed differences (row − baseline), their mean with a
    /// bootstrap interval, the sign test and the Wilcoxon signed-rank test.
    public var comparison: PairedComparison
}
