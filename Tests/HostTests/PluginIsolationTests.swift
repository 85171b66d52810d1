import CAdapterSearch
import Core
import Foundation
import Testing
@testable import Host
#if canImport(Glibc)
import Glibc
#endif

/// `--isolate`: plugins run in an `adapter-search plugin-worker` child
/// process, served by this process's real engine services. Serialized: the
/// timing of the timeout tests should not depend on the other tests.
@Suite("Plugin isolation", .serialized)
struct PluginIsolationTests {
    /// The isolation fixtures compiled into `folder` (the worker loads the
    /// file, so it must outlive the test) and loaded here.
    static func fixtures(in folder: URL) throws -> [String: PluginDescriptor] {
        let library = try CCompiler.fixture("isolation_plugins", into: folder)
        return Dictionary(uniqueKeysWithValues: try PluginLoader.load(library).map { ($0.id, $0) })
    }

    /// True while process `pid` exists, zombies included: false once reaped.
    static func exists(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Creates `plugin` isolated, with the built adapter-search as the worker.
    static func isolated(_ plugin: PluginDescriptor?, _ environment: PluginEnvironment, timeout: Double? = nil,
                         configuration: [String: String] = [:]) throws -> IsolatedPlugin {
        let plugin = try #require(plugin)
        return try IsolatedPlugin(plugin, environment: environment, configuration: configuration, timeout: timeout,
                                  executable: Locations.executable)
    }

    @Test func probeServicesReachAnIsolatedMetricBitForBit() throws {
        try withTemporaryDirectory { folder in
            let plugins = try Self.fixtures(in: folder)
            let run = try TinySearchRun(in: folder, metrics: [])
            let metric = try #require(plugins["fixture-probe-metric"])
            let edges = Edge.all(nodeCount: run.nodeCount)
            let inProcess = try PluginInstance(metric, environment: run.environment()).score(edges)
            var pid: pid_t = 0
            do {
                let isolated = try Self.isolated(metric, run.environment(), timeout: 60)
                pid = isolated.processID
                #expect(Self.exists(pid))
                let scores = try isolated.score(edges)
                #expect(scores.map(\.bitPattern) == inProcess.map(\.bitPattern))
                #expect(Set(scores).count == edges.count, "every edge hashes differently")
                #expect(try isolated.score(Array(edges.prefix(3))) == Array(inProcess.prefix(3)), "a second call")
            }
            #expect(pid > 0 && !Self.exists(pid), "the worker is reaped when the plugin is released")

            // Extra passes: the request, its dense map included, reaches the host bit for bit.
            func passes(isolated: Bool) throws -> (requests: [PassRequest], scores: [Double]) {
                let recorder = RecordedPasses(run.probe)
                var environment = run.environment()
                environment.probe = recorder
                let runner: PluginRunner = isolated ? try Self.isolated(metric, environment)
                    : try PluginInstance(metric, environment: environment)
                let scores = try runner.score([Edge(1, 2)])
                return (recorder.requests, scores)
            }
            let (inProcessPasses, inProcessScore) = try passes(isolated: false)
            let (isolatedPasses, isolatedScore) = try passes(isolated: true)
            #expect(isolatedScore == inProcessScore)
            #expect(inProcessPasses.count == 1 && isolatedPasses.count == 1)
            if let sent = inProcessPasses.first, let received = isolatedPasses.first {
                #expect(received.perturbations.map(\.edge) == [Edge(0, 1)] && sent.perturbations.map(\.edge) == [Edge(0, 1)])
                #expect(received.perturbations[0].map.values.map(\.bitPattern) == sent.perturbations[0].map.values.map(\.bitPattern))
                #expect(received.perturbations[0].map.rows == 16 && received.perturbations[0].map.values.contains { $0 != 0 })
                #expect(received.batchSeed == sent.batchSeed && received.examples == sent.examples && received.input == sent.input
                        && received.weights == sent.weights && received.loss == sent.loss)
            }
        }
    }

