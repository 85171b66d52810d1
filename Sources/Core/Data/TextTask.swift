/// A text classification task ready for a backbone: splits tokenized once,
/// served as padded batches in a seeded order.
public struct TextTask: ClassificationTask {
    public let splits: DataSplits
    /// Token ids per example, per split, [CLS] ... [SEP].
    let encoded: (train: [[Int32]], validation: [[Int32]], test: [[Int32]])
    let paddingID: Int32

    /// Tokenizes every example of `splits` (cut to `maxLength` tokens).
    public init(splits: DataSplits, tokenizer: WordPieceTokenizer, maxLength: Int = 128) {
        self.splits = splits
        func encode(_ dataset: TextDataset) -> [[Int32]] { dataset.examples.map { tokenizer.encode($0.text, maxLength: maxLength) } }
        encoded = (encode(splits.train), encode(splits.validation), encode(splits.test))
        paddingID = tokenizer.paddingID
    }

    /// The classes.
    public var classes: [String] { splits.train.classes }

    /// Tokens in the longest example of any split, [CLS] and [SEP] included.
    public var longestExample: Int {
        [encoded.train, encoded.validation, encoded.test].flatMap { $0.map(\.count) }.max() ?? 0
    }

    func data(_ split: Split) -> (TextDataset, [[Int32]]) {
        switch split {
        case .train: (splits.train, encoded.train)
        case .validation: (splits.validation, encoded.validation)
        case .test: (splits.test, encoded.test)
        }
    }

    /// Examples of a split.
    public func count(_ split: Split) -> Int { data(split).0.examples.count }

    /// An example's tokens, [CLS] and [SEP] included.
    public func size(of index: Int, in split: Split) -> Int { data(split).1[index].count }

    /// The examples at `indices` of `split` as one batch, padded to its longest.
    public func batch(_ split: Split, _ indices: [Int]) -> LabelledBatch<Float> {
        let (dataset, ids) = data(split)
        let length = indices.map { ids[$0].count }.max() ?? 0
        var tokens: [Int32] = [], mask: [Bool] = []
        for index in indices {
            tokens += ids[index] + [Int32](repeating: paddingID, count: length - ids[index].count)
            mask += [Bool](repeating: true, count: ids[index].count) + [Bool](repeating: false, count: length - ids[index].count)
        }
        let layout = BatchLayout(examples: indices.count, length: length, isToken: mask)
        return LabelledBatch(input: .tokens(ids: tokens, types: [Int32](repeating: 0, count: tokens.count), layout: layout),
                             labels: indices.map { dataset.examples[$0].label }, keys: indices.map { split.key(of: $0) })
    }
}
