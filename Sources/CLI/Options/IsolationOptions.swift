import ArgumentParser
import Host

/// Whether plugins run isolated in child processes, and for how long a call may run.
struct IsolationOptions: ParsableArguments {
    @Flag(help: "Run each plugin in a child process: one that crashes is reported and the host and its stored results are unaffected.")
    var isolate = false

    @Option(name: .customLong("plugin-timeout"),
            help: ArgumentHelp("Stop a plugin whose call runs longer than this, not counting time the host spends serving it (e.g. training). Implies --isolate.",
                               valueName: "seconds"))
    var pluginTimeout: Double?

    func validate() throws {
        _ = try validating(isolation)
    }

    /// The isolation these options ask for.
    func isolation() throws -> PluginIsolation {
        try PluginIsolation(isolate: isolate, pluginTimeout: pluginTimeout)
    }
}
