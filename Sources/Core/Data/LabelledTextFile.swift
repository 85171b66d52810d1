import Foundation

/// Users' own text data: CSV (RFC 4180 quoting), TSV or JSON Lines, with the
/// text and label columns named by the caller.
public enum LabelledTextFile {
    /// The formats, picked by file extension unless named.
    public enum Format: String, Sendable, CaseIterable {
        case csv, tsv, jsonl

        /// The format a file's extension names (.csv, .tsv, .jsonl or .json), or nil.
        public init?(path: String) {
            switch URL(fileURLWithPath: path).pathExtension.lowercased() {
            case "csv": self = .csv
            case "tsv", "tab": self = .tsv
            case "jsonl", "json", "ndjson": self = .jsonl
            default: return nil
            }
        }
    }

    /// The (text, label) rows of a file; labels are read as text.
    public static func rows(path: String, format: Format? = nil, textColumn: String = "text",
                            labelColumn: String = "label") throws -> [(text: String, label: String)] {
        guard let format = format ?? Format(path: path) else {
            throw DataError.malformedLine(file: path, line: 0, reason: "unknown format: name it, or use .csv, .tsv or .jsonl")
        }
        let text = try readText(path)
        let rows: [(String, String)]
        switch format {
        case .jsonl: rows = try jsonLines(text, path: path, textColumn: textColumn, labelColumn: labelColumn)
        case .csv, .tsv:
            let records = format == .csv ? try csvRecords(text, path: path) : tsvRecords(text)
            rows = try table(records, path: path, textColumn: textColumn, labelColumn: labelColumn)
        }
        guard !rows.isEmpty else { throw DataError.empty(file: path) }
        return rows
    }

    /// Rows of a header-first table.
    static func table(_ records: [[String]], path: String, textColumn: String, labelColumn: String) throws -> [(String, String)] {
        guard let header = records.first else { throw DataError.empty(file: path) }
        func column(_ name: String) throws -> Int {
            guard let index = header.firstIndex(of: name) else {
                throw DataError.missingColumn(file: path, column: name, available: header)
            }
            return index
        }
        let textIndex = try column(textColumn), labelIndex = try column(labelColumn)
        return try records.dropFirst().enumerated().compactMap { offset, record in
            if record == [""] { return nil }  // a blank line
            guard record.count == header.count else {
                throw DataError.malformedLine(file: path, line: offset + 2,
                                              reason: "\(record.count) fields where the header has \(header.count)")
            }
            return (record[textIndex], record[labelIndex])
        }
    }

    static func tsvRecords(_ text: String) -> [[String]] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            return trimmed.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// RFC 4180 records: fields in double quotes may hold commas, newlines and "" for a quote.
    static func csvRecords(_ text: String, path: String) throws -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = "", quoted = false, atFieldStart = true, line = 1
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endField() { record.append(field); field = ""; atFieldStart = true }
        while let scalar = pending ?? scalars.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    let next = scalars.next()
                    if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = next }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where atFieldStart: quoted = true; atFieldStart = false
            case ",": endField()
            case "\r": continue
            case "\n":
                endField(); records.append(record); record = []; line += 1
            default:
                field.unicodeScalars.append(scalar); atFieldStart = false
            }
        }
        if quoted { throw DataError.malformedLine(file: path, line: line, reason: "a quoted field is never closed") }
        if !field.isEmpty || !record.isEmpty { endField(); records.append(record) }
        return records
    }

    static func jsonLines(_ text: String, path: String, textColumn: String, labelColumn: String) throws -> [(String, String)] {
        try text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { offset, line in
            guard !line.trimmingWhitespace.isEmpty else { return nil }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw DataError.malformedLine(file: path, line: offset + 1, reason: "not a JSON object")
            }
            guard let text = object[textColumn] as? String else {
                throw DataError.missingColumn(file: path, column: textColumn, available: object.keys.sorted())
            }
            guard let label = object[labelColumn] else {
                throw DataError.missingColumn(file: path, column: labelColumn, available: object.keys.sorted())
            }
            return (text, label as? String ?? "\(label)")
        }
    }
}
