import PluginSDK

/// SNIP connection sensitivity of a rank-r adapter at a seeded non-zero init:
/// sum |W_up * dL/dW_up| + sum |W_down * dL/dW_down|, with
/// dL/dW_up = G^T W_down^T and dL/dW_down = W_up^T G^T (first order).
final class Snip: EdgeMetric {
    static let info = PluginInfo(
        id: "snip", name: "SNIP", version: "1.0.0",
        summary: "Connection sensitivity of a low-rank adapter at a seeded small init.",
        parameters: [.int("rank", default: 8, in: 1...4096, help: "adapter rank r of the init")])
    static let direction = Direction.higherIsBetter
    static let needs: MetricNeeds = [.probe, .adapterInit]

    private let rank: Int

    init(configuration: Configuration) throws {
        rank = try configuration.int("rank")
    }

    func score(edge: Edge, probe: ProbeServices) throws -> Double {
        let gradient = try probe.edgeGradient(edge)  // d_in x d_out
        let (down, up) = try probe.adapterInit(edge, rank: rank)  // r x d_in, d_out x r
        return Snip.sensitivity(gradient: gradient, down: down, up: up)
    }

    /// The closed form, in float64.
    static func sensitivity(gradient g: MatrixView, down: MatrixView, up: MatrixView) -> Double {
        let rank = down.rows
        var total = 0.0
        // dL/dW_up[a, c] = sum_b G[b, a] * W_down[c, b]
        for a in 0..<g.cols {
            for c in 0..<rank {
                var sum = 0.0
                for b in 0..<g.rows { sum += Double(g[b, a]) * Double(down[c, b]) }
                total += abs(Double(up[a, c]) * sum)
            }
        }
        // dL/dW_down[c, b] = sum_a W_up[a, c] * G[b, a]
        for c in 0..<rank {
            for b in 0..<g.rows {
                var sum = 0.0
                for a in 0..<g.cols { sum += Double(up[a, c]) * Double(g[b, a]) }
                total += abs(Double(down[c, b]) * sum)
            }
        }
        return total
    }
}
