/// The default text task (METHOD.md section 9): WordNet noun glosses, each
/// labelled with its synset's lexicographer file, one of 26 supersenses.
public enum WordNetSupersenses {
    /// Where Debian's wordnet-base installs the noun data.
    public static let defaultPath = "/usr/share/wordnet/data.noun"

    /// The noun lexicographer files 03 ... 28, WordNet's lexnames(5WN) table.
    public static let classes = [
        "noun.Tops", "noun.act", "noun.animal", "noun.artifact", "noun.attribute", "noun.body", "noun.cognition",
        "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive",
        "noun.object", "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process",
        "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time",
    ]

    /// Every synset of data.noun: the gloss (after "| ") labelled with its
    /// lexicographer file (the second field). License lines (starting with
    /// two spaces) are skipped.
    public static func load(path: String = defaultPath) throws -> TextDataset {
        var examples: [TextExample] = []
        for (number, line) in try readText(path).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("  ") { continue }
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count >= 2, let file = Int(fields[1]), (3...28).contains(file) else {
                throw DataError.malformedLine(file: path, line: number + 1, reason: "no noun lexicographer file number (03-28) in the second field")
            }
            guard let bar = line.range(of: "| ") else {
                throw DataError.malformedLine(file: path, line: number + 1, reason: "no gloss after '| '")
            }
            examples.append(TextExample(text: line[bar.upperBound...].trimmingWhitespace, label: file - 3))
        }
        guard !examples.isEmpty else { throw DataError.empty(file: path) }
        return TextDataset(classes: classes, examples: examples)
    }
}
