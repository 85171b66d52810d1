import Foundation

/// Why a vocabulary cannot be used.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String)
    case emptyVocabulary(file: String)
    case missingSpecialToken(file: String, token: String)

    public var description: String {
        switch self {
        case let .unreadable(file): "\(file): cannot read the vocabulary (run `bash scripts/setup` for the default model)"
        case let .emptyVocabulary(file): "\(file): the vocabulary is empty"
        case let .missingSpecialToken(file, token): "\(file): the vocabulary has no \(token) token"
        }
    }
}

/// Token ids of a batch, padded to its longest sequence.
public struct TokenBatch: Sendable, Equatable {
    /// count x length ids, row-major; padding is [PAD].
    public var ids: [Int32]
    /// 1 for a token, 0 for padding.
    public var mask: [Int32]
    /// Token type ids (all 0: single sentences).
    public var typeIDs: [Int32]
    /// Sequences.
    public var count: Int
    /// The longest sequence, [CLS] and [SEP] included.
    public var length: Int

    /// The layout the backbone reads.
    public var layout: BatchLayout {
        BatchLayout(examples: count, length: length, isToken: mask.map { $0 == 1 })
    }
}

/// BERT's uncased WordPiece tokenizer, as Hugging Face's tokenizers library
/// runs it for all-MiniLM-L6-v2: clean the text (drop NUL, U+FFFD and control
/// characters; whitespace becomes a space), put spaces around CJK ideographs,
/// strip accents (NFD, drop non-spacing marks), lower-case, split on
/// whitespace and around punctuation, then greedy longest-match-first word
/// pieces with "##" continuations; a word of more than 100 characters, or one
/// no pieces cover, becomes [UNK].
public struct WordPieceTokenizer: Sendable {
    private let vocabulary: [String: Int32]
    /// Special tokens written in the text itself are kept whole, as Hugging
    /// Face's added tokens are (matched before any normalisation).
    private let specialTokens: [(text: String, id: Int32)]
    /// The first scalars of the special tokens: text without any holds none of them.
    private let specialTokenStarts: Set<Unicode.Scalar>
    /// Ids of the special tokens.
    public let classID: Int32, separatorID: Int32, paddingID: Int32, unknownID: Int32
    /// Whether text is lower-cased and stripped of accents.
    public let lowercase: Bool
    /// Tokens in the vocabulary: every id is below it.
    public let vocabularySize: Int

