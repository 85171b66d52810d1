import PluginSDK

/// Fisher information proxy: the mean squared entry of the edge gradient.
final class Fisher: EdgeMetric {
    static let info = PluginInfo(id: "fisher", name: "Fisher", version: "1.0.0",
                                 summary: "Mean squared gradient: ||G_ij||_F^2 / (rows * cols).")
    static let direction = Direction.higherIsBetter
    static let needs: MetricNeeds = [.probe]

    init(configuration: Configuration) throws {}

    func score(edge: Edge, probe: ProbeServices) throws -> Double {
        let gradient = try probe.edgeGradient(edge)
        return gradient.squaredFrobeniusNorm / Double(gradient.rows * gradient.cols)
    }
}
