/// Everything `adapter-search report` shows for one run: what was run, each
/// metric's scores over the n² single edges, the true accuracies where
/// they are known, the comparison statistics, and the strategies' results;
/// for a `study` run, the study instead of the metrics.
/// Edge-indexed arrays are in source-major order (`Edge.all(nodeCount:)`:
/// index i·n + j is edge i>j).
public struct ReportData: Sendable {
    /// One metric's scores.
    public struct Metric: Sendable {
        /// The metric's id (`gradient-rank`), or its sweep row's label
        /// (`gradient-rank:rtol=1e-3@probe-size=8`).
        public var id: String
        /// Which way it points.
        public var direction: ScoreDirection
        /// The score of every edge (n² values; with several probe seeds,
        /// the mean over seeds).
        public var scores: [Double]
        /// The metric judged against the truth, when there is a truth.
        public var comparison: MetricComparison?
        /// How finely its scores tell the edges apart (mean over the probe
        /// seeds of each seed's figures); nil when not computed.
        public var resolution: ScoreResolution? = nil
    }

    /// One placement a strategy chose and how it trained.
    public struct StrategyResult: Sendable {
        /// The strategy's id (`gga`).
        public var strategy: String
        /// The metric that guided it; nil for strategies that use none.
        public var metric: String?
        /// How many edges it was asked for.
        public var k: Int
        /// The placement in its text form (`12>0:r8,3>4:r4`).
        public var placement: String
        /// Validation accuracy (what strategies choose by).
        public var validationAccuracy: Double
        /// Test accuracy (reported only).
        public var testAccuracy: Double
        /// Trainable parameters (adapters and head).
        public var parameters: Int
    }

    /// A named parameter count (`backbone (frozen)`, `head`, `one adapter, r = 8`).
    public struct ParameterCount: Sendable {
        /// What is counted.
        public var item: String
        /// How many parameters.
        public var count: Int
    }

    /// The run's id.
    public var runID: String
    /// The task in words (`MiniLM on WordNet noun supersenses, 26 classes`).
    public var task: String
    /// The run's configuration as JSON text, shown as written.
    public var configurationJSON: String
    /// The number of residual nodes n.
    public var nodeCount: Int
    /// The metrics, in the order shown.
    public var metrics: [Metric]
    /// The true accuracy of every single-edge placement (n² values; NaN for
    /// an edge not trained yet), or nil when no ground truth was trained.
    public var truth: [Double]?
    /// What `truth` measures, for titles and axes.
    public var truthName: String = "validation accuracy"
    /// The placements chosen by each strategy run on this task.
    public var strategies: [StrategyResult]
    /// Parameter counts worth knowing next to the placements.
    public var parameterCounts: [ParameterCount]
    /// The study, when the run is a finished `study` run: the page shows
    /// its table, claims and charts instead of the metrics' sections.
    public var study: Study? = nil
    /// The task in a few words, a section's title on a page of several runs
    /// (`all-MiniLM-L6-v2 on WordNet verb supersenses`); `task` when nil.
    public var taskTitle: String? = nil
}
