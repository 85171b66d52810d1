import ArgumentParser
import Host

/// Options every command that loads plugins takes.
struct PluginOptions: ParsableArguments {
    @Option(name: .customLong("plugin"), help: ArgumentHelp("Load this plugin library or metric manifest (*.metric.json) (repeatable); a failure is an error.",
                                                           valueName: "file"))
    var files: [String] = []

    @Option(name: .customLong("plugin-path"),
            help: ArgumentHelp("Scan this folder for plugin libraries and metric manifests (repeatable), before $\(PluginDiscovery.environmentVariable) and the host's own folder.",
                               valueName: "dir"))
    var directories: [String] = []

    /// The sources these options name.
    var sources: PluginSources { PluginSources(files: files, directories: directories) }

    /// Loads every plugin these options and the environment name; warnings go to standard error.
    func load() throws -> [PluginDescriptor] { try sources.load() }
}
