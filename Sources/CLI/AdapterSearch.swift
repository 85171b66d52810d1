import ArgumentParser
import Host

/// The `adapter-search` command: a thin layer of ArgumentParser commands
/// over the host library.
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
        version: hostVersion,
        subcommands: [PluginsCommand.self, TrainCommand.self, ScoreCommand.self, BenchCommand.self,
                      SearchCommand.self, CompareCommand.self, StudyCommand.self, ReportCommand.self, ExportCommand.self, RunsCommand.self,
                      WorkerCommand.self, PluginWorkerCommand.self])
}
