import CAdapterSearch
import Core

/// Other metrics' scores for a metric that combines them (rank-ensemble):
/// the `asp.search/1` table offered to a metric (ABI 1.3), serving `scores`
/// alone, on the probe the asking metric scores from. `chain` holds the
/// metrics being scored, outermost first, the asking one last: asking for
/// one of them again is a cycle and an error. `evaluate` and `train_gated`
/// are refused: a metric does not train.
final class MemberScores: SearchProvider {
    /// Scores of a metric by id over every edge of the backbone (in
    /// `Edge.all` order) and its direction; the second argument is the chain
    /// that metric is scored in (its own environment adds it).
    typealias Source = (_ metric: String, _ chain: [String]) throws -> (values: [Double], direction: Int32)

    /// The metrics being scored, outermost first; the last one asks.
    let chain: [String]
    /// Residual nodes of the backbone.
    let nodeCount: Int
    private let source: Source

    /// The scores `source` gives, for the last metric of `chain`.
    init(chain: [String], nodeCount: Int, source: @escaping Source) {
        self.chain = chain
        self.nodeCount = nodeCount
        self.source = source
    }

    func scores(metric: String, edges: [Edge]) throws -> (scores: [Double], direction: Int32) {
        if let start = chain.firstIndex(of: metric) {
            let loop = (chain[start...] + [metric]).joined(separator: " → ")
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT,
                               description: "metric cycle \(loop): a metric cannot ask for its own scores, directly or through others")
        }
        let all = try source(metric, chain)
        let values = try edges.map { edge -> Double in
            guard edge.isInside(nodeCount: nodeCount) else {
                throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "no edge \(edge) over \(nodeCount) nodes")
            }
            return all.values[edge.position(nodeCount: nodeCount)]
        }
        return (values, all.direction)
    }

    func evaluate(_ placements: [[Edge]], budget: Budget) throws -> [EvaluationResult] {
        throw refusal("evaluate")
    }

    func trainGated(_ edges: [Edge], budget: GatedRequest) throws -> GatedResult {
        throw refusal("train_gated")
    }

    private func refusal(_ service: String) -> ServiceError {
        ServiceError(status: ASP_ERR_UNSUPPORTED,
                     description: "metric '\(chain.last ?? "?")' called \(service): a metric gets only other metrics' scores from asp.search/1")
    }
}

extension PluginEnvironment {
    /// This environment for metric `metric` scored in `chain` (the metrics
    /// being scored around it, outermost first), offering it the scores of
    /// other metrics from `source`.
    func scoring(_ metric: String, in chain: [String] = [], from source: @escaping MemberScores.Source) -> PluginEnvironment {
        var environment = self
        environment.search = MemberScores(chain: chain + [metric], nodeCount: nodeCount, source: source)
        return environment
    }
}
