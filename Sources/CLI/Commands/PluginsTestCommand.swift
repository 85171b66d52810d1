import ArgumentParser
import Host

extension PluginsCommand {
    /// `plugins test FILE`: runs a plugin without training anything and
    /// checks what the ABI promises (`PluginHarness`).
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a plugin file against the ABI without training anything: a PASS, FAIL or SKIP line per check.",
            discussion: """
                Metrics score on a probe: a synthetic one (a random 2-block BERT, d = 16), or one written by \
                `score --dump-probe DIR` (--probe DIR). Strategies get their scores from real metric plugins on \
                that probe and synthetic evaluations, a fixed function of the placement (nothing is trained). \
                Each check runs in a child process, so a plugin that crashes, exits or hangs fails that check. \
                Exits 1 if any check fails.
                """)

        @Argument(help: "The plugin file to test: a library (.so), a metric manifest (.metric.json), or any other file `plugins inspect` takes.")
        var file: String

        @Option(help: ArgumentHelp("Score metrics on the probe `score --dump-probe DIR` wrote instead of the synthetic one.",
                                   valueName: "dir"))
        var probe: String?

        @Option(help: "The first seed plugins' random streams are drawn from; strategies also run with seed + 1.")
        var seed: UInt64 = 0

        @Option(help: ArgumentHelp("The strategies' candidate edge kinds, comma-separated (default: all but recurrent, so that a strategy ignoring the candidates shows).",
                                   valueName: "kinds"))
        var kinds: String = "sequential,parallel,long-range"

        @Option(help: ArgumentHelp("Seconds one check may run before its child process is stopped and the check fails.", valueName: "seconds"))
        var timeout: Double = 120

        @Flag(help: "Run the checks in this process: faster, but a plugin that crashes ends the test.")
        var inProcess = false

        @Flag(help: "Print the report as JSON (the checks with status pass, fail or skip, and the counts).")
        var json = false

        @OptionGroup var plugins: PluginOptions
        @OptionGroup var parameters: ParameterOptions

        @Option(help: .private)
        var harnessChild: String?

        func run() throws {
            if let harnessChild { throw ExitCode(PluginHarness.serveChild(harnessChild)) }
            var sources = plugins.sources
            sources.metricParameters = try parameters.split(strategy: nil).plugins
            let harness = try PluginHarness(PluginHarness.Settings(file: file, probeFolder: probe, seed: seed, kinds: kinds,
                                                                   plugins: sources, timeout: timeout))
            var report = try harness.start(inProcess: inProcess)
            if !json { print(report.heading) }
            try harness.run(into: &report, inProcess: inProcess) { check in
                if !json { print(check.line) }
            }
            if json {
                print(try jsonText(report, formatting: [.sortedKeys, .prettyPrinted]))
            } else {
                print("\n" + report.summary)
            }
            if !report.succeeded { throw ExitCode(1) }
        }
    }
}
