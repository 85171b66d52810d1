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
    /// `--resume` of a run a live process is still carrying out.
    case runIsLive(run: String, owner: RunOwner)
    /// `--resume` with an option that would change what the run is.
    case definitionFixed(run: String, options: [String])
    /// A setting out of its range, or settings that do not fit together.
    case invalidSetting(String)
    /// `runs diff` of two runs that evaluated no placement at the same training seed.
    case nothingInCommon(first: String, second: String)

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
        case let .runIsLive(run, owner):
            "run \(run) is still being carried out by \(owner); stop that process first (a run is resumed by one process at a time)"
        case let .definitionFixed(run, options):
            "\(options.joined(separator: ", ")) cannot change when resuming run \(run): a run's definition is fixed when it is created "
                + "(only --isolate, --plugin-timeout, --cache-memory, --no-cache, --json and the executor's options may be given with --resume); start a new run instead"
        case let .invalidSetting(message):
            message
        case let .nothingInCommon(first, second):
            "runs \(first) and \(second) evaluated no placement at the same training seed: nothing to compare "
                + "(`runs show RUN` lists a run's evaluations)"
        }
    }
}
