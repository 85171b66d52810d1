/// Everything `adapter-search report` shows for one run: what was run, each
/// metric's scores over the n² single edges, the true accuracies where
/// they are known, the comparison statistics, and the strategies' results.
/// Edge-indexed arrays are in source-major order (`Edge.all(nodeCount:)`:
/// index i·n + j is edge i>j).
struct ReportData: Sendable {
    /// One metric's scores.
    struct Metric: Sendable {
        /// The metric's id (`gradient-rank`).
        var id: String
        /// Which way it points.
        var direction: ScoreDirection
        /// The score of every edge (n² values; with several probe seeds,
        /// the mean over seeds).
        var scores: [Double]
        /// The metric judged against the truth, when there is a truth.
        var comparison: MetricComparison?
    }

    /// One placement a strategy chose and how it trained.
    struct StrategyResult: Sendable {
        /// The strategy's id (`gga`).
        var strategy: String
        /// The metric that guided it; nil for strategies that use none.
        var metric: String?
        /// How many edges it was asked for.
        var k: Int
        /// The placement in its text form (`12>0:r8,3>4:r4`).
        var placement: String
        /// Validation accuracy (what strategies choose by).
        var validationAccuracy: Double
        /// Test accuracy (reported only).
        var testAccuracy: Double
        /// Trainable parameters (adapters and head).
        var parameters: Int
    }

    /// A named parameter count (`backbone (frozen)`, `head`, `one adapter, r = 8`).
    struct ParameterCount: Sendable {
        /// What is counted.
        var item: String
        /// How many parameters.
        var count: Int
    }

    /// The run's id.
    var runID: String
    /// The task in words (`MiniLM on WordNet noun supersenses, 26 classes`).
    var task: String
    /// The run's configuration as JSON text, shown as written.
    var configurationJSON: String
    /// The number of residual nodes n.
    var nodeCount: Int
    /// The metrics, in the order shown.
    var metrics: [Metric]
    /// The true accuracy of every single-edge placement (n² values; NaN for
    /// an edge not trained yet), or nil when no ground truth was trained.
    var truth: [Double]?
    /// What `truth` measures, for titles and axes.
    var truthName: String = "validation accuracy"
    /// The placements chosen by each strategy run on this task.
    var strategies: [StrategyResult]
    /// Parameter counts worth knowing next to the placements.
    var parameterCounts: [ParameterCount]
}
