import CAdapterSearch
import Core
import Foundation
import Testing
@testable import Host

/// The Rust plugin kit (plugins/rust): its example metric built by Debian's
/// cargo offline, loaded by the host in process and by `adapter-search`, its
/// panic guard, and its bindings kept in step with adapter_search.h.
@Suite("Rust plugin kit")
struct RustPluginKitTests {
    /// Three nodes, two tokens, width two (ExamplePluginTests' probe).
    static let probe = MatrixProbe(
        activations: [Matrix([[1, 2], [3, 4]]), Matrix([[0.5, -1], [2, 0]]), Matrix([[1, 1], [1, 1]])],
        gradients: [Matrix([[0.5, 0.25], [-1, 0]]), Matrix([[1, 0], [0, 1]]), Matrix([[2, 2], [2, 2]])])

    static func environment(probe: ProbeProvider? = RustPluginKitTests.probe) -> PluginEnvironment {
        PluginEnvironment(nodeCount: 3, candidates: Edge.all(nodeCount: 3), probe: probe)
    }

    /// The plugins of the example library, loaded into this process (the
    /// file is removed after loading; the mapping stays).
    static func load(panicking: Bool = false) throws -> [String: PluginDescriptor] {
        try withTemporaryDirectory { directory in
            try BuiltPlugins.load([try RustKit.example(in: directory, panicking: panicking)])
        }
    }

    @Test("A missing Debian cargo or rustc is a failure that says how to install them, not a skip")
    func missingToolchainFailsClearly() throws {
        try withTemporaryDirectory { empty in
            let error = #expect(throws: TestSetupError.self) { try RustKit.checkToolchain(in: empty.path) }
            #expect(error?.description.contains("bash scripts/setup") == true)
            #expect(error?.description.contains(empty.path + "/cargo") == true)
        }
        try RustKit.checkToolchain()
    }

    @Test("cargo builds the example offline; each build exports asp_plugin_entry and nothing else")
    func exampleExportsOnlyTheEntry() throws {
        try withTemporaryDirectory { directory in
            for panicking in [false, true] {
                let library = try RustKit.example(in: directory, panicking: panicking)
                let symbols = try runTool("nm", ["-D", "--defined-only", library]).stdout
                    .split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
                #expect(symbols == [ASP_ENTRY_SYMBOL], "\(library) exports \(symbols)")
            }
        }
    }

