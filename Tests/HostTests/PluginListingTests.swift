import CAdapterSearch
import Foundation
import Testing

/// `adapter-search plugins list --json`, run as the real executable: what
/// it finds by default, with ADAPTER_SEARCH_PLUGIN_PATH, and what it must
/// not pick up on its own.
@Suite("plugins list")
struct PluginListingTests {
    /// The ids of every built-in plugin.
    static let builtInIDs = Set(BuiltInPlugins.metrics + BuiltInPlugins.strategies)

    @Test("Lists every built-in plugin, loaded from the package's .so files, with the documented keys")
    func listsTheBuiltIns() throws {
        let result = try runAdapterSearch(["plugins", "list", "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.isEmpty)
        // Decoding checks that every entry has id, kind, name, version, abi and library.
        let listed = try ListedPlugin.parse(result.stdout)
        #expect(Set(listed.map(\.id)) == Self.builtInIDs)
        #expect(listed.count == Self.builtInIDs.count, "no id twice")
        for plugin in listed {
            let metric = BuiltInPlugins.metrics.contains(plugin.id)
            #expect(plugin.kind == (metric ? "metric" : "strategy"), "\(plugin.id)")
            let library = metric ? BuiltInPlugins.metricsLibrary : BuiltInPlugins.strategiesLibrary
            #expect(plugin.library.hasSuffix("/" + library), "\(plugin.id) from \(plugin.library)")
            #expect(plugin.abi == "\(ASP_ABI_VERSION_MAJOR).\(ASP_ABI_VERSION_MINOR)" && !plugin.name.isEmpty && !plugin.version.isEmpty, "\(plugin.id)")
        }
    }

    @Test("The table shows each plugin's parameters with their defaults")
    func theTableShowsParameters() throws {
        let result = try runAdapterSearch(["plugins", "list"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("PARAMETERS") == true)
        let learnedSwitch = try #require(lines.first { $0.hasPrefix("learned-switch ") })
        for setting in ["sparsity=0.2", "temperature=1.0", "final-temperature=0.1", "gate-lr=0.05", "gate-steps=0", "keep=top-k"] {
            #expect(learnedSwitch.contains(setting), "\(setting) in: \(learnedSwitch)")
        }
        let sideNetwork = try #require(lines.first { $0.hasPrefix("side-network ") })
        #expect(sideNetwork.contains("metric=gradient-rank"), "\(sideNetwork)")
        let rank = try #require(lines.first { $0.hasPrefix("gradient-rank ") })
        #expect(rank.contains("rtol="), "\(rank)")
    }

    @Test("Lists the examples (C and C++) when ADAPTER_SEARCH_PLUGIN_PATH names their folder, and never from the current directory")
    func findsExamplesOnlyThroughThePluginPath() throws {
        try withTemporaryDirectory { directory in
            let examples = try CCompiler.examples(into: directory)

            let withPath = try runAdapterSearch(["plugins", "list", "--json"],
                                                environment: ["ADAPTER_SEARCH_PLUGIN_PATH": directory.path])
            #expect(withPath.status == 0, "stderr: \(withPath.stderr)")
            let found = try ListedPlugin.parse(withPath.stdout)
            #expect(Set(found.map(\.id)) == Self.builtInIDs.union([ExamplePlugins.metric, ExamplePlugins.strategy,
                                                                                 ExamplePlugins.ffiMetric, ExamplePlugins.cppStrategy,
                                                                                 ExamplePlugins.cppMetric, ExamplePlugins.gradientNorm]))
            #expect(found.first { $0.id == ExamplePlugins.metric }?.library == examples.metric)
            #expect(found.first { $0.id == ExamplePlugins.strategy }?.library == examples.strategy)

            // Without it, run from inside the examples' folder: not picked up.
            let fromTheirFolder = try runAdapterSearch(["plugins", "list", "--json"], directory: directory)
            #expect(fromTheirFolder.status == 0, "stderr: \(fromTheirFolder.stderr)")
            #expect(Set(try ListedPlugin.parse(fromTheirFolder.stdout).map(\.id)) == Self.builtInIDs)
        }
    }

    @Test("plugins inspect takes a bare file name relative to the current directory")
    func inspectResolvesRelativePaths() throws {
        try withTemporaryDirectory { directory in
            _ = try CCompiler.examples(into: directory)
            let result = try runAdapterSearch(["plugins", "inspect", "example_metric.so"], directory: directory)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(result.stdout.contains("\(ExamplePlugins.metric) (metric)"))
        }
    }
}
