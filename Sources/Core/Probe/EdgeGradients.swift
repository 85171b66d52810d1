import Foundation

/// G_ij = H_i^T D_j for all n^2 edges of a probe, from one matrix product
/// (H_k^T D_k replaced by the pre-map value's product where a sequential map
/// sits, see `Probe.sequentialSources`):
/// with H = [H_0 ... H_{n-1}] and D = [D_0 ... D_{n-1}] (N x nd each), the
/// nd x nd product H^T D holds G_ij as its block (i, j). One BLAS-3 call on
/// every core instead of n^2 small ones.
public struct EdgeGradients: Sendable {
    /// n.
    public let nodeCount: Int
    /// d.
    public let width: Int
    /// H^T D, nd x nd.
    private var blocks: Matrix<Float>

    /// Every edge gradient of `probe`.
    public init(_ probe: Probe) {
        let width = probe.width
        nodeCount = probe.nodeCount
        self.width = width
        func sideBySide(_ matrices: [Matrix<Float>]) -> Matrix<Float> {
            let rows = probe.tokens, cols = matrices.count * width
            return Matrix(rows: rows, cols: cols) { out in
                for (k, matrix) in matrices.enumerated() {
                    matrix.values.withUnsafeBufferPointer { source in
                        for row in 0..<rows {
                            (out.baseAddress! + row * cols + k * width)
                                .update(from: source.baseAddress! + row * width, count: width)
                        }
                    }
                }
            }
        }
        blocks = MatrixProduct.multiply(sideBySide(probe.activations), sideBySide(probe.gradients), transposeA: true)
        // A sequential edge that carries a map reads the node before the maps.
        for (node, source) in probe.sequentialSources {
            let block = MatrixProduct.multiply(source, probe.gradients[node], transposeA: true)
            let cols = blocks.cols
            for row in 0..<width {
                for col in 0..<width { blocks.values[(node * width + row) * cols + node * width + col] = block[row, col] }
            }
        }
    }

    /// G_ij for `edge`, d x d.
    public subscript(edge: Edge) -> Matrix<Float> {
        precondition(edge.isInside(nodeCount: nodeCount), "edge \(edge) outside \(nodeCount) nodes")
        let cols = blocks.cols
        return Matrix(rows: width, cols: width) { out in
            blocks.values.withUnsafeBufferPointer { source in
                for row in 0..<width {
                    (out.baseAddress! + row * width)
                        .update(from: source.baseAddress! + (edge.source * width + row) * cols + edge.target * width, count: width)
                }
            }
        }
    }
}
