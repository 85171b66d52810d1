import CAdapterSearch
import Core
import Foundation
import Testing
@testable import Host

/// The C example plugins, built once per test run with their Makefile and
/// loaded into this process. The files are removed right after loading:
/// the mapped libraries stay usable.
enum BuiltExamples {
    private static let built = BuiltPlugins("the C examples") { directory in
        let built = try CCompiler.examples(into: directory)
        return [built.metric, built.strategy]
    }

    /// The example plugin `id`.
    static func plugin(_ id: String) throws -> PluginDescriptor { try built.plugin(id) }
}

/// The example metric and strategy in plugins/examples, driven through
/// `PluginInstance` by a small in-test host.
@Suite("C example plugins")
struct ExamplePluginTests {
    /// Three nodes, two tokens, width two. Every entry is a dyadic number, so
    /// the hand-computed energies below are exact. Node 2's H and D are rank
    /// one with the same token profile (1, 1): the case where the metric's
    /// bound on ||G_ij||_F^2 is tight.
    static let probe = MatrixProbe(
        activations: [Matrix([[1, 2], [3, 4]]), Matrix([[0.5, -1], [2, 0]]), Matrix([[1, 1], [1, 1]])],
        gradients: [Matrix([[0.5, 0.25], [-1, 0]]), Matrix([[1, 0], [0, 1]]), Matrix([[2, 2], [2, 2]])])

    /// A run over the probe's nodes with every edge a candidate.
    static func environment(probe: ProbeProvider? = ExamplePluginTests.probe,
                            candidates: [Edge]? = nil) -> PluginEnvironment {
        PluginEnvironment(nodeCount: 3, candidates: candidates ?? Edge.all(nodeCount: 3), probe: probe)
    }

    /// `a` and `b` agree to 1e-12, relative.
    static func close(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= 1e-12 * max(1, abs(a), abs(b))
    }

    @Test("The metric's scores are mean(H_i^2) * mean(D_j^2), computed by hand")
    func metricMatchesHandComputation() throws {
        let metric = try PluginInstance(try BuiltExamples.plugin(ExamplePlugins.metric),
                                        environment: Self.environment())
        // mean(H_0^2) = 30/4 = 7.5, mean(H_1^2) = 5.25/4, mean(H_2^2) = 1;
        // mean(D_0^2) = 1.3125/4, mean(D_1^2) = 0.5, mean(D_2^2) = 4.
        let edges = [Edge(0, 1), Edge(1, 0), Edge(2, 2), Edge(0, 0)]
        let expected: [Double] = [7.5 * 0.5, 1.3125 * 0.328125, 1 * 4, 7.5 * 0.328125]
        let scores = try metric.score(edges)
        for (score, value) in zip(scores, expected) {
            #expect(Self.close(score, value), "score \(score), by hand \(value)")
        }
    }

    @Test("At balance 0.5 the score bounds ||G_ij||_F^2 / (N d)^2, tightly for aligned rank-one factors")
    func metricBoundsTheGradientNorm() throws {
        let metric = try PluginInstance(try BuiltExamples.plugin(ExamplePlugins.metric),
                                        environment: Self.environment())
        let edges = Edge.all(nodeCount: 3)
        let scores = try metric.score(edges)
        for (edge, score) in zip(edges, scores) {
            let h = try Self.probe.activations(probe: 0, node: edge.source)
            let d = try Self.probe.gradients(probe: 0, node: edge.target)
            // Computed independently of the plugin: from the norms, and from G_ij itself.
            let normalisation = Double(h.values.count * d.values.count)
            #expect(Self.close(score, h.squaredNorm * d.squaredNorm / normalisation), "edge \(edge)")
            let gradientEnergy = try Self.probe.edgeGradient(probe: 0, edge: edge).squaredNorm / normalisation
            #expect(score >= gradientEnergy * (1 - 1e-9), "edge \(edge): \(score) < \(gradientEnergy)")
            if edge == Edge(2, 2) { #expect(Self.close(score, gradientEnergy)) }
        }
    }

    @Test("The balance parameter moves the weight between activations and gradients; the host enforces its bounds")
    func metricBalanceParameter() throws {
        let plugin = try BuiltExamples.plugin(ExamplePlugins.metric)
        let balance = try #require(plugin.parameters.first)
        #expect(plugin.parameters.count == 1)
        #expect(balance.name == "balance" && balance.type == .real && balance.defaultValue == "0.5")
        #expect(balance.minimum == 0 && balance.maximum == 1)
        #expect(plugin.direction == ASP_HIGHER_IS_BETTER && plugin.needsNames == ["probe"])

        // Edge 0>1: mean(H_0^2) = 7.5, mean(D_1^2) = 0.5.
        let activationsOnly = try PluginInstance(plugin, environment: Self.environment(),
                                                 configuration: ["balance": "0"])
        #expect(Self.close(try activationsOnly.score([Edge(0, 1)])[0], 7.5 * 7.5))
        let gradientsOnly = try PluginInstance(plugin, environment: Self.environment(),
                                               configuration: ["balance": "1"])
        #expect(Self.close(try gradientsOnly.score([Edge(0, 1)])[0], 0.5 * 0.5))

        let error = #expect(throws: PluginCallError.self) {
            try PluginInstance(plugin, environment: Self.environment(), configuration: ["balance": "1.5"])
        }
        #expect(error?.message.contains("balance") == true)
    }

