/// A batch of examples with their labels, ready for a backbone.
public struct LabelledBatch<Scalar: Real>: Sendable {
    /// The backbone's input.
    public var input: BackboneInput<Scalar>
    /// One class index per example.
    public var labels: [Int]
    /// One number per example, unique within its task, that names it to a
    /// `PrefixCache`; nil when the examples have no stable identity.
    public var keys: [Int]?

    /// A batch of given input and labels.
    public init(input: BackboneInput<Scalar>, labels: [Int], keys: [Int]? = nil) {
        precondition(keys == nil || keys!.count == labels.count, "one key per example")
        self.input = input
        self.labels = labels
        self.keys = keys
    }

    /// The examples at `positions` (in that order), as one batch; text keeps
    /// its padded length.
    public func selecting(_ positions: [Int]) -> LabelledBatch {
        let selected: BackboneInput<Scalar>
        switch input {
        case let .tokens(ids, types, layout):
            let rows = positions.flatMap { ($0 * layout.length)..<(($0 + 1) * layout.length) }
            selected = .tokens(ids: rows.map { ids[$0] }, types: rows.map { types[$0] },
                               layout: BatchLayout(examples: positions.count, length: layout.length,
                                                   isToken: rows.map { layout.isToken[$0] }))
        case let .images(pixels, count):
            let size = pixels.count / max(count, 1)
            selected = .images(pixels: positions.flatMap { pixels[($0 * size)..<(($0 + 1) * size)] }, count: positions.count)
        }
        return LabelledBatch(input: selected, labels: positions.map { labels[$0] }, keys: keys.map { keys in positions.map { keys[$0] } })
    }
}
