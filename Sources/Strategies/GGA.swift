#if canImport(Glibc)
import Glibc
#endif
import PluginSDK

/// Gradient-guided adapters: greedily take the best-scoring edge, then
/// discount every remaining edge e by its distance to the chosen e*:
/// s_e <- s_e * (1 - gamma^dist(e, e*)). gamma = 0 is top-k.
final class GGA: Strategy {
    static let info = PluginInfo(
        id: "gga", name: "Gradient-guided adapters", version: "1.0.0",
        summary: "Greedy by score, discounting edges near each chosen one by 1 - gamma^distance.",
        parameters: [metricParameter,
                     .real("gamma", default: 0.6, in: 0...1, help: "distance discount base; 0 gives top-k")])
    private let metric: String
    private let gamma: Double

    init(configuration: Configuration) throws {
        metric = try configuration.string("metric")
        gamma = try configuration.real("gamma")
    }

    func select(k: Int, host: PluginHost) throws -> [Edge] {
        let edges = try host.candidates(atLeast: k)
        let scores = try host.search().orientedScores(metric: metric, edges: edges)
        return GGA.greedy(edges: edges, scores: scores, k: k, gamma: gamma)
    }

    /// The greedy loop; ties go to the earlier candidate.
    static func greedy(edges: [Edge], scores: [Double], k: Int, gamma: Double) -> [Edge] {
        var remaining = Array(zip(edges, scores))
        var chosen: [Edge] = []
        while chosen.count < k {
            var best = 0
            for index in remaining.indices where remaining[index].1 > remaining[best].1 { best = index }
            let pick = remaining.remove(at: best).0
            chosen.append(pick)
            for index in remaining.indices {
                remaining[index].1 *= 1 - pow(gamma, Double(remaining[index].0.distance(to: pick)))
            }
        }
        return chosen
    }
}
