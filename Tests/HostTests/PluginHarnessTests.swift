import CAdapterSearch
import Core
import Foundation
import Testing
@testable import Host
#if canImport(Glibc)
import Glibc
#endif

/// A build of Fixtures/harness_plugins.c with one flaw (or none), and the
/// FAIL lines `plugins test` must print for it: exactly these, and exit 1.
struct HarnessFlaw: Sendable, CustomTestStringConvertible {
    /// The FLAW_* macro without its prefix, or nil for the fixture as it should be.
    var flaw: String?
    /// The beginning of each FAIL line expected, and text each must contain.
    var fails: [(prefix: String, contains: String)]
    /// Extra arguments of `plugins test`.
    var arguments: [String] = []

    var testDescription: String { flaw.map { "FLAW_" + $0 } ?? "no flaw" }

    /// Compiles the fixture with this flaw into `directory` with the examples' C flags.
    func build(into directory: URL) throws -> String {
        let output = directory.appendingPathComponent("harness_\(flaw ?? "sound").so").path
        try runTool("cc", CCompiler.pluginFlags + (flaw.map { ["-DFLAW_\($0)"] } ?? [])
                    + ["-I", Locations.include.path, "-o", output,
                       Locations.fixtures.appendingPathComponent("harness_plugins.c").path])
        return output
    }

    static let all: [HarnessFlaw] = [
        HarnessFlaw(flaw: nil, fails: []),
        HarnessFlaw(flaw: "EXTRA_EXPORT", fails: [("FAIL library: exports only asp_plugin_entry: ", "it also exports harness_helper")]),
        HarnessFlaw(flaw: "DEFAULT_OUT_OF_RANGE",
                    fails: [("FAIL library: host accepts its descriptors: ", "parameter 'gain': its default must be at most 10")]),
        HarnessFlaw(flaw: "NON_FINITE", fails: [("FAIL harness.metric: scores every edge: ", "scored 1 of 25 edges non-finite: 1>1 = nan")]),
        HarnessFlaw(flaw: "NON_CANDIDATE",
                    fails: [("FAIL harness.strategy: only candidate edges: ", "1>0 (k = 1): a recurrent edge, not a candidate")]),
        HarnessFlaw(flaw: "EXCEEDS_K", fails: [("FAIL harness.strategy: respects k: ", "2 edges for k = 1, 3 edges for k = 2, 4 edges for k = 3")]),
        // Its counter also differs between this process and a plugin worker.
        HarnessFlaw(flaw: "NONDETERMINISTIC", fails: [("FAIL harness.strategy: same seed, same choice: ", "two new instances chose"),
                                                      ("FAIL harness.strategy: same result under --isolate: ", "in a plugin worker")]),
        HarnessFlaw(flaw: "SILENT_ERROR", fails: [("FAIL harness.strategy: impossible k handled: ", "ASP_ERR_INVALID_ARGUMENT but no message")]),
        HarnessFlaw(flaw: "CRASH", fails: [("FAIL harness.strategy: select: ", "crashed (signal 11, SIGSEGV")]),
        HarnessFlaw(flaw: "HANG", fails: [("FAIL harness.strategy: select: ", "did not finish within 6 s (--timeout)")],
                    arguments: ["--timeout", "6"]),
        HarnessFlaw(flaw: "CRASH_ON_LOAD", fails: [("FAIL library: loads: ", "loading it, the process crashed (signal 11, SIGSEGV")]),
    ]
}

/// `adapter-search plugins test`: the examples and the built-in libraries
/// pass, each deliberately broken fixture fails the check it breaks (and
/// only that one), crashes and hangs are FAIL lines of a harness that goes
/// on, and a probe dumped by `score --dump-probe` serves the metrics.
@Suite("plugins test (the plugin harness)")
struct PluginHarnessTests {
    /// Runs `adapter-search plugins test` with `arguments`.
    static func pluginsTest(_ arguments: [String]) throws -> ProcessResult {
        try runAdapterSearch(["plugins", "test"] + arguments)
    }

    /// Removes the child-process logs `result`'s FAIL lines name (kept for
    /// a user to read, not wanted after a test).
    static func removeLogs(_ result: ProcessResult) {
        for line in lines(result, "FAIL") {
            guard let start = line.range(of: "are in /"), let end = line.range(of: ".log", range: start.upperBound..<line.endIndex) else { continue }
            unlink(String(line[line.index(before: start.upperBound)..<end.upperBound]))
        }
    }

