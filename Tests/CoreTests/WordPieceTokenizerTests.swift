import Core
import Foundation
import Testing

/// The tokenizer against Hugging Face's on the real MiniLM vocabulary
/// (fixture from tools/golden/tokenizer.py), and on a small hand vocabulary.
@Suite struct WordPieceTokenizerTests {
    struct Golden: Decodable {
        struct Case: Decodable { var text: String; var ids: [Int32] }
        struct Batch: Decodable { var texts: [String]; var ids: [[Int32]]; var mask: [[Int32]] }
        var cases: [Case]
        var batch: Batch
    }

    static let golden: Golden = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tokenizer_golden.json")
        return try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: path))
    }()

    func miniLM() throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabularyFile: try CacheFolder.require(CacheFolder.miniLM + "/vocab.txt"))
    }

    @Test func idsMatchTheReferenceOnEveryFixtureText() throws {
        let tokenizer = try miniLM()
        for item in Self.golden.cases {
            #expect(tokenizer.encode(item.text) == item.ids, "\(item.text.debugDescription.prefix(60))")
        }
    }

    @Test func paddedBatchMatchesTheReference() throws {
        let batch = try miniLM().batch(Self.golden.batch.texts)
        #expect(batch.count == 3 && batch.length == Self.golden.batch.ids[0].count)
        #expect(batch.ids == Self.golden.batch.ids.flatMap { $0 })
        #expect(batch.mask == Self.golden.batch.mask.flatMap { $0 })
        #expect(batch.layout.tokenCount == Self.golden.batch.mask.flatMap { $0 }.filter { $0 == 1 }.count)
    }

    let small = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "aff", "##a", "runn", "##ing", "run", ",", "!"]

    @Test func greedyLongestMatchWithContinuations() throws {
        let tokenizer = try WordPieceTokenizer(vocabulary: small)
        #expect(tokenizer.tokens("unaffable running, run!") == ["un", "##aff", "##able", "runn", "##ing", ",", "run", "!"])
        #expect(tokenizer.tokens("unaffablex") == ["[UNK]"], "a word no pieces cover is one [UNK]")
        #expect(tokenizer.tokens(String(repeating: "a", count: 101)) == ["[UNK]"], "over 100 characters")
        #expect(tokenizer.encode("run run run", maxLength: 4) == [2, 11, 11, 3], "truncated before [SEP]")
    }

    @Test func badVocabulariesAreClearErrors() throws {
        #expect(throws: TokenizerError.unreadable(file: "/no/such/vocab.txt")) {
            try WordPieceTokenizer(vocabularyFile: "/no/such/vocab.txt")
        }
        #expect(throws: TokenizerError.missingSpecialToken(file: "(vocabulary)", token: "[UNK]")) {
            try WordPieceTokenizer(vocabulary: ["[PAD]", "[CLS]", "[SEP]", "a"])
        }
        #expect(throws: TokenizerError.emptyVocabulary(file: "(vocabulary)")) { try WordPieceTokenizer(vocabulary: []) }
    }
}

/// A vocabulary written with CRLF line ends reads as the same vocabulary.
@Suite struct VocabularyFileTests {
    @Test func crlfLineEndsReadLikeLF() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "red", "cat"]
        let lf = folder.appendingPathComponent("lf.txt").path, crlf = folder.appendingPathComponent("crlf.txt").path
        try tokens.joined(separator: "\n").write(toFile: lf, atomically: true, encoding: .utf8)
        try (tokens.joined(separator: "\r\n") + "\r\n").write(toFile: crlf, atomically: true, encoding: .utf8)
        let a = try WordPieceTokenizer(vocabularyFile: lf), b = try WordPieceTokenizer(vocabularyFile: crlf)
        #expect(a.encode("red cat", maxLength: 8) == b.encode("red cat", maxLength: 8) && b.classID == 2 && b.vocabularySize == 6)
    }
}
