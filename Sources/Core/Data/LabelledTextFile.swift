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
        if let repeated = header.enumerated().first(where: { header.firstIndex(of: $0.element) != $0.offset })?.element {
            throw DataError.malformedLine(file: path, line: 1, reason: "the header names column '\(repeated)' twice")
        }
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
            guard !record[labelIndex].trimmingWhitespace.isEmpty else {
                throw DataError.malformedLine(file: path, line: offset + 2, reason: "empty label in column '\(labelColumn)'")
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
        var records: [[String]] = [], record: [String] = [], field = "", quoted = false, atFieldStart = true, line = 1, quoteLine = 1
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
            case "\"" where atFieldStart: quoted = true; atFieldStart = false; quoteLine = line
            case ",": endField()
            case "\r": continue
            case "\n":
                endField(); records.append(record); record = []; line += 1
            default:
                field.unicodeScalars.append(scalar); atFieldStart = false
            }
        }
        if quoted { throw DataError.malformedLine(file: path, line: quoteLine, reason: "a quoted field opened here is never closed") }
        if !field.isEmpty || !record.isEmpty { endField(); records.append(record) }
        return records
    }

    static func jsonLines(_ text: String, path: String, textColumn: String, labelColumn: String) throws -> [(String, String)] {
        try text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { offset, line in
            guard !line.trimmingWhitespace.isEmpty else { return nil }
            guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8)) else {
                throw DataError.malformedLine(file: path, line: offset + 1, reason: "not a JSON object")
            }
            guard let textValue = object[textColumn] else {
                throw DataError.missingColumn(file: path, column: textColumn, available: object.keys.sorted())
            }
            guard case let .string(text) = textValue else {
                throw DataError.malformedLine(file: path, line: offset + 1, reason: "'\(textColumn)' is \(textValue.kind), not a string")
            }
            guard let labelValue = object[labelColumn] else {
                throw DataError.missingColumn(file: path, column: labelColumn, available: object.keys.sorted())
            }
            let label: String
            switch labelValue {
            case let .string(value): label = value
            case let .number(value): label = value
            default:
                throw DataError.malformedLine(file: path, line: offset + 1,
                                              reason: "'\(labelColumn)' is \(labelValue.kind); labels are strings or numbers")
            }
            guard !label.trimmingWhitespace.isEmpty else {
                throw DataError.malformedLine(file: path, line: offset + 1, reason: "empty label in '\(labelColumn)'")
            }
            return (text, label)
        }
    }

    /// One JSON value of a line, as far as a labelled row needs to know it.
    enum JSONValue: Decodable {
        case string(String)
        /// A number, as written for integers (`3`) and in Swift's shortest form otherwise.
        case number(String)
        case boolean, null, array, object

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode(Bool.self) {
                _ = value
                self = .boolean
            } else if let value = try? container.decode(Int.self) {
                self = .number(String(value))
            } else if let value = try? container.decode(Double.self) {
                self = .number(String(value))
            } else if (try? container.decode([JSONValue].self)) != nil {
                self = .array
            } else {
                self = .object
            }
        }

        /// What the value is, in words.
        var kind: String {
            switch self {
            case .string: "a string"
            case .number: "a number"
            case .boolean: "a boolean"
            case .null: "null"
            case .array: "an array"
            case .object: "an object"
            }
        }
    }
}
