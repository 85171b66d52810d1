/// How a sequence of rows becomes one vector per example.
public enum Pooling: String, Sendable, CaseIterable {
    /// The mean over real tokens (sentence-transformers' mean pooling).
    case mean
    /// The first row (the CLS token).
    case cls

    /// B x d from (B*T) x d.
    public func forward<Scalar: Real>(_ hidden: Matrix<Scalar>, layout: BatchLayout) -> Matrix<Scalar> {
        var pooled = Matrix<Scalar>(zeros: layout.examples, hidden.cols)
        for example in 0..<layout.examples {
            for (row, weight) in weights(example, layout: layout, as: Scalar.self) {
                for col in 0..<hidden.cols { pooled[example, col] += weight * hidden[row, col] }
            }
        }
        return pooled
    }

    /// (B*T) x d from dL/dpooled, B x d.
    public func backward<Scalar: Real>(_ dPooled: Matrix<Scalar>, layout: BatchLayout) -> Matrix<Scalar> {
        var dHidden = Matrix<Scalar>(zeros: layout.rows, dPooled.cols)
        for example in 0..<layout.examples {
            for (row, weight) in weights(example, layout: layout, as: Scalar.self) {
                for col in 0..<dPooled.cols { dHidden[row, col] = weight * dPooled[example, col] }
            }
        }
        return dHidden
    }

    /// The rows an example's pooled vector reads, with their weights.
    private func weights<Scalar: Real>(_ example: Int, layout: BatchLayout, as: Scalar.Type) -> [(Int, Scalar)] {
        let first = example * layout.length
        switch self {
        case .cls:
            return [(first, 1)]
        case .mean:
            let rows = (first..<first + layout.length).filter { layout.isToken[$0] }
            let weight = 1 / Scalar(max(rows.count, 1))
            return rows.map { ($0, weight) }
        }
    }
}
