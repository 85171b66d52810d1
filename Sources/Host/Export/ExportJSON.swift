import Core
/// A JSON value written exactly as the export's readers need it: object keys
/// in the order given, and floats always with a decimal point. (AdapterHub
/// takes `"scaling": 1.0` as a fixed factor but rejects `"scaling": 1`, and
/// Foundation's JSONSerialization writes 1.0 as `1`.)
public indirect enum ExportJSON: Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// Written with a decimal point or exponent, so Python reads a float.
    case float(Double)
    case string(String)
    case array([ExportJSON])
    /// Members in the order given.
    case object([(String, ExportJSON)])

    /// Compares member by member, in order.
    public static func == (lhs: ExportJSON, rhs: ExportJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.int(a), .int(b)): a == b
        case let (.float(a), .float(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// The value as indented JSON text (two spaces), ending without a newline.
    public func text(indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent + 2), close = String(repeating: " ", count: indent)
        switch self {
        case .null: return "null"
        case let .bool(value): return value ? "true" : "false"
        case let .int(value): return String(value)
        case let .float(value): return Self.floatText(value)
        case let .string(value): return JSONString.quoted(value)
        case let .array(items):
            guard !items.isEmpty else { return "[]" }
            if items.allSatisfy({ if case .object = $0 { false } else if case .array = $0 { false } else { true } }) {
                return "[" + items.map { $0.text() }.joined(separator: ", ") + "]"
            }
            return "[\n" + items.map { pad + $0.text(indent: indent + 2) }.joined(separator: ",\n") + "\n" + close + "]"
        case let .object(members):
            guard !members.isEmpty else { return "{}" }
            return "{\n" + members.map { pad + JSONString.quoted($0.0) + ": " + $0.1.text(indent: indent + 2) }
                .joined(separator: ",\n") + "\n" + close + "}"
        }
    }

    /// A finite double in the shortest form that reads back to the same
    /// value, with ".0" added when Swift would print a whole number bare.
    public static func floatText(_ value: Double) -> String {
        precondition(value.isFinite, "JSON has no infinities or NaN")
        let text = "\(value)"
        return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? text : text + ".0"
    }

}
