import ArgumentParser
import Host

/// `adapter-search plugin-worker`, hidden: the child process of an isolated
/// plugin. It loads one plugin and runs it for the host over the socket it
/// inherited; the engine stays in the host.
struct PluginWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin-worker",
        abstract: "Run one plugin for a host over a connected socket (used by --isolate; not for direct use).",
        shouldDisplay: false)

    @Option(help: "The file descriptor of the socket connected to the host.")
    var socket: Int32 = 3

    func run() throws {
        let status = try PluginWorker.serve(socket: socket)
        if status != 0 { throw ExitCode(status) }
    }
}
