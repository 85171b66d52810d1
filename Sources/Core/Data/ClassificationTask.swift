/// The three parts of a task's data.
public enum Split: String, Sendable, CaseIterable {
    case train, validation, test

    /// A number for example `index` of this split, unique across the splits
    /// (what `LabelledBatch.keys` holds).
    public func key(of index: Int) -> Int {
        3 * index + (self == .train ? 0 : self == .validation ? 1 : 2)
    }
}

/// A classification task a backbone is trained on: labelled examples in
/// train, validation and test splits, served as batches.
public protocol ClassificationTask: Sendable {
    /// The class names; labels index them.
    var classes: [String] { get }
    /// The examples in `split`.
    func count(_ split: Split) -> Int
    /// The examples at `indices` of `split` as one batch, with their keys.
    func batch(_ split: Split, _ indices: [Int]) -> LabelledBatch<Float>
    /// What example `index` of `split` costs in a batch (text: its tokens):
    /// batches of examples of one size pad least. 1 unless a task says.
    func size(of index: Int, in split: Split) -> Int
}

extension ClassificationTask {
    /// The training batch of step `step` under `seed`, in `order`: each
    /// epoch visits the training examples in a fresh seeded order.
    public func trainingBatch(step: Int, size: Int, seed: UInt64, order: BatchOrder = .shuffled) -> LabelledBatch<Float> {
        batch(.train, order.indices(step: step, size: size, seed: seed, of: self))
    }

    public func size(of index: Int, in split: Split) -> Int { 1 }

    /// The first `limit` examples of a split (all when nil) in batches of
    /// `size`, ordered by example size so that each batch pads little
    /// (evaluation sums over examples, so the order changes no figure).
    public func evaluationBatches(_ split: Split, size: Int, limit: Int? = nil) -> [LabelledBatch<Float>] {
        let total = min(count(split), limit ?? Int.max)
        let order = (0..<total).map { (index: $0, size: self.size(of: $0, in: split)) }
            .sorted { ($0.size, $0.index) < ($1.size, $1.index) }.map(\.index)
        return stride(from: 0, to: total, by: size).map { batch(split, Array(order[$0..<min($0 + size, total)])) }
    }
}
