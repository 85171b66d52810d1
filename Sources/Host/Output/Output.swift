import Foundation

/// Writes one line to standard error.
public func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// `value` as JSON text: how every command prints `--json`. Keys are sorted
/// unless `formatting` says otherwise.
public func jsonText(_ value: some Encodable, formatting: JSONEncoder.OutputFormatting = [.sortedKeys]) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = formatting
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
