/// Softmax cross-entropy of logits against class labels, averaged over the batch.
public enum CrossEntropy {
    /// The mean loss and dL/dlogits.
    public static func loss<Scalar: Real>(_ logits: Matrix<Scalar>, labels: [Int]) -> (loss: Scalar, gradient: Matrix<Scalar>) {
        precondition(labels.count == logits.rows, "\(labels.count) labels for \(logits.rows) rows")
        var gradient = logits
        var total: Scalar = 0
        let batch = Scalar(logits.rows)
        for row in 0..<logits.rows {
            let base = row * logits.cols
            var largest = -Scalar.infinity
            for col in 0..<logits.cols { largest = max(largest, logits.values[base + col]) }
            var sum: Scalar = 0
            for col in 0..<logits.cols { sum += Scalar.exp(logits.values[base + col] - largest) }
            let logSum = largest + Scalar.log(sum)
            total += logSum - logits.values[base + labels[row]]
            for col in 0..<logits.cols {
                let probability = Scalar.exp(logits.values[base + col] - logSum)
                gradient.values[base + col] = (probability - (col == labels[row] ? 1 : 0)) / batch
            }
        }
        return (total / batch, gradient)
    }
}