    @Test func searchCheckpointLogAndProgressServicesReachAnIsolatedStrategy() throws {
        try withTemporaryDirectory { folder in
            let plugins = try Self.fixtures(in: folder)
            let run = try TinySearchRun(in: folder, metrics: [try #require(plugins["fixture-probe-metric"])])
            let strategy = try #require(plugins["fixture-searcher"])
            let isolatedRecord = HostRecord(), isolatedStore = MemoryCheckpoints()
            let isolated = try Self.isolated(strategy, run.environment(checkpoints: isolatedStore, log: isolatedRecord.logger,
                                                                       progress: isolatedRecord.reporter),
                                             configuration: ["metric": "fixture-probe-metric"])
            let chosen = try isolated.select(k: 3)
            #expect(chosen.count == 3)
            #expect(run.search.results.count == 2, "both placements trained in this process and stored")

            let inProcessRecord = HostRecord(), inProcessStore = MemoryCheckpoints()
            let inProcess = try PluginInstance(strategy, environment: run.environment(checkpoints: inProcessStore,
                                                                                      log: inProcessRecord.logger,
                                                                                      progress: inProcessRecord.reporter))
            #expect(try inProcess.select(k: 3) == chosen)
            let state = try #require(isolatedStore["fixture-searcher"])
            #expect(state == inProcessStore["fixture-searcher"], "same scores, evaluations and random stream")
            #expect(isolatedRecord.log == inProcessRecord.log)
            #expect(isolatedRecord.log.contains { $0.hasPrefix("fixture-searcher 2 unknown metric: status 6, no metric 'no-such-metric'") },
                    "\(isolatedRecord.log)")
            #expect(isolatedRecord.progress == ["fixture-searcher 0.25 candidates", "fixture-searcher 0.5 evaluating",
                                                "fixture-searcher 1.0 done"])

            // Run again: the state it saved comes back through load_state.
            _ = try isolated.select(k: 3)
            let again = try #require(isolatedStore["fixture-searcher"])
            #expect(again.first == 2 && state.first == 1, "runs counted through the saved state")
        }
    }

    @Test func aStrategyThatSegfaultsIsReportedAndTheHostCarriesOn() throws {
        try withTemporaryDirectory { folder in
            let plugins = try Self.fixtures(in: folder)
            let run = try TinySearchRun(in: folder, metrics: [try #require(plugins["fixture-probe-metric"])])
            let crashing = try Self.isolated(plugins["fixture-segfault"], run.environment())
            let pid = crashing.processID
            let error = try #require(throws: PluginCallError.self) { try crashing.select(k: 2) }
            #expect(error.plugin == "fixture-segfault")
            #expect(error.description.contains("plugin 'fixture-segfault'") && error.message.contains("signal 11, SIGSEGV")
                    && error.message.contains("during select") && error.message.contains("unaffected"), "\(error)")
            #expect(!Self.exists(pid), "the crashed worker is reaped")
            #expect(run.search.results[[Edge(0, 0)]] != nil, "the result stored before the crash is still there")
            let again = try #require(throws: PluginCallError.self) { try crashing.select(k: 2) }
            #expect(again.message.contains("gone") && again.message.contains("SIGSEGV"), "\(again)")

            // The host goes on to run another plugin.
            let next = try Self.isolated(plugins["fixture-searcher"], run.environment())
            #expect(try next.select(k: 2).count == 2)
        }
    }

    @Test func aStrategyThatExitsIsReportedWithItsStatus() throws {
        try withTemporaryDirectory { folder in
            let plugins = try Self.fixtures(in: folder)
            let environment = PluginEnvironment(nodeCount: 5, candidates: Edge.all(nodeCount: 5))
            let exiting = try Self.isolated(plugins["fixture-exit"], environment)
            let error = try #require(throws: PluginCallError.self) { try exiting.select(k: 2) }
            #expect(error.message.hasPrefix("exited with status 3 during select"), "\(error)")
            #expect(!Self.exists(exiting.processID))
        }
    }

    @Test func aStrategyThatHangsIsStoppedAtTheTimeout() throws {
        try withTemporaryDirectory { folder in
            let plugins = try Self.fixtures(in: folder)
            let environment = PluginEnvironment(nodeCount: 5, candidates: Edge.all(nodeCount: 5))
            let hanging = try Self.isolated(plugins["fixture-hang"], environment, timeout: 1)
            let start = Date()
            let error = try #require(throws: PluginCallError.self) { try hanging.select(k: 2) }
            let seconds = Date().timeIntervalSince(start)
            #expect(error.plugin == "fixture-hang")
            #expect(error.message.contains("did not finish select within 1 s") && error.message.contains("--plugin-timeout"),
                    "\(error)")
            #expect(seconds >= 1 && seconds < 30, "stopped after \(seconds) s")
            #expect(!Self.exists(hanging.processID), "the hung worker is killed and reaped")
        }
    }

    @Test func timeTheHostSpendsServingDoesNotCountAgainstTheTimeout() throws {
        try withTemporaryDirectory { folder in
            let plugins = try Self.fixtures(in: folder)
            let run = try TinySearchRun(in: folder, metrics: [try #require(plugins["fixture-probe-metric"])])
            let slow = SlowSearch(run.search, delay: 1.5)
            let strategy = try Self.isolated(plugins["fixture-searcher"], run.environment(search: slow), timeout: 1)
            #expect(try strategy.select(k: 2).count == 2)
        }
    }

    @Test func theOptionsChooseWhereAPluginRuns() throws {
        try withTemporaryDirectory { folder in
            let plugins = try Self.fixtures(in: folder)
            let metric = try #require(plugins["fixture-probe-metric"])
            let environment = PluginEnvironment(nodeCount: 5, candidates: Edge.all(nodeCount: 5))
            let inProcess = try PluginIsolation().makeRunner(metric, environment: environment)
            #expect(inProcess is PluginInstance)
            let isolated = try PluginIsolation(isolate: true)
                .makeRunner(metric, environment: environment, executable: Locations.executable)
            #expect((isolated as? IsolatedPlugin)?.timeout == nil)
            let timed = try PluginIsolation(pluginTimeout: 2.5)
                .makeRunner(metric, environment: environment, executable: Locations.executable)
            #expect((timed as? IsolatedPlugin)?.timeout == 2.5, "a timeout implies isolation")
            #expect(throws: RunError.self) { try PluginIsolation(pluginTimeout: 0) }
            // A user's mistake is reported before a worker starts; a plugin's failure in create comes back by name.
            let unknown = try #require(throws: PluginCallError.self) {
                try PluginIsolation(isolate: true).makeRunner(metric, environment: environment,
                                                                    configuration: ["nope": "1"], executable: Locations.executable)
            }
            #expect(unknown.message.contains("unknown parameter 'nope'"))
            let noProbe = try #require(throws: PluginCallError.self) {
                try (isolated.score([Edge(0, 1)]))
            }
            #expect(noProbe.plugin == "fixture-probe-metric" && noProbe.message.contains("fixture-probe-metric needs asp.probe/1"),
                    "\(noProbe)")
            let refused = try #require(throws: PluginCallError.self) {
                try Self.isolated(plugins["fixture-searcher"], environment, configuration: ["metric": "refuse-create"])
            }
            #expect(refused.message == "create failed: the fixture refuses this configuration"
                    && refused.status == ASP_ERR_INVALID_ARGUMENT, "\(refused)")
            #expect(throws: PluginCallError.self) { try Self.isolated(plugins["fixture-hang"], environment, timeout: -1) }
        }
    }
}
