import Synchronization

/// The least severe plugin log level this process prints (asp_host.log's
/// levels: debug 0, info 1, warning 2, error 3): warnings and errors unless
/// a command's `--log-level` (or `-v`) says otherwise. Lines go to standard
/// error as `PLUGIN: message`; an isolated plugin's lines are filtered here
/// too, in the host.
public enum PluginLogLevel: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case debug = 0, info, warning, error

    private static let threshold = Atomic<Int32>(PluginLogLevel.warning.rawValue)

    /// The level printed from on: `warning` until set.
    public static var current: PluginLogLevel {
        get { PluginLogLevel(rawValue: threshold.load(ordering: .relaxed)) ?? .warning }
        set { threshold.store(newValue.rawValue, ordering: .relaxed) }
    }

    /// Whether a line at `level` is printed.
    static func prints(_ level: Int32) -> Bool { level >= threshold.load(ordering: .relaxed) }

    public var description: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        }
    }
}
