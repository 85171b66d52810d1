import CAdapterSearch
import Core
import Foundation

/// Metric scores on the harness's probe, for the strategies `plugins test`
/// runs: each metric plugin is created in this process over the probe and
/// scores every edge once; the scores are kept for the process.
final class HarnessMetricScores {
    /// The probe metrics score on.
    let probe: HarnessProbe
    /// The metrics strategies may ask for: the tested file's own, then
    /// those of --plugin and --plugin-path, $ADAPTER_SEARCH_PLUGIN_PATH and
    /// the built-ins.
    let metrics: [PluginDescriptor]
    /// Where metrics' parameters come from (--set METRIC.NAME=VALUE).
    let parameters: PluginSources
    /// The seed metrics' random streams are drawn from.
    let seed: UInt64
    private var known: [String: Result<(values: [Double], direction: Int32), ServiceError>] = [:]

    init(probe: HarnessProbe, metrics: [PluginDescriptor], parameters: PluginSources, seed: UInt64) {
        self.probe = probe
        self.metrics = metrics
        self.parameters = parameters
        self.seed = seed
    }

    /// Every edge's score by metric `id` (in `Edge.all` order) and its
    /// direction; `chain` holds the metrics being scored that asked for it
    /// (a rank-ensemble's members), outermost first.
    func scores(metric id: String, chain: [String] = []) throws -> (values: [Double], direction: Int32) {
        if let result = known[id] { return try result.get() }
        let result: Result<(values: [Double], direction: Int32), ServiceError>
        do {
            result = .success(try compute(id, chain: chain))
        } catch {
            result = .failure(ServiceError(error))
        }
        known[id] = result
        return try result.get()
    }

    /// The environment metric `id` scores in, asked for by the metrics of `chain`:
    /// the probe, every edge a candidate, and other metrics' scores from here.
    func environment(_ id: String, chain: [String] = [], seed: UInt64) -> PluginEnvironment {
        PluginEnvironment(seed: seed, nodeCount: probe.nodeCount, candidates: Edge.all(nodeCount: probe.nodeCount), probe: probe.engine)
            .scoring(id, in: chain) { [unowned self] member, chain in try scores(metric: member, chain: chain) }
    }

    private func compute(_ id: String, chain: [String]) throws -> (values: [Double], direction: Int32) {
        guard let plugin = metrics.first(where: { $0.id == id }) else {
            throw ServiceError(status: ASP_ERR_NOT_FOUND, description: "no metric plugin '\(id)'; "
                               + "the harness offers \(metrics.filter { $0.kind == .metric }.map(\.id).joined(separator: ", "))")
        }
        guard plugin.kind == .metric else {
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "plugin '\(id)' is a \(plugin.kind), not a metric")
        }
        let edges = Edge.all(nodeCount: probe.nodeCount)
        let environment = environment(id, chain: chain, seed: seed)
        do {
            let instance = try PluginInstance(plugin, environment: environment, configuration: parameters.parameters(ofMetric: id))
            return (try instance.score(edges), plugin.direction)
        } catch let error as PluginCallError {
            throw ServiceError(status: error.status ?? ASP_ERR_ENGINE,
                               description: "metric '\(id)' failed on the harness's probe: \(error.message)")
        }
    }
}

/// The search services `plugins test` gives a strategy, without training
/// anything. Scores come from real metric plugins on the harness's probe
/// (`HarnessMetricScores`); every evaluation and gated training is answered
/// with a synthetic result, a fixed function of the placement
/// (`syntheticAccuracy`, `syntheticGate`), the same in every run; strategy
/// state is kept in memory for the instance. Each strategy instance gets its
/// own, so no state carries from one to the next.
final class HarnessSearch: SearchProvider, CheckpointStore {
    let metricScores: HarnessMetricScores
    private let nodeCount: Int
    private let width: Int
    private let classes: Int
    private var states: [String: [UInt8]] = [:]

    /// Placements answered, gated trainings answered, and the metrics asked for.
    private(set) var evaluations = 0, gatedTrainings = 0
    private(set) var metricsAsked: [String] = []

