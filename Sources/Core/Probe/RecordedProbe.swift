/// A probe from matrices recorded elsewhere (a probe dumped by `score
/// --dump-probe`, read back): nothing is run.
extension Probe {
    /// Why recorded matrices cannot make a probe.
    public struct RecordingError: Error, CustomStringConvertible, Equatable {
        /// What is wrong with them.
        public var description: String
    }

    /// A probe of the given H_k and D_k (k = 0 ..< n, each N x d), sequential
    /// sources (node -> N x d), head (classes x d weight), loss and number of
    /// examples. Throws unless n >= 1, every matrix is N x d with the same N
    /// and d, and the head reads width d.
    public init(activations: [Matrix<Float>], gradients: [Matrix<Float>], sequentialSources: [Int: Matrix<Float>] = [:],
                head: Linear<Float>, loss: Double, examples: Int) throws(RecordingError) {
        guard let first = activations.first else { throw RecordingError(description: "no node: H_0 is missing") }
        guard gradients.count == activations.count else {
            throw RecordingError(description: "\(activations.count) activation matrices but \(gradients.count) gradient matrices")
        }
        let (tokens, width) = (first.rows, first.cols)
        let named = activations.enumerated().map { ("H_\($0.offset)", $0.element) }
            + gradients.enumerated().map { ("D_\($0.offset)", $0.element) }
            + sequentialSources.sorted { $0.key < $1.key }.map { ("S_\($0.key)", $0.value) }
        for (name, matrix) in named where matrix.rows != tokens || matrix.cols != width {
            throw RecordingError(description: "\(name) is \(matrix.rows) x \(matrix.cols); H_0 is \(tokens) x \(width)")
        }
        if let node = sequentialSources.keys.first(where: { !(0..<activations.count).contains($0) }) {
            throw RecordingError(description: "a sequential source for node \(node), outside nodes 0...\(activations.count - 1)")
        }
        guard head.inputWidth == width, head.bias.count == head.outputWidth, head.outputWidth > 0 else {
            throw RecordingError(description: "the head is \(head.outputWidth) x \(head.inputWidth) with \(head.bias.count) biases; "
                                 + "it must read width \(width) with one bias per class")
        }
        self.activations = activations
        self.gradients = gradients
        self.sequentialSources = sequentialSources
        self.head = head
        self.loss = loss
        self.examples = examples
    }
}
