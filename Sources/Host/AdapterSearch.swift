import ArgumentParser

/// The `adapter-search` command.
@main
struct AdapterSearch: ParsableCommand {
    /// Runs the command, after making sure OpenBLAS uses the CPU's best kernels.
    static func main() {
        OpenBLASCoreType.reexecuteIfNeeded()
        PluginIsolation.ignoreBrokenPipes()
        main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "adapter-search",
        abstract: "Find where to put adapters in a frozen pretrained transformer.",
        version: "0.6.0",
        subcommands: [PluginsCommand.self, TrainCommand.self, ScoreCommand.self, BenchCommand.self,
                      SearchCommand.self, CompareCommand.self, ReportCommand.self, ExportCommand.self, RunsCommand.self,
                      PluginWorkerCommand.self])
}

/// Options every command that loads plugins takes.
struct PluginOptions: ParsableArguments {
    @Option(name: .customLong("plugin"), help: ArgumentHelp("Load this plugin library or metric manifest (*.metric.json) (repeatable); a failure is an error.",
                                                           valueName: "file"))
    var files: [String] = []

    @Option(name: .customLong("plugin-path"),
            help: ArgumentHelp("Scan this folder for plugin libraries and metric manifests (repeatable), before $\(PluginDiscovery.environmentVariable) and the host's own folder.",
                               valueName: "dir"))
    var directories: [String] = []

    /// Loads every plugin these options and the environment name; warnings go to standard error.
    func load() throws -> [PluginDescriptor] {
        let result = try PluginDiscovery.standard(files: files, directories: directories).load()
        result.warnings.forEach { printError("warning: \($0)") }
        return result.plugins
    }
}
