import CAdapterSearch
import Foundation
import PluginParameters

/// What the host passes for one argument of a function a metric manifest
/// declares: a word of the fixed vocabulary, or a declared parameter.
///
/// | word          | C type          | value                                         |
/// |---------------|-----------------|-----------------------------------------------|
/// | `G`           | `const float*`  | G_ij = H_i^T D_j, d x d, row-major            |
/// | `sigma`       | `const double*` | the singular values of G_ij, descending       |
/// | `sigma_count` | `uint32_t`      | how many values `sigma` points to             |
/// | `d`           | `uint32_t`      | the hidden width                              |
/// | `N`           | `uint32_t`      | the probe's real (non-padding) tokens         |
/// | `i`           | `int32_t`       | the edge's source node                        |
/// | `j`           | `int32_t`       | the edge's target node                        |
/// | a parameter   | `double` (real) or `int64_t` (int) | its configured value       |
///
/// The pointers are valid only during the call.
enum FFIArgument: Equatable, Sendable {
    /// `G`: the edge gradient, `const float*`.
    case edgeGradient
    /// `sigma`: its singular values, `const double*`.
    case singularValues
    /// `sigma_count`: their number, `uint32_t`.
    case singularValueCount
    /// `d`: the hidden width, `uint32_t`.
    case width
    /// `N`: the probe's tokens, `uint32_t`.
    case tokens
    /// `i`: the source node, `int32_t`.
    case source
    /// `j`: the target node, `int32_t`.
    case target
    /// The declared parameter at this index of the manifest's `parameters`.
    case parameter(Int)

    /// The vocabulary words, in the order the documentation lists them.
    static let vocabulary: [(word: String, argument: FFIArgument)] = [
        ("G", .edgeGradient), ("sigma", .singularValues), ("sigma_count", .singularValueCount),
        ("d", .width), ("N", .tokens), ("i", .source), ("j", .target),
    ]

    /// The argument a vocabulary word names, or nil.
    static func word(_ text: String) -> FFIArgument? {
        vocabulary.first { $0.word == text }?.argument
    }
}

/// The C return type of a manifest-declared function; the host turns the
/// result into the double score.
enum FFIReturnType: String, CaseIterable, Sendable {
    /// `double`.
    case double
    /// `float`.
    case float
    /// `int32_t`.
    case int32
    /// `int64_t` (converted to the nearest double).
    case int64
}

/// Why a metric manifest (`*.metric.json`) could not be turned into a
/// metric. Each case names the manifest file and says what to fix.
enum ManifestError: Error, CustomStringConvertible, Equatable {
    /// The file cannot be read.
    case unreadable(path: String, reason: String)
    /// The file is not valid JSON, or its top level is not an object.
    case malformedJSON(path: String, reason: String)
    /// A field is missing, of the wrong JSON type, or has a bad value; or
    /// the manifest has a field the schema does not know.
    case invalidField(path: String, field: String, problem: String)
    /// An argument is neither a vocabulary word nor a declared parameter.
    case unknownArgument(path: String, word: String, known: [String])
    /// `returns` is not one of the supported C types.
    case badReturnType(path: String, given: String)
    /// A declared parameter is wrong (type, name, default, bounds, unused).
    case badParameter(path: String, parameter: String, problem: String)
    /// The library the manifest names is missing or cannot be loaded.
    case libraryNotLoadable(path: String, library: String, reason: String)
    /// The library does not export the symbol the manifest names.
    case missingSymbol(path: String, library: String, symbol: String)
    /// libffi refused to prepare the call.
    case callNotPrepared(path: String, reason: String)

    var description: String {
        switch self {
        case let .unreadable(path, reason):
            "\(path): cannot read the metric manifest: \(reason)"
        case let .malformedJSON(path, reason):
            "\(path): the metric manifest is not valid JSON: \(reason)"
        case let .invalidField(path, field, problem):
            "\(path): metric manifest field '\(field)' \(problem)"
        case let .unknownArgument(path, word, known):
            "\(path): unknown argument '\(word)' in the metric manifest; arguments are words of the "
                + "vocabulary or declared parameters: \(known.joined(separator: ", "))"
        case let .badReturnType(path, given):
            "\(path): the metric manifest's return type '\(given)' is not supported; use one of "
                + FFIReturnType.allCases.map(\.rawValue).joined(separator: ", ")
        case let .badParameter(path, parameter, problem):
            "\(path): metric manifest parameter '\(parameter)' \(problem)"
        case let .libraryNotLoadable(path, library, reason):
            "\(path): the library \(library) named by the metric manifest cannot be loaded: \(reason). "
                + "Build it, or fix \"library\" (absolute, or relative to the manifest's folder)."
        case let .missingSymbol(path, library, symbol):
            "\(path): the library \(library) exports no symbol '\(symbol)'. "
                + "Check \"symbol\", and that the function is neither static nor hidden (extern \"C\" in C++)."
        case let .callNotPrepared(path, reason):
            "\(path): libffi cannot prepare the call the metric manifest describes: \(reason)"
        }
    }
}

