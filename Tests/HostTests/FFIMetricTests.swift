import CAdapterSearch
import Core
import Foundation
import Testing
@testable import Host

/// The example metric manifest and its library, built by the examples'
/// Makefile.
enum FFIExample {
    static let id = ExamplePlugins.ffiMetric
    static let symbol = "low_rank_reach"

    /// Builds the examples into `directory`; returns the installed manifest
    /// (next to its library) and the library.
    static func build(into directory: URL) throws -> (manifest: String, library: String) {
        _ = try CCompiler.examples(into: directory)
        return (directory.appendingPathComponent("ffi_metric.metric.json").path,
                directory.appendingPathComponent("ffi_metric.so").path)
    }

    /// The C signature of `low_rank_reach`.
    typealias Function = @convention(c) (UnsafePointer<Float>?, UInt32, UnsafePointer<Double>?, UInt32, UInt32, Int64,
                                         Double) -> Double

    /// The function itself, looked up in `library` with dlopen and dlsym.
    static func function(in library: String) throws -> Function {
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            throw TestSetupError(description: "dlopen \(library): \(dlerror().map { String(cString: $0) } ?? "failed")")
        }
        guard let symbol = dlsym(handle, symbol) else { throw TestSetupError(description: "no \(symbol) in \(library)") }
        return unsafeBitCast(symbol, to: Function.self)
    }
}

/// The host's own probe pass on the tiny BERT of `TinyTextTask`, in
/// process: the very `EngineProbe` that `adapter-search score` serves.
func tinyEngineProbe(in folder: URL) throws -> EngineProbe {
    let (model, data) = try TinyTextTask.write(in: folder)
    let task = TaskSpecification(model: model, data: .textFiles(.init(train: data[0], validation: data[1], test: data[2])))
    let (backbone, loaded) = try task.load()
    return try ProbeSettings(size: 12).run(backbone: backbone, task: loaded)
}

/// Metrics declared by a manifest and called through libffi give exactly
/// what their function gives when called directly; so does the C example
/// plugin against its formula.
@Suite("Metric manifests (libffi)")
struct FFIMetricTests {
    @Test("The libffi-declared example, through the host, equals calling the C function directly, bit for bit")
    func ffiExampleEqualsDirectCall() throws {
        try withTemporaryDirectory { folder in
            let built = try FFIExample.build(into: folder.appendingPathComponent("build"))
            let plugin = try #require(try PluginDiscovery.loadFile(built.manifest).first)
            #expect(plugin.id == FFIExample.id && plugin.kind == .metric && plugin.direction == ASP_HIGHER_IS_BETTER)
            #expect(plugin.needsNames == ["probe", "spectrum"])
            #expect(plugin.parameters.map(\.name) == ["rank", "concentration"])
            let function = try FFIExample.function(in: built.library)

            let engine = try tinyEngineProbe(in: folder)
            let info = try engine.info(probe: 0)
            let edges = Edge.all(nodeCount: engine.probe.nodeCount)
            let environment = PluginEnvironment(nodeCount: engine.probe.nodeCount, candidates: edges, probe: engine)
            let cases: [(configuration: [String: String], rank: Int64, concentration: Double)] = [
                ([:], 8, 0), (["rank": "3", "concentration": "0.5"], 3, 0.5), (["rank": "16"], 16, 0)]
            for (configuration, rank, concentration) in cases {
                let scores = try PluginInstance(plugin, environment: environment, configuration: configuration).score(edges)
                for (edge, score) in zip(edges, scores) {
                    let g = try engine.edgeGradient(probe: 0, edge: edge), sigma = try engine.singularValues(probe: 0, edge: edge)
                    let direct = g.values.withUnsafeBufferPointer { gradient in
                        sigma.withUnsafeBufferPointer { values in
                            function(gradient.baseAddress, UInt32(info.width), values.baseAddress, UInt32(values.count),
                                     UInt32(info.tokens), rank, concentration)
                        }
                    }
                    #expect(score.bitPattern == direct.bitPattern, "\(configuration) edge \(edge): host \(score), direct \(direct)")
                    if rank == 16 {
                        // Every singular value: the reach is ||G||_F / N, read independently off G's entries.
                        let norm = g.squaredNorm.squareRoot() / Double(info.tokens)
                        #expect(abs(score - norm) <= 1e-5 * norm, "edge \(edge): \(score) vs ||G||_F / N = \(norm)")
                    }
                }
                #expect(scores.contains { $0 > 0 })
            }
        }
    }

