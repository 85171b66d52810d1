/// The rules a parameter value must keep, shared by the host (which checks
/// user values before `create`) and the Swift SDK (which parses them again,
/// defensively, inside the plugin).
public struct ParameterRule: Codable, Equatable, Sendable {
    /// The value types of the ABI (`ASP_PARAM_*`).
    public enum ValueType: String, Codable, Sendable {
        case int, real, bool, string
    }

    /// The value type.
    public var type: ValueType
    /// The inclusive lower bound, for int and real values.
    public var minimum: Double?
    /// The inclusive upper bound, for int and real values.
    public var maximum: Double?

    /// A rule for values of `type` within optional bounds.
    public init(type: ValueType, minimum: Double? = nil, maximum: Double? = nil) {
        self.type = type
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Nil if `text` is a valid value, else what is wrong with it, phrased to
    /// follow the parameter's name ("wants an integer, got 'x'").
    public func problem(with text: String) -> String? {
        let number: Double
        switch type {
        case .int:
            guard let value = Int(text) else { return "wants an integer, got '\(text)'" }
            number = Double(value)
        case .real:
            guard let value = Double(text), value.isFinite else { return "wants a finite number, got '\(text)'" }
            number = value
        case .bool:
            return text == "true" || text == "false" ? nil : "wants true or false, got '\(text)'"
        case .string:
            return nil
        }
        if let minimum, number < minimum { return "must be at least \(minimum), got \(text)" }
        if let maximum, number > maximum { return "must be at most \(maximum), got \(text)" }
        return nil
    }
}
