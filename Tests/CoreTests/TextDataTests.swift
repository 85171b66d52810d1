import Core
import Foundation
import Testing

@Suite struct TextDataTests {
    func file(_ contents: String, _ name: String) throws -> String {
        try bytes(Array(contents.utf8), name)
    }

    func bytes(_ data: [UInt8], _ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("text-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(data).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func wordNetNounSupersensesFromDebiansFiles() throws {
        let dataset = try WordNetSupersenses.load(.noun)
        #expect(dataset.examples.count == 82_115)
        #expect(dataset.classes.count == 26)
        #expect(dataset.examples[0] == TextExample(
            text: "that which is perceived or known or inferred to have its own distinct existence (living or nonliving)", label: 0))
        #expect(Set(dataset.examples.map(\.label)) == Set(0..<26), "every supersense occurs")
    }

    @Test func wordNetVerbSupersensesFromDebiansFilesSplitBySeed() throws {
        let dataset = try WordNetSupersenses.load(.verb)
        #expect(dataset.examples.count == 13_767)
        #expect(dataset.classes.count == 15 && dataset.classes.first == "verb.body" && dataset.classes.last == "verb.weather")
        #expect(dataset.examples[0] == TextExample(
            text: #"draw air into, and expel out of, the lungs; "I can breathe better when the air is clean"; "The patient is respiring""#,
            label: 0))
        #expect(Set(dataset.examples.map(\.label)) == Set(0..<15), "every supersense occurs")

        let splits = DataSplits.stratified(dataset, seed: 0)
        #expect([splits.train, splits.validation, splits.test].map(\.examples.count) == [11_011, 1_378, 1_378])
        for label in dataset.classes.indices {
            let total = dataset.examples.filter { $0.label == label }.count
            for part in [splits.validation, splits.test] {
                #expect(part.examples.filter { $0.label == label }.count == Int((Double(total) / 10).rounded()), "\(dataset.classes[label])")
            }
        }
        #expect(splits == DataSplits.stratified(dataset, seed: 0), "the same seed, the same split")
        let other = DataSplits.stratified(dataset, seed: 1)
        #expect(other.test != splits.test && other.validation != splits.validation, "another seed, another split")
    }

    @Test func aMalformedWordNetLineIsAnErrorNamingFileAndLine() throws {
        let license = "  1 This software and database is being provided to you, the LICENSEE, by  \n"
        let breathe = "00001740 29 v 01 breathe 0 000 01 + 02 00 | draw air into, and expel out of, the lungs  \n"
        let rain = "02756558 43 v 01 rain 0 000 01 + 01 00 | precipitate as rain  \n"
        let good = try WordNetSupersenses.load(.verb, path: try file(license + breathe + "\n" + rain, "data.verb"))
        #expect(good == TextDataset(classes: WordNetSupersenses.PartOfSpeech.verb.classes,
                                    examples: [TextExample(text: "draw air into, and expel out of, the lungs", label: 0),
                                               TextExample(text: "precipitate as rain", label: 14)]))
        let malformed: [(WordNetSupersenses.PartOfSpeech, String, Int, String)] = [
            (.verb, license + breathe + "00001740 05 n 01 entity 0 000 | a noun among the verbs\n", 3,
             "no verb lexicographer file number (29-43) in the second field"),
            (.verb, license + "00002325 44 v 01 respire 1 000 | no such file\n", 2, "no verb lexicographer file number (29-43) in the second field"),
            (.noun, license + breathe, 2, "no noun lexicographer file number (03-28) in the second field"),
            (.verb, breathe + "garbage\n", 2, "no verb lexicographer file number (29-43) in the second field"),
            (.verb, breathe + "00002573 29 v 01 respire 2 000 01 + 02 00 and no gloss\n", 2, "no gloss after '| '"),
        ]
        for (partOfSpeech, contents, line, reason) in malformed {
            let path = try file(contents, "data.\(partOfSpeech.rawValue)")
            #expect(throws: DataError.malformedLine(file: path, line: line, reason: reason)) {
                try WordNetSupersenses.load(partOfSpeech, path: path)
            }
        }
        let licenseOnly = try file(license, "data.verb")
        #expect(throws: DataError.empty(file: licenseOnly)) { try WordNetSupersenses.load(.verb, path: licenseOnly) }
        #expect(throws: DataError.unreadable(file: "/no/such/data.verb")) { try WordNetSupersenses.load(.verb, path: "/no/such/data.verb") }
    }

    @Test func stratifiedSplitsAreSeededDisjointAndProportional() throws {
        let rows = (0..<300).map { (text: "text \($0)", label: $0 % 3 == 0 ? "rare" : ($0 % 3 == 1 ? "b" : "c")) }
            + (0..<30).map { (text: "extra \($0)", label: "rare") }
        let dataset = TextDataset(rows: rows)
        let splits = DataSplits.stratified(dataset, seed: 4)
        #expect(splits == DataSplits.stratified(dataset, seed: 4))
        #expect(splits != DataSplits.stratified(dataset, seed: 5))
        let texts = [splits.train, splits.validation, splits.test].map { Set($0.examples.map(\.text)) }
        #expect(texts.map(\.count).reduce(0, +) == 330 && texts[0].isDisjoint(with: texts[1]) && texts[1].isDisjoint(with: texts[2]))
        for label in dataset.classes.indices {
            let total = dataset.examples.filter { $0.label == label }.count
            let inTest = splits.test.examples.filter { $0.label == label }.count
            #expect(abs(Double(inTest) - Double(total) / 10) <= 0.5)
        }
    }

    @Test func csvWithQuotesCommasNewlinesAndEscapedQuotes() throws {
        let path = try file("id,sentence,tag\n1,\"hello, world\",greeting\n2,\"a \"\"quoted\"\"\nline\",quote\r\n3,plain,other\n", "data.csv")
        let rows = try LabelledTextFile.rows(path: path, textColumn: "sentence", labelColumn: "tag")
        #expect(rows.map(\.text) == ["hello, world", "a \"quoted\"\nline", "plain"])
        #expect(rows.map(\.label) == ["greeting", "quote", "other"])
    }

    @Test func tsvAndJSONLines() throws {
        let tsv = try LabelledTextFile.rows(path: try file("text\tlabel\ncats purr\tanimal\nrain falls\tweather\n", "data.tsv"))
        #expect(tsv.map(\.label) == ["animal", "weather"])
        let jsonl = try LabelledTextFile.rows(path: try file("{\"text\": \"one\", \"label\": 3}\n\n{\"text\": \"two\", \"label\": \"x\"}\n", "d.jsonl"))
        #expect(jsonl.map(\.text) == ["one", "two"] && jsonl.map(\.label) == ["3", "x"])
    }

    @Test func badDataIsAClearErrorNamingTheFile() throws {
        let missing = try file("sentence,label\nhi,a\n", "m.csv")
        #expect(throws: DataError.missingColumn(file: missing, column: "text", available: ["sentence", "label"])) {
            try LabelledTextFile.rows(path: missing)
        }
        let empty = try file("", "e.csv")
        #expect(throws: DataError.empty(file: empty)) { try LabelledTextFile.rows(path: empty) }
        let headerOnly = try file("text,label\n", "h.csv")
        #expect(throws: DataError.empty(file: headerOnly)) { try LabelledTextFile.rows(path: headerOnly) }
        let binary = try bytes([0x74, 0x65, 0x78, 0x74, 0xFF, 0xFE, 0x0A], "b.tsv")
        #expect(throws: DataError.invalidUTF8(file: binary)) { try LabelledTextFile.rows(path: binary) }
        let unclosed = try file("text,label\nfine,a\n\"never closed,a\nmore,b\nlast,c\n", "u.csv")
        #expect(throws: DataError.malformedLine(file: unclosed, line: 3, reason: "a quoted field opened here is never closed")) {
            try LabelledTextFile.rows(path: unclosed)
        }
        let ragged = try file("text,label\nhi,a,extra\n", "r.csv")
        #expect(throws: DataError.malformedLine(file: ragged, line: 2, reason: "3 fields where the header has 2")) {
            try LabelledTextFile.rows(path: ragged)
        }
        let badJSON = try file("{\"text\": \"ok\", \"label\": 1}\n{not json\n", "j.jsonl")
        #expect(throws: DataError.malformedLine(file: badJSON, line: 2, reason: "not a JSON object")) {
            try LabelledTextFile.rows(path: badJSON)
        }
        #expect(throws: DataError.unreadable(file: "/no/such/file.csv")) { try LabelledTextFile.rows(path: "/no/such/file.csv") }
    }

    /// Inputs that were once accepted silently and gave numbers that looked real.
    @Test func malformedColumnsLabelsAndJSONTypesAreErrorsNamingTheLine() throws {
        let malformed: [(contents: String, name: String, line: Int, reason: String)] = [
            ("text,label,text\nhi,a,ho\n", "rep.csv", 1, "the header names column 'text' twice"),
            ("text,label\nhi,a\nho, \n", "el.csv", 3, "empty label in column 'label'"),
            ("text\tlabel\nhi\t\n", "el.tsv", 2, "empty label in column 'label'"),
        ]
        for (contents, name, line, reason) in malformed {
            let path = try file(contents, name)
            #expect(throws: DataError.malformedLine(file: path, line: line, reason: reason)) { try LabelledTextFile.rows(path: path) }
        }
        let cases: [(String, String)] = [
            (#"{"text": 5, "label": "a"}"#, "'text' is a number, not a string"),
            (#"{"text": null, "label": "a"}"#, "'text' is null, not a string"),
            (#"{"text": ["a"], "label": "a"}"#, "'text' is an array, not a string"),
            (#"{"text": "hi", "label": null}"#, "'label' is null; labels are strings or numbers"),
            (#"{"text": "hi", "label": true}"#, "'label' is a boolean; labels are strings or numbers"),
            (#"{"text": "hi", "label": {"a": 1}}"#, "'label' is an object; labels are strings or numbers"),
            (#"{"text": "hi", "label": ""}"#, "empty label in 'label'"),
        ]
        for (line, reason) in cases {
            let path = try file(#"{"text": "ok", "label": 2.5}"# + "\n" + line + "\n", "t.jsonl")
            #expect(throws: DataError.malformedLine(file: path, line: 2, reason: reason)) { try LabelledTextFile.rows(path: path) }
        }
        let numbers = try LabelledTextFile.rows(path: try file(#"{"text": "a", "label": 2.5}"# + "\n" + #"{"text": "b", "label": 7}"#, "n.jsonl"))
        #expect(numbers.map(\.label) == ["2.5", "7"])
        let single = TextDataset(rows: [("a", "x"), ("b", "x")])
        #expect(throws: DataError.singleClass(file: "train.csv", label: "x")) { try single.requireSeveralClasses(file: "train.csv") }
    }

    @Test func aTestLabelTheTrainingDataNeverHadIsAnError() throws {
        let train = TextDataset(rows: [("a", "x"), ("b", "y")])
        #expect(throws: DataError.unknownLabel(file: "test.csv", label: "z", known: ["x", "y"])) {
            try train.encoding([("c", "z")], file: "test.csv")
        }
        #expect(try train.encoding([("c", "y")], file: "test.csv").examples == [TextExample(text: "c", label: 1)])
    }
}
