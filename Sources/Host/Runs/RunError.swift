/// Why the host cannot carry out what a run or a command asks; each
/// message says what to change.
public enum RunError: Error, CustomStringConvertible, Equatable {
    /// No plugin of that id (and kind, when one is expected) was found.
    case unknownPlugin(id: String, kind: PluginKind?)
    /// The plugin exists but is of the other kind.
    case wrongPluginKind(id: String, kind: PluginKind, expected: PluginKind)
    /// `--metric` for a strategy that declares no `metric` parameter.
    case strategyTakesNoMetric(strategy: String)
    /// `--resume` of a run another command made.
    case notARunOf(run: String, command: String, expected: String)
    /// A stored configuration this version cannot read.
    case unreadableConfiguration(run: String, reason: String)
    /// A setting out of its range, or settings that do not fit together.
    case invalidSetting(String)

    public var description: String {
        switch self {
        case let .unknownPlugin(id, kind):
            "no \(kind.map { "\($0) " } ?? "")plugin '\(id)'; `adapter-search plugins list` shows what there is"
        case let .wrongPluginKind(id, kind, expected):
            "plugin '\(id)' is a \(kind), not a \(expected)"
        case let .strategyTakesNoMetric(strategy):
            "strategy '\(strategy)' takes no metric; leave out --metric"
        case let .notARunOf(run, command, expected):
            "run \(run) is a `\(command)` run, not a \(expected) run"
        case let .unreadableConfiguration(run, reason):
            "run \(run) has a configuration this version cannot read: \(reason)"
        case let .invalidSetting(message):
            message
        }
    }
}
