/// One evaluation to make: a placement trained for `steps` optimiser steps
/// on `examples` training examples (0: the whole train split), with every
/// other setting the run's. A worker turns it into one stored evaluation.
public struct WorkUnit: Codable, Hashable, Sendable {
    /// The placement's canonical text form (`3>4:r8,12>0:r8`).
    public var placement: String
    public var steps: Int
    public var examples: Int

    public init(placement: String, steps: Int, examples: Int) {
        self.placement = placement
        self.steps = steps
        self.examples = examples
    }
}
