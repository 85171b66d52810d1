import Foundation

/// One evaluation to make: a placement trained for `steps` optimiser steps
/// on `examples` training examples (0: the whole train split), from `seed`
/// (the run's when nil), with every other setting the run's, then
/// validated, and tested when `tests`; its adapters and head are written to
/// `out` when given. A worker turns it into one stored evaluation.
public struct WorkUnit: Codable, Hashable, Sendable {
    /// The placement's canonical text form (`3>4:r8,12>0:r8`).
    public var placement: String
    public var steps: Int
    public var examples: Int
    /// The seed of the adapters' initialisation and the data order, when not
    /// the run's: a study trains each seed's placements under that seed.
    public var seed: UInt64?
    /// Whether the test split is evaluated too (a chosen placement; strategies choose on validation only).
    public var tests: Bool
    /// The folder the trained adapters and head go to (`adapters.safetensors`, `placement.json`), if any.
    public var out: String?

    public init(placement: String, steps: Int, examples: Int, seed: UInt64? = nil, tests: Bool = false, out: String? = nil) {
        self.placement = placement
        self.steps = steps
        self.examples = examples
        self.seed = seed
        self.tests = tests
        self.out = out
    }

    /// Whether `record`, the stored evaluation of this placement under this
    /// budget, is all this unit asks for: it exists, and it has its test
    /// accuracy and its written files when the unit asks for them (a
    /// diverged training has neither, and is made all the same).
    func isMade(by record: EvaluationRecord?) -> Bool {
        guard let record else { return false }
        guard record.failure == nil else { return true }
        if tests, record.testAccuracy == nil { return false }
        if let out { return TrainedPlacement.isWritten(in: out) }
        return true
    }
}