    @Test("The C example metric, through the host on the engine's probe, equals its formula from the same H and D")
    func cExampleEqualsItsFormula() throws {
        try withTemporaryDirectory { folder in
            let engine = try tinyEngineProbe(in: folder)
            let plugin = try BuiltExamples.plugin(ExamplePlugins.metric)
            let edges = Edge.all(nodeCount: engine.probe.nodeCount)
            let environment = PluginEnvironment(nodeCount: engine.probe.nodeCount, candidates: edges, probe: engine)
            for balance in [0.5, 0.25] {
                let scores = try PluginInstance(plugin, environment: environment,
                                                configuration: ["balance": "\(balance)"]).score(edges)
                for (edge, score) in zip(edges, scores) {
                    // The same float32 H_i and D_j the plugin reads, summed in the same order in double.
                    let a = try engine.activations(probe: 0, node: edge.source).meanSquare
                    let b = try engine.gradients(probe: 0, node: edge.target).meanSquare
                    let geometric = pow(a, 1 - balance) * pow(b, balance)
                    #expect(score == geometric * geometric, "balance \(balance), edge \(edge): \(score) vs \(geometric * geometric)")
                }
            }
        }
    }

    @Test("adapter-search score runs the manifest metric; it agrees with the function fed G from the dumped probe")
    func scoreCommandRunsTheManifestMetric() throws {
        try withTemporaryDirectory { folder in
            let built = try FFIExample.build(into: folder.appendingPathComponent("build"))
            let function = try FFIExample.function(in: built.library)
            let (model, data) = try TinyTextTask.write(in: folder)
            let dump = folder.appendingPathComponent("probe").path
            let result = try runAdapterSearch(["score", "--model", model, "--train-file", data[0], "--validation-file", data[1],
                                               "--test-file", data[2], "--probe-size", "12", "--plugin", built.manifest,
                                               "--metric", FFIExample.id, "--json", "--dump-probe", dump])
            #expect(result.status == 0, "\(result.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(rows.count == 25)
            for row in rows {
                let i = row["i"] as! Int, j = row["j"] as! Int
                let h = try NPYFile.read(dump + "/H_\(i).npy"), d = try NPYFile.read(dump + "/D_\(j).npy")
                let tokens = h.shape[0], width = h.shape[1]
                // G in float64, then rounded to the float32 the function takes: not the host's BLAS
                // product bit for bit (another summation order), hence a tolerance here; the exact
                // comparison is ffiExampleEqualsDirectCall, in process.
                var g = [Double](repeating: 0, count: width * width)
                for t in 0..<tokens {
                    for a in 0..<width {
                        let x = Double(h.values[t * width + a])
                        for b in 0..<width { g[a * width + b] += x * Double(d.values[t * width + b]) }
                    }
                }
                let sigma = try Spectrum.singularValues(rows: width, cols: width, doubles: g)
                let expected = g.map(Float.init).withUnsafeBufferPointer { gradient in
                    sigma.withUnsafeBufferPointer { values in
                        function(gradient.baseAddress, UInt32(width), values.baseAddress, UInt32(values.count),
                                 UInt32(tokens), 8, 0)
                    }
                }
                let found = try #require(row[FFIExample.id] as? Double)
                #expect(abs(found - expected) <= 1e-5 * abs(expected), "\(i)>\(j): \(found), direct \(expected)")
            }
        }
    }

