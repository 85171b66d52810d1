import PluginSDK

/// SynFlow (Tanaka et al. 2020) for an adapter on each edge: the SNIP closed
/// form (see `Snip.sensitivity`) at the absolute values of the seeded
/// adapter init, with G_ij taken from one data-free extra pass: node 0 all
/// ones, every backbone weight replaced by |w|, loss R = the sum of the
/// head's outputs. Project choice: first order around the backbone without
/// the adapter, like snip; the head stays as the probe's.
final class Synflow: EdgeMetric {
    static let info = PluginInfo(
        id: "synflow", name: "SynFlow", version: "1.0.0",
        summary: "Synaptic flow of a low-rank adapter at |init| on a data-free |w| pass (one extra pass).",
        parameters: [.int("rank", default: 8, in: 1...4096, help: "adapter rank r of the init")])
    static let direction = Direction.higherIsBetter
    static let needs: MetricNeeds = [.probe, .adapterInit, .extraPasses]

    private let rank: Int
    /// The data-free pass, run the first time an edge is scored.
    private var dataFreeProbe: Int?

    init(configuration: Configuration) throws {
        rank = try configuration.int("rank")
    }

    func score(edge: Edge, probe: ProbeServices) throws -> Double {
        let pass = try dataFreeProbe ?? probe.runPass(PassRequest(input: .ones, weights: .absolute, loss: .sumOfOutputs))
        dataFreeProbe = pass
        let gradient = try probe.edgeGradient(edge, probe: pass)
        let (down, up) = try probe.adapterInit(edge, rank: rank)
        let absoluteDown = down.values.map(abs), absoluteUp = up.values.map(abs)
        return try absoluteDown.withUnsafeBufferPointer { downValues in
            try absoluteUp.withUnsafeBufferPointer { upValues in
                Snip.sensitivity(gradient: gradient, down: try MatrixView(rows: down.rows, cols: down.cols, values: downValues),
                                 up: try MatrixView(rows: up.rows, cols: up.cols, values: upValues))
            }
        }
    }
}
