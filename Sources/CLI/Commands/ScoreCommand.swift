import ArgumentParser
import Foundation
import Host

/// `adapter-search score`: every edge of the extended space scored by each
/// metric from one probe pass.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score every edge with metric plugins from one probe pass; print a table and a heatmap per metric.")

    @Option(name: .customLong("metric"),
            help: ArgumentHelp("A metric plugin id, or a sweep of its parameters ID:NAME=V1,V2[:NAME=...], one column per setting (repeatable).",
                               valueName: "id[:name=v1,v2...]"))
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
        _ = try validating { try probe.single(for: "score") }
        for text in metrics { _ = try validating { try MetricSweep(parsing: text) } }
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
        let diagnostics = "resolution (scores of the one probe):\n" + ScoreResolution.diagnostics(result.resolutions, width: result.width)
        if json || csv {
            // Standard output keeps its documented shape; the diagnostics go beside it.
            print(json ? try table.json() : table.csv(), terminator: json ? "\n" : "")
            printError(String(diagnostics.dropLast()))
        } else {
            print(table.text(), terminator: "")
            for column in table.columns { print("\n" + table.heatmap(column.id).terminal, terminator: "") }
            print("\n" + diagnostics, terminator: "")
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
