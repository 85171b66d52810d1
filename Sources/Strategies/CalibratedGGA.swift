import CAdapterSearch
import PluginSDK

/// GGA on the metric that predicts this task best: trains m single edges
/// (spread over targets and kinds) at a reduced budget in one batch,
/// measures every candidate metric's Spearman rho between its scores and
/// those accuracies, and runs GGA's greedy loop on the best one. It reports
/// the metric and its rho as findings (`asp.findings/1`) when the host takes them.
final class CalibratedGGA: Strategy {
    /// The candidates when `metrics` is not given: every built-in metric and rank-ensemble (METHOD.md section 6).
    static let defaultCandidates =
        "gradient-rank,gradient-norm,snip,nuclear-norm,stable-rank,effective-rank,fisher,synflow,rank-ensemble"

    static let info = PluginInfo(
        id: "calibrated-gga", name: "Calibrated GGA", version: "1.0.0",
        summary: "Trains m single edges briefly, picks the metric whose scores rank them best (Spearman), runs GGA on it.",
        parameters: [
            .string("metrics", default: defaultCandidates,
                    help: "candidate metric ids, separated by , or +; ties in rho go to the earlier one"),
            .int("m", default: 12, in: 2...100_000, help: "single edges trained to calibrate on (at least 2)"),
            .int("steps", default: 100, atLeast: 1, help: "training steps of each calibration edge"),
            .real("gamma", default: 0.6, in: 0...1, help: "GGA's distance discount base; 0 gives top-k"),
        ])
    private let candidates: [String]
    private let count: Int
    private let steps: Int
    private let gamma: Double

    init(configuration: Configuration) throws {
        candidates = try CalibratedGGA.candidates(try configuration.string("metrics"))
        count = try configuration.int("m")
        guard count >= 2 else { throw PluginError.invalidArgument("calibrated-gga needs m ≥ 2 calibration edges to rank, not \(count)") }
        steps = try configuration.int("steps")
        gamma = try configuration.real("gamma")
    }

    /// The ids of the list (MetricList: `,` or `+` between ids), checked: at least one, none twice.
    static func candidates(_ list: String) throws(PluginError) -> [String] {
        try MetricList.ids(list, of: "calibrated-gga")
    }

    func select(k: Int, host: PluginHost) throws -> [Edge] {
        let edges = try host.candidates(atLeast: k)
        guard edges.count >= count else {
            throw PluginError.invalidArgument("calibrated-gga: m = \(count) calibration edges but the run has only \(edges.count) candidates")
        }
        let search = try host.search()
        let (candidates, scores) = try scorable(search, edges: edges, host: host)
        let sample = try CalibrationSample.choose(count, of: edges, host: host)
        let results = try search.evaluateBatch(sample.map { [edges[$0]] }, steps: steps, host: host)
        try results.requireSomeTrained("the \(count) calibration edges")
        let accuracies = results.map(\.rankingAccuracy)  // a diverged edge is the worst
        let (best, rho) = Ranking.bestCorrelated(scores.map { column in sample.map { column[$0] } }, with: accuracies)!
        let metric = candidates[best]
        host.log(.info, "calibrated-gga: \(metric) ranks the \(count) calibration edges best (Spearman rho \(rounded(rho))); "
                 + "all: " + zip(candidates, scores).map { id, column in
                     "\(id) \(rounded(Ranking.spearman(sample.map { column[$0] }, accuracies)))"
                 }.joined(separator: ", "))
        if let findings = try? host.findings() {
            try findings.report("metric", text: metric)
            try findings.report("rho", number: rho)
            try findings.report("calibration-edges", number: Double(count))
        }
        host.progress(1, "calibrated on \(count) edges: \(metric), rho \(rounded(rho))")
        return GGA.greedy(edges: edges, scores: scores[best], k: k, gamma: gamma)
    }

    /// The candidates the host can score here, with their oriented scores
    /// of `edges`, asked for before anything trains. A candidate the host
    /// cannot serve (`ASP_ERR_UNSUPPORTED`: synflow on a probe without extra
    /// passes, say) is left out with a warning; any other error (an unknown
    /// metric) fails, and so does having none left.
    private func scorable(_ search: SearchServices, edges: [Edge], host: PluginHost) throws -> ([String], [[Double]]) {
        var ids: [String] = [], columns: [[Double]] = []
        for id in candidates {
            do {
                columns.append(try search.orientedScores(metric: id, edges: edges))
                ids.append(id)
            } catch let error as PluginError where error.status == ASP_ERR_UNSUPPORTED {
                host.log(.warning, "calibrated-gga: leaving candidate \(id) out: \(error.message)")
            }
        }
        guard !ids.isEmpty else {
            throw PluginError.unsupported("calibrated-gga: the host can score none of its candidate metrics (\(candidates.joined(separator: ",")))")
        }
        return (ids, columns)
    }

    private func rounded(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return "\(scaled)"
    }
}

/// The calibration edges: m candidates spread over target nodes and edge
/// kinds. The targets are visited in turn, in an order drawn from the host's
/// seeded stream, round after round until m edges are taken; each visit
/// takes the next kind in the cycle sequential, parallel, long-range,
/// recurrent (the cycle goes on across visits) that the target still has,
/// and an edge of that target and kind drawn from the same stream.
enum CalibrationSample {
    /// The positions in `edges` of the `count` (≤ edges.count) chosen edges, in the order taken.
    static func choose(_ count: Int, of edges: [Edge], host: PluginHost) throws -> [Int] {
        var pools: [Int: [EdgeKind: [Int]]] = [:]
        for index in edges.indices { pools[edges[index].target, default: [:]][edges[index].kind, default: []].append(index) }
        let targets = try host.sample(pools.count, from: pools.keys.sorted())
        let kinds = EdgeKind.allCases
        var chosen: [Int] = [], nextKind = 0
        while chosen.count < min(count, edges.count) {
            for target in targets where chosen.count < count {
                let cycle = kinds.indices.map { kinds[(nextKind + $0) % kinds.count] }
                guard let kind = cycle.first(where: { !(pools[target]?[$0]?.isEmpty ?? true) }) else { continue }
                nextKind = (kinds.firstIndex(of: kind)! + 1) % kinds.count
                let pick = try host.randomIndex(below: pools[target]![kind]!.count)
                chosen.append(pools[target]![kind]!.remove(at: pick))
            }
        }
        return chosen
    }
}
