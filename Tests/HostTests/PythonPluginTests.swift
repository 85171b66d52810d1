import CAdapterSearch
import Core
import Foundation
import Testing
@testable import Host

/// The Python examples in plugins/examples and small scripts written by the
/// tests, loaded through the Python bridge (`libAdapterSearchPython.so`,
/// built beside adapter-search) as `--plugin FILE.py` users do.
enum PythonScripts {
    static let metricExample = Locations.examples.appendingPathComponent("example_metric.py").path
    static let strategyExample = Locations.examples.appendingPathComponent("example_strategy.py").path
    static let gradientNorm = "example.py-gradient-norm"
    static let spectralShare = "example.py-spectral-share"
    static let strategy = "example.py-best-of-pool"
    /// The C twin of `gradientNorm` (plugins/examples/example_gradient_norm.c, built by the Makefile).
    static let cTwin = "example.gradient-norm"

    /// Writes `source` into `<folder>/<name>.py` and returns its path.
    @discardableResult
    static func write(_ name: String, _ source: String, in folder: URL) throws -> String {
        let path = folder.appendingPathComponent(name + ".py").path
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The built-in plugins' library, loaded into this process.
    static func builtIn(_ id: String) throws -> PluginDescriptor {
        let plugins = try PluginLoader.load(Locations.products.appendingPathComponent(BuiltInPlugins.metricsLibrary).path)
            + PluginLoader.load(Locations.products.appendingPathComponent(BuiltInPlugins.strategiesLibrary).path)
        return try #require(plugins.first { $0.id == id })
    }

    /// The plugin `id` of the script at `path`, loaded into this process.
    static func plugin(_ id: String, in path: String) throws -> PluginDescriptor {
        try #require(try PluginDiscovery.loadFile(path).first { $0.id == id })
    }

    /// `a` and `b` agree to 1e-12, relative: the same float64 sum of exact
    /// float32 squares, in NumPy's (BLAS's) order instead of the host's.
    static func close(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= 1e-12 * max(abs(a), abs(b))
    }

    /// `adapter-search score` on the tiny task written into `folder`, with `arguments` after the task's.
    static func score(in folder: URL, _ arguments: [String]) throws -> ProcessResult {
        let (model, data) = try TinyTextTask.write(in: folder)
        return try runAdapterSearch(["score", "--model", model, "--train-file", data[0], "--validation-file", data[1],
                                     "--test-file", data[2], "--probe-size", "12"] + arguments)
    }

    /// The rows of `score --json`.
    static func rows(_ result: ProcessResult) throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
    }
}

@Suite("Python plugins")
struct PythonPluginTests {
    // MARK: Declarations