/// A metric manifest, `*.metric.json`: a plain C function in a shared
/// library, declared as a metric. The schema (every key of the top-level
/// object; no others are allowed):
///
/// - `id`, `name`, `version` (strings, required) and `description` (string,
///   optional): as in `asp_plugin_descriptor`; `id` is `[A-Za-z0-9._-]+`.
/// - `library` (string): the shared library, absolute or relative to the
///   manifest's folder.
/// - `symbol` (string): the exported function's name.
/// - `returns`: `"double"`, `"float"`, `"int32"` or `"int64"`.
/// - `direction`: `"higher"` (higher is better) or `"lower"`.
/// - `arguments` (array of strings): the function's parameters in order,
///   each a vocabulary word (`FFIArgument`) or the name of a declared
///   parameter. Words may repeat.
/// - `parameters` (array, optional): objects with `name` (string), `type`
///   (`"real"`, passed as double, or `"int"`, passed as int64_t), `default`
///   (string or number), and optional `minimum`, `maximum` (numbers) and
///   `help` (string). Each must appear among the arguments.
struct MetricManifest: Equatable, Sendable {
    /// The file name suffix that marks a manifest.
    static let suffix = ".metric.json"

    /// The manifest file (absolute).
    var path: String
    var id: String
    var name: String
    var version: String
    var summary: String
    /// The shared library (absolute).
    var library: String
    /// The function's exported name.
    var symbol: String
    var returns: FFIReturnType
    /// +1 higher is better, -1 lower is better.
    var direction: Int32
    /// The function's arguments, in order.
    var arguments: [FFIArgument]
    /// The declared parameters; `.parameter(k)` arguments index into it.
    var parameters: [ParameterDescriptor]

    /// The ASP_NEEDS_* bits: the probe, and the spectrum when `sigma` or
    /// `sigma_count` is passed.
    var needs: UInt32 {
        arguments.contains { $0 == .singularValues || $0 == .singularValueCount }
            ? ASP_NEEDS_PROBE | ASP_NEEDS_SPECTRUM : ASP_NEEDS_PROBE
    }

    /// Reads and checks the manifest at `file` (absolute, or relative to the
    /// current directory). Throws a `ManifestError` naming the file.
    static func read(_ file: String) throws -> MetricManifest {
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ManifestError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        let top: [String: JSONValue]
        do {
            guard case let .object(object) = try JSONDecoder().decode(JSONValue.self, from: data) else {
                throw ManifestError.malformedJSON(path: path, reason: "the top level must be an object")
            }
            top = object
        } catch let error as ManifestError {
            throw error
        } catch {
            throw ManifestError.malformedJSON(path: path, reason: jsonProblem(error))
        }
        return try Parser(path: path, object: top).manifest()
    }

    /// A readable reason out of a JSON decoding error.
    private static func jsonProblem(_ error: any Error) -> String {
        if case let DecodingError.dataCorrupted(context) = error {
            if let underlying = context.underlyingError as NSError?,
               let detail = underlying.userInfo[NSDebugDescriptionErrorKey] as? String {
                return detail
            }
            return context.debugDescription
        }
        return String(describing: error)
    }
}

/// Turns the top-level JSON object of a manifest into a checked `MetricManifest`.
private struct Parser {
    /// The manifest file, for messages.
    let path: String
    /// Its top-level object.
    let object: [String: JSONValue]

    static let knownKeys: Set<String> = ["id", "name", "version", "description", "library", "symbol", "returns",
                                          "direction", "arguments", "parameters"]

    func invalid(_ field: String, _ problem: String) -> ManifestError {
        .invalidField(path: path, field: field, problem: problem)
    }

    /// The string at `key`; nil if absent and optional.
    func string(_ key: String, in fields: [String: JSONValue]? = nil, named: String? = nil,
                required: Bool = true) throws -> String? {
        switch (fields ?? object)[key] {
        case let .string(text)?: return text
        case nil where !required: return nil
        case nil: throw invalid(named ?? key, "is missing; it must be a string")
        case let other?: throw invalid(named ?? key, "must be a string, not \(other.kindName)")
        }
    }

    /// A required, non-empty string.
    func text(_ key: String) throws -> String {
        let value = try string(key)!
        guard !value.isEmpty else { throw invalid(key, "must not be empty") }
        return value
    }

