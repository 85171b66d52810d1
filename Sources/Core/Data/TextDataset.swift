import Foundation

/// Why data cannot be used. Each message names the file and, where there is
/// one, the line.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String)
    case unwritable(file: String)
    case empty(file: String)
    case invalidUTF8(file: String)
    case missingColumn(file: String, column: String, available: [String])
    case malformedLine(file: String, line: Int, reason: String)
    case unknownLabel(file: String, label: String, known: [String])
    /// Every training example has the same label: there is nothing to learn,
    /// and any accuracy would be 1.0.
    case singleClass(file: String, label: String)

    public var description: String {
        switch self {
        case let .unreadable(file): "\(file): cannot read the file"
        case let .unwritable(file): "\(file): cannot write the file (does its folder exist, and may you write there?)"
        case let .empty(file): "\(file): no examples"
        case let .invalidUTF8(file): "\(file): not valid UTF-8 text"
        case let .missingColumn(file, column, available):
            "\(file): no column '\(column)'; it has \(available.map { "'\($0)'" }.joined(separator: ", "))"
        case let .malformedLine(file, line, reason): "\(file):\(line): \(reason)"
        case let .unknownLabel(file, label, known):
            "\(file): label '\(label)' never occurs in the training data (\(known.count) known labels: "
                + "\(known.prefix(8).joined(separator: ", "))\(known.count > 8 ? ", ..." : ""))"
        case let .singleClass(file, label):
            "\(file): every example has the label '\(label)'; a classification task needs at least two classes"
        }
    }
}

/// One labelled text.
public struct TextExample: Sendable, Equatable {
    public var text: String
    /// Index into the dataset's classes.
    public var label: Int

    public init(text: String, label: Int) {
        self.text = text
        self.label = label
    }
}

/// Labelled texts and the names of their classes.
public struct TextDataset: Sendable, Equatable {
    public var classes: [String]
    public var examples: [TextExample]

    public init(classes: [String], examples: [TextExample]) {
        self.classes = classes
        self.examples = examples
    }

    /// A dataset over (text, label name) rows, with classes in sorted order of
    /// the names that occur.
    public init(rows: [(text: String, label: String)]) {
        let classes = Set(rows.map(\.label)).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        self.init(classes: classes, examples: rows.map { TextExample(text: $0.text, label: index[$0.label]!) })
    }

    /// Throws `singleClass` unless the dataset has at least two classes
    /// (`file` names the data in the message).
    public func requireSeveralClasses(file: String) throws(DataError) {
        if classes.count < 2 { throw .singleClass(file: file, label: classes.first ?? "") }
    }

    /// Rows labelled with this dataset's classes; a label it does not know is an error.
    public func encoding(_ rows: [(text: String, label: String)], file: String) throws -> TextDataset {
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        return TextDataset(classes: classes, examples: try rows.map { row in
            guard let label = index[row.label] else { throw DataError.unknownLabel(file: file, label: row.label, known: classes) }
            return TextExample(text: row.text, label: label)
        })
    }
}

/// Train, validation (strategies choose by it) and test (only reported) splits.
public struct DataSplits: Sendable, Equatable {
    public var train: TextDataset
    public var validation: TextDataset
    public var test: TextDataset

    public init(train: TextDataset, validation: TextDataset, test: TextDataset) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// Seeded stratified splits: each class's examples are shuffled and cut
    /// in the same proportions, so every split sees every class in proportion.
    public static func stratified(_ dataset: TextDataset, validation: Double = 0.1, test: Double = 0.1,
                                  seed: UInt64) -> DataSplits {
        var random = SeededRandom(seed: seed, stream: "splits")
        var parts: [[TextExample]] = [[], [], []]
        for label in dataset.classes.indices {
            var members = dataset.examples.filter { $0.label == label }
            members.shuffle(using: &random)
            let testCount = Int((Double(members.count) * test).rounded())
            let validationCount = Int((Double(members.count) * validation).rounded())
            parts[2] += members.prefix(testCount)
            parts[1] += members.dropFirst(testCount).prefix(validationCount)
            parts[0] += members.dropFirst(testCount + validationCount)
        }
        for index in parts.indices { parts[index].shuffle(using: &random) }
        return DataSplits(train: TextDataset(classes: dataset.classes, examples: parts[0]),
                          validation: TextDataset(classes: dataset.classes, examples: parts[1]),
                          test: TextDataset(classes: dataset.classes, examples: parts[2]))
    }
}

/// Reads a file as UTF-8 text, refusing invalid bytes and empty files.
func readText(_ path: String) throws -> String {
    try RegularFile.require(path)
    guard let data = FileManager.default.contents(atPath: path) else { throw DataError.unreadable(file: path) }
    guard let text = String(data: data, encoding: .utf8) else { throw DataError.invalidUTF8(file: path) }
    guard !text.trimmingWhitespace.isEmpty else { throw DataError.empty(file: path) }
    return text
}