    /// README "In Python": `adapter-search plugins inspect plugins/examples/example_metric.py`, from the package root.
    @Test("plugins inspect and plugins list show each script's declarations, the script as the library")
    func inspectAndListShowTheDeclarations() throws {
        let metric = try runAdapterSearch(["plugins", "inspect", "plugins/examples/example_metric.py"],
                                          directory: Locations.packageRoot)
        try #require(metric.status == 0, "\(metric.stderr)")
        #expect(metric.stdout.contains("\(PythonScripts.gradientNorm) (metric) 1.0.0, ABI 1.3"))
        #expect(metric.stdout.contains("exponent=<real> (default 1.0 in [0.25, 4.0]): the power of the norm"))
        #expect(metric.stdout.contains("\(PythonScripts.spectralShare) (metric)"))
        #expect(metric.stdout.contains("needs:       probe, spectrum"))
        #expect(metric.stdout.contains("rank=<int> (default 4"))

        let strategy = try runAdapterSearch(["plugins", "inspect", "--json", PythonScripts.strategyExample])
        try #require(strategy.status == 0, "\(strategy.stderr)")
        let described = try JSONSerialization.jsonObject(with: Data(strategy.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(described.map { $0["id"] as? String } == [PythonScripts.strategy])
        #expect(described.first?["kind"] as? String == "strategy")

        let list = try runAdapterSearch(["plugins", "list", "--json", "--plugin", PythonScripts.metricExample,
                                         "--plugin", PythonScripts.strategyExample])
        try #require(list.status == 0, "\(list.stderr)")
        let listed = try ListedPlugin.parse(list.stdout)
        let scripts = Dictionary(uniqueKeysWithValues: listed.map { ($0.id, $0) })
        #expect(scripts[PythonScripts.gradientNorm]?.library == PythonScripts.metricExample)
        #expect(scripts[PythonScripts.spectralShare]?.library == PythonScripts.metricExample)
        #expect(scripts[PythonScripts.strategy]?.library == PythonScripts.strategyExample)
        #expect(scripts[PythonScripts.strategy]?.abi == "1.3")
        #expect(Set(BuiltInPlugins.metrics + BuiltInPlugins.strategies).isSubset(of: Set(scripts.keys)))
        #expect(list.stderr.isEmpty, "no warning: the bridge beside the host offers no plugins of its own")
    }

    /// A malformed script is an error naming the script and what is wrong,
    /// from `plugins inspect` (and `--plugin`) alike.
    @Test("A malformed script is a clear error", arguments: [
        ("syntax", "import adapter_search\ndef broken(:\n    pass\n", ["SyntaxError", "line 2"]),
        ("empty", "import adapter_search\nx = 1\n", ["declares no plugin", "@adapter_search.metric"]),
        ("bad_default", """
         import adapter_search
         @adapter_search.metric(id="t.bad", name="Bad", version="1",
                                parameters=[adapter_search.Parameter("gamma", float, 5.0, minimum=0, maximum=1)])
         def bad(gradient, gamma):
             return 0.0
         """, ["line 3", "DeclarationError: parameter 'gamma': the default 5.0 is above the maximum 1"]),
        ("bad_name", """
         import adapter_search
         @adapter_search.metric(id="t.bad", name="Bad", version="1", parameters=[adapter_search.Parameter("γ!", int, 1)])
         def bad(i):
             return 0.0
         """, ["DeclarationError: a parameter's name must be a non-empty string of A-Z a-z 0-9 . _ -, got 'γ!'"]),
        ("bad_type", """
         import adapter_search
         @adapter_search.metric(id="t.bad", name="Bad", version="1", parameters=[adapter_search.Parameter("k", int, 1.5)])
         def bad(i):
             return 0.0
         """, ["DeclarationError: parameter 'k': the default must be an int, got 1.5"]),
        ("bad_bounds", """
         import adapter_search
         @adapter_search.metric(id="t.bad", name="Bad", version="1", parameters=[adapter_search.Parameter("on", bool, True, minimum=0)])
         def bad(i):
             return 0.0
         """, ["DeclarationError: parameter 'on': only int and float parameters take a minimum"]),
        ("bad_argument", """
         import adapter_search
         @adapter_search.metric(id="t.bad", name="Bad", version="1")
         def bad(gradient, sigma):
             return 0.0
         """, ["DeclarationError: t.bad: unknown argument 'sigma' of bad; arguments are named after gradient, singular_values, d, n, i, j, params"]),
        ("bad_id", """
         import adapter_search
         @adapter_search.metric(id="t bad", name="Bad", version="1")
         def bad(i):
             return 0.0
         """, ["DeclarationError: id must be a non-empty string of A-Z a-z 0-9 . _ -, got 't bad'"]),
        ("twice", """
         import adapter_search
         @adapter_search.metric(id="t.same", name="One", version="1")
         def one(i):
             return 0.0
         @adapter_search.metric(id="t.same", name="Two", version="1")
         def two(i):
             return 0.0
         """, ["plugin id 't.same' is declared twice"]),
        ("not_a_strategy", """
         import adapter_search
         @adapter_search.strategy(id="t.plain", name="Plain", version="1")
         class Plain:
             def select(self, k):
                 return []
         """, ["DeclarationError: t.plain: @strategy decorates a subclass of adapter_search.Strategy"]),
        ("raises", "import adapter_search\nraise RuntimeError('not today')\n", ["line 2, in <module>", "RuntimeError: not today"]),
    ])
    func malformedScripts(_ name: String, _ source: String, _ expected: [String]) throws {
        try withTemporaryDirectory { folder in
            let path = try PythonScripts.write(name, source, in: folder)
            let result = try runAdapterSearch(["plugins", "inspect", path])
            #expect(result.status != 0 && result.terminationIsExit, "status \(result.status)")
            #expect(result.stderr.contains(path), "\(result.stderr)")
            for text in expected {
                #expect(result.stderr.contains(text), "\(text) not in:\n\(result.stderr)")
            }
            // The frames of the bridge's own module are left out for a declaration the module refuses.
            if name.hasPrefix("bad_") { #expect(!result.stderr.contains("<adapter_search>"), "\(result.stderr)") }
        }
    }

    @Test("A scanned folder runs only the scripts that import adapter_search; those declaring nothing are skipped quietly")
    func scannedFolders() throws {
        try withTemporaryDirectory { folder in
            let marker = folder.appendingPathComponent("ran")
            try FileManager.default.copyItem(atPath: PythonScripts.metricExample,
                                             toPath: folder.appendingPathComponent("example_metric.py").path)
            try PythonScripts.write("someone_elses", "open(\(String(reflecting: marker.path)), 'w').write('ran')\n", in: folder)
            try PythonScripts.write("helper", "import adapter_search\n\nSCALE = 2.0\n", in: folder)
            try PythonScripts.write("uses_helper", """
                from adapter_search import metric
                import helper

                @metric(id="t.scaled", name="Scaled", version="1")
                def scaled(i, j):
                    return helper.SCALE * (i + j)
                """, in: folder)
            let broken = try PythonScripts.write("broken", "import adapter_search\n1 / 0\n", in: folder)
            let result = try runAdapterSearch(["plugins", "list", "--json", "--plugin-path", folder.path])
            try #require(result.status == 0, "\(result.stderr)")
            let ids = Set(try ListedPlugin.parse(result.stdout).map(\.id))
            #expect(ids.isSuperset(of: [PythonScripts.gradientNorm, PythonScripts.spectralShare, "t.scaled"]))
            #expect(!FileManager.default.fileExists(atPath: marker.path), "a script that does not import adapter_search is never run")
            let warnings = result.stderr.split(separator: "\n").filter { $0.hasPrefix("warning:") }
            #expect(warnings.count == 1 && warnings[0].contains("skipped \(broken)"), "\(result.stderr)")
            #expect(result.stderr.contains("ZeroDivisionError"))
            #expect(!result.stderr.contains("helper.py") && !result.stderr.contains("someone_elses"), "\(result.stderr)")
        }
    }

    // MARK: Metrics

    @Test("In process the NumPy metric equals the built-in gradient-norm on every edge, and its C twin does bit for bit")
    func numpyMetricEqualsGradientNorm() throws {
        try withTemporaryDirectory { folder in
            let engine = try tinyEngineProbe(in: folder)
            let edges = Edge.all(nodeCount: engine.probe.nodeCount)
            let environment = PluginEnvironment(nodeCount: engine.probe.nodeCount, candidates: edges, probe: engine)
            let builtIn = try PluginInstance(try PythonScripts.builtIn("gradient-norm"), environment: environment).score(edges)
            let python = try PythonScripts.plugin(PythonScripts.gradientNorm, in: PythonScripts.metricExample)
            #expect(python.needsNames == ["probe"] && python.direction == ASP_HIGHER_IS_BETTER)
            let scores = try PluginInstance(python, environment: environment).score(edges)
            #expect(builtIn.allSatisfy { $0 > 0 })
            for (edge, (score, expected)) in zip(edges, zip(scores, builtIn)) {
                #expect(PythonScripts.close(score, expected), "edge \(edge): NumPy \(score), built-in \(expected)")
            }
            let squared = try PluginInstance(python, environment: environment, configuration: ["exponent": "2"]).score(edges)
            for (score, expected) in zip(squared, builtIn) {
                #expect(abs(score - expected * expected) <= 1e-11 * expected * expected)
            }

            let build = folder.appendingPathComponent("build")
            _ = try CCompiler.examples(into: build)
            let twin = try #require(try PluginLoader.load(build.appendingPathComponent("example_gradient_norm.so").path).first)
            #expect(twin.id == PythonScripts.cTwin)
            #expect(try PluginInstance(twin, environment: environment).score(edges).map(\.bitPattern) == builtIn.map(\.bitPattern))
        }
    }

    @Test("The spectral share reads the host's singular values: sum of the top `rank` squares over all")
    func spectralShareUsesTheSingularValues() throws {
        try withTemporaryDirectory { folder in
            let engine = try tinyEngineProbe(in: folder)
            let edges = Edge.all(nodeCount: engine.probe.nodeCount)
            let environment = PluginEnvironment(nodeCount: engine.probe.nodeCount, candidates: edges, probe: engine)
            let plugin = try PythonScripts.plugin(PythonScripts.spectralShare, in: PythonScripts.metricExample)
            #expect(plugin.needsNames == ["probe", "spectrum"])
            for rank in [1, 4, 16] {
                let scores = try PluginInstance(plugin, environment: environment, configuration: ["rank": "\(rank)"]).score(edges)
                for (edge, score) in zip(edges, scores) {
                    let energy = try engine.singularValues(probe: 0, edge: edge).map { $0 * $0 }
                    let expected = energy.prefix(rank).reduce(0, +) / energy.reduce(0, +)
                    #expect(abs(score - expected) <= 1e-12, "rank \(rank), edge \(edge): \(score) vs \(expected)")
                }
                if rank == 16 { #expect(scores.allSatisfy { abs($0 - 1) <= 1e-12 }, "d = 16: every singular value") }
            }
        }
    }

    @Test("Every argument word and declared parameter reaches the function")
    func everyArgumentReachesTheFunction() throws {
        try withTemporaryDirectory { folder in
            let path = try PythonScripts.write("words", """
                import numpy as np
                import adapter_search
                from adapter_search import Parameter

                @adapter_search.metric(id="t.words", name="Words", version="1", direction=adapter_search.LOWER_IS_BETTER,
                                       parameters=[Parameter("scale", float, 0.5), Parameter("count", int, 3, minimum=0),
                                                   Parameter("on", bool, False), Parameter("label", str, "x"),
                                                   Parameter("with-dash", int, 7)])
                def words(j, i, n, d, params, count, scale, on, label, gradient):
                    assert gradient.dtype == np.float32 and gradient.shape == (d, d) and not gradient.flags.writeable
                    assert params == {"scale": scale, "count": count, "on": on, "label": label, "with-dash": 7}
                    assert isinstance(count, int) and isinstance(scale, float) and isinstance(on, bool)
                    return 1000 * i + 100 * j + 10 * d + n + scale + count + (0.25 if on else 0) + len(label) + float(gradient[0, 1])
                """, in: folder)
            let plugin = try PythonScripts.plugin("t.words", in: path)
            #expect(plugin.direction == ASP_LOWER_IS_BETTER && plugin.needsNames == ["probe"])
            #expect(plugin.parameters.map(\.defaultValue) == ["0.5", "3", "false", "x", "7"])
            let probe = ExamplePluginTests.probe
            let edges = Edge.all(nodeCount: 3)
            let info = try probe.info(probe: 0)
            let scores = try PluginInstance(plugin, environment: ExamplePluginTests.environment(),
                                            configuration: ["scale": "1.5", "on": "true", "label": "four"]).score(edges)
            for (edge, score) in zip(edges, scores) {
                let g = try probe.edgeGradient(probe: 0, edge: edge)
                let expected = 1000.0 * Double(edge.source) + 100.0 * Double(edge.target) + 10.0 * Double(info.width)
                    + Double(info.tokens) + 1.5 + 3 + 0.25 + 4 + Double(g.values[1])
                #expect(score == expected, "edge \(edge)")
            }
        }
    }

    @Test("adapter-search score with the NumPy metric gives gradient-norm's scores on every edge, isolated or not")
    func scoreCommandMatchesGradientNorm() throws {
        try withTemporaryDirectory { folder in
            // README "In Python": score --plugin plugins/examples/example_metric.py --metric example.py-gradient-norm --metric gradient-norm
            let arguments = ["--plugin", PythonScripts.metricExample, "--metric", PythonScripts.gradientNorm,
                             "--metric", "gradient-norm", "--json"]
            let plain = try PythonScripts.score(in: folder, arguments)
            let isolated = try PythonScripts.score(in: folder, arguments + ["--isolate"])
            try #require(plain.status == 0, "\(plain.stderr)")
            try #require(isolated.status == 0, "\(isolated.stderr)")
            let rows = try PythonScripts.rows(plain), isolatedRows = try PythonScripts.rows(isolated)
            #expect(rows.count == 25 && isolatedRows.count == 25)
            for (row, isolatedRow) in zip(rows, isolatedRows) {
                let builtIn = try #require(row["gradient-norm"] as? Double), python = try #require(row[PythonScripts.gradientNorm] as? Double)
                #expect(builtIn > 0 && PythonScripts.close(python, builtIn), "\(row["i"] ?? "?")>\(row["j"] ?? "?"): \(python) vs \(builtIn)")
                // The same G_ij over the wire: the same float64 sum.
                #expect(isolatedRow[PythonScripts.gradientNorm] as? Double == python)
            }
        }
    }

    @Test("Two instances on two threads score at once (the GIL taken per call) and agree with one thread")
    func instancesScoreConcurrently() throws {
        try withTemporaryDirectory { folder in
            let engine = try tinyEngineProbe(in: folder)
            let edges = Edge.all(nodeCount: engine.probe.nodeCount)
            let environment = PluginEnvironment(nodeCount: engine.probe.nodeCount, candidates: edges, probe: engine)
            let plugin = try PythonScripts.plugin(PythonScripts.gradientNorm, in: PythonScripts.metricExample)
            let expected = try PluginInstance(plugin, environment: environment).score(edges)
            let results = ConcurrentResults(count: 4)
            nonisolated(unsafe) let shared = environment  // read only; its providers are thread-safe
            DispatchQueue.concurrentPerform(iterations: 4) { index in
                results.set(index, Result { try (0..<5).map { _ in try PluginInstance(plugin, environment: shared).score(edges) } })
            }
            for result in results.all {
                let rounds = try #require(try result?.get())
                #expect(rounds.allSatisfy { $0.map(\.bitPattern) == expected.map(\.bitPattern) })
            }
        }
    }

    // MARK: Errors

    @Test("A Python exception in a metric is the score's error with its traceback; the host exits with an error")
    func exceptionInAMetric() throws {
        try withTemporaryDirectory { folder in
            let path = try PythonScripts.write("raising", """
                import adapter_search

                def helper(x):
                    return 1 / x

                @adapter_search.metric(id="t.raising", name="Raising", version="1")
                def raising(i, j):
                    return helper(i - j)
                """, in: folder)
            for isolate in [false, true] {
                let result = try PythonScripts.score(in: folder, ["--plugin", path, "--metric", "t.raising"] + (isolate ? ["--isolate"] : []))
                #expect(result.terminationIsExit && result.status != 0 && result.status < 128, "status \(result.status)")
                for text in ["plugin 't.raising': score failed: Traceback (most recent call last):",
                             "File \"\(path)\", line 8, in raising", "File \"\(path)\", line 4, in helper",
                             "ZeroDivisionError: division by zero"] {
                    #expect(result.stderr.contains(text), "isolate \(isolate): \(text) not in:\n\(result.stderr)")
                }
            }
        }
    }

    @Test("Exceptions map to statuses: PluginError's own, MemoryError out of memory, anything else internal")
    func exceptionsBecomeStatuses() throws {
        try withTemporaryDirectory { folder in
            let path = try PythonScripts.write("statuses", """
                import adapter_search

                @adapter_search.metric(id="t.raise", name="Raise", version="1",
                                       parameters=[adapter_search.Parameter("what", str, "value")])
                def raise_it(what):
                    if what == "invalid":
                        raise adapter_search.InvalidArgument("no good")
                    if what == "engine":
                        raise adapter_search.PluginError("the engine", status=7)
                    if what == "memory":
                        raise MemoryError("too big")
                    if what == "text":
                        return "three"
                    raise ValueError("plain")

                @adapter_search.metric(id="t.keep", name="Keep", version="1")
                def keep(gradient):
                    global kept
                    kept = gradient[1:]
                    return 1.0
                """, in: folder)
            let environment = ExamplePluginTests.environment()
            func failure(_ id: String, _ what: String) throws -> PluginCallError {
                let instance = try PluginInstance(try PythonScripts.plugin(id, in: path), environment: environment,
                                                  configuration: id == "t.raise" ? ["what": what] : [:])
                return try #require(throws: PluginCallError.self) { try instance.score([Edge(0, 1)]) }
            }
            let cases: [(String, Int32, String)] = [
                ("invalid", ASP_ERR_INVALID_ARGUMENT, "adapter_search.InvalidArgument: no good"),
                ("engine", ASP_ERR_ENGINE, "adapter_search.PluginError: the engine"),
                ("memory", ASP_ERR_OUT_OF_MEMORY, "MemoryError: too big"),
                ("value", ASP_ERR_INTERNAL, "ValueError: plain"),
                ("text", ASP_ERR_INTERNAL, "TypeError: t.raise must return a number, returned 'three' for edge 0>1"),
            ]
            for (what, status, message) in cases {
                let error = try failure("t.raise", what)
                #expect(error.status == status, "\(what): \(error)")
                #expect(error.message.contains(message), "\(what): \(error.message)")
                // The bridge raises the TypeError itself, outside the function: no frames to show.
                #expect(error.message.contains("Traceback") == (what != "text"), "\(what): \(error.message)")
            }
            let kept = try failure("t.keep", "")
            #expect(kept.status == ASP_ERR_INTERNAL)
            #expect(kept.message.contains("the metric kept the gradient or singular_values array of edge 0>1"), "\(kept.message)")
        }
    }

    // MARK: Strategies

    @Test("search runs the Python strategy end to end: scores, seeded samples, one evaluate batch, state, the best kept")
    func searchRunsThePythonStrategy() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            let store = folder.appendingPathComponent("runs/results.sqlite").path
            // README "In Python": search --plugin plugins/examples/example_strategy.py --strategy example.py-best-of-pool --metric gradient-norm
            let result = try runAdapterSearch([
                "search", "--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2],
                "--store", store, "--probe-size", "12", "--steps", "20",
                "--plugin", PythonScripts.strategyExample, "--strategy", PythonScripts.strategy, "--metric", "gradient-norm",
                "--set", "pool=4", "--set", "tries=4", "--k", "2", "--json",
            ])
            try #require(result.status == 0, "\(result.stderr)")
            let found = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
            let chosen = Set(try Placement(parsing: found["placement"] as? String ?? "", nodeCount: 5).edges)
            let results = try ResultsStore(path: store, create: false)
            let run = try #require(found["run"] as? String)

            // The pool: the 4 best edges by the scores the run stored for gradient-norm (host order on ties).
            let set = try #require(try results.scoreSets(run: run).first { $0.metric == "gradient-norm" })
            let stored = try #require(try results.scores(run: run, probe: set.probe, metric: "gradient-norm"))
            let candidates = Edge.all(nodeCount: 5)
            let byEdge = Dictionary(uniqueKeysWithValues: stored.map { (Edge($0.source, $0.target), $0.value) })
            let order = candidates.indices.sorted { (byEdge[candidates[$0]]!, $1) > (byEdge[candidates[$1]]!, $0) }
            let pool = Set(order.prefix(4).map { candidates[$0] })

            // The drawn placements are the strategy's saved state, and exactly what was trained.
            let state = try #require(try results.state(run: run, plugin: PythonScripts.strategy))
            let saved = try JSONSerialization.jsonObject(with: Data(state)) as? [String: [[[Int]]]] ?? [:]
            let drawn = (saved["placements"] ?? []).map { Set($0.map { Edge($0[0], $0[1]) }) }
            #expect(drawn.count >= 1 && drawn.count <= 4, "\(drawn)")
            #expect(drawn.first == Set(order.prefix(2).map { candidates[$0] }), "the top 2 first")
            #expect(drawn.allSatisfy { $0.count == 2 && $0.isSubset(of: pool) })
            let evaluations = try results.evaluations(run: run)
            let trained = try evaluations.map { Set(try Placement(parsing: $0.placement, nodeCount: 5).edges) }
            #expect(Set(trained) == Set(drawn))
            let best = evaluations.map(\.validationAccuracy).max()!
            #expect(zip(trained, evaluations).contains { $0 == chosen && $1.validationAccuracy == best }, "chose \(chosen)")
        }
    }

    @Test("The seeded random stream reaches Python unchanged: the host's SplitMix64 stream for the plugin")
    func seededStreamReachesPython() throws {
        try withTemporaryDirectory { folder in
            let path = try PythonScripts.write("draws", """
                import adapter_search

                @adapter_search.strategy(id="t.draws", name="Draws", version="1")
                class Draws(adapter_search.Strategy):
                    def select(self, k):
                        return self.sample(k, self.candidate_edges())
                """, in: folder)
            let plugin = try PythonScripts.plugin("t.draws", in: path)
            let candidates = Edge.all(nodeCount: 5)
            let environment = PluginEnvironment(seed: 7, nodeCount: 5, candidates: candidates)
            // The SDK's sample over the host's stream for this plugin, in Swift.
            var random = SeededRandom(seed: 7, stream: "plugin:t.draws")
            var pool = candidates
            for index in 0..<6 {
                let bound = UInt64(pool.count - index), threshold = (0 &- bound) % bound
                var bits = random.next()
                while bits < threshold { bits = random.next() }
                pool.swapAt(index, index + Int(bits % bound))
            }
            let chosen = try PluginInstance(plugin, environment: environment).select(k: 6)
            #expect(chosen == Array(pool.prefix(6)))
            #expect(try PluginInstance(plugin, environment: environment).select(k: 6) == chosen, "a new instance repeats it")
        }
    }

    @Test("The strategy's state survives its instance: a second one resumes from it and trains the same placements")
    func strategyStateSurvives() throws {
        try withTemporaryDirectory { folder in
            let run = try TinySearchRun(in: folder, metrics: [try PythonScripts.builtIn("gradient-norm")])
            let plugin = try PythonScripts.plugin(PythonScripts.strategy, in: PythonScripts.strategyExample)
            let checkpoints = MemoryCheckpoints(), record = HostRecord()
            let configuration = ["metric": "gradient-norm", "pool": "5", "tries": "3"]
            let first = try PluginInstance(plugin, environment: run.environment(checkpoints: checkpoints, log: record.logger),
                                           configuration: configuration).select(k: 2)
            let state = try #require(checkpoints[PythonScripts.strategy])
            let saved = try JSONSerialization.jsonObject(with: Data(state)) as? [String: [[[Int]]]] ?? [:]
            #expect((saved["placements"] ?? []).contains { $0.map { Edge($0[0], $0[1]) } == first })
            let trained = run.search.results.count
            let second = try PluginInstance(plugin, environment: run.environment(checkpoints: checkpoints, log: record.logger),
                                            configuration: configuration).select(k: 2)
            #expect(second == first)
            #expect(run.search.results.count == trained, "nothing new trained")
            #expect(record.log.contains { $0.hasPrefix("\(PythonScripts.strategy) 1 resuming with") }, "\(record.log)")
        }
    }

    @Test("A failed host service raises ServiceError with the host's status and message; create's exception is create's error")
    func serviceErrorsAndCreate() throws {
        try withTemporaryDirectory { folder in
            let run = try TinySearchRun(in: folder, metrics: [])
            let strategy = try PythonScripts.plugin(PythonScripts.strategy, in: PythonScripts.strategyExample)
            let instance = try PluginInstance(strategy, environment: run.environment(), configuration: ["metric": "nope"])
            let error = try #require(throws: PluginCallError.self) { try instance.select(k: 2) }
            #expect(error.status == 6, "the host's ASP_ERR_NOT_FOUND")
            #expect(error.message.contains("adapter_search.ServiceError: scores by nope failed: no metric 'nope' in this run"),
                    "\(error.message)")
            #expect(error.message.contains("example_strategy.py\", line") && !error.message.contains("<adapter_search>"),
                    "the strategy's own lines, not the module's: \(error.message)")

            let empty = try #require(throws: PluginCallError.self) {
                try PluginInstance(strategy, environment: run.environment(), configuration: ["metric": ""])
            }
            #expect(empty.status == ASP_ERR_INVALID_ARGUMENT)
            #expect(empty.message.contains("create failed: Traceback") && empty.message.contains("the metric parameter is empty"))
        }
    }

    @Test("A Python exception in a strategy run by search fails the run with the traceback, not a crash")
    func exceptionInAStrategyRunBySearch() throws {
        try withTemporaryDirectory { folder in
            let path = try PythonScripts.write("picky", """
                import adapter_search

                @adapter_search.strategy(id="t.picky", name="Picky", version="1")
                class Picky(adapter_search.Strategy):
                    def select(self, k):
                        edges = self.candidate_edges()
                        return [edges[len(edges) + k]]
                """, in: folder)
            let (model, data) = try TinyTextTask.write(in: folder)
            let result = try runAdapterSearch([
                "search", "--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2],
                "--store", folder.appendingPathComponent("runs/results.sqlite").path, "--probe-size", "12", "--steps", "20",
                "--plugin", path, "--strategy", "t.picky", "--k", "1",
            ])
            #expect(result.terminationIsExit && result.status != 0 && result.status < 128, "status \(result.status)")
            #expect(result.stderr.contains("plugin 't.picky'") && result.stderr.contains("line 7, in select")
                    && result.stderr.contains("IndexError: list index out of range"), "\(result.stderr)")
        }
    }

    @Test("An isolated Python strategy chooses what it chooses in process, its services served over the socket")
    func isolatedStrategy() throws {
        try withTemporaryDirectory { folder in
            let run = try TinySearchRun(in: folder, metrics: [try PythonScripts.builtIn("gradient-norm")])
            let plugin = try PythonScripts.plugin(PythonScripts.strategy, in: PythonScripts.strategyExample)
            let configuration = ["metric": "gradient-norm", "pool": "5", "tries": "2"]
            let inProcess = try PluginInstance(plugin, environment: run.environment(), configuration: configuration).select(k: 2)
            let isolated = try IsolatedPlugin(plugin, environment: run.environment(), configuration: configuration, timeout: nil,
                                              executable: Locations.executable)
            #expect(try isolated.select(k: 2) == inProcess)
        }
    }

    // MARK: The benchmark

    @Test("bench score times the Python metric against its C twin in one run (figures, no thresholds)")
    func benchAgainstTheCTwin() throws {
        try withTemporaryDirectory { folder in
            let build = folder.appendingPathComponent("build")
            _ = try CCompiler.examples(into: build)
            let (model, _) = try TinyTextTask.write(in: folder)
            let result = try runAdapterSearch(["bench", "score", "--model", model, "--plugin", PythonScripts.metricExample,
                                               "--metric", PythonScripts.gradientNorm, "--against", PythonScripts.cTwin,
                                               "--plugin-path", build.path, "--repeats", "1", "--json"])
            try #require(result.status == 0, "\(result.stderr)")
            let figures = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
            let against = try #require(figures["against"] as? [String: Any])
            #expect(figures["edges"] as? Int == 25)
            #expect(against["metric"] as? String == PythonScripts.cTwin)
            for (key, value) in [("score_s", figures["score_s"]), ("calls_s", figures["calls_s"]),
                                 ("against.score_s", against["score_s"]), ("against.calls_s", against["calls_s"]),
                                 ("score_ratio", against["score_ratio"]), ("calls_ratio", against["calls_ratio"])] {
                let number = try #require(value as? Double, "\(key)")
                #expect(number.isFinite && number > 0, "\(key) = \(number)")
            }
        }
    }
}

/// Results written from several threads, one slot each.
final class ConcurrentResults: @unchecked Sendable {
    // @unchecked: `slots` is guarded by `lock`.
    private let lock = NSLock()
    private var slots: [Result<[[Double]], any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<[[Double]], any Error>) { lock.withLock { slots[index] = result } }

    var all: [Result<[[Double]], any Error>?] { lock.withLock { slots } }
}
