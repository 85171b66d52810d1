import CAdapterSearch
import Core
import Foundation
import Testing
@testable import Host

/// The C++ examples and the throwing fixture, compiled once per test run with
/// README.md's g++ line (`CXXCompiler.buildLine`) and loaded into this
/// process. The files are removed right after loading: the mapped libraries
/// stay usable.
enum BuiltCppPlugins {
    private static let built = BuiltPlugins("the C++ plugins") { directory in
        [try CXXCompiler.example("example_cpp_strategy", into: directory),
         try CXXCompiler.example("example_cpp_metric", into: directory),
         try CXXCompiler.fixture("cpp_throwing", into: directory)]
    }

    /// The plugin `id` of the C++ examples or of Fixtures/cpp_throwing.cpp.
    static func plugin(_ id: String) throws -> PluginDescriptor { try built.plugin(id) }
}

/// Search services with fixed scores for one metric, "fixed"; nothing else.
final class FixedScores: SearchProvider, @unchecked Sendable {
    let scores: [Edge: Double]
    let direction: Int32

    init(_ scores: [Edge: Double], direction: Int32 = ASP_HIGHER_IS_BETTER) {
        self.scores = scores
        self.direction = direction
    }

    func scores(metric: String, edges: [Edge]) throws -> (scores: [Double], direction: Int32) {
        guard metric == "fixed" else { throw ServiceError(status: ASP_ERR_NOT_FOUND, description: "no metric '\(metric)' in this run") }
        return (edges.map { scores[$0] ?? 0 }, direction)
    }

    func evaluate(_ placements: [[Edge]], budget: Budget) throws -> [EvaluationResult] {
        throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "no evaluations here")
    }

    func trainGated(_ edges: [Edge], budget: GatedRequest) throws -> GatedResult {
        throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "no gated training here")
    }
}

/// The C++ kit (plugins/include/adapter_search.hpp) and its examples: built
/// with the documented g++ line, exporting one symbol, described by
/// `plugins inspect`, run by `adapter-search search`, and every C++
/// exception turned into a status code with its message at the ABI boundary.
@Suite("C++ plugin kit")
struct CppPluginTests {
    /// What example_cpp_strategy.cpp computes, written again here: best
    /// oriented score first (ties: the host's order), skip edges closer than
    /// `spacing` (Manhattan) to one taken, fill up with the best skipped.
    static func spacedGreedy(_ candidates: [Edge], scores: [Double], k: Int, spacing: Int) -> [Edge] {
        let order = candidates.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        let wanted = min(k, candidates.count)
        var chosen: [Edge] = [], skipped: [Edge] = []
        for index in order where chosen.count < wanted {
            let edge = candidates[index]
            if chosen.allSatisfy({ abs($0.source - edge.source) + abs($0.target - edge.target) >= spacing }) {
                chosen.append(edge)
            } else {
                skipped.append(edge)
            }
        }
        return chosen + skipped.prefix(wanted - chosen.count)
    }

    /// Scores over the nine edges of three nodes, in source-major order:
    /// best first 0>0, 0>1, 1>0, 1>1, 2>2, 2>1, 2>0, 1>2, 0>2.
    static let nineScores: [Double] = [9, 8, 1, 7, 6, 2, 3, 4, 5]

    static func strategyEnvironment(direction: Int32 = ASP_HIGHER_IS_BETTER, scores: [Double] = nineScores) -> PluginEnvironment {
        let edges = Edge.all(nodeCount: 3)
        return PluginEnvironment(nodeCount: 3, candidates: edges,
                                 search: FixedScores(Dictionary(uniqueKeysWithValues: zip(edges, scores)), direction: direction))
    }

    // MARK: Building

    @Test("The documented g++ line builds each C++ library, which exports asp_plugin_entry and nothing else")
    func librariesExportOnlyTheEntry() throws {
        try withTemporaryDirectory { directory in
            let libraries = [try CXXCompiler.example("example_cpp_strategy", into: directory),
                             try CXXCompiler.example("example_cpp_metric", into: directory),
                             try CXXCompiler.fixture("cpp_throwing", into: directory)]
            for library in libraries {
                let symbols = try exportedSymbols(library)
                #expect(symbols == [ASP_ENTRY_SYMBOL], "\(library) exports \(symbols)")
            }
        }
    }

