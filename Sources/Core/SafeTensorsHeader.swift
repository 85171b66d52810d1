/// A JSON value of a safetensors header (the format is described in
/// SafeTensors.swift), read by a parser of its own rather than Foundation's
/// JSONSerialization: numbers keep their text, so integers are exact and
/// `2.0` or `2e0` is not taken for the integer 2; objects keep their members
/// in order; a key twice in one object is an error; and every error gives
/// the byte offset where the header stops being JSON.
enum HeaderJSON {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// Where and why the text is not JSON.
    struct SyntaxError: Error {
        var message: String
        var offset: Int
    }

    /// The value, if it is a JSON integer (no fraction, no exponent) that fits in Int.
    var exactInteger: Int? {
        guard case let .number(text) = self, !text.contains(where: { ".eE".contains($0) }) else { return nil }
        return Int(text)
    }

    /// The value for an error message: numbers, booleans, null and short
    /// strings as written, other values by kind.
    var brief: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case let .string(text): text.count <= 40 ? "the string \"\(text)\"" : "a string"
        case let .number(text): text.count <= 40 ? text : "a long number"
        case let .bool(value): value ? "true" : "false"
        case .null: "null"
        }
    }

    /// Parses `bytes` as one JSON value with optional whitespace around it.
    /// Keys that appear twice in one object are an error.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(SyntaxError) -> HeaderJSON {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        var position = 0
        static let maximumDepth = 64

        func error(_ message: String) -> SyntaxError {
            SyntaxError(message: position < bytes.count ? message : "unexpected end of the header (\(message))", offset: position)
        }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        mutating func expect(_ literal: String) throws(SyntaxError) {
            for byte in literal.utf8 {
                guard current == byte else { throw error("expected '\(literal)'") }
                position += 1
            }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> HeaderJSON {
            guard depth < Self.maximumDepth else { throw error("nested more than \(Self.maximumDepth) levels deep") }
            guard let byte = current else { throw error("expected a value") }
            switch byte {
            case UInt8(ascii: "{"):
                position += 1
                var members: [(key: String, value: HeaderJSON)] = []
                var seen = Set<String>()
                skipWhitespace()
                if current == UInt8(ascii: "}") { position += 1; return .object(members) }
                while true {
                    skipWhitespace()
                    guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
                    let keyStart = position
                    let key = try string()
                    guard seen.insert(key).inserted else {
                        throw SyntaxError(message: "the key \"\(key)\" appears twice in one object", offset: keyStart)
                    }
                    skipWhitespace()
                    try expect(":")
                    skipWhitespace()
                    members.append((key, try value(depth: depth + 1)))
                    skipWhitespace()
                    if current == UInt8(ascii: ",") { position += 1; continue }
                    if current == UInt8(ascii: "}") { position += 1; return .object(members) }
                    throw error("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                position += 1
                var elements: [HeaderJSON] = []
                skipWhitespace()
                if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
                while true {
                    skipWhitespace()
                    elements.append(try value(depth: depth + 1))
                    skipWhitespace()
                    if current == UInt8(ascii: ",") { position += 1; continue }
                    if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
                    throw error("expected ',' or ']'")
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                try expect("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expect("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expect("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .number(try number())
            default:
                throw error("unexpected character")
            }
        }

        /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
        mutating func number() throws(SyntaxError) -> String {
            let start = position
            func isDigit(_ byte: UInt8?) -> Bool { byte.map { (0x30...0x39).contains($0) } ?? false }
            if current == UInt8(ascii: "-") { position += 1 }
            guard isDigit(current) else { throw error("expected a digit") }
            if current == UInt8(ascii: "0") {
                position += 1
            } else {
                while isDigit(current) { position += 1 }
            }
            if current == UInt8(ascii: ".") {
                position += 1
                guard isDigit(current) else { throw error("expected a digit after '.'") }
                while isDigit(current) { position += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard isDigit(current) else { throw error("expected a digit in the exponent") }
                while isDigit(current) { position += 1 }
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        }

        /// A string, its escapes decoded; `position` is at the opening quote.
        mutating func string() throws(SyntaxError) -> String {
            position += 1
            var text = ""
            var runStart = position
            func run(_ parser: Parser) -> String {
                String(decoding: UnsafeRawBufferPointer(rebasing: parser.bytes[runStart..<parser.position]), as: UTF8.self)
            }
            while true {
                guard let byte = current else { throw error("unterminated string") }
                if byte == UInt8(ascii: "\"") {
                    text += run(self)
                    position += 1
                    return text
                }
                if byte < 0x20 { throw error("a control character inside a string must be escaped") }
                if byte != UInt8(ascii: "\\") { position += 1; continue }
                text += run(self)
                position += 1
                guard let escape = current else { throw error("unterminated string") }
                position += 1
                switch escape {
                case UInt8(ascii: "\""): text += "\""
                case UInt8(ascii: "\\"): text += "\\"
                case UInt8(ascii: "/"): text += "/"
                case UInt8(ascii: "b"): text += "\u{08}"
                case UInt8(ascii: "f"): text += "\u{0C}"
                case UInt8(ascii: "n"): text += "\n"
                case UInt8(ascii: "r"): text += "\r"
                case UInt8(ascii: "t"): text += "\t"
                case UInt8(ascii: "u"):
                    var unit = try hexUnit()
                    if (0xD800..<0xDC00).contains(unit) {
                        guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
                            throw error("a UTF-16 high surrogate without its low surrogate")
                        }
                        position += 2
                        let low = try hexUnit()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("a UTF-16 high surrogate without its low surrogate") }
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(unit) else { throw error("a lone UTF-16 low surrogate") }
                    text.unicodeScalars.append(scalar)
                default:
                    throw error("an invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
                }
                runStart = position
            }
        }

        /// Four hex digits after \u.
        mutating func hexUnit() throws(SyntaxError) -> UInt32 {
            var unit: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = current, let digit = Character(Unicode.Scalar(byte)).hexDigitValue else {
                    throw error("expected four hex digits after \\u")
                }
                unit = unit << 4 | UInt32(digit)
                position += 1
            }
            return unit
        }
    }
}