    init(metricScores: HarnessMetricScores) {
        self.metricScores = metricScores
        let probe = metricScores.probe.engine.probe
        nodeCount = probe.nodeCount
        width = probe.width
        classes = probe.classes
    }

    /// How evaluations are answered, for the report.
    static let explanation = "synthetic, nothing is trained: validation accuracy = 0.5 + 0.45 (1 - prod over the placement's "
        + "edges (i, j) of (1 - w_ij)), w_ij = 0.05 + 0.05 ((3i + 5j) mod 7), loss = -ln(accuracy), whatever the budget; "
        + "a gated training opens edge (i, j) with probability ((3i + 5j) mod 7 + 0.5) / 7"

    /// w_ij, the synthetic gain of an adapter on `edge`: 0.05 ... 0.35.
    static func syntheticWeight(_ edge: Edge) -> Double {
        0.05 + 0.05 * Double((3 * edge.source + 5 * edge.target) % 7)
    }

    /// The synthetic validation accuracy of a placement: 0.5 with no edge,
    /// rising towards 0.95 as edges are added.
    static func syntheticAccuracy(_ placement: [Edge]) -> Double {
        0.5 + 0.45 * (1 - placement.reduce(1.0) { $0 * (1 - syntheticWeight($1)) })
    }

    /// The synthetic gate probability of `edge` after a gated training: 1/14 ... 13/14.
    static func syntheticGate(_ edge: Edge) -> Double {
        (Double((3 * edge.source + 5 * edge.target) % 7) + 0.5) / 7
    }

    func scores(metric: String, edges: [Edge]) throws -> (scores: [Double], direction: Int32) {
        if !metricsAsked.contains(metric) { metricsAsked.append(metric) }
        let all = try metricScores.scores(metric: metric)
        let values = try edges.map { edge -> Double in
            try check(edge)
            return all.values[edge.position(nodeCount: nodeCount)]
        }
        return (values, all.direction)
    }

    func evaluate(_ placements: [[Edge]], budget: Budget) throws -> [EvaluationResult] {
        try placements.map { placement in
            try checkPlacement(placement)
            evaluations += 1
            let accuracy = Self.syntheticAccuracy(placement)
            return EvaluationResult(accuracy: accuracy, loss: -log(accuracy), parameters: placement.count * 2 * width * 8 + classes * (width + 1),
                                    seconds: 0)
        }
    }

    func trainGated(_ edges: [Edge], budget: GatedRequest) throws -> GatedResult {
        try budget.check()
        guard !edges.isEmpty else { throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "train_gated needs at least one edge") }
        try checkPlacement(edges)
        gatedTrainings += 1
        let probabilities = edges.map(Self.syntheticGate)
        let accuracy = Self.syntheticAccuracy(zip(edges, probabilities).filter { $0.1 > 0.5 }.map(\.0))
        return GatedResult(probabilities: probabilities, accuracy: accuracy, loss: -log(accuracy), seconds: 0)
    }

    func save(plugin: String, state: [UInt8]) throws { states[plugin] = state }

    func load(plugin: String) throws -> [UInt8]? { states[plugin] }

    /// What the strategy asked of these services, for a check's detail.
    var account: String {
        var parts: [String] = []
        if !metricsAsked.isEmpty { parts.append("scores of \(metricsAsked.joined(separator: ", "))") }
        if evaluations > 0 { parts.append("\(evaluations) synthetic evaluation\(evaluations == 1 ? "" : "s")") }
        if gatedTrainings > 0 { parts.append("\(gatedTrainings) synthetic gated training\(gatedTrainings == 1 ? "" : "s")") }
        return parts.joined(separator: ", ")
    }

    private func check(_ edge: Edge) throws {
        guard edge.isInside(nodeCount: nodeCount) else {
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "no edge \(edge) over \(nodeCount) nodes")
        }
    }

    /// As the engine: every edge inside the graph, none twice.
    private func checkPlacement(_ edges: [Edge]) throws {
        for edge in edges { try check(edge) }
        guard Set(edges).count == edges.count else {
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "a placement names an edge twice: \(edges)")
        }
    }
}