    /// The report lines of `result` that begin with `status` ("PASS", "FAIL", "SKIP").
    static func lines(_ result: ProcessResult, _ status: String) -> [String] {
        result.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix(status + " ") }
    }

    @Test("Every example plugin passes: the C and C++ metrics and strategies, and the FFI metric manifest")
    func examplesPass() throws {
        try withTemporaryDirectory { directory in
            _ = try CCompiler.examples(into: directory)
            let expected: [(file: String, id: String, passes: [String])] = [
                ("example_metric.so", ExamplePlugins.metric, ["scores every edge", "bad parameter values refused", "edge outside the graph refused"]),
                ("example_strategy.so", ExamplePlugins.strategy, ["respects k", "same seed, same choice", "output capacity honoured",
                                                                  "same result under --isolate"]),
                ("example_cpp_metric.so", ExamplePlugins.cppMetric, ["scores every edge", "same inputs, same scores"]),
                ("example_cpp_strategy.so", ExamplePlugins.cppStrategy, ["only candidate edges", "impossible k handled"]),
                ("ffi_metric.metric.json", ExamplePlugins.ffiMetric, ["scores every edge", "bad parameter values refused",
                                                                       "same result under --isolate"]),
            ]
            for (file, id, passes) in expected {
                let result = try Self.pluginsTest([directory.appendingPathComponent(file).path])
                #expect(result.status == 0, "\(file):\n\(result.stdout)\n\(result.stderr)")
                #expect(Self.lines(result, "FAIL").isEmpty, "\(file): \(Self.lines(result, "FAIL"))")
                for check in passes {
                    #expect(Self.lines(result, "PASS").contains { $0.hasPrefix("PASS \(id): \(check)") }, "\(file): \(check)")
                }
                #expect(result.stdout.contains("checks: ") && result.stdout.contains(" 0 failed"), "\(file): a summary line")
            }
        }
    }

    @Test("The built-in libraries pass")
    func builtInLibrariesPass() throws {
        let metrics = Locations.products.appendingPathComponent(BuiltInPlugins.metricsLibrary).path
        let strategies = Locations.products.appendingPathComponent(BuiltInPlugins.strategiesLibrary).path
        let scored = try Self.pluginsTest([metrics])
        #expect(scored.status == 0, "\(scored.stdout)\n\(scored.stderr)")
        for id in BuiltInPlugins.metrics {
            #expect(Self.lines(scored, "PASS").contains("PASS \(id): same inputs, same scores (the same 25 scores, bit for bit, "
                                                         + "from a second call and from a new instance)"), "\(id)")
        }
        let chosen = try Self.pluginsTest([strategies])
        #expect(chosen.status == 0, "\(chosen.stdout)\n\(chosen.stderr)")
        #expect(Self.lines(chosen, "FAIL").isEmpty)
        for id in BuiltInPlugins.strategies {
            for check in ["select", "respects k", "only candidate edges", "no duplicate edges", "same seed, same choice", "impossible k handled",
                          "same result under --isolate"] {
                #expect(Self.lines(chosen, "PASS").contains { $0.hasPrefix("PASS \(id): \(check)") }, "\(id): \(check)")
            }
        }
        #expect(Self.lines(chosen, "PASS").contains { $0.hasPrefix("PASS parallel-every: respects k (it ignores k: 4 edges whatever k") })
        #expect(chosen.stdout.contains("PASS exhaustive: select (k = 1: ") && chosen.stdout.contains("15 synthetic evaluations"),
                "the strategy's evaluations are answered synthetically and counted")
    }

    @Test("Each broken fixture fails exactly the check it breaks, and exits 1", arguments: HarnessFlaw.all)
    func flawFailsItsCheck(_ flaw: HarnessFlaw) throws {
        try withTemporaryDirectory { directory in
            let library = try flaw.build(into: directory)
            let result = try Self.pluginsTest([library] + flaw.arguments)
            defer { Self.removeLogs(result) }
            let fails = Self.lines(result, "FAIL")
            #expect(result.status == (flaw.fails.isEmpty ? 0 : 1), "\(result.stdout)\n\(result.stderr)")
            #expect(fails.count == flaw.fails.count, "\(fails)")
            for (prefix, text) in flaw.fails {
                #expect(fails.contains { $0.hasPrefix(prefix) && $0.contains(text) }, "'\(prefix)…\(text)…' in \(fails)")
            }
            #expect(result.stdout.contains("\(fails.count) failed"), "the summary counts the failures")
        }
    }

    @Test("A plugin that crashes fails its check in a child process; a new child goes on with the other plugin's checks")
    func crashIsAFailLineAndTheHarnessGoesOn() throws {
        try withTemporaryDirectory { directory in
            let library = try HarnessFlaw(flaw: "CRASH", fails: []).build(into: directory)
            let result = try Self.pluginsTest([library])
            defer { Self.removeLogs(result) }
            #expect(result.status == 1 && result.terminationIsExit)
            let fail = try #require(Self.lines(result, "FAIL").first)
            #expect(fail.contains("its output and backtrace are in /"), "the child's log is named: \(fail)")
            // The checks that would only crash again are skipped; the metric, after it in the library, is checked.
            #expect(Self.lines(result, "SKIP").contains("SKIP harness.strategy: respects k: the plugin crashed or hung in 'select'"))
            #expect(Self.lines(result, "PASS").contains { $0.hasPrefix("PASS harness.metric: scores every edge") })
            #expect(Self.lines(result, "PASS").contains { $0.hasPrefix("PASS harness.metric: edge outside the graph refused") })
        }
    }

    @Test("--json reports every check with its status and the counts; --in-process gives the same checks")
    func jsonAndInProcess() throws {
        try withTemporaryDirectory { directory in
            let library = try HarnessFlaw(flaw: "NON_FINITE", fails: []).build(into: directory)
            let result = try Self.pluginsTest([library, "--json"])
            #expect(result.status == 1)
            let report = try JSONDecoder().decode(HarnessReport.self, from: Data(result.stdout.utf8))
            #expect(report.file == library && report.seeds == [0, 1])
            // The --isolate comparison is skipped: the metric fails the same way in a worker.
            #expect(report.failed == 1 && report.skipped == 1 && report.passed == report.checks.count - 2)
            let failed = try #require(report.checks.first { $0.status == .fail })
            #expect(failed.subject == "harness.metric" && failed.check == "scores every edge")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(object["failed"] as? Int == 1 && object["passed"] as? Int == report.passed && object["skipped"] as? Int == 1)

            let inProcess = try Self.pluginsTest([library, "--json", "--in-process"])
            #expect(inProcess.status == 1)
            let same = try JSONDecoder().decode(HarnessReport.self, from: Data(inProcess.stdout.utf8))
            #expect(same.checks == report.checks)
            #expect(same.isolation.contains("--in-process") && report.isolation.contains("child process"))
        }
    }

    @Test("--probe DIR: metrics score on a probe `score --dump-probe` wrote on the tiny task")
    func dumpedProbe() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            let dump = folder.appendingPathComponent("probe").path
            let scored = try runAdapterSearch(["score", "--model", model, "--train-file", data[0], "--validation-file", data[1],
                                               "--test-file", data[2], "--probe-size", "12", "--metric", "gradient-rank",
                                               "--json", "--dump-probe", dump])
            #expect(scored.status == 0, "\(scored.stderr)")
            let (probe, summaryFound) = try ProbeDump.read(from: dump)
            #expect(summaryFound && probe.examples == 12 && probe.loss.isFinite)
            #expect(probe.nodeCount == 5 && probe.width == 16 && probe.tokens > 12 && probe.classes == 2)

            let metrics = Locations.products.appendingPathComponent(BuiltInPlugins.metricsLibrary).path
            let result = try Self.pluginsTest([metrics, "--probe", dump])
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("probe        dumped in \(dump): 5 nodes, d = 16, N = \(probe.tokens) tokens, 2 classes, 12 examples"))
            #expect(Self.lines(result, "PASS").contains { $0.hasPrefix("PASS gradient-rank: scores every edge (25 edges of 5 nodes, all finite") })
            #expect(Self.lines(result, "SKIP").contains {
                $0.hasPrefix("SKIP synflow: scores every edge: it needs extra passes, which a dumped probe cannot serve")
            })

            let strategies = Locations.products.appendingPathComponent(BuiltInPlugins.strategiesLibrary).path
            let chosen = try Self.pluginsTest([strategies, "--probe", dump])
            #expect(chosen.status == 0, "\(chosen.stdout)\n\(chosen.stderr)")
            #expect(Self.lines(chosen, "PASS").contains { $0.hasPrefix("PASS gga: select (k = 1: ") && $0.contains("scores of gradient-rank") })

            let notAProbe = try Self.pluginsTest([metrics, "--probe", folder.path])
            #expect(notAProbe.status != 0 && notAProbe.stderr.contains("is not a probe dumped by `adapter-search score --dump-probe`"),
                    "\(notAProbe.stderr)")
        }
    }

    @Test("A file that is not there, or not a plugin library, fails 'loads'")
    func missingFile() throws {
        try withTemporaryDirectory { directory in
            let missing = try Self.pluginsTest([directory.appendingPathComponent("nothing.so").path])
            #expect(missing.status == 1)
            #expect(Self.lines(missing, "FAIL").first?.hasPrefix("FAIL library: loads: dlopen: ") == true, "\(missing.stdout)")
            let text = directory.appendingPathComponent("x.so")
            try "not a library\n".write(to: text, atomically: true, encoding: .utf8)
            let notALibrary = try Self.pluginsTest([text.path])
            #expect(notALibrary.status == 1 && Self.lines(notALibrary, "FAIL").count == 1)
        }
    }

    /// The symbols `nm -D --defined-only` lists as global, weak or unique
    /// (its upper-case types and u, v, w): it lists local entries of the
    /// dynamic symbol table too (Swift's linker leaves some), which export nothing.
    static func nmExported(_ library: String) throws -> [String] {
        try runTool("nm", ["-D", "--defined-only", library]).stdout.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let type = fields[fields.count - 2].first,
                  type.isUppercase || "uvw".contains(type) else { return nil }
            return String(fields[fields.count - 1])
        }
    }

    @Test("The ELF reader finds the global symbols nm -D --defined-only lists")
    func elfReaderAgreesWithNm() throws {
        try withTemporaryDirectory { directory in
            let libraries = [Locations.products.appendingPathComponent(BuiltInPlugins.metricsLibrary).path,
                             Locations.products.appendingPathComponent(BuiltInPlugins.strategiesLibrary).path,
                             try HarnessFlaw(flaw: "EXTRA_EXPORT", fails: []).build(into: directory),
                             try CXXCompiler.example("example_cpp_metric", into: directory)]
            for library in libraries {
                #expect(try ELFSymbols.exported(library).sorted() == Self.nmExported(library).sorted(), "\(library)")
            }
            #expect(try ELFSymbols.exported(libraries[2]).sorted() == ["asp_plugin_entry", "harness_helper"])
            #expect(throws: ELFSymbols.ReadError.self) { try ELFSymbols.exported(from: Array("not an ELF file".utf8)) }
        }
    }

    @Test("A dumped probe reads back bit for bit; a folder missing a matrix is refused")
    func probeDumpRoundTrip() throws {
        try withTemporaryDirectory { folder in
            let probe = try HarnessProbe.synthetic(seed: 3).engine.probe
            let path = folder.appendingPathComponent("probe").path
            try ProbeDump.write(probe, to: path)
            let (read, summaryFound) = try ProbeDump.read(from: path)
            #expect(summaryFound)
            #expect(read.activations == probe.activations && read.gradients == probe.gradients)
            #expect(read.head.weight == probe.head.weight && read.head.bias == probe.head.bias)
            #expect(read.loss == probe.loss && read.examples == probe.examples)
            try FileManager.default.removeItem(atPath: path + "/D_4.npy")
            #expect(throws: ProbeDump.ReadError.self) { try ProbeDump.read(from: path) }
        }
    }

    @Test("Evaluations are answered with the documented synthetic accuracy, a fixed function of the placement")
    func syntheticAccuracy() {
        // w(0, 1) = 0.05 + 0.05 * 5 = 0.3, w(2, 3) = 0.05 + 0.05 * 0 = 0.05.
        #expect(HarnessSearch.syntheticAccuracy([]) == 0.5)
        #expect(abs(HarnessSearch.syntheticAccuracy([Edge(0, 1), Edge(2, 3)]) - (0.5 + 0.45 * (1 - 0.7 * 0.95))) < 1e-15)
        #expect(HarnessSearch.syntheticAccuracy([Edge(2, 3), Edge(0, 1)]) == HarnessSearch.syntheticAccuracy([Edge(0, 1), Edge(2, 3)]))
        #expect(HarnessSearch.syntheticGate(Edge(0, 1)) == 5.5 / 7)
    }
}