    @Test("Every return type and argument type reaches the function and comes back as the score")
    func everyReturnAndArgumentType() throws {
        try withTemporaryDirectory { folder in
            let library = folder.appendingPathComponent("ffi_functions.so").path
            try runTool("cc", ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fPIC", "-shared", "-o", library,
                               Locations.fixtures.appendingPathComponent("ffi_functions.c").path])
            func manifest(_ id: String, _ symbol: String, _ returns: String, _ arguments: [String],
                          _ parameters: String = "[]") throws -> PluginDescriptor {
                let path = folder.appendingPathComponent("\(id).metric.json").path
                let quoted = arguments.map { "\"\($0)\"" }.joined(separator: ", ")
                try """
                {"id": "\(id)", "name": "\(id)", "version": "1", "library": "ffi_functions.so", "symbol": "\(symbol)",
                 "returns": "\(returns)", "direction": "lower", "arguments": [\(quoted)], "parameters": \(parameters)}
                """.write(toFile: path, atomically: true, encoding: .utf8)
                return try #require(try PluginDiscovery.loadFile(path).first)
            }
            let probe = ExamplePluginTests.probe
            let edges = Edge.all(nodeCount: 3)
            let environment = ExamplePluginTests.environment()
            func scores(_ plugin: PluginDescriptor, _ configuration: [String: String] = [:]) throws -> [Double] {
                try PluginInstance(plugin, environment: environment, configuration: configuration).score(edges)
            }

            let double = try manifest("t.double", "words_double", "double", ["i", "j", "d", "N", "x"],
                                      #"[{"name": "x", "type": "real", "default": 0.25}]"#)
            #expect(double.direction == ASP_LOWER_IS_BETTER && double.needsNames == ["probe"])
            #expect(try scores(double) == edges.map { 1000.0 * Double($0.source) + 100.0 * Double($0.target) + 20 + 2 + 0.25 })
            #expect(try scores(double, ["x": "-3.5"]) == edges.map { 1000.0 * Double($0.source) + 100.0 * Double($0.target) + 22 - 3.5 })

            let float = try manifest("t.float", "words_float", "float", ["G", "d", "sigma", "sigma_count"])
            let expected = try edges.map { edge -> Double in
                let g = try probe.edgeGradient(probe: 0, edge: edge), sigma = try probe.singularValues(probe: 0, edge: edge)
                return Double(g.values[0] + g.values[3] + Float(sigma[0]) + Float(sigma.count))
            }
            #expect(try scores(float) == expected)

            let int32 = try manifest("t.int32", "words_int32", "int32", ["i", "j", "k"],
                                     #"[{"name": "k", "type": "int", "default": "5", "minimum": 0}]"#)
            #expect(try scores(int32, ["k": "9"]) == edges.map { Double(-7 * $0.source - 11 * $0.target - 9) })

            let int64 = try manifest("t.int64", "words_int64", "int64", ["big", "j"],
                                     #"[{"name": "big", "type": "int", "default": "1099511627776"}]"#)
            #expect(try scores(int64) == edges.map { Double(4 * 1_099_511_627_776 + $0.target) })
        }
    }
}

extension FFIMetricTests {
    @Test("A manifest metric reports a missing probe, a failed probe service and a bad parameter like any plugin")
    func reportsErrorsLikeAPlugin() throws {
        try withTemporaryDirectory { folder in
            let built = try FFIExample.build(into: folder)
            let plugin = try #require(try PluginDiscovery.loadFile(built.manifest).first)
            let noProbe = try #require(#expect(throws: PluginCallError.self) {
                try PluginInstance(plugin, environment: ExamplePluginTests.environment(probe: nil))
            })
            #expect(noProbe.status == ASP_ERR_UNSUPPORTED && noProbe.message.contains(ASP_EXT_PROBE), "\(noProbe)")

            let metric = try PluginInstance(plugin, environment: ExamplePluginTests.environment())
            let badEdge = try #require(#expect(throws: PluginCallError.self) { try metric.score([Edge(0, 0), Edge(0, 7)]) })
            #expect(badEdge.status == ASP_ERR_NOT_FOUND && badEdge.message.contains("G of edge 0>7: no node 7"), "\(badEdge)")

            let badRank = try #require(#expect(throws: PluginCallError.self) {
                try PluginInstance(plugin, environment: ExamplePluginTests.environment(), configuration: ["rank": "0"])
            })
            #expect(badRank.message.contains("parameter 'rank' must be at least 1"), "\(badRank)")
        }
    }
}

/// A manifest the loader must refuse, and what it must say.
struct BadManifest: Sendable, CustomTestStringConvertible {
    /// What is wrong, for the test's name.
    var name: String
    /// The manifest's text. `LIB` stands for the example library's absolute path.
    var text: String
    /// The error case.
    var expected: String
    /// What the message must say besides the manifest's path.
    var mentions: [String]

    var testDescription: String { name }