    @Test("plugins inspect describes the Rust metric: ABI 1.3, probe, its bounded parameter")
    func inspect() throws {
        try withTemporaryDirectory { directory in
            let library = try RustKit.example(in: directory)
            let result = try runAdapterSearch(["plugins", "inspect", library])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("\(RustKit.metric) (metric) 1.0.0, ABI 1.3"), "\(result.stdout)")
            #expect(result.stdout.contains("name:        Edge gradient norm (Rust example)"))
            #expect(result.stdout.contains("direction:   higher is better") && result.stdout.contains("needs:       probe"))
            #expect(result.stdout.contains("exponent=<real> (default 1.0 in [0.25, 4.0])"), "\(result.stdout)")
            #expect(!result.stdout.contains(RustKit.panickingMetric), "the test-only metric needs its feature")
        }
    }

    @Test("In process the metric scores ||G_ij||_F^exponent, computed independently from the probe")
    func scoresByHand() throws {
        let plugin = try #require(try Self.load()[RustKit.metric])
        #expect(plugin.parameters == [ParameterDescriptor(name: "exponent", type: .real, defaultValue: "1.0", minimum: 0.25,
                                                          maximum: 4, help: "the power the norm is raised to (2: the squared norm)")])
        let edges = Edge.all(nodeCount: 3)
        let norm = try PluginInstance(plugin, environment: Self.environment()).score(edges)
        let squared = try PluginInstance(plugin, environment: Self.environment(), configuration: ["exponent": "2"]).score(edges)
        for (index, edge) in edges.enumerated() {
            let g = try Self.probe.edgeGradient(probe: 0, edge: edge)
            let sumOfSquares = g.values.reduce(0.0) { $0 + Double($1) * Double($1) }
            #expect(norm[index] == sumOfSquares.squareRoot(), "edge \(edge)")
            #expect(abs(squared[index] - sumOfSquares) <= 1e-12 * max(1, sumOfSquares), "edge \(edge)")
        }
        // Edge 2>2: H_2^T D_2 = [[4, 4], [4, 4]], norm 8.
        #expect(norm[edges.firstIndex(of: Edge(2, 2))!] == 8)

        let outOfRange = #expect(throws: PluginCallError.self) {
            try PluginInstance(plugin, environment: Self.environment(), configuration: ["exponent": "5"])
        }
        #expect(outOfRange?.message.contains("exponent") == true)
    }

    @Test("Errors come back as statuses with the kit's messages: no probe, a failed probe service")
    func errors() throws {
        let plugin = try #require(try Self.load()[RustKit.metric])
        let noProbe = #expect(throws: PluginCallError.self) {
            try PluginInstance(plugin, environment: Self.environment(probe: nil))
        }
        #expect(noProbe?.status == ASP_ERR_UNSUPPORTED)
        // The host puts the call's name before the plugin's message.
        #expect(noProbe?.message == "create failed: this metric needs the probe pass: the host does not offer asp.probe/1")

        let metric = try PluginInstance(plugin, environment: Self.environment())
        let badNode = #expect(throws: PluginCallError.self) { try metric.score([Edge(0, 7)]) }
        #expect(badNode?.status == ASP_ERR_NOT_FOUND)
        // The kit names the service, then passes on the host's last_error.
        #expect(badNode?.message == "score failed: edge gradient of 0>7 failed: no node 7 (the graph has 3)")
        #expect(try metric.score([Edge(2, 2)]) == [8], "the instance still works after an error")
    }

    @Test("A panic inside the plugin becomes ASP_ERR_INTERNAL with its message; the host carries on")
    func panicsBecomeErrors() throws {
        let plugins = try Self.load(panicking: true)
        let panicking = try #require(plugins[RustKit.panickingMetric])

        let inCreate = #expect(throws: PluginCallError.self) {
            try PluginInstance(panicking, environment: Self.environment(), configuration: ["panic-in": "create"])
        }
        #expect(inCreate?.status == ASP_ERR_INTERNAL)
        #expect(inCreate?.message.hasPrefix("create failed: the plugin panicked: deliberate panic in create (example-metric/src/lib.rs:") == true,
                "\(inCreate?.message ?? "")")

        let metric = try PluginInstance(panicking, environment: Self.environment())
        let inScore = #expect(throws: PluginCallError.self) { try metric.score([Edge(0, 1), Edge(1, 2)]) }
        #expect(inScore?.status == ASP_ERR_INTERNAL)
        #expect(inScore?.message.contains("the plugin panicked: index out of bounds: the len is 0 but the index is 2") == true,
                "\(inScore?.message ?? "")")
        let again = #expect(throws: PluginCallError.self) { try metric.score([Edge(0, 1)]) }
        #expect(again?.message == "score failed: an earlier call into this instance panicked; it refuses further calls")

        // The library's other plugin, and the host, are unharmed.
        let norm = try PluginInstance(try #require(plugins[RustKit.metric]), environment: Self.environment())
        #expect(try norm.score([Edge(2, 2)]) == [8])
    }

    @Test("adapter-search score with the Rust metric gives the built-in gradient-norm's scores on every edge")
    func scoreCommandMatchesGradientNorm() throws {
        try withTemporaryDirectory { folder in
            let library = try RustKit.example(in: folder)
            let (model, data) = try TinyTextTask.write(in: folder)
            let result = try runAdapterSearch(["score", "--model", model, "--train-file", data[0], "--validation-file", data[1],
                                               "--test-file", data[2], "--probe-size", "12", "--plugin", library,
                                               "--metric", "gradient-norm", "--metric", RustKit.metric, "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(rows.count == 25)
            for row in rows {
                let builtIn = try #require(row["gradient-norm"] as? Double), rust = try #require(row[RustKit.metric] as? Double)
                // The same G_ij from the same probe, summed in float64 in the same order.
                #expect(rust == builtIn, "\(row["i"] ?? "?")>\(row["j"] ?? "?"): Rust \(rust), built-in \(builtIn)")
                #expect(builtIn > 0)
            }
        }
    }

    @Test("A panic in score run by adapter-search is an error naming the plugin and the panic, not a crash")
    func scoreCommandReportsAPanic() throws {
        try withTemporaryDirectory { folder in
            let library = try RustKit.example(in: folder, panicking: true)
            let (model, data) = try TinyTextTask.write(in: folder)
            let result = try runAdapterSearch(["score", "--model", model, "--train-file", data[0], "--validation-file", data[1],
                                               "--test-file", data[2], "--probe-size", "12", "--plugin", library,
                                               "--metric", RustKit.panickingMetric])
            #expect(result.terminationIsExit && result.status != 0, "status \(result.status)")
            #expect(result.stderr.contains(RustKit.panickingMetric) && result.stderr.contains("the plugin panicked: index out of bounds"),
                    "\(result.stderr)")
        }
    }

    @Test("The kit's cargo tests pass: bindings against the header compiled with cc, the guard, sized reads")
    func cargoTests() throws {
        try withTemporaryDirectory { target in
            let result = try RustKit.runCargo(["test", "--offline", "--manifest-path",
                                               RustKit.workspace.appendingPathComponent("Cargo.toml").path],
                                              targetDirectory: target, rustdoc: true)
            let summary = result.stdout.split(separator: "\n").filter { $0.hasPrefix("test result:") }
            #expect(summary.count >= 3 && summary.allSatisfy { $0.contains(" 0 failed") }, "\(result.stdout)")
            #expect(result.stdout.contains("test the_bindings_match_the_header ... ok"))
            #expect(result.stdout.contains("test every_struct_and_constant_of_the_header_is_bound ... ok"))
        }
    }

    @Test("The bindings record the digest of adapter_search.h as it is now (tools/rust_bindings_digest.sh)")
    func bindingsMatchTheHeaderDigest() throws {
        let text = try String(contentsOf: RustKit.bindings, encoding: .utf8)
        let prefix = "pub const HEADER_SHA256: &str = \""
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(prefix) }, "no HEADER_SHA256 in raw.rs")
        let recorded = String(line.dropFirst(prefix.count).prefix(64))
        let header = Locations.include.appendingPathComponent("adapter_search.h").path
        let current = try ContentDigest.sha256(file: header)
        #expect(recorded == current,
                """
                adapter_search.h changed since plugins/rust/adapter-search-plugin/src/raw.rs was written \
                (recorded \(recorded), now \(current)): update the Rust bindings to the header, run the kit's \
                cargo tests, then record the digest with `bash tools/rust_bindings_digest.sh --record`
                """)
    }
}
