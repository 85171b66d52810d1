import PluginSDK

/// The Frobenius norm of the edge gradient G_ij.
final class GradientNorm: EdgeMetric {
    static let info = PluginInfo(id: "gradient-norm", name: "Gradient norm", version: "1.0.0",
                                 summary: "Frobenius norm ||G_ij||_F of the edge gradient.")
    static let direction = Direction.higherIsBetter
    static let needs: MetricNeeds = [.probe]

    init(configuration: Configuration) throws {}

    func score(edge: Edge, probe: ProbeServices) throws -> Double {
        try probe.edgeGradient(edge).squaredFrobeniusNorm.squareRoot()
    }
}
