import ArgumentParser
import Host

/// Options every command that loads plugins takes.
struct PluginOptions: ParsableArguments {
    @Option(name: .customLong("plugin"), help: ArgumentHelp("Load this plugin library, metric manifest (*.metric.json) or Python plugin script (*.py) (repeatable); a failure is an error.",
                                                           valueName: "file"))
    var files: [String] = []

    @Option(name: .customLong("plugin-path"),
            help: ArgumentHelp("Scan this folder for plugin libraries, metric manifests and Python plugin scripts (repeatable), before $\(PluginDiscovery.environmentVariable) and the host's own folder.",
                               valueName: "dir"))
    var directories: [String] = []

    @Option(help: ArgumentHelp("Print plugins' log lines from this level on: debug, info, warning or error.", valueName: "level"))
    var logLevel: String = "warning"

    @Flag(name: .customShort("v"), help: "Print plugins' info lines too (--log-level info).")
    var verbose = false

    func validate() throws {
        guard let level = PluginLogLevel.allCases.first(where: { $0.description == logLevel }) else {
            throw ValidationError("--log-level must be debug, info, warning or error, not '\(logLevel)'")
        }
        PluginLogLevel.current = verbose && level.rawValue > PluginLogLevel.info.rawValue ? .info : level
    }

    /// The sources these options name.
    var sources: PluginSources { PluginSources(files: files, directories: directories) }

    /// Loads every plugin these options and the environment name; warnings go to standard error.
    func load() throws -> [PluginDescriptor] { try sources.load() }
}
