import CAdapterSearch
import Foundation

/// The value of a strategy's finding: text or a finite number.
public enum FindingValue: Equatable, Sendable, Codable, CustomStringConvertible {
    case text(String)
    case number(Double)

    /// JSON: a string or a number.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) { self = .number(number) } else { self = .text(try container.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .text(text): try container.encode(text)
        case let .number(number): try container.encode(number)
        }
    }

    /// The text as is; a number with four decimals at most (`0.6123`).
    public var description: String {
        switch self {
        case let .text(text): text
        case let .number(number): number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(format: "%.4g", number)
        }
    }
}

/// What a strategy reported about one selection (`asp.findings/1`, ABI 1.3):
/// named values in the order their names were first reported; a name
/// reported again keeps its place and takes the new value. JSON: an object.
public struct Findings: Equatable, Sendable, Codable {
    /// The findings, in the order first reported.
    public private(set) var entries: [(name: String, value: FindingValue)] = []

    /// No findings.
    public init() {}

    /// Whether there are none.
    public var isEmpty: Bool { entries.isEmpty }

    /// The value of `name`, if reported.
    public subscript(name: String) -> FindingValue? { entries.first { $0.name == name }?.value }

    /// Sets `name` to `value`, checked as the header says: ASP_ERR_INVALID_ARGUMENT
    /// for a name that is not 1 to 64 of [A-Za-z0-9._-], a text over 4096 bytes or a non-finite number.
    mutating func report(_ name: String, _ value: FindingValue) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard (1...64).contains(name.count), name.allSatisfy(allowed.contains) else {
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "finding name '\(name)' is not 1 to 64 of [A-Za-z0-9._-]")
        }
        switch value {
        case let .text(text) where text.utf8.count > 4096:
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "finding '\(name)': the text is longer than 4096 bytes")
        case let .number(number) where !number.isFinite:
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "finding '\(name)': \(number) is not finite")
        default: break
        }
        if let index = entries.firstIndex(where: { $0.name == name }) { entries[index].value = value } else { entries.append((name, value)) }
    }

    /// `name=value` pairs joined by ", " (`metric=nuclear-norm, rho=0.6123`).
    public var summary: String { entries.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") }

    public static func == (lhs: Findings, rhs: Findings) -> Bool {
        lhs.entries.map(\.name) == rhs.entries.map(\.name) && lhs.entries.map(\.value) == rhs.entries.map(\.value)
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            entries.append((key.stringValue, try container.decode(FindingValue.self, forKey: key)))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for entry in entries { try container.encode(entry.value, forKey: Key(stringValue: entry.name)) }
    }
}

/// Where a strategy's findings go (`asp.findings/1`).
protocol FindingsSink: AnyObject {
    /// Records finding `name` = `value` of the current selection.
    func report(_ name: String, _ value: FindingValue) throws
}

/// The findings of one selection, collected for the run to store with it.
final class FindingsRecorder: FindingsSink, @unchecked Sendable {
    // @unchecked: `collected` is guarded by `lock`.
    private let lock = NSLock()
    private var collected = Findings()

    /// An empty record.
    init() {}

    func report(_ name: String, _ value: FindingValue) throws {
        try lock.withLock { try collected.report(name, value) }
    }

    /// What was reported so far.
    var findings: Findings { lock.withLock { collected } }
}
