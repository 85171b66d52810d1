import PluginSDK

/// The k candidate edges with the best scores; ties go to the earlier candidate.
final class TopK: Strategy {
    static let info = PluginInfo(id: "top-k", name: "Top-k", version: "1.0.0",
                                 summary: "The k edges with the best scores under a metric.",
                                 parameters: [metricParameter])
    private let metric: String

    init(configuration: Configuration) throws {
        metric = try configuration.string("metric")
    }

    func select(k: Int, host: PluginHost) throws -> [Edge] {
        let edges = try host.candidates(atLeast: k)
        return TopK.best(k, of: edges, scores: try host.search().orientedScores(metric: metric, edges: edges))
    }

    /// The `k` of `edges` with the highest `scores`; ties go to the earlier edge.
    static func best(_ k: Int, of edges: [Edge], scores: [Double]) -> [Edge] {
        let order = edges.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        return order.prefix(k).map { edges[$0] }
    }
}
