import Core
import Foundation
import Testing
@testable import Host

/// `adapter-search search` end to end on a tiny BERT and CSV files: every
/// built-in strategy through the engine, results in the store, resuming a
/// killed run, isolation, and clear failures on bad input.
@Suite struct SearchCommandTests {
    /// Model, data and store paths in `folder`.
    struct Setup {
        var model: String
        var data: [String]
        var store: String

        /// The arguments that name the task and the store.
        var task: [String] {
            ["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2], "--store", store,
             "--probe-size", "12"]
        }
    }

    func setUp(_ folder: URL) throws -> Setup {
        let (model, data) = try TinyTextTask.write(in: folder)
        return Setup(model: model, data: data, store: folder.appendingPathComponent("runs/results.sqlite").path)
    }

    func search(_ setup: Setup, _ extra: [String]) throws -> ProcessResult {
        try runAdapterSearch(["search"] + setup.task + ["--steps", "20"] + extra)
    }

    func outcome(_ result: ProcessResult) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }

    /// Every built-in strategy, with the size of placement it should give on 5 nodes.
    static let strategies: [(id: String, extra: [String], edges: Int)] = [
        ("gga", ["--metric", "gradient-norm"], 2), ("top-k", ["--metric", "snip"], 2), ("random", [], 2),
        ("random-best-of-n", ["--set", "n=3"], 2), ("exhaustive", ["--set", "max-sets=5"], 2),
        ("successive-halving", ["--set", "n=4", "--set", "steps=20"], 2), ("parallel-every", [], 4),
        ("first-k", [], 2), ("last-k", [], 2),
    ]

    @Test(arguments: strategies.map(\.id))
    func everyBuiltInStrategyRunsEndToEnd(_ id: String) throws {
        let (_, extra, edges) = Self.strategies.first { $0.id == id }!
        try withTemporaryDirectory { folder in
            let setup = try setUp(folder)
            let result = try search(setup, ["--strategy", id, "--k", "2", "--json"] + extra)
            #expect(result.status == 0, "\(result.stderr)")
            let found = try outcome(result)
            let placement = try Placement(parsing: found["placement"] as? String ?? "", nodeCount: 5)
            #expect(placement.edges.count == edges, "\(found)")
            let validation = found["val_acc"] as? Double ?? -1, test = found["test_acc"] as? Double ?? -1
            #expect((0...1).contains(validation) && (0...1).contains(test))
            #expect(found["params"] as? Int == placement.edges.count * (16 * 8 + 8 + 8 * 16 + 16) + 2 * 16 + 2)
            let store = try ResultsStore(path: setup.store, create: false)
            let run = try store.run(found["run"] as! String)
            #expect(run.status == .finished && run.command.hasPrefix("adapter-search search"))
            let final = try store.evaluations(run: run.id).first { $0.placement == placement.description && $0.testAccuracy != nil }
            #expect(final?.validationAccuracy == validation && final?.testAccuracy == test)
            for file in ["adapters.safetensors", "placement.json", "adapterhub/unexpressed_edges.json", "adapterhub/head.safetensors"] {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("runs/\(run.id)/\(file)").path), "\(file)")
            }
        }
    }

    /// Over single edges, exhaustive returns the edge with the best stored
    /// validation accuracy (ties to the earlier edge).
    @Test func exhaustiveOverSingleEdgesPicksTheBestStoredEvaluation() throws {
        try withTemporaryDirectory { folder in
            let setup = try setUp(folder)
            let result = try search(setup, ["--strategy", "exhaustive", "--k", "1", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let found = try outcome(result)
            let store = try ResultsStore(path: setup.store, create: false)
            let singles = try store.evaluations(run: found["run"] as! String)
            #expect(singles.count == 25 && singles.filter { $0.testAccuracy != nil }.map(\.placement) == [found["placement"] as? String])
            let best = singles.max { $0.validationAccuracy < $1.validationAccuracy }!
            let firstBest = singles.first { $0.validationAccuracy == best.validationAccuracy }!
            #expect(found["placement"] as? String == firstBest.placement)
        }
    }

    /// kill -9 in the middle of an exhaustive run, then --resume: the final
    /// evaluations equal an uninterrupted run's, and none is trained twice.
    @Test func aKilledRunResumesWithoutRedoingOrLosingWork() throws {
        try withTemporaryDirectory { folder in
            let setup = try setUp(folder)
            let arguments = ["search"] + setup.task + ["--steps", "300", "--kinds", "parallel,long-range", "--strategy", "exhaustive", "--k", "1", "--json"]
            let whole = try runAdapterSearch(arguments.map { $0 == setup.store ? setup.store + ".whole" : $0 })
            #expect(whole.status == 0, "\(whole.stderr)")

            let process = Process()
            process.executableURL = Locations.executable
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            let said = folder.appendingPathComponent("killed.stderr")
            _ = FileManager.default.createFile(atPath: said.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: said)
            try process.run()
            var stored = 0, watched: ResultsStore?
            let deadline = Date().addingTimeInterval(120)
            while stored < 3 && process.isRunning && Date() < deadline {
                usleep(5_000)
                // Opened once: reopening (migrations, checks) on every poll would let the run finish unseen.
                if watched == nil { watched = try? ResultsStore(path: setup.store, create: false) }
                if let watched, let run = try? watched.runs().first {
                    stored = (try? watched.evaluations(run: run.id).count) ?? 0
                }
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal,
                    "the run was killed before it finished: \((try? String(contentsOf: said, encoding: .utf8)) ?? "")")

            let store = try ResultsStore(path: setup.store, create: false)
            let run = try store.runs().first!
            #expect(run.status == .running && run.observedStatus() == .crashed, "the killed run is seen as crashed")
            let before = try store.evaluations(run: run.id).count
            #expect(before >= 3 && before < 10)
            let resumed = try runAdapterSearch(["search", "--store", setup.store, "--resume", run.id, "--json"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stderr.contains("evaluations: \(10 - before) trained now, \(before) answered from the run's store"),
                    "\(resumed.stderr)")

            let wholeStore = try ResultsStore(path: setup.store + ".whole", create: false)
            let wholeRun = try wholeStore.runs().first!
            func table(_ store: ResultsStore, _ run: String) throws -> [String] {
                try store.evaluations(run: run).map { "\($0.placement) \($0.budget) \($0.validationAccuracy) \($0.testAccuracy ?? -1)" }.sorted()
            }
            #expect(try table(store, run.id) == table(wholeStore, wholeRun.id))
            #expect(try outcome(resumed)["placement"] as? String == outcome(whole)["placement"] as? String)
            #expect(try store.run(run.id).status == .finished)
            // A finished run resumes to its stored result.
            let again = try runAdapterSearch(["search", "--store", setup.store, "--resume", run.id])
            #expect(again.status == 0 && again.stdout.contains(run.id))
        }
    }

    /// Ctrl-C (SIGINT) stops a run cleanly between evaluations: it exits with
    /// an error, is marked interrupted, and --resume finishes it.
    @Test func anInterruptedRunStopsCleanlyAndResumes() throws {
        try withTemporaryDirectory { folder in
            let setup = try setUp(folder)
            let process = Process()
            process.executableURL = Locations.executable
            process.arguments = ["search"] + setup.task + ["--steps", "60", "--strategy", "exhaustive", "--k", "1"]
            let errors = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            try process.run()
            var stored = 0, watched: ResultsStore?
            let deadline = Date().addingTimeInterval(120)
            while stored < 3 && process.isRunning && Date() < deadline {
                usleep(5_000)
                if watched == nil { watched = try? ResultsStore(path: setup.store, create: false) }
                if let watched, let run = try? watched.runs().first {
                    stored = (try? watched.evaluations(run: run.id).count) ?? 0
                }
            }
            kill(process.processIdentifier, SIGINT)
            let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 130, "\(said)")
            let store = try ResultsStore(path: setup.store, create: false)
            let run = try store.runs().first!
            #expect(run.status == .interrupted && said.contains("--resume \(run.id)"), "\(said)")
            let before = try store.evaluations(run: run.id).count
            let resumed = try runAdapterSearch(["search", "--store", setup.store, "--resume", run.id])
            #expect(resumed.status == 0 && resumed.stderr.contains("\(before) answered from the run's store"), "\(resumed.stderr)")
            #expect(try store.run(run.id).status == .finished && store.evaluations(run: run.id).count == 25)
        }
    }

    /// With --isolate a strategy that segfaults after one evaluation, and one
    /// that hangs, are reported; the host exits with an error; what was
    /// stored is still there.
    @Test(arguments: [("fixture-segfault", ["--isolate"], "SIGSEGV"), ("fixture-hang", ["--plugin-timeout", "2"], "--plugin-timeout")])
    func isolatedStrategiesThatCrashOrHangAreReported(_ id: String, _ options: [String], _ says: String) throws {
        try withTemporaryDirectory { folder in
            let setup = try setUp(folder)
            let library = try CCompiler.fixture("isolation_plugins", into: folder)
            let result = try search(setup, ["--plugin", library, "--strategy", id, "--k", "1"] + options)
            #expect(result.status != 0 && result.status < 128, "exits with an error, not a signal")
            #expect(result.stderr.contains("plugin '\(id)'") && result.stderr.contains(says), "\(result.stderr)")
            let store = try ResultsStore(path: setup.store, create: false)
            let run = try store.runs().first!
            #expect(run.status == .failed && (run.outcome ?? "").contains(id))
            if id == "fixture-segfault" {
                #expect(try store.evaluations(run: run.id).count == 1)
                // One concise message; the worker's backtrace is in its log, whose path the message gives.
                let log = try #require(result.stderr.firstMatch(of: /backtrace are in (\S+?);/)?.1)
                let backtrace = try String(contentsOfFile: String(log), encoding: .utf8)
                #expect(backtrace.contains("Crash") || backtrace.contains("Thread"), "\(backtrace.prefix(300))")
                #expect(!result.stderr.contains("Thread 0") && result.stderr.split(separator: "\n").count < 8, "\(result.stderr)")
            }
        }
    }

    @Test func badInputGetsAClearError() throws {
        try withTemporaryDirectory { folder in
            let setup = try setUp(folder)
            let cases: [([String], String)] = [
                (["--strategy", "no-such"], "no strategy plugin 'no-such'"),
                (["--strategy", "gradient-rank"], "is a metric, not a strategy"),
                (["--strategy", "random", "--metric", "snip"], "strategy 'random' takes no metric"),
                (["--kinds", "sideways"], "unknown edge kind 'sideways'"),
                (["--set", "gamma"], "--set 'gamma' is not NAME=VALUE"),
                (["--set", "gamma=7"], "parameter 'gamma'"),
                (["--adapter", "r0"], "rank"),
                (["--metric", "no-such-metric"], "no metric plugin 'no-such-metric'"),
                (["--k", "99"], "--k 99 is more than the 25 candidate edges"),
                (["--resume", "r000000"], "r000000"),
            ]
            for (extra, says) in cases {
                let result = try search(setup, extra)
                #expect(result.status != 0 && result.status < 128, "\(extra)")
                #expect(result.stderr.contains(says), "\(extra): \(result.stderr)")
            }
        }
    }
}
