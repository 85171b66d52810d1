/// Matrix-product FLOPs of a backbone pass (2 per multiply-add), the work a
/// FLOP rate is quoted against. Element-wise work is not counted.
public struct FlopCount: Sendable {
    /// Forward FLOPs.
    public var forward: Double
    /// Backward FLOPs for the node gradients (input gradients only).
    public var backward: Double

    /// The FLOPs of `backbone` on `examples` sequences of `length` rows.
    public init<Scalar>(_ backbone: Backbone<Scalar>, examples: Int, length: Int) {
        let rows = Double(examples * length), d = Double(backbone.width)
        var forward = 0.0, backward = 0.0
        for block in backbone.blocks {
            let hidden = Double(block.intermediate.outputWidth)
            let projections = 2 * rows * d * (3 * d + d + 2 * hidden)  // qkv, output, MLP up and down
            let attention = 2 * Double(examples) * Double(length * length) * d  // one T x T x d product per head set
            forward += projections + 2 * attention  // QK^T and PV
            backward += projections + 4 * attention  // dV, dP, dQ, dK
        }
        self.forward = forward
        self.backward = backward
    }
}
