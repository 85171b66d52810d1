import ArgumentParser
import Foundation
import Host

/// `adapter-search report RUN --out DIR`: one self-contained HTML page of a
/// stored run: its metrics' heatmaps, the truth where the run trained it,
/// scatters with their rank correlations, and the placements every search
/// run on the same task chose.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report of a stored run (heatmaps, scatters, statistics, strategies' placements).")

    @Argument(help: ArgumentHelp("The run's id (see `adapter-search runs list`).", valueName: "run"))
    var runID: String

    @Option(help: ArgumentHelp("The folder to write report.html into.", valueName: "dir"))
    var out: String

    @OptionGroup var store: StoreOptions

    func run() throws {
        let results = try store.open(create: false)
        let data = try ReportData(run: runID, store: results)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let file = URL(fileURLWithPath: out).appendingPathComponent("report.html")
        try ReportPage.html(data).write(to: file, atomically: true, encoding: .utf8)
        print(file.path)
    }
}

