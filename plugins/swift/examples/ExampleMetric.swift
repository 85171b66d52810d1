// ExampleMetric.swift — an AdapterSearch metric plugin in Swift, on the SDK
// package plugins/swift/AdapterSearchPluginSDK (which depends on nothing but
// the C header). `adapter-search plugins new --lang swift --kind metric ID DIR`
// writes this file into a package of its own with the id replaced.
//
// The metric: "example.swift.gradient-energy"
//
//     score(i, j) = ||G_ij||_F ^ (2 / root),   G_ij = H_i^T D_j (width x width)
//
// the norm of the gradient an adapter on (i, j) would see on the probe
// batch; root 2 gives the built-in gradient-norm, root 1 (the default) its
// square. Higher is better. Replace `score` with your heuristic: the probe
// offers each node's activations H_k and gradients D_k, the edge gradients,
// their singular values and ranks (ProbeServices).

import CAdapterSearch
import Glibc
import PluginSDK

/// One instance per run: the host creates it with the user's parameters
/// (`--set ID.root=2`), already checked against the declaration below.
final class ExampleMetric: EdgeMetric {
    static let info = PluginInfo(
        id: "example.swift.gradient-energy", name: "Gradient energy (Swift example)", version: "1.0.0",
        summary: "||G_ij||_F^(2/root), the norm of the edge gradient on the probe; root 2 is gradient-norm.",
        parameters: [.real("root", default: 1, in: 1...4, help: "the score is the norm to the power 2/root")])
    static let direction = Direction.higherIsBetter
    /// The SDK refuses to create the metric on a host that lacks the probe.
    static let needs: MetricNeeds = [.probe]

    private let exponent: Double

    init(configuration: Configuration) throws {
        exponent = 2 / (try configuration.real("root"))
    }

    /// One edge's score. A thrown error reaches the host as a status and
    /// its message; the SDK never lets it cross the C boundary.
    func score(edge: Edge, probe: ProbeServices) throws -> Double {
        let norm = try probe.edgeGradient(edge).squaredFrobeniusNorm.squareRoot()
        return pow(norm, exponent)
    }
}

/// The one exported symbol (the package's linker script hides the rest).
@_cdecl("asp_plugin_entry")
public func entry(_ hostABI: UInt32) -> UnsafePointer<asp_library>? {
    PluginLibrary.entry(hostABI, exporting: [ExampleMetric.self])
}
