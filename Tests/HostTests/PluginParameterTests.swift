import Foundation
import Testing
@testable import Host

/// `--set PLUGIN.NAME=VALUE` on every command that runs plugins: parsed,
/// checked against the declarations before any pass, stored with the run,
/// and reaching the plugin; `--log-level` and `-v` for plugins' log lines.
@Suite struct PluginParameterTests {
    @Test func anAssignmentNamesItsPluginByTheLastDotBeforeTheEqualsSign() throws {
        let metric = try ParameterAssignment(parsing: "example.activation-energy.balance=0.25")
        #expect(metric == ParameterAssignment(plugin: "example.activation-energy", name: "balance", value: "0.25"))
        let bare = try ParameterAssignment(parsing: "gamma=0.3")
        #expect(bare.plugin == nil && bare.name == "gamma" && bare.value == "0.3")
        #expect(try ParameterAssignment(parsing: "gradient-rank.rtol=1e-3=x").value == "1e-3=x")
        for bad in ["gamma", "=0.3", ".gamma=1", "gga.=1"] {
            #expect(throws: RunError.self, "\(bad)") { try ParameterAssignment(parsing: bad) }
        }
        let split = try ParameterAssignment.split(["gamma=0.3", "gga.metric=snip", "snip.rank=2"], strategy: "gga")
        #expect(split.strategy == ["gamma": "0.3", "metric": "snip"] && split.plugins == ["snip": ["rank": "2"]])
        #expect(throws: RunError.self) { try ParameterAssignment.split(["rank=2"], strategy: nil) }
        #expect(throws: RunError.self) { try ParameterAssignment.split(["gamma=0.3", "gga.gamma=0.4"], strategy: "gga") }
    }

    func task(_ folder: URL) throws -> [String] {
        let (model, data) = try TinyTextTask.write(in: folder)
        return ["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2], "--probe-size", "12"]
    }

    @Test func scoreGivesAMetricItsParameters() throws {
        try withTemporaryDirectory { folder in
            let task = try task(folder)
            func snip(_ extra: [String]) throws -> [Double] {
                let result = try runAdapterSearch(["score", "--metric", "snip", "--json"] + task + extra)
                #expect(result.status == 0, "\(result.stderr)")
                let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
                return rows.map { $0["snip"] as? Double ?? .nan }
            }
            let defaults = try snip([]), explicit = try snip(["--set", "snip.rank=8"]), rankTwo = try snip(["--set", "snip.rank=2"])
            #expect(defaults == explicit && defaults != rankTwo)
        }
    }

    @Test(arguments: [
        (["--set", "snip.rank=0"], "rank"),
        (["--set", "snip.colour=red"], "unknown parameter 'colour'"),
        (["--set", "nosuch.rank=2"], "nosuch"),
        (["--set", "rank=2"], "write --set METRIC.rank=2"),
    ])
    func aBadMetricParameterIsRefusedBeforeAnyPass(extra: [String], mention: String) throws {
        try withTemporaryDirectory { folder in
            let result = try runAdapterSearch(["score", "--metric", "snip"] + (try task(folder)) + extra)
            #expect(result.status != 0 && result.stderr.contains(mention), "\(result.stderr)")
            #expect(!result.stderr.contains("scored"), "no pass ran")
        }
    }

    @Test func anUnknownMetricIsRefusedBeforeTheProbePass() throws {
        try withTemporaryDirectory { folder in
            let result = try runAdapterSearch(["score", "--metric", "no-such-metric"] + (try task(folder)))
            #expect(result.status != 0 && result.stderr.contains("no-such-metric") && !result.stderr.contains("scored"), "\(result.stderr)")
        }
    }

    @Test func searchStoresTheStrategysAndTheMetricsParameters() throws {
        try withTemporaryDirectory { folder in
            let store = folder.appendingPathComponent("runs.sqlite").path
            let result = try runAdapterSearch(["search", "--strategy", "gga", "--metric", "snip", "--k", "1", "--steps", "2",
                                               "--set", "gamma=0.3", "--set", "snip.rank=2", "--store", store, "--json"] + (try task(folder)))
            #expect(result.status == 0, "\(result.stderr)")
            let results = try ResultsStore(path: store, create: false)
            let run = try #require(try results.runs().first)
            let configuration = try RunConfiguration(json: run.configuration, run: run.id)
            #expect(configuration.search?.parameters == ["gamma": "0.3"])
            #expect(configuration.plugins.metricParameters == ["snip": ["rank": "2"]])
            #expect(result.stderr.contains("the strategy trained nothing itself; the chosen placement was trained and tested now"))
        }
    }

    @Test func inspectSaysHowToSetAMetricsParameters() throws {
        let library = Locations.products.appendingPathComponent(BuiltInPlugins.metricsLibrary).path
        let result = try runAdapterSearch(["plugins", "inspect", library])
        #expect(result.status == 0 && result.stdout.contains("(score, compare, search, study: --set snip.NAME=VALUE)"), "\(result.stdout)")
    }

    @Test func pluginsInfoLinesShowWithVerbose() throws {
        try withTemporaryDirectory { folder in
            let library = try CCompiler.fixture("isolation_plugins", into: folder)
            let base = ["search", "--plugin", library, "--strategy", "fixture-searcher", "--k", "2", "--steps", "2",
                        "--store", folder.appendingPathComponent("runs.sqlite").path] + (try task(folder))
            let quiet = try runAdapterSearch(base)
            #expect(quiet.status == 0 && !quiet.stderr.contains("fixture-searcher: starting"), "\(quiet.stderr)")
            let verbose = try runAdapterSearch(base + ["-v"])
            #expect(verbose.status == 0 && verbose.stderr.contains("fixture-searcher: starting"), "\(verbose.stderr)")
            let bad = try runAdapterSearch(base + ["--log-level", "loud"])
            #expect(bad.status != 0 && bad.stderr.contains("--log-level must be debug, info, warning or error"))
        }
    }
}
