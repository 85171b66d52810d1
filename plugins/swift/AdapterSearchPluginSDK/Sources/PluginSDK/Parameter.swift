import CAdapterSearch
import PluginParameters

/// One parameter a plugin declares: name, type, default, bounds and help.
public struct Parameter: Sendable {
    /// The value types a parameter can have.
    public enum Kind: Int32, Sendable {
        case int = 1, real = 2, bool = 3, string = 4
    }

    /// The name used in configs, e.g. `gamma`.
    public var name: String
    /// The value type.
    public var kind: Kind
    /// The default, as text.
    public var defaultValue: String
    /// The inclusive lower bound, for int and real parameters.
    public var minimum: Double?
    /// The inclusive upper bound, for int and real parameters.
    public var maximum: Double?
    /// One line of help.
    public var help: String

    /// The rule its values must keep.
    var rule: ParameterRule {
        ParameterRule(type: ParameterRule.ValueType(kind), minimum: minimum, maximum: maximum)
    }

    /// An integer parameter.
    public static func int(_ name: String, default value: Int, in range: ClosedRange<Int>? = nil,
                           help: String) -> Parameter {
        Parameter(name: name, kind: .int, defaultValue: String(value),
                  minimum: range.map { Double($0.lowerBound) }, maximum: range.map { Double($0.upperBound) },
                  help: help)
    }

    /// An integer parameter with only a lower bound.
    public static func int(_ name: String, default value: Int, atLeast minimum: Int, help: String) -> Parameter {
        Parameter(name: name, kind: .int, defaultValue: String(value), minimum: Double(minimum),
                  maximum: nil, help: help)
    }

    /// A real parameter.
    public static func real(_ name: String, default value: Double, in range: ClosedRange<Double>? = nil,
                            help: String) -> Parameter {
        Parameter(name: name, kind: .real, defaultValue: String(value),
                  minimum: range?.lowerBound, maximum: range?.upperBound, help: help)
    }

    /// A boolean parameter.
    public static func bool(_ name: String, default value: Bool, help: String) -> Parameter {
        Parameter(name: name, kind: .bool, defaultValue: String(value), minimum: nil, maximum: nil, help: help)
    }

    /// A text parameter.
    public static func string(_ name: String, default value: String, help: String) -> Parameter {
        Parameter(name: name, kind: .string, defaultValue: value, minimum: nil, maximum: nil, help: help)
    }
}

/// The parameter values an instance was created with, parsed by declared type.
public struct Configuration: Sendable {
    private var values: [String: String]
    private let declared: [String: Parameter]

    /// Parses a C config against the declared parameters; absent keys take
    /// their defaults, unknown keys and unparsable values are errors.
    init(_ config: UnsafePointer<asp_config>?, declared parameters: [Parameter]) throws {
        declared = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0) })
        values = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.defaultValue) })
        guard let config, config.pointee.count > 0 else { return }
        for index in 0..<Int(config.pointee.count) {
            guard let keyPointer = config.pointee.keys?[index], let valuePointer = config.pointee.values?[index] else {
                throw PluginError.invalidArgument("config entry \(index) has a NULL key or value")
            }
            let key = String(cString: keyPointer)
            guard declared[key] != nil else {
                throw PluginError.invalidArgument(
                    "unknown parameter '\(key)'; known: \(parameters.map(\.name).joined(separator: ", "))")
            }
            values[key] = String(cString: valuePointer)
        }
        for parameter in parameters { try check(parameter) }
    }

    private func check(_ parameter: Parameter) throws {
        if let problem = parameter.rule.problem(with: values[parameter.name] ?? parameter.defaultValue) {
            throw PluginError.invalidArgument("parameter '\(parameter.name)' \(problem)")
        }
    }

    /// The value of parameter `name`, which must be declared with `kind`; a
    /// plugin asking for another is the plugin's mistake, returned as an
    /// error (the host carries on), never a crash.
    private func text(_ name: String, _ kind: Parameter.Kind) throws(PluginError) -> String {
        guard let parameter = declared[name], parameter.kind == kind, let value = values[name] else {
            throw PluginError.invalidArgument("the plugin asked for \(kind) parameter '\(name)', which it never declared "
                + "(declared: \(declared.keys.sorted().joined(separator: ", ")))")
        }
        return value
    }

    /// A value of `name` read as `T`.
    private func value<T: LosslessStringConvertible>(_ name: String, _ kind: Parameter.Kind) throws(PluginError) -> T {
        let text = try text(name, kind)
        guard let value = T(text) else { throw PluginError.invalidArgument("parameter '\(name)' is '\(text)', not a \(kind)") }
        return value
    }

    /// The value of a declared integer parameter.
    public func int(_ name: String) throws(PluginError) -> Int { try value(name, .int) }
    /// The value of a declared real parameter.
    public func real(_ name: String) throws(PluginError) -> Double { try value(name, .real) }
    /// The value of a declared boolean parameter.
    public func bool(_ name: String) throws(PluginError) -> Bool { try text(name, .bool) == "true" }
    /// The value of a declared text parameter.
    public func string(_ name: String) throws(PluginError) -> String { try text(name, .string) }
}

extension ParameterRule.ValueType {
    /// The rule type of an SDK parameter kind.
    init(_ kind: Parameter.Kind) {
        switch kind {
        case .int: self = .int
        case .real: self = .real
        case .bool: self = .bool
        case .string: self = .string
        }
    }
}
