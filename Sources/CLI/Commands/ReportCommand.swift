import ArgumentParser
import Foundation
import Host

/// `adapter-search report RUN... --out DIR`: one self-contained HTML page of
/// stored runs. A compare or search run shows its metrics' heatmaps, the
/// truth where the run trained it, scatters with their rank correlations,
/// and the placements every search run on the same task chose; a study run
/// its table, claims, Pareto plot and accuracy bars. Several runs (studies
/// of several tasks, say) get one section each, titled with the task.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report of stored runs (heatmaps, scatters, statistics, placements; a study's table, claims and charts).")

    @Argument(help: ArgumentHelp("The runs' ids (see `adapter-search runs list`); several runs get one section each.", valueName: "run"))
    var runIDs: [String]

    @Option(help: ArgumentHelp("The folder to write report.html into.", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Colour heatmaps by value (linear) or by rank among the edges (rank), which shows the order of values that crowd at one end.",
                               valueName: "linear|rank"))
    var scale: HeatmapScale = .linear

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard !runIDs.isEmpty else { throw ValidationError("name at least one run to report (see `adapter-search runs list`)") }
    }

    func run() throws {
        let results = try store.open(create: false)
        let runs = try runIDs.map { try ReportData(run: $0, store: results) }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let file = URL(fileURLWithPath: out).appendingPathComponent("report.html")
        try ReportPage.html(runs, scale: scale).write(to: file, atomically: true, encoding: .utf8)
        print(file.path)
    }
}

extension HeatmapScale: ExpressibleByArgument {}
