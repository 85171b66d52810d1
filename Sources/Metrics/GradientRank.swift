import PluginSDK

/// The numerical rank of the edge gradient G_ij: the count of singular values
/// above rtol * sigma_max, with NumPy's matrix_rank rule by default.
final class GradientRank: EdgeMetric {
    static let info = PluginInfo(
        id: "gradient-rank", name: "Gradient rank", version: "1.0.0",
        summary: "Numerical rank of G_ij = H_i^T D_j: singular values above rtol * sigma_max.",
        parameters: [.real("rtol", default: 0, in: 0...1,
                           help: "relative tolerance; 0 means max(rows, cols) * eps(float32), as numpy.linalg.matrix_rank")])
    static let direction = Direction.higherIsBetter
    static let needs: MetricNeeds = [.probe, .spectrum]

    private let rtol: Double

    init(configuration: Configuration) throws {
        rtol = try configuration.real("rtol")
    }

    func score(edge: Edge, probe: ProbeServices) throws -> Double {
        let tolerance = rtol > 0 ? rtol : Double(try probe.info().width) * Double(Float.ulpOfOne)
        return Double(try probe.rank(edge, relativeTolerance: tolerance))
    }
}
