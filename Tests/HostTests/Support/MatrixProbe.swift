import CAdapterSearch
import Core
@testable import Host

/// A small in-test host for metrics: a probe that serves fixed activation
/// and gradient matrices per node instead of running a backbone.
final class MatrixProbe: ProbeProvider, Sendable {
    /// H_k by node: tokens x width each.
    let activations: [Matrix<Float>]
    /// D_k by node: tokens x width each.
    let gradients: [Matrix<Float>]

    /// A probe over `activations` and `gradients`, one matrix per node, all of one shape.
    init(activations: [Matrix<Float>], gradients: [Matrix<Float>]) {
        precondition(activations.count == gradients.count, "one activation and one gradient matrix per node")
        self.activations = activations
        self.gradients = gradients
    }

    /// Residual nodes n.
    var nodeCount: Int { activations.count }

    func info(probe: Int) throws -> ProbeSummary {
        try checkProbe(probe)
        return ProbeSummary(width: activations[0].cols, tokens: activations[0].rows, examples: 1, classes: 2, loss: 1)
    }

    func activations(probe: Int, node: Int) throws -> Matrix<Float> {
        try checkProbe(probe)
        return try checkNode(node, activations)
    }

    func gradients(probe: Int, node: Int) throws -> Matrix<Float> {
        try checkProbe(probe)
        return try checkNode(node, gradients)
    }

    /// G_ij = H_i^T D_j, computed here in float32 like the engine's.
    func edgeGradient(probe: Int, edge: Edge) throws -> Matrix<Float> {
        let h = try activations(probe: probe, node: edge.source), d = try gradients(probe: probe, node: edge.target)
        var product = Matrix<Float>(zeros: h.cols, d.cols)
        for row in 0..<h.cols {
            for col in 0..<d.cols {
                product[row, col] = (0..<h.rows).reduce(0) { $0 + h[$1, row] * d[$1, col] }
            }
        }
        return product
    }

    func adapterInit(edge: Edge, rank: Int) throws -> (down: Matrix<Float>, up: Matrix<Float>) {
        throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "this probe has no adapter inits")
    }

    func runPass(_ request: PassRequest) throws -> Int {
        throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "this probe runs no extra passes")
    }

    private func checkProbe(_ probe: Int) throws {
        guard probe == 0 else { throw ServiceError(status: ASP_ERR_NOT_FOUND, description: "no probe \(probe)") }
    }

    private func checkNode(_ node: Int, _ matrices: [Matrix<Float>]) throws -> Matrix<Float> {
        guard matrices.indices.contains(node) else {
            throw ServiceError(status: ASP_ERR_NOT_FOUND, description: "no node \(node) (the graph has \(nodeCount))")
        }
        return matrices[node]
    }
}

extension Matrix where Scalar == Float {
    /// The mean of the squared entries, in float64.
    var meanSquare: Double {
        values.reduce(0) { $0 + Double($1) * Double($1) } / Double(values.count)
    }

    /// The squared Frobenius norm, in float64.
    var squaredNorm: Double { meanSquare * Double(values.count) }
}
