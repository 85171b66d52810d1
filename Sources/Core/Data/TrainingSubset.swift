/// A task whose training split is a seeded sample of another task's: the
/// `examples` of a training budget. Validation and test are the base task's.
public struct TrainingSubset<Base: ClassificationTask>: ClassificationTask {
    /// The task sampled.
    public let base: Base
    /// The base task's training indices kept, in a seeded order.
    public let indices: [Int]

    /// The first `examples` of a seeded shuffle of `base`'s training split
    /// (all of them when `examples` is at least their number).
    public init(_ base: Base, examples: Int, seed: UInt64) {
        var random = SeededRandom(seed: seed, stream: "training subset")
        self.base = base
        indices = Array(Array(0..<base.count(.train)).shuffled(using: &random).prefix(max(examples, 0)))
    }

    public var classes: [String] { base.classes }

    public func count(_ split: Split) -> Int {
        split == .train ? indices.count : base.count(split)
    }

    public func size(of index: Int, in split: Split) -> Int {
        base.size(of: split == .train ? indices[index] : index, in: split)
    }

    public func batch(_ split: Split, _ positions: [Int]) -> LabelledBatch<Float> {
        split == .train ? base.batch(.train, positions.map { indices[$0] }) : base.batch(split, positions)
    }
}