    /// A valid manifest with `replace` applied, for one fault at a time.
    static func good(_ replace: [String: String] = [:], parameters: String? = nil) -> String {
        var fields: [(String, String)] = [
            ("id", #""t.bad""#), ("name", #""Bad""#), ("version", #""1""#), ("library", #""LIB""#),
            ("symbol", #""low_rank_reach""#), ("returns", #""double""#), ("direction", #""higher""#),
            ("arguments", #"["G", "d", "sigma", "sigma_count", "N", "rank", "concentration"]"#),
            ("parameters", parameters ?? #"[{"name": "rank", "type": "int", "default": "8"}, {"name": "concentration", "type": "real", "default": "0"}]"#),
        ]
        fields = fields.compactMap { key, value in replace[key].map { $0.isEmpty ? nil : (key, $0) } ?? (key, value) }
        for (key, value) in replace where !fields.contains(where: { $0.0 == key }) && !value.isEmpty { fields.append((key, value)) }
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    static let all: [BadManifest] = [
        BadManifest(name: "malformed JSON", text: #"{"id": "t.bad", "#, expected: "malformedJSON", mentions: ["not valid JSON"]),
        BadManifest(name: "top level not an object", text: "[1, 2]", expected: "malformedJSON", mentions: ["top level must be an object"]),
        BadManifest(name: "missing symbol field", text: good(["symbol": ""]), expected: "invalidField", mentions: ["'symbol' is missing"]),
        BadManifest(name: "unknown field", text: good(["argument": "[]"]), expected: "invalidField",
                    mentions: ["'argument' is not part of the schema"]),
        BadManifest(name: "invalid id", text: good(["id": #""has space""#]), expected: "invalidField", mentions: ["'id'", "'has space'"]),
        BadManifest(name: "bad direction", text: good(["direction": #""up""#]), expected: "invalidField", mentions: ["'direction'", "\"up\""]),
        BadManifest(name: "arguments not an array", text: good(["arguments": #""G""#]), expected: "invalidField",
                    mentions: ["'arguments' must be an array of strings"]),
        BadManifest(name: "unknown argument word", text: good(["arguments": #"["G", "d", "sigmas", "rank", "concentration"]"#]),
                    expected: "unknownArgument", mentions: ["'sigmas'", "sigma_count", "concentration"]),
        BadManifest(name: "bad return type", text: good(["returns": #""void""#]), expected: "badReturnType",
                    mentions: ["'void'", "double, float, int32, int64"]),
        BadManifest(name: "missing library", text: good(["library": #""no_such_library.so""#]), expected: "libraryNotLoadable",
                    mentions: ["no_such_library.so", "cannot be loaded"]),
        BadManifest(name: "library not a shared library", text: good(["library": #""not_a_library.so""#]), expected: "libraryNotLoadable",
                    mentions: ["not_a_library.so", "cannot be loaded"]),
        BadManifest(name: "missing symbol", text: good(["symbol": #""no_such_function""#]), expected: "missingSymbol",
                    mentions: ["exports no symbol 'no_such_function'"]),
        BadManifest(name: "parameter of type bool", text: good(parameters: #"[{"name": "rank", "type": "bool", "default": "true"}, {"name": "concentration", "type": "real", "default": "0"}]"#),
                    expected: "badParameter", mentions: ["'rank'", "type 'bool'"]),
        BadManifest(name: "parameter default out of bounds", text: good(parameters: #"[{"name": "rank", "type": "int", "default": "0", "minimum": 1}, {"name": "concentration", "type": "real", "default": "0"}]"#),
                    expected: "badParameter", mentions: ["'rank'", "default must be at least 1"]),
        BadManifest(name: "parameter default not an integer", text: good(parameters: #"[{"name": "rank", "type": "int", "default": "2.5"}, {"name": "concentration", "type": "real", "default": "0"}]"#),
                    expected: "badParameter", mentions: ["'rank'", "wants an integer"]),
        BadManifest(name: "parameter without default", text: good(parameters: #"[{"name": "rank", "type": "int"}, {"name": "concentration", "type": "real", "default": "0"}]"#),
                    expected: "badParameter", mentions: ["'rank'", "has no default"]),
        BadManifest(name: "parameter minimum above maximum", text: good(parameters: #"[{"name": "rank", "type": "int", "default": "8", "minimum": 9, "maximum": 1}, {"name": "concentration", "type": "real", "default": "0"}]"#),
                    expected: "badParameter", mentions: ["'rank'", "minimum 9.0 above maximum 1.0"]),
        BadManifest(name: "parameter declared twice", text: good(parameters: #"[{"name": "rank", "type": "int", "default": "8"}, {"name": "rank", "type": "int", "default": "8"}]"#),
                    expected: "badParameter", mentions: ["'rank'", "declared twice"]),
        BadManifest(name: "parameter named like a vocabulary word", text: good(parameters: #"[{"name": "N", "type": "int", "default": "8"}]"#),
                    expected: "badParameter", mentions: ["'N'", "vocabulary word"]),
        BadManifest(name: "parameter declared but not passed", text: good(["arguments": #"["G", "d", "sigma", "sigma_count", "N", "rank"]"#]),
                    expected: "badParameter", mentions: ["'concentration'", "declared but not passed"]),
    ]

    /// Writes the manifest into `folder` (where `not_a_library.so` is a
    /// text file) and returns its path.
    func write(in folder: URL, library: String, index: Int) throws -> String {
        try "not a library\n".write(to: folder.appendingPathComponent("not_a_library.so"), atomically: true, encoding: .utf8)
        let path = folder.appendingPathComponent("bad\(index).metric.json").path
        try text.replacingOccurrences(of: "LIB", with: library).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

extension ManifestError {
    /// The case's name, without its payload.
    var caseName: String {
        switch self {
        case .unreadable: "unreadable"
        case .malformedJSON: "malformedJSON"
        case .invalidField: "invalidField"
        case .unknownArgument: "unknownArgument"
        case .badReturnType: "badReturnType"
        case .badParameter: "badParameter"
        case .libraryNotLoadable: "libraryNotLoadable"
        case .missingSymbol: "missingSymbol"
        case .callNotPrepared: "callNotPrepared"
        }
    }
}

/// Manifests the host must refuse: a typed error naming the file in
/// process, a non-zero exit from the CLI, a warning when scanning a folder.
@Suite("Bad metric manifests")
struct BadManifestTests {
    @Test("Each bad manifest gives its own typed error naming the file, and the CLI exits non-zero with it",
          arguments: BadManifest.all.indices)
    func refused(_ index: Int) throws {
        let bad = BadManifest.all[index]
        try withTemporaryDirectory { folder in
            let built = try FFIExample.build(into: folder.appendingPathComponent("build"))
            let path = try bad.write(in: folder, library: built.library, index: index)
            let error = try #require(#expect(throws: ManifestError.self) { try MetricManifestLoader.load(path) })
            #expect(error.caseName == bad.expected, "\(bad.name): \(error)")
            #expect(error.description.hasPrefix(path), "the message names the file: \(error)")
            for text in bad.mentions {
                #expect(error.description.contains(text), "\(bad.name): the message says '\(text)': \(error)")
            }
            for arguments in [["plugins", "inspect", path], ["plugins", "list", "--plugin", path]] {
                let result = try runAdapterSearch(arguments)
                #expect(result.status != 0, "\(arguments) exits non-zero")
                #expect(result.stderr.contains(error.description), "\(arguments) prints the error: \(result.stderr)")
                #expect(result.stdout.isEmpty, "\(arguments) prints nothing on stdout: \(result.stdout)")
            }
        }
    }

    @Test("A missing manifest file is an error naming it")
    func missingFile() throws {
        try withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("absent.metric.json").path
            let error = try #require(#expect(throws: ManifestError.self) { try MetricManifestLoader.load(path) })
            #expect(error.caseName == "unreadable" && error.description.hasPrefix(path), "\(error)")
            let result = try runAdapterSearch(["score", "--plugin", path, "--metric", "t.bad"])
            #expect(result.status != 0 && result.stderr.contains(path), "\(result.stderr)")
        }
    }

    @Test("Scanning a folder lists the good manifest, skips its library, and warns once per bad manifest")
    func folderScan() throws {
        try withTemporaryDirectory { folder in
            let built = try FFIExample.build(into: folder)
            let bad = try BadManifest.all.indices.map { try BadManifest.all[$0].write(in: folder, library: built.library, index: $0) }
            let result = try runAdapterSearch(["plugins", "list", "--json", "--plugin-path", folder.path])
            #expect(result.status == 0, "\(result.stderr)")
            let listed = try ListedPlugin.parse(result.stdout)
            #expect(listed.first { $0.id == FFIExample.id }?.library == built.manifest)
            #expect(!listed.contains { $0.id == "t.bad" })
            let warnings = result.stderrLines(startingWith: "warning:")
            // One per bad manifest; none about ffi_metric.so or not_a_library.so, which manifests declare.
            #expect(warnings.count == bad.count, "\(warnings)")
            for path in bad { #expect(warnings.filter { $0.contains(path + ":") }.count == 1, "one warning names \(path)") }
            for library in [built.library, folder.appendingPathComponent("not_a_library.so").path] {
                #expect(!warnings.contains { $0.hasPrefix("warning: skipped \(library) ") }, "\(warnings)")
            }
        }
    }
}