    @Test("The version script is what hides g++'s weak template symbols: without it they are exported")
    func withoutTheVersionScriptMoreIsExported() throws {
        try withTemporaryDirectory { directory in
            let output = directory.appendingPathComponent("unscripted.so").path
            let line = CXXCompiler.buildLine.filter { !$0.hasPrefix("-Wl,--version-script") }
            let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                        line + ["-o", output, "plugins/examples/example_cpp_strategy.cpp"],
                                        directory: Locations.packageRoot)
            try #require(result.status == 0, "\(result.stderr)")
            let symbols = try exportedSymbols(output)
            #expect(symbols.contains(ASP_ENTRY_SYMBOL) && symbols.count > 1, "\(symbols)")
        }
    }

    @Test("make builds the C++ examples too, with the same flags")
    func makefileBuildsTheCppExamples() throws {
        try withTemporaryDirectory { directory in
            let dryRun = try runTool("make", ["-n", "-C", Locations.examples.path, "OUT=\(directory.path)"]).stdout
            let line = try #require(dryRun.split(separator: "\n").first { $0.contains("example_cpp_strategy.cpp") })
            for flag in CXXCompiler.buildLine.dropFirst() where flag != "-I" && !flag.hasPrefix("plugins/") && !flag.hasPrefix("-Wl,") {
                #expect(line.split(separator: " ").contains(Substring(flag)), "\(flag) missing from: \(line)")
            }
            #expect(line.contains("-Wl,--version-script=") && line.contains("sdk/exports.map"), "\(line)")
        }
    }

    // MARK: The host sees them

    @Test("plugins inspect shows each C++ plugin's description and parameter table")
    func inspectDescribesThem() throws {
        try withTemporaryDirectory { directory in
            let strategy = try CXXCompiler.example("example_cpp_strategy", into: directory)
            let metric = try CXXCompiler.example("example_cpp_metric", into: directory)
            let abi = "ABI \(ASP_ABI_VERSION_MAJOR).\(ASP_ABI_VERSION_MINOR)"

            let shown = try runAdapterSearch(["plugins", "inspect", strategy])
            #expect(shown.status == 0, "\(shown.stderr)")
            for line in ["\(ExamplePlugins.cppStrategy) (strategy) 1.0.0, \(abi)",
                         "  name:        Spaced greedy (C++ example)",
                         "    metric=<string> (default gradient-norm): id of the metric whose scores guide the choice",
                         "    spacing=<int> (default 2 in [0.0, 64.0]): least Manhattan distance between chosen edges; 0 or 1 gives top-k"] {
                #expect(shown.stdout.contains(line), "missing '\(line)' in:\n\(shown.stdout)")
            }

            let metricShown = try runAdapterSearch(["plugins", "inspect", metric])
            #expect(metricShown.status == 0, "\(metricShown.stderr)")
            for line in ["\(ExamplePlugins.cppMetric) (metric) 1.0.0, \(abi)", "  direction:   higher is better",
                         "  needs:       probe",
                         "    normalise=<bool> (default false): divide by (N d)^2, N the probe's tokens and d the width"] {
                #expect(metricShown.stdout.contains(line), "missing '\(line)' in:\n\(metricShown.stdout)")
            }
        }
    }

    // MARK: The strategy

    @Test("The strategy is greedy by score and keeps its choices `spacing` apart, filling up when too few are", arguments: [
        (k: 3, spacing: 2, direction: ASP_HIGHER_IS_BETTER, chosen: [Edge(0, 0), Edge(1, 1), Edge(2, 2)]),
        (k: 3, spacing: 0, direction: ASP_HIGHER_IS_BETTER, chosen: [Edge(0, 0), Edge(0, 1), Edge(1, 0)]),
        (k: 3, spacing: 1, direction: ASP_HIGHER_IS_BETTER, chosen: [Edge(0, 0), Edge(0, 1), Edge(1, 0)]),
        (k: 3, spacing: 3, direction: ASP_HIGHER_IS_BETTER, chosen: [Edge(0, 0), Edge(2, 2), Edge(0, 1)]),
        (k: 2, spacing: 2, direction: ASP_LOWER_IS_BETTER, chosen: [Edge(0, 2), Edge(2, 0)]),
        (k: 20, spacing: 2, direction: ASP_HIGHER_IS_BETTER, chosen: [Edge(0, 0), Edge(1, 1), Edge(2, 2), Edge(2, 0), Edge(0, 2),
                                                                      Edge(0, 1), Edge(1, 0), Edge(2, 1), Edge(1, 2)]),
    ])
    func strategyChoosesBySpacedGreedy(k: Int, spacing: Int, direction: Int32, chosen: [Edge]) throws {
        let plugin = try BuiltCppPlugins.plugin(ExamplePlugins.cppStrategy)
        let strategy = try PluginInstance(plugin, environment: Self.strategyEnvironment(direction: direction),
                                          configuration: ["metric": "fixed", "spacing": "\(spacing)"])
        let oriented = Self.nineScores.map { direction == ASP_HIGHER_IS_BETTER ? $0 : -$0 }
        #expect(Self.spacedGreedy(Edge.all(nodeCount: 3), scores: oriented, k: k, spacing: spacing) == chosen,
                "the test's own algorithm agrees with the hand-worked answer")
        #expect(try strategy.select(k: k) == chosen)
    }

    @Test("Equal scores keep the host's order")
    func strategyBreaksTiesByCandidateOrder() throws {
        let strategy = try PluginInstance(try BuiltCppPlugins.plugin(ExamplePlugins.cppStrategy),
                                          environment: Self.strategyEnvironment(scores: Array(repeating: 1, count: 9)),
                                          configuration: ["metric": "fixed", "spacing": "0"])
        #expect(try strategy.select(k: 2) == [Edge(0, 0), Edge(0, 1)])
    }

    @Test("A failed host service reaches the host with its status and message; an empty metric id is the example's own std::invalid_argument")
    func strategyErrorsComeBackAsStatuses() throws {
        let plugin = try BuiltCppPlugins.plugin(ExamplePlugins.cppStrategy)
        let unknown = try PluginInstance(plugin, environment: Self.strategyEnvironment(), configuration: ["metric": "no-such"])
        let failed = #expect(throws: PluginCallError.self) { try unknown.select(k: 2) }
        #expect(failed?.status == ASP_ERR_NOT_FOUND)
        #expect(failed?.message == "select failed: scores by no-such: no metric 'no-such' in this run")

        let noSearch = try PluginInstance(plugin, environment: PluginEnvironment(nodeCount: 3, candidates: Edge.all(nodeCount: 3)))
        let missing = #expect(throws: PluginCallError.self) { try noSearch.select(k: 2) }
        #expect(missing?.status == ASP_ERR_UNSUPPORTED)
        #expect(missing?.message.contains("the host does not offer \(ASP_EXT_SEARCH)") == true)

        let empty = #expect(throws: PluginCallError.self) {
            try PluginInstance(plugin, environment: Self.strategyEnvironment(), configuration: ["metric": ""])
        }
        #expect(empty?.status == ASP_ERR_INVALID_ARGUMENT)
        #expect(empty?.message == "create failed: the metric parameter is empty: name a metric plugin, e.g. gradient-norm")
    }

    /// Creates `plugin` through its C descriptor with `pairs` as the
    /// configuration, bypassing the host's own checks of the values, and
    /// returns the status and the message the plugin gave. Destroys what it made.
    static func rawCreate(_ plugin: PluginDescriptor, _ pairs: [(String?, String?)],
                          environment: PluginEnvironment = strategyEnvironment()) -> (asp_status, String?) {
        let context = PluginContext(pluginID: plugin.id, environment: environment)
        let host = HostServices.makeHostTable(for: context)
        defer { host.deallocate() }
        let keys = pairs.map { $0.0.flatMap { strdup($0) } }, values = pairs.map { $0.1.flatMap { strdup($0) } }
        defer { (keys + values).forEach { free($0) } }
        let cKeys = keys.map { UnsafePointer($0) }, cValues = values.map { UnsafePointer($0) }
        var instance: UnsafeMutableRawPointer?
        context.beginCall()
        let status = cKeys.withUnsafeBufferPointer { keyBuffer in
            cValues.withUnsafeBufferPointer { valueBuffer in
                var config = asp_config(struct_size: UInt32(MemoryLayout<asp_config>.size), count: UInt32(pairs.count),
                                        keys: keyBuffer.baseAddress, values: valueBuffer.baseAddress)
                return plugin.cDescriptor.pointee.create(plugin.cDescriptor, host, &config, &instance)
            }
        }
        context.endCall()
        if let instance { plugin.cDescriptor.pointee.destroy(instance) }
        return (status, context.pluginError)
    }

    @Test("The kit parses the configuration defensively: values the host would have refused are errors, not crashes", arguments: [
        (pairs: [("spacing", "3")] as [(String?, String?)], status: ASP_OK, message: nil as String?),
        (pairs: [("spacing", "three")], status: ASP_ERR_INVALID_ARGUMENT,
         message: "parameter 'spacing' wants an integer within its bounds, got 'three'"),
        (pairs: [("spacing", "65")], status: ASP_ERR_INVALID_ARGUMENT,
         message: "parameter 'spacing' wants an integer within its bounds, got '65'"),
        (pairs: [("spacing", " 3")], status: ASP_ERR_INVALID_ARGUMENT,
         message: "parameter 'spacing' wants an integer within its bounds, got ' 3'"),
        (pairs: [("gamma", "1")], status: ASP_ERR_INVALID_ARGUMENT, message: "unknown parameter 'gamma'; known: metric, spacing"),
        (pairs: [("spacing", nil)], status: ASP_ERR_INVALID_ARGUMENT, message: "configuration entry 0 has a NULL key or value"),
    ])
    func kitParsesTheConfiguration(pairs: [(String?, String?)], status: asp_status, message: String?) throws {
        let (returned, said) = Self.rawCreate(try BuiltCppPlugins.plugin(ExamplePlugins.cppStrategy), pairs)
        #expect(returned == status)
        #expect(said == message)
    }

    @Test("The kit honours the caller's capacity and reads k only if the request's size covers it")
    func kitHonoursCapacity() throws {
        let plugin = try BuiltCppPlugins.plugin(ExamplePlugins.cppStrategy)
        let context = PluginContext(pluginID: plugin.id, environment: Self.strategyEnvironment())
        let host = HostServices.makeHostTable(for: context)
        defer { host.deallocate() }
        let descriptor = plugin.cDescriptor
        let keys = [strdup("metric")], values = [strdup("fixed")]
        defer { (keys + values).forEach { free($0) } }
        var instance: UnsafeMutableRawPointer?
        let created = keys.map { UnsafePointer($0) }.withUnsafeBufferPointer { keyBuffer in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valueBuffer in
                var config = asp_config(struct_size: UInt32(MemoryLayout<asp_config>.size), count: 1,
                                        keys: keyBuffer.baseAddress, values: valueBuffer.baseAddress)
                return descriptor.pointee.create(descriptor, host, &config, &instance)
            }
        }
        try #require(created == ASP_OK)
        defer { descriptor.pointee.destroy(instance) }

        var edges = [asp_edge](repeating: asp_edge(), count: 9)
        var count: UInt32 = 0
        var request = asp_select_request(struct_size: UInt32(MemoryLayout<asp_select_request>.size), k: 3)
        context.beginCall()
        #expect(descriptor.pointee.select(instance, &request, &edges, 2, &count) == ASP_ERR_BUFFER_TOO_SMALL)
        #expect(count == 3, "it says how much room it needs")
        #expect(context.pluginError == "room for 3 edges needed, 2 given")
        context.endCall()

        // A request from an older host, too short to hold k: the default, k = 1.
        request.struct_size = UInt32(MemoryLayout<UInt32>.size)
        context.beginCall()
        #expect(descriptor.pointee.select(instance, &request, &edges, 9, &count) == ASP_OK)
        context.endCall()
        #expect(count == 1 && Edge(edges[0]) == Edge(0, 0))
    }

    // MARK: The metric

    @Test("The metric scores ||G_ij||_F^2, or that over (N d)^2, never above the C example's bound")
    func metricScoresTheGradientEnergy() throws {
        let plugin = try BuiltCppPlugins.plugin(ExamplePlugins.cppMetric)
        #expect(plugin.direction == ASP_HIGHER_IS_BETTER && plugin.needsNames == ["probe"])
        let edges = Edge.all(nodeCount: 3)
        let plain = try PluginInstance(plugin, environment: ExamplePluginTests.environment()).score(edges)
        let normalised = try PluginInstance(plugin, environment: ExamplePluginTests.environment(),
                                            configuration: ["normalise": "true"]).score(edges)
        let bound = try PluginInstance(try BuiltExamples.plugin(ExamplePlugins.metric),
                                       environment: ExamplePluginTests.environment()).score(edges)
        for (index, edge) in edges.enumerated() {
            let energy = try ExamplePluginTests.probe.edgeGradient(probe: 0, edge: edge).squaredNorm
            #expect(ExamplePluginTests.close(plain[index], energy), "edge \(edge): \(plain[index]) vs \(energy)")
            // N = 2 tokens, d = 2: (N d)^2 = 16.
            #expect(ExamplePluginTests.close(normalised[index], energy / 16), "edge \(edge)")
            #expect(normalised[index] <= bound[index] * (1 + 1e-9), "edge \(edge): \(normalised[index]) > \(bound[index])")
        }
    }

    @Test("The kit refuses to create a metric that needs the probe on a host without it, naming asp.probe/1")
    func metricNeedsTheProbe() throws {
        let refused = #expect(throws: PluginCallError.self) {
            try PluginInstance(try BuiltCppPlugins.plugin(ExamplePlugins.cppMetric), environment: ExamplePluginTests.environment(probe: nil))
        }
        #expect(refused?.status == ASP_ERR_UNSUPPORTED)
        #expect(refused?.message == "create failed: the host does not offer \(ASP_EXT_PROBE)")

        let metric = try PluginInstance(try BuiltCppPlugins.plugin(ExamplePlugins.cppMetric), environment: ExamplePluginTests.environment())
        let badNode = #expect(throws: PluginCallError.self) { try metric.score([Edge(0, 7)]) }
        #expect(badNode?.status == ASP_ERR_NOT_FOUND)
        #expect(badNode?.message.contains("edge gradient of 0>7: no node 7") == true)
    }

    // MARK: Exceptions at the ABI boundary

    /// What Fixtures/cpp_throwing.cpp throws, and the status and message the host must get.
    static let thrown: [(what: String, status: asp_status, message: String)] = [
        ("asp-error", ASP_ERR_NOT_FOUND, "fixture: asp::Error with ASP_ERR_NOT_FOUND"),
        ("bad_alloc", ASP_ERR_OUT_OF_MEMORY, "out of memory (std::bad_alloc)"),
        ("invalid_argument", ASP_ERR_INVALID_ARGUMENT, "fixture: std::invalid_argument thrown"),
        ("runtime_error", ASP_ERR_INTERNAL, "fixture: std::runtime_error thrown"),
        ("int", ASP_ERR_INTERNAL, "unknown C++ exception (not derived from std::exception)"),
    ]

    @Test("Whatever a C++ plugin throws in create, select or score becomes a status code with the exception's message",
          arguments: thrown.map(\.what), ["create", "call"])
    func exceptionsBecomeStatuses(what: String, place: String) throws {
        let (_, status, message) = Self.thrown.first { $0.what == what }!
        let configuration = ["throw": what, "where": place]
        let strategyPlugin = try BuiltCppPlugins.plugin("fixture.cpp-throws")
        let metricPlugin = try BuiltCppPlugins.plugin("fixture.cpp-throws-metric")
        let environment = Self.strategyEnvironment()
        let failure: PluginCallError?, metricFailure: PluginCallError?
        if place == "create" {
            failure = #expect(throws: PluginCallError.self) { try PluginInstance(strategyPlugin, environment: environment, configuration: configuration) }
            metricFailure = #expect(throws: PluginCallError.self) { try PluginInstance(metricPlugin, environment: environment, configuration: configuration) }
        } else {
            let strategy = try PluginInstance(strategyPlugin, environment: environment, configuration: configuration)
            let metric = try PluginInstance(metricPlugin, environment: environment, configuration: configuration)
            failure = #expect(throws: PluginCallError.self) { try strategy.select(k: 2) }
            metricFailure = #expect(throws: PluginCallError.self) { try metric.score([Edge(0, 1)]) }
        }
        let call = place == "create" ? "create" : "select"
        #expect(failure?.status == status && failure?.message == "\(call) failed: \(message)", "\(String(describing: failure))")
        let metricCall = place == "create" ? "create" : "score"
        #expect(metricFailure?.status == status && metricFailure?.message == "\(metricCall) failed: \(message)",
                "\(String(describing: metricFailure))")
    }

    @Test("The kit catches a plugin's broken answers: an edge chosen twice, a score missing")
    func kitChecksAnswers() throws {
        let environment = Self.strategyEnvironment()
        let strategy = try PluginInstance(try BuiltCppPlugins.plugin("fixture.cpp-throws"), environment: environment,
                                          configuration: ["throw": "duplicate"])
        let twice = #expect(throws: PluginCallError.self) { try strategy.select(k: 2) }
        #expect(twice?.status == ASP_ERR_INTERNAL && twice?.message == "select failed: select chose edge 0>0 twice")

        let metric = try PluginInstance(try BuiltCppPlugins.plugin("fixture.cpp-throws-metric"), environment: environment,
                                        configuration: ["throw": "short"])
        let short = #expect(throws: PluginCallError.self) { try metric.score([Edge(0, 1), Edge(2, 2)]) }
        #expect(short?.status == ASP_ERR_INTERNAL && short?.message == "score failed: score returned 1 scores for 2 edges")

        let fine = try PluginInstance(try BuiltCppPlugins.plugin("fixture.cpp-throws-metric"), environment: environment)
        #expect(try fine.score([Edge(0, 1), Edge(2, 2)]) == [1, 4])
    }

    // MARK: For real: adapter-search search

    /// `adapter-search search` on the tiny task with the C++ strategy, guided
    /// by the C++ metric, both given with --plugin: the chosen placement is
    /// the spaced greedy over the scores the run stored for that metric.
    @Test func searchRunsTheCppStrategyEndToEnd() throws {
        try withTemporaryDirectory { folder in
            let strategy = try CXXCompiler.example("example_cpp_strategy", into: folder)
            let metric = try CXXCompiler.example("example_cpp_metric", into: folder)
            let (model, data) = try TinyTextTask.write(in: folder)
            let store = folder.appendingPathComponent("runs/results.sqlite").path
            let result = try runAdapterSearch([
                "search", "--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2],
                "--store", store, "--probe-size", "12", "--steps", "20",
                "--plugin", strategy, "--plugin", metric, "--strategy", ExamplePlugins.cppStrategy,
                "--metric", ExamplePlugins.cppMetric, "--set", "spacing=3", "--k", "3", "--json",
            ])
            try #require(result.status == 0, "\(result.stderr)")
            let found = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
            let placement = try Placement(parsing: found["placement"] as? String ?? "", nodeCount: 5)

            let results = try ResultsStore(path: store, create: false)
            let run = try #require(found["run"] as? String)
            let set = try #require(try results.scoreSets(run: run).first { $0.metric == ExamplePlugins.cppMetric })
            let stored = try #require(try results.scores(run: run, probe: set.probe, metric: ExamplePlugins.cppMetric))
            let byEdge = Dictionary(uniqueKeysWithValues: stored.map { (Edge($0.source, $0.target), $0.value) })
            let candidates = Edge.all(nodeCount: 5)
            try #require(byEdge.count == candidates.count && stored.allSatisfy { $0.value.isFinite && $0.value >= 0 })
            let expected = Self.spacedGreedy(candidates, scores: candidates.map { byEdge[$0]! }, k: 3, spacing: 3)
            #expect(Set(placement.edges) == Set(expected), "chose \(placement), the algorithm gives \(expected)")
            #expect(placement.edges.count == 3)
        }
    }

    /// A C++ exception inside a strategy that the real host runs: the run
    /// fails with the exception's message, by plugin id, and the host exits
    /// with an error, not a signal.
    @Test(arguments: ["runtime_error", "int"])
    func searchReportsAThrowingStrategy(_ what: String) throws {
        try withTemporaryDirectory { folder in
            let library = try CXXCompiler.fixture("cpp_throwing", into: folder)
            let (model, data) = try TinyTextTask.write(in: folder)
            let result = try runAdapterSearch([
                "search", "--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2],
                "--store", folder.appendingPathComponent("runs/results.sqlite").path, "--probe-size", "12", "--steps", "20",
                "--plugin", library, "--strategy", "fixture.cpp-throws", "--set", "throw=\(what)", "--k", "1",
            ])
            #expect(result.status != 0 && result.status < 128 && result.terminationIsExit, "exits with an error, not a signal")
            let message = Self.thrown.first { $0.what == what }!.message
            #expect(result.stderr.contains("plugin 'fixture.cpp-throws'") && result.stderr.contains(message), "\(result.stderr)")
        }
    }
}
