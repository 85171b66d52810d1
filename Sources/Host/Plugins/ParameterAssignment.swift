/// One plugin parameter set on a command line (`--set`): `ID.NAME=VALUE`
/// sets parameter NAME of plugin ID (a plugin id may hold dots: the name is
/// what follows the last one before `=`), and `NAME=VALUE` sets a parameter
/// of the command's strategy. Values are checked against the plugin's
/// declarations when the run starts (`PluginDescriptor.configuration`).
public struct ParameterAssignment: Equatable, Sendable {
    /// An assignment from its parts.
    public init(plugin: String?, name: String, value: String) {
        self.plugin = plugin
        self.name = name
        self.value = value
    }

    /// The plugin named, or nil for the command's strategy.
    public var plugin: String?
    public var name: String
    public var value: String

    /// Reads `ID.NAME=VALUE` or `NAME=VALUE`; anything else is an error
    /// quoting the text.
    public init(parsing text: String) throws(RunError) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw .invalidSetting("--set '\(text)' is not NAME=VALUE or PLUGIN.NAME=VALUE")
        }
        let key = text[..<equals]
        value = String(text[text.index(after: equals)...])
        if let dot = key.lastIndex(of: ".") {
            guard dot != key.startIndex, key.index(after: dot) != key.endIndex else {
                throw .invalidSetting("--set '\(text)': PLUGIN.NAME needs both a plugin id and a parameter name")
            }
            plugin = String(key[..<dot])
            name = String(key[key.index(after: dot)...])
        } else {
            plugin = nil
            name = String(key)
        }
    }

    /// Splits `texts` into the parameters of `strategy` (bare, or named by
    /// its id) and those of every other plugin, by id. Without a strategy a
    /// bare assignment is an error; so is a parameter set twice.
    public static func split(_ texts: [String], strategy: String?) throws(RunError)
        -> (strategy: [String: String], plugins: [String: [String: String]]) {
        var own: [String: String] = [:], others: [String: [String: String]] = [:]
        for text in texts {
            let assignment = try ParameterAssignment(parsing: text)
            let target = assignment.plugin ?? strategy
            guard let target else {
                throw .invalidSetting("--set '\(text)' names no plugin, and this command has no strategy: "
                                      + "write --set METRIC.\(assignment.name)=\(assignment.value)")
            }
            if target == strategy {
                guard own[assignment.name] == nil else { throw .invalidSetting("--set gives '\(assignment.name)' of \(target) twice") }
                own[assignment.name] = assignment.value
            } else {
                guard others[target, default: [:]][assignment.name] == nil else {
                    throw .invalidSetting("--set gives '\(assignment.name)' of \(target) twice")
                }
                others[target, default: [:]][assignment.name] = assignment.value
            }
        }
        return (own, others)
    }
}
