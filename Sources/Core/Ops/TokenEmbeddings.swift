/// BERT's input embeddings: word + position + token type, then layer norm.
/// RoBERTa numbers positions from `paddingIndex + 1`, counting real tokens only.
public struct TokenEmbeddings<Scalar: Real>: Sendable {
    /// How positions are numbered.
    public enum Positions: Sendable, Equatable {
        /// 0, 1, 2, ... (BERT).
        case absolute
        /// paddingIndex + 1, +2, ... over real tokens; padding gets paddingIndex (RoBERTa).
        case afterPadding(paddingIndex: Int)
    }

    /// vocabulary x d.
    public var word: Matrix<Scalar>
    /// maximum positions x d.
    public var position: Matrix<Scalar>
    /// token types x d.
    public var tokenType: Matrix<Scalar>
    /// The norm after the sum.
    public var norm: LayerNorm<Scalar>
    /// How positions are numbered.
    public var positions: Positions

    /// Embeddings from their tables.
    public init(word: Matrix<Scalar>, position: Matrix<Scalar>, tokenType: Matrix<Scalar>, norm: LayerNorm<Scalar>,
                positions: Positions = .absolute) {
        self.word = word
        self.position = position
        self.tokenType = tokenType
        self.norm = norm
        self.positions = positions
    }

    /// The longest sequence the position table can number, [CLS] and [SEP] included.
    public var longestSequence: Int {
        switch positions {
        case .absolute: position.rows
        case let .afterPadding(paddingIndex): max(0, position.rows - paddingIndex - 1)
        }
    }

    /// The embeddings with `transform` applied to every table entry and the norm's parameters.
    public func mapped(_ transform: (Scalar) -> Scalar) -> TokenEmbeddings {
        func map(_ table: Matrix<Scalar>) -> Matrix<Scalar> { Matrix(rows: table.rows, cols: table.cols, values: table.values.map(transform)) }
        return TokenEmbeddings(word: map(word), position: map(position), tokenType: map(tokenType), norm: norm.mapped(transform),
                               positions: positions)
    }

    /// The position id of every row.
    func positionIDs(layout: BatchLayout) -> [Int] {
        switch positions {
        case .absolute:
            return (0..<layout.rows).map { $0 % layout.length }
        case let .afterPadding(paddingIndex):
            var ids: [Int] = []
            for example in 0..<layout.examples {
                var count = 0
                for step in 0..<layout.length {
                    let real = layout.isToken[example * layout.length + step]
                    if real { count += 1 }
                    ids.append(real ? paddingIndex + count : paddingIndex)
                }
            }
            return ids
        }
    }

    /// LN(word[id] + position[pos] + type[type]) for every row; ids and types are (B*T).
    public func forward(ids: [Int32], types: [Int32], layout: BatchLayout) -> (Matrix<Scalar>, LayerNorm<Scalar>.Cache) {
        let width = word.cols
        let positionIDs = positionIDs(layout: layout)
        var sum = Matrix<Scalar>(zeros: layout.rows, width)
        for row in 0..<layout.rows {
            let w = Int(ids[row]) * width, p = positionIDs[row] * width, t = Int(types[row]) * width
            for col in 0..<width {
                sum.values[row * width + col] = word.values[w + col] + position.values[p + col] + tokenType.values[t + col]
            }
        }
        return norm.forward(sum)
    }
}
