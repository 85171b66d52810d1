import ArgumentParser
import Core
import Foundation

/// `adapter-search report RUN --out DIR`: one self-contained HTML page of a
/// stored run: its metrics' heatmaps, the truth where the run trained it,
/// scatters with their rank correlations, and the placements every search
/// run on the same task chose.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report of a stored run (heatmaps, scatters, statistics, strategies' placements).")

    @Argument(help: ArgumentHelp("The run's id (see `adapter-search runs list`).", valueName: "run"))
    var runID: String

    @Option(help: ArgumentHelp("The folder to write report.html into.", valueName: "dir"))
    var out: String

    @OptionGroup var store: StoreOptions

    func run() throws {
        let results = try store.open(create: false)
        let data = try ReportData(run: runID, store: results)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let file = URL(fileURLWithPath: out).appendingPathComponent("report.html")
        try ReportPage.html(data).write(to: file, atomically: true, encoding: .utf8)
        print(file.path)
    }
}

extension ReportData {
    /// The report of run `id` of `store`: the mean scores over its probes,
    /// its single-edge evaluations as the truth (if it has any), statistics
    /// recomputed from the stored scores, and the finished search runs of
    /// the store on the same task.
    init(run id: String, store: ResultsStore) throws {
        let run = try store.run(id)
        let (task, space) = try StoredRun.options(of: run)
        let config = try BackboneConfig(contentsOf: task.model + "/config.json")
        let n = config.nodeCount
        let edges = Edge.all(nodeCount: n)

        // The truth: single-edge evaluations under the budget most of them share.
        let singles = try store.evaluations(run: id).compactMap { record -> (Edge, EvaluationRecord)? in
            guard let placement = try? Placement(parsing: record.placement, nodeCount: n), placement.edges.count == 1 else { return nil }
            return (placement.edges[0], record)
        }
        let budgets = Dictionary(grouping: singles, by: \.1.budget)
        var truth: [Double]?
        if let (_, records) = budgets.max(by: { $0.value.count < $1.value.count }) {
            var values = [Double](repeating: .nan, count: edges.count)
            for (edge, record) in records { values[edge.position(nodeCount: n)] = record.validationAccuracy }
            truth = values
        }

        // Scores: per metric, one vector per probe seed.
        var seedScores: [String: [[Double]]] = [:], directions: [String: Int32] = [:], order: [String] = []
        for set in try store.scoreSets(run: id) {
            guard let stored = try store.scores(run: id, probe: set.probe, metric: set.metric) else { continue }
            var values = [Double](repeating: .nan, count: edges.count)
            for score in stored {
                let edge = Edge(score.source, score.target)
                if edge.isInside(nodeCount: n) { values[edge.position(nodeCount: n)] = score.value }
            }
            if seedScores[set.metric] == nil { order.append(set.metric) }
            seedScores[set.metric, default: []].append(values)
            directions[set.metric] = set.direction
        }
        let k = Self.topK(of: run)
        let metrics = order.map { metric -> Metric in
            let direction = ScoreDirection(abi: directions[metric]!) ?? .higherIsBetter
            let scores = seedScores[metric]!
            let mean = SeedBootstrap.meanScores(scores, counts: [Int](repeating: 1, count: scores.count))
            let comparison = truth.map {
                MetricComparison.compare(metric: metric, direction: direction, seedScores: scores, truth: $0, k: k, seed: run.seed)
            }
            return Metric(id: metric, direction: direction, scores: mean, comparison: comparison)
        }

        self.init(runID: id, task: Self.describe(task, config: config), configurationJSON: run.configuration, nodeCount: n,
                  metrics: metrics, truth: truth, strategies: try Self.strategies(in: store, task: task),
                  parameterCounts: Self.parameterCounts(config: config, adapter: try space.adapterOptions()))
    }

    /// The k a compare run used for its top-k overlap (5 otherwise).
    static func topK(of run: RunRecord) -> Int {
        guard let outcome = run.outcome, let data = outcome.data(using: .utf8),
              let comparison = try? JSONDecoder().decode(Comparison.self, from: data) else { return 5 }
        return comparison.metrics.first?.k ?? 5
    }

    /// The task in words.
    static func describe(_ task: TaskOptions, config: BackboneConfig) -> String {
        let model = URL(fileURLWithPath: task.model).lastPathComponent
        let data = task.trainFile.map { "\(URL(fileURLWithPath: $0).lastPathComponent) (and its validation and test files)" }
            ?? (task.fashionMnist ? "Fashion-MNIST" : task.trainImages.map { "images \($0)" } ?? "WordNet noun supersenses")
        return "\(model) (\(config.layers) blocks, d = \(config.width), \(config.nodeCount) nodes) on \(data)"
    }

    /// The finished search runs of `store` on the same task, newest first.
    static func strategies(in store: ResultsStore, task: TaskOptions) throws -> [StrategyResult] {
        try store.runs().compactMap { run -> StrategyResult? in
            guard run.status == .finished, run.command.hasPrefix("adapter-search search"), let outcome = run.outcome,
                  let arguments = try? StoredRun.arguments(of: run), let search = try? SearchCommand.parse(arguments),
                  search.task.identity == task.identity,
                  let found = try? JSONDecoder().decode(SearchOutcome.self, from: Data(outcome.utf8)) else { return nil }
            return StrategyResult(strategy: search.strategy, metric: search.metric, k: search.k, placement: found.placement,
                                  validationAccuracy: found.val_acc, testAccuracy: found.test_acc, parameters: found.params)
        }
    }

    /// The parameter counts next to the placements: the frozen backbone's
    /// blocks, and one adapter with the run's options.
    static func parameterCounts(config: BackboneConfig, adapter: AdapterOptions) -> [ParameterCount] {
        let d = config.width, ffn = config.intermediateWidth
        let block = 4 * d * d + 4 * d + 2 * d * ffn + ffn + d + 4 * d
        let one = Placement([.init(edge: Edge(0, 0), options: adapter)])
        let count = AdapterGraph<Float>.initialized(one, width: d, seed: 0).parameterCount
        return [ParameterCount(item: "backbone blocks (frozen)", count: config.layers * block),
                ParameterCount(item: "one adapter, \(one.description.dropFirst("0>0:".count))", count: count)]
    }
}