    func manifest() throws -> MetricManifest {
        if let unknown = object.keys.sorted().first(where: { !Self.knownKeys.contains($0) }) {
            throw invalid(unknown, "is not part of the schema; known fields: \(Self.knownKeys.sorted().joined(separator: ", "))")
        }
        let id = try text("id")
        guard PluginLoader.isValidID(id) else { throw invalid("id", "'\(id)' must be non-empty [A-Za-z0-9._-]") }
        let name = try text("name"), version = try text("version")
        let summary = try string("description", required: false) ?? ""
        let library = try text("library")
        let symbol = try text("symbol")
        let returnName = try text("returns")
        guard let returns = FFIReturnType(rawValue: returnName) else {
            throw ManifestError.badReturnType(path: path, given: returnName)
        }
        let direction: Int32
        switch try text("direction") {
        case "higher": direction = 1
        case "lower": direction = -1
        case let other: throw invalid("direction", "must be \"higher\" or \"lower\", not \"\(other)\"")
        }
        let parameters = try readParameters()
        let arguments = try readArguments(parameters)
        for (index, parameter) in parameters.enumerated() where !arguments.contains(.parameter(index)) {
            throw ManifestError.badParameter(path: path, parameter: parameter.name,
                                             problem: "is declared but not passed: add it to \"arguments\"")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let libraryPath = library.hasPrefix("/") ? URL(fileURLWithPath: library).standardizedFileURL.path
            : folder.appendingPathComponent(library).standardizedFileURL.path
        return MetricManifest(path: path, id: id, name: name, version: version, summary: summary, library: libraryPath,
                              symbol: symbol, returns: returns, direction: direction, arguments: arguments,
                              parameters: parameters)
    }

    func readArguments(_ parameters: [ParameterDescriptor]) throws -> [FFIArgument] {
        guard let value = object["arguments"] else { throw invalid("arguments", "is missing; it must be an array of strings") }
        guard case let .array(items) = value else { throw invalid("arguments", "must be an array of strings, not \(value.kindName)") }
        let known = FFIArgument.vocabulary.map(\.word) + parameters.map(\.name)
        return try items.enumerated().map { index, item in
            guard case let .string(word) = item else {
                throw invalid("arguments[\(index)]", "must be a string, not \(item.kindName)")
            }
            if let argument = FFIArgument.word(word) { return argument }
            if let declared = parameters.firstIndex(where: { $0.name == word }) { return .parameter(declared) }
            throw ManifestError.unknownArgument(path: path, word: word, known: known)
        }
    }

    func readParameters() throws -> [ParameterDescriptor] {
        guard let value = object["parameters"] else { return [] }
        guard case let .array(items) = value else { throw invalid("parameters", "must be an array of objects, not \(value.kindName)") }
        var names: Set<String> = []
        return try items.enumerated().map { index, item in
            let field = "parameters[\(index)]"
            guard case let .object(fields) = item else { throw invalid(field, "must be an object, not \(item.kindName)") }
            let allowed: Set<String> = ["name", "type", "default", "minimum", "maximum", "help"]
            if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw invalid("\(field).\(unknown)", "is not part of the schema; a parameter has "
                              + allowed.sorted().joined(separator: ", "))
            }
            let name = try string("name", in: fields, named: "\(field).name")!
            func bad(_ problem: String) -> ManifestError { .badParameter(path: path, parameter: name, problem: problem) }
            guard PluginLoader.isValidID(name) else { throw bad("has an invalid name: use [A-Za-z0-9._-]+") }
            guard FFIArgument.word(name) == nil else {
                throw bad("has the name of a vocabulary word; choose another name")
            }
            guard names.insert(name).inserted else { throw bad("is declared twice") }
            let typeName = try string("type", in: fields, named: "\(field).type")!
            let type: ParameterRule.ValueType
            switch typeName {
            case "real": type = .real
            case "int": type = .int
            default: throw bad("has type '\(typeName)'; a C function takes \"real\" (double) or \"int\" (int64_t)")
            }
            func number(_ key: String) throws -> Double? {
                switch fields[key] {
                case nil: return nil
                case let .number(value)?: return value
                case let other?: throw bad("\(key) must be a number, not \(other.kindName)")
                }
            }
            let minimum = try number("minimum"), maximum = try number("maximum")
            if let minimum, let maximum, minimum > maximum {
                throw bad("has minimum \(minimum) above maximum \(maximum)")
            }
            let defaultValue: String
            switch fields["default"] {
            case nil: throw bad("has no default; give \"default\" as a string or number")
            case let .string(text)?: defaultValue = text
            case let .number(value)? where type == .int:
                guard value == value.rounded(), abs(value) < 9.0e15 else { throw bad("default \(value) is not an integer") }
                defaultValue = String(Int64(value))
            case let .number(value)?: defaultValue = "\(value)"
            case let other?: throw bad("default must be a string or number, not \(other.kindName)")
            }
            let help = try string("help", in: fields, named: "\(field).help", required: false) ?? ""
            let parameter = ParameterDescriptor(name: name, type: type, defaultValue: defaultValue, minimum: minimum,
                                                maximum: maximum, help: help)
            if let problem = parameter.problem(with: defaultValue) { throw bad("default \(problem)") }
            return parameter
        }
    }
}

/// Any JSON value, decoded without loss of its kind (a number is never
/// taken for a boolean, or the other way round).
indirect enum JSONValue: Decodable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// The kind's name, for messages ("a number").
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
