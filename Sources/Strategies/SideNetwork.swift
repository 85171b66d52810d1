import PluginSDK

/// A backprop-free side network (LoSA, "Time-, Memory- and Parameter-
/// Efficient Visual Adaptation"): k adapters that all feed the last node,
/// reading the frozen backbone's features where the metric scores them
/// best. No edge enters the backbone, so training one never runs a backward
/// pass through it, and its whole prefix is cached.
final class SideNetwork: Strategy {
    static let info = PluginInfo(
        id: "side-network", name: "Side network", version: "1.0.0",
        summary: "The k best-scoring candidate edges into the last node: training never back-propagates through the backbone.",
        parameters: [metricParameter])
    private let metric: String

    init(configuration: Configuration) throws {
        metric = try configuration.string("metric")
    }

    func select(k: Int, host: PluginHost) throws -> [Edge] {
        let last = host.nodeCount - 1
        let edges = try host.candidateEdges().filter { $0.target == last }
        guard edges.count >= k else {
            throw PluginError.invalidArgument("k = \(k) but only \(edges.count) candidate edges end at the last node \(last); "
                                              + "side-network needs k of them (include long-range edges in --kinds)")
        }
        return TopK.best(k, of: edges, scores: try host.search().orientedScores(metric: metric, edges: edges))
    }
}
