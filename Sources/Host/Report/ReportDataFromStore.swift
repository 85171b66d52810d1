import Core
import Foundation

extension ReportData {
    /// The report of run `id` of `store`: the mean scores over its probes,
    /// its single-edge evaluations as the truth (if it has any), statistics
    /// recomputed from the stored scores, and the finished search runs of
    /// the store on the same task. For a `study` run, its stored study
    /// instead; a study that has not finished is a `ReportError` saying how
    /// to finish it.
    public init(run id: String, store: ResultsStore) throws {
        let run = try store.run(id)
        let configuration = try RunConfiguration(json: run.configuration, run: id)
        let study = configuration.command == .study ? try Self.study(of: run) : nil
        let task = configuration.task
        let config = try BackboneConfig(contentsOf: task.model + "/config.json")
        let n = config.nodeCount
        let title = "\(URL(fileURLWithPath: task.model).lastPathComponent) on \(task.dataSummary)"
        if let study {
            self.init(runID: id, task: Self.describe(task, config: config), configurationJSON: run.configuration, nodeCount: n,
                      metrics: [], truth: nil, strategies: [],
                      parameterCounts: Self.parameterCounts(config: config, adapter: try configuration.space.adapterOptions()),
                      study: study, taskTitle: title)
            return
        }
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
        let k = configuration.compare?.topK ?? 5
        // Rank ceilings are known from a finished compare run's outcome (they need the probe's tokens).
        let stored = run.outcome.flatMap { try? JSONDecoder().decode(Comparison.self, from: Data($0.utf8)) }
        let metrics = order.map { metric -> Metric in
            let direction = ScoreDirection(abi: directions[metric]!) ?? .higherIsBetter
            let scores = seedScores[metric]!
            let mean = SeedBootstrap.meanScores(scores, counts: [Int](repeating: 1, count: scores.count))
            let comparison = truth.map {
                MetricComparison.compare(metric: metric, direction: direction, seedScores: scores, truth: $0, k: k, seed: run.seed)
            }
            let ceiling = stored?.metrics.first { $0.metric == metric }?.resolution?.rankCeiling
            let resolution = ScoreResolution.mean(seedScores: scores, direction: direction,
                                                  rankCeilings: ceiling.map { [$0] } ?? [])
            return Metric(id: metric, direction: direction, scores: mean, comparison: comparison, resolution: resolution)
        }

        self.init(runID: id, task: Self.describe(task, config: config), configurationJSON: run.configuration, nodeCount: n,
                  metrics: metrics, truth: truth, strategies: try Self.strategies(in: store, like: configuration),
                  parameterCounts: Self.parameterCounts(config: config, adapter: try configuration.space.adapterOptions()),
                  taskTitle: title)
    }

    /// The study a finished `study` run stored as its outcome.
    public static func study(of run: RunRecord) throws(ReportError) -> Study {
        guard run.status == .finished, let outcome = run.outcome else { throw .unfinishedStudy(run: run.id, status: run.status) }
        do {
            return try JSONDecoder().decode(Study.self, from: Data(outcome.utf8))
        } catch {
            throw .unreadableOutcome(run: run.id, reason: "\(error)")
        }
    }

    /// The task in words.
    public static func describe(_ task: TaskSpecification, config: BackboneConfig) -> String {
        let model = URL(fileURLWithPath: task.model).lastPathComponent
        return "\(model) (\(config.layers) blocks, d = \(config.width), \(config.nodeCount) nodes) on \(task.dataSummary)"
    }

    /// The finished search runs of `store` on the same task as `configuration`, newest first.
    public static func strategies(in store: ResultsStore, like configuration: RunConfiguration) throws -> [StrategyResult] {
        try store.runs().compactMap { run -> StrategyResult? in
            guard run.status == .finished, let outcome = run.outcome,
                  let other = try? RunConfiguration(json: run.configuration, run: run.id), let search = other.search,
                  TaskIdentity.sameTask((other.task, other.taskIdentity), (configuration.task, configuration.taskIdentity)),
                  let found = try? JSONDecoder().decode(SearchOutcome.self, from: Data(outcome.utf8)) else { return nil }
            return StrategyResult(strategy: search.strategy, metric: search.metric, k: search.k, placement: found.placement,
                                  validationAccuracy: found.val_acc, testAccuracy: found.test_acc, parameters: found.params)
        }
    }

    /// The parameter counts next to the placements: the frozen backbone's
    /// blocks, and one adapter with the run's options.
    public static func parameterCounts(config: BackboneConfig, adapter: AdapterOptions) -> [ParameterCount] {
        let d = config.width, ffn = config.intermediateWidth
        let block = 4 * d * d + 4 * d + 2 * d * ffn + ffn + d + 4 * d
        let one = Placement([.init(edge: Edge(0, 0), options: adapter)])
        let count = AdapterGraph<Float>.initialized(one, width: d, seed: 0).parameterCount
        return [ParameterCount(item: "backbone blocks (frozen)", count: config.layers * block),
                ParameterCount(item: "one adapter, \(adapter)", count: count)]
    }
}
