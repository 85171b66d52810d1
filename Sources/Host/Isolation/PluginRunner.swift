import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plugin ready to be called: in the host's own process (`PluginInstance`)
/// or in a child process (`IsolatedPlugin`). Commands call plugins through
/// this and get one from `PluginIsolation.makeRunner`.
protocol PluginRunner: AnyObject {
    /// What is being run.
    var plugin: PluginDescriptor { get }
    /// Scores `edges` (a metric); one finite score per edge.
    func score(_ edges: [Edge]) throws -> [Double]
    /// Selects a placement of `k` edges (a strategy): distinct, within the graph.
    func select(k: Int) throws -> [Edge]
}

extension PluginInstance: PluginRunner {}

/// Whether plugins run isolated in child processes, and for how long a call
/// may run (PLUGIN_ABI.md rule 12). Commands that run plugins create every
/// plugin through `makeRunner`.
public struct PluginIsolation: Codable, Equatable, Sendable {
    /// Run each plugin in a child process.
    public var isolate: Bool
    /// Stop a plugin whose call runs longer than this many seconds, not
    /// counting time the host spends serving it; implies isolation.
    public var pluginTimeout: Double?

    /// Settings; a timeout must be a positive number of seconds.
    public init(isolate: Bool = false, pluginTimeout: Double? = nil) throws(RunError) {
        if let pluginTimeout, !(pluginTimeout > 0 && pluginTimeout.isFinite) {
            throw .invalidSetting("--plugin-timeout must be a positive number of seconds")
        }
        self.isolate = isolate
        self.pluginTimeout = pluginTimeout
    }

    /// In-process plugins, no timeout.
    public init() {
        isolate = false
        pluginTimeout = nil
    }

    /// Makes writing to a closed pipe or socket an error (EPIPE) instead of
    /// the end of the process: a plugin worker that died must never take the host with it.
    public static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// True when plugins run in child processes (isolation, or a timeout, which needs one).
    public var isolates: Bool { isolate || pluginTimeout != nil }

    /// Creates `plugin` with `configuration` in `environment`: isolated when
    /// these settings ask for it, else in this process. `executable` is the
    /// `adapter-search` that runs isolated workers (default: this one).
    func makeRunner(_ plugin: PluginDescriptor, environment: PluginEnvironment, configuration: [String: String] = [:],
                    executable: URL? = nil) throws -> PluginRunner {
        guard isolates else { return try PluginInstance(plugin, environment: environment, configuration: configuration) }
        return try IsolatedPlugin(plugin, environment: environment, configuration: configuration, timeout: pluginTimeout,
                                  executable: executable)
    }
}
