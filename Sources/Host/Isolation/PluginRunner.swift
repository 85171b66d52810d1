import ArgumentParser
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
/// may run (PLUGIN_ABI.md rule 12). Commands that run plugins take these
/// options and create every plugin through `makeRunner`.
struct PluginIsolation: ParsableArguments {
    @Flag(help: "Run each plugin in a child process: one that crashes is reported and the host and its stored results are unaffected.")
    var isolate = false

    @Option(name: .customLong("plugin-timeout"),
            help: ArgumentHelp("Stop a plugin whose call runs longer than this, not counting time the host spends serving it (e.g. training). Implies --isolate.",
                               valueName: "seconds"))
    var pluginTimeout: Double?

    func validate() throws {
        if let pluginTimeout, !(pluginTimeout > 0 && pluginTimeout.isFinite) {
            throw ValidationError("--plugin-timeout must be a positive number of seconds")
        }
    }

    /// Makes writing to a closed pipe or socket an error (EPIPE) instead of
    /// the end of the process: a plugin worker that died must never take the host with it.
    static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// True when plugins run in child processes (--isolate, or a timeout, which needs one).
    var isolates: Bool { isolate || pluginTimeout != nil }

    /// Creates `plugin` with `configuration` in `environment`: isolated when
    /// these options ask for it, else in this process. `executable` is the
    /// `adapter-search` that runs isolated workers (default: this one).
    func makeRunner(_ plugin: PluginDescriptor, environment: PluginEnvironment, configuration: [String: String] = [:],
                    executable: URL? = nil) throws -> PluginRunner {
        guard isolates else { return try PluginInstance(plugin, environment: environment, configuration: configuration) }
        return try IsolatedPlugin(plugin, environment: environment, configuration: configuration, timeout: pluginTimeout,
                                  executable: executable)
    }
}
