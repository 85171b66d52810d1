import Core

/// One strategy of a study as the user names it: `ID[:NAME=VALUE...]`, a
/// strategy plugin's id and its parameters, separated by colons (a value
/// may hold commas: `random:kinds=sequential,parallel`). The parameter
/// `kinds` is the host's, not the plugin's: it gives the strategy its own
/// candidate space. The text form is the strategy's label in every table.
public struct StrategySpecification: Hashable, Sendable, CustomStringConvertible {
    /// The strategy plugin's id.
    public let id: String
    /// Its parameters in the order given, `kinds` included.
    public let parameters: [(name: String, value: String)]

    /// Reads `text`; an empty id, a parameter that is not NAME=VALUE, a
    /// parameter given twice or an unknown edge kind is an error.
    public init(parsing text: String) throws(RunError) {
        let argument = try PluginArgument(parsing: text, option: "--strategy", kind: "strategy", form: "ID[:NAME=VALUE...]")
        id = argument.id
        parameters = argument.parameters
        _ = try kinds
    }

    /// The text form: the id, then each parameter as `:NAME=VALUE`.
    public var description: String { ([id] + parameters.map { "\($0.name)=\($0.value)" }).joined(separator: ":") }

    /// The strategy's own candidate kinds, when it names them.
    public var kinds: Set<Edge.Kind>? {
        get throws(RunError) {
            guard let text = parameters.first(where: { $0.name == "kinds" })?.value else { return nil }
            return try SearchSpace.kinds(parsing: text)
        }
    }

    /// The configuration the plugin is created with: every parameter but `kinds`.
    public var pluginConfiguration: [String: String] {
        Dictionary(uniqueKeysWithValues: parameters.filter { $0.name != "kinds" }.map { ($0.name, $0.value) })
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

extension StrategySpecification: Codable {
    /// Reads the text form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Self(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Writes the text form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