    @Test("The metric reports a missing probe and failed probe services as errors, naming the cause")
    func metricReportsErrors() throws {
        let plugin = try BuiltExamples.plugin(ExamplePlugins.metric)
        let noProbe = #expect(throws: PluginCallError.self) {
            try PluginInstance(plugin, environment: Self.environment(probe: nil))
        }
        #expect(noProbe?.status == ASP_ERR_UNSUPPORTED)
        #expect(noProbe?.message.contains(ASP_EXT_PROBE) == true)

        let metric = try PluginInstance(plugin, environment: Self.environment())
        let badNode = #expect(throws: PluginCallError.self) { try metric.score([Edge(0, 7)]) }
        #expect(badNode?.status == ASP_ERR_NOT_FOUND)
        #expect(badNode?.message.contains("gradients of node 7: no node 7") == true)
    }

    @Test("The strategy takes the middle of k equal slices of the candidate list", arguments: [
        (k: 1, chosen: [Edge(1, 1)]),
        (k: 3, chosen: [Edge(0, 1), Edge(1, 1), Edge(2, 1)]),
        (k: 9, chosen: Edge.all(nodeCount: 3)),
        (k: 20, chosen: Edge.all(nodeCount: 3)),
    ])
    func strategySpreadsOverAllEdges(k: Int, chosen: [Edge]) throws {
        // Candidates 0>0, 0>1, ..., 2>2; index floor((2t + 1) * 9 / (2k)).
        let strategy = try PluginInstance(try BuiltExamples.plugin(ExamplePlugins.strategy),
                                          environment: Self.environment())
        #expect(try strategy.select(k: k) == chosen)
    }

    @Test("The strategy chooses among the host's candidates only")
    func strategyUsesTheCandidates() throws {
        let parallel = [Edge(0, 1), Edge(1, 2)]
        let strategy = try PluginInstance(try BuiltExamples.plugin(ExamplePlugins.strategy),
                                          environment: Self.environment(candidates: parallel))
        #expect(try strategy.select(k: 1) == [Edge(1, 2)])
        #expect(try strategy.select(k: 2) == parallel)
        #expect(try strategy.select(k: 5) == parallel)
    }

    @Test("The strategy honours the caller's capacity and reads k only if the request's size covers it")
    func strategyHonoursCapacity() throws {
        let plugin = try BuiltExamples.plugin(ExamplePlugins.strategy)
        let context = PluginContext(pluginID: plugin.id, environment: Self.environment())
        let host = HostServices.makeHostTable(for: context)
        defer { host.deallocate() }
        let descriptor = plugin.cDescriptor
        var config = asp_config(struct_size: UInt32(MemoryLayout<asp_config>.size), count: 0, keys: nil, values: nil)
        var instance: UnsafeMutableRawPointer?
        try #require(descriptor.pointee.create(descriptor, host, &config, &instance) == ASP_OK)
        defer { descriptor.pointee.destroy(instance) }

        var edges = [asp_edge](repeating: asp_edge(), count: 9)
        var count: UInt32 = 0
        var request = asp_select_request(struct_size: UInt32(MemoryLayout<asp_select_request>.size), k: 3)
        context.beginCall()
        #expect(descriptor.pointee.select(instance, &request, &edges, 2, &count) == ASP_ERR_BUFFER_TOO_SMALL)
        #expect(count == 3, "it says how much room it needs")
        #expect(context.pluginError?.contains("room for 3") == true)
        context.endCall()

        // A request from an older host, too short to hold k: the default, k = 1.
        request.struct_size = UInt32(MemoryLayout<UInt32>.size)
        context.beginCall()
        #expect(descriptor.pointee.select(instance, &request, &edges, 9, &count) == ASP_OK)
        context.endCall()
        #expect(count == 1 && Edge(edges[0]) == Edge(1, 1))
    }

    @Test("Each example library exports asp_plugin_entry and nothing else")
    func examplesExportOnlyTheEntry() throws {
        try withTemporaryDirectory { directory in
            let built = try CCompiler.examples(into: directory)
            for library in [built.metric, built.strategy] {
                let symbols = try runTool("nm", ["-D", "--defined-only", library]).stdout
                    .split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
                #expect(symbols == [ASP_ENTRY_SYMBOL], "\(library) exports \(symbols)")
            }
        }
    }
}
