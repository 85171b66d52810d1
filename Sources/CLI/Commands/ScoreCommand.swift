import ArgumentParser
import Foundation
import Host

/// `adapter-search score`: every edge of the extended space scored by each
/// metric from one probe pass.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score every edge with metric plugins from one probe pass; print a table and a heatmap per metric.")

    @Option(name: .customLong("metric"), help: ArgumentHelp("A metric plugin id (repeatable).", valueName: "id"))
    var metrics: [String] = ["gradient-rank"]

    @OptionGroup var task: TaskOptions
    @OptionGroup var probe: ProbeOptions
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var parameters: ParameterOptions
    @OptionGroup var isolation: IsolationOptions

    @Flag(help: "Print CSV: i, j, kind, then one column per metric.")
    var csv = false

    @Flag(help: "Print a JSON array of objects with i, j, kind and one key per metric id.")
    var json = false

    @Option(help: ArgumentHelp("Write one heatmap per metric as DIR/ID.svg.", valueName: "dir"))
    var svg: String?

    @Option(help: ArgumentHelp("Write the probe as .npy files (H_k.npy and D_k.npy per node, head_weight.npy, head_bias.npy), and each extra pass's in DIR/probe-P/.",
                               valueName: "dir"))
    var dumpProbe: String?

    func validate() throws {
        if csv && json { throw ValidationError("choose one of --csv and --json") }
        guard !metrics.isEmpty else { throw ValidationError("name at least one --metric") }
    }

    func run() throws {
        var sources = plugins.sources
        sources.metricParameters = try parameters.split(strategy: nil).plugins
        let scoring = EdgeScoring(task: task.specification, probe: probe.settings, plugins: sources,
                                  isolation: try isolation.isolation(), metrics: metrics)
        let result = try scoring.run()
        for failure in result.failures { printError("error: metric '\(failure.metric)': \(failure.error)") }
        printError(result.summary)
        if let dumpProbe { try ProbeDump.write(result.probes, to: dumpProbe) }
        let table = result.table
        if json {
            print(try table.json())
        } else if csv {
            print(table.csv(), terminator: "")
        } else {
            print(table.text(), terminator: "")
            for column in table.columns { print("\n" + table.heatmap(column.id).terminal, terminator: "") }
        }
        if let svg {
            try FileManager.default.createDirectory(atPath: svg, withIntermediateDirectories: true)
            for column in table.columns {
                try table.heatmap(column.id).svg.write(toFile: svg + "/\(column.id).svg", atomically: true, encoding: .utf8)
            }
        }
        if !result.failures.isEmpty { throw ExitCode(1) }
    }
}