    /// A tokenizer over vocab.txt (one token per line; the line number is the id).
    public init(vocabularyFile path: String, lowercase: Bool = true) throws {
        try RegularFile.require(path)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw TokenizerError.unreadable(file: path) }
        // "\r\n" is one Character in Swift, so split the scalars: CRLF files read as LF ones.
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(String.UnicodeScalarView(line.last == "\r" ? line.dropLast() : line[...]))
        }
        if lines.last == "" { lines.removeLast() }
        try self.init(vocabulary: lines, lowercase: lowercase, file: path)
    }

    /// A tokenizer over `vocabulary`, id = position.
    public init(vocabulary: [String], lowercase: Bool = true) throws {
        try self.init(vocabulary: vocabulary, lowercase: lowercase, file: "(vocabulary)")
    }

    private init(vocabulary tokens: [String], lowercase: Bool, file: String) throws {
        guard !tokens.isEmpty else { throw TokenizerError.emptyVocabulary(file: file) }
        var vocabulary: [String: Int32] = [:]
        for (id, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = Int32(id) }
        func special(_ token: String) throws -> Int32 {
            guard let id = vocabulary[token] else { throw TokenizerError.missingSpecialToken(file: file, token: token) }
            return id
        }
        self.vocabulary = vocabulary
        vocabularySize = tokens.count
        specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { token in vocabulary[token].map { (token, $0) } }
        specialTokenStarts = Set(specialTokens.compactMap { $0.text.unicodeScalars.first })
        classID = try special("[CLS]")
        separatorID = try special("[SEP]")
        paddingID = try special("[PAD]")
        unknownID = try special("[UNK]")
        self.lowercase = lowercase
    }

    /// The word pieces of `text`, without special tokens.
    public func tokens(_ text: String) -> [String] {
        pieces(text).map { $0.text }
    }

    /// [CLS] pieces [SEP], cut to `maxLength` ids in all.
    public func encode(_ text: String, maxLength: Int = 128) -> [Int32] {
        let ids = pieces(text).prefix(max(maxLength - 2, 0)).map(\.id)
        return [classID] + ids + [separatorID]
    }

    /// Encodes each text and pads to the longest.
    public func batch(_ texts: [String], maxLength: Int = 128) -> TokenBatch {
        let encoded = texts.map { encode($0, maxLength: maxLength) }
        let length = encoded.map(\.count).max() ?? 0
        var ids: [Int32] = [], mask: [Int32] = []
        for sequence in encoded {
            ids += sequence + [Int32](repeating: paddingID, count: length - sequence.count)
            mask += [Int32](repeating: 1, count: sequence.count) + [Int32](repeating: 0, count: length - sequence.count)
        }
        return TokenBatch(ids: ids, mask: mask, typeIDs: [Int32](repeating: 0, count: ids.count), count: texts.count, length: length)
    }

    // MARK: The pipeline

    private func pieces(_ text: String) -> [(text: String, id: Int32)] {
        var result: [(text: String, id: Int32)] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let mayHoldOne = rest.unicodeScalars.contains { specialTokenStarts.contains($0) }
            let next = !mayHoldOne ? nil : specialTokens.compactMap { token in rest.range(of: token.text).map { ($0, token) } }
                .min { $0.0.lowerBound < $1.0.lowerBound }
            let plain = next.map { rest[..<$0.0.lowerBound] } ?? rest
            result += words(normalized(String(plain))).flatMap(wordPieces)
            guard let (range, token) = next else { break }
            result.append(token)
            rest = rest[range.upperBound...]
        }
        return result
    }

    /// Clean, pad CJK, strip accents, lower-case.
    func normalized(_ text: String) -> [Unicode.Scalar] {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isCleanedWhitespace(scalar) {
                cleaned.append(" ")
            } else if Self.isCJK(scalar.value) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        guard lowercase else { return Array(cleaned) }
        // ASCII decomposes to itself and has no marks to strip: lower-case it directly.
        if cleaned.allSatisfy(\.isASCII) {
            return cleaned.map { $0.value >= 0x41 && $0.value <= 0x5A ? Unicode.Scalar($0.value + 0x20)! : $0 }
        }
        let decomposed = String(cleaned).decomposedStringWithCanonicalMapping
        let stripped = String(String.UnicodeScalarView(decomposed.unicodeScalars.filter {
            $0.properties.generalCategory != .nonspacingMark
        }))
        return Array(stripped.lowercased().unicodeScalars)
    }

    /// Split on whitespace, and around every punctuation character.
    func words(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = [], current: [Unicode.Scalar] = []
        for scalar in scalars {
            if scalar.properties.isWhitespace {
                if !current.isEmpty { words.append(current); current = [] }
            } else if Self.isPunctuation(scalar) {
                if !current.isEmpty { words.append(current); current = [] }
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Greedy longest-match-first pieces of one word.
    func wordPieces(_ word: [Unicode.Scalar]) -> [(text: String, id: Int32)] {
        guard word.count <= 100 else { return [("[UNK]", unknownID)] }
        var pieces: [(String, Int32)] = [], start = 0
        while start < word.count {
            var end = word.count, match: (String, Int32)?
            while start < end {
                var piece = String(String.UnicodeScalarView(word[start..<end]))
                if start > 0 { piece = "##" + piece }
                if let id = vocabulary[piece] {
                    match = (piece, id)
                    break
                }
                end -= 1
            }
            guard let match else { return [("[UNK]", unknownID)] }
            pieces.append(match)
            start = end
        }
        return pieces
    }

    // MARK: Character classes, as BERT defines them

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    static func isCleanedWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.generalCategory == .spaceSeparator
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value) {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static func isCJK(_ value: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value) || (0x20000...0x2A6DF).contains(value)
            || (0x2A700...0x2B73F).contains(value) || (0x2B740...0x2B81F).contains(value) || (0x2B820...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }
}
