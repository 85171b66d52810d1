/// The built-in text tasks (METHOD.md section 9): the glosses of one part of
/// speech's WordNet synsets, each labelled with its synset's lexicographer
/// file (its supersense). Nouns (26 classes) are the default task; verbs
/// (15 classes) the second.
public enum WordNetSupersenses {
    /// A part of speech with a built-in task, and its lexicographer files.
    public enum PartOfSpeech: String, Sendable, CaseIterable {
        /// Nouns, data.noun: 26 lexicographer files.
        case noun
        /// Verbs, data.verb: 15 lexicographer files.
        case verb

        /// Where Debian's wordnet-base installs this part of speech's data file.
        public var defaultPath: String { "/usr/share/wordnet/data.\(rawValue)" }

        /// The lexicographer files of this part of speech in WordNet's
        /// lexnames(5WN) order; the first is numbered `fileNumbers.lowerBound`.
        public var classes: [String] {
            switch self {
            case .noun: [
                "noun.Tops", "noun.act", "noun.animal", "noun.artifact", "noun.attribute", "noun.body", "noun.cognition",
                "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive",
                "noun.object", "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process",
                "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time",
            ]
            case .verb: [
                "verb.body", "verb.change", "verb.cognition", "verb.communication", "verb.competition", "verb.consumption",
                "verb.contact", "verb.creation", "verb.emotion", "verb.motion", "verb.perception", "verb.possession",
                "verb.social", "verb.stative", "verb.weather",
            ]
            }
        }

        /// The lexicographer file numbers of `classes`: 03 ... 28 for nouns, 29 ... 43 for verbs.
        public var fileNumbers: ClosedRange<Int> {
            let first = switch self {
            case .noun: 3
            case .verb: 29
            }
            return first...(first + classes.count - 1)
        }

        /// `fileNumbers` as lexnames(5WN) writes them, two digits each (`03-28`).
        var fileNumberRange: String {
            func twoDigits(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }
            return "\(twoDigits(fileNumbers.lowerBound))-\(twoDigits(fileNumbers.upperBound))"
        }
    }

    /// Every synset of a WordNet data file of `partOfSpeech` (by default
    /// Debian's): the gloss (after "| ", trimmed) labelled with its
    /// lexicographer file (the second field) as an index into
    /// `partOfSpeech.classes`. Empty lines and license lines (starting with
    /// two spaces) are skipped; any other line without a lexicographer file
    /// number of `partOfSpeech` or without a gloss is an error naming the line.
    public static func load(_ partOfSpeech: PartOfSpeech, path: String? = nil) throws -> TextDataset {
        let path = path ?? partOfSpeech.defaultPath
        let numbers = partOfSpeech.fileNumbers
        var examples: [TextExample] = []
        for (number, line) in try readText(path).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("  ") { continue }
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count >= 2, let file = Int(fields[1]), numbers.contains(file) else {
                throw DataError.malformedLine(
                    file: path, line: number + 1,
                    reason: "no \(partOfSpeech.rawValue) lexicographer file number (\(partOfSpeech.fileNumberRange)) in the second field")
            }
            guard let bar = line.range(of: "| ") else {
                throw DataError.malformedLine(file: path, line: number + 1, reason: "no gloss after '| '")
            }
            examples.append(TextExample(text: line[bar.upperBound...].trimmingWhitespace, label: file - numbers.lowerBound))
        }
        guard !examples.isEmpty else { throw DataError.empty(file: path) }
        return TextDataset(classes: partOfSpeech.classes, examples: examples)
    }
}
