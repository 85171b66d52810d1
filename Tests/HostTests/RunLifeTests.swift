import Foundation
import GRDB
@testable import Host
import Testing

/// A run's life beyond its stored status: a dead process is seen as
/// crashed or stale (and stays resumable), a live one cannot be resumed
/// twice, a resumed run may change how it runs but not what it is, and a
/// run refused at its checks leaves nothing behind.
@Suite struct RunLifeTests {
    /// A store with one `search` run whose owner is `owner` (its heartbeat `age` seconds old).
    func store(_ path: String, owner: RunOwner?, age: TimeInterval = 0) throws -> (ResultsStore, RunRecord) {
        let store = try ResultsStore(path: path)
        let configuration = try RunConfiguration(command: .search, task: TaskSpecification(), taskIdentity: .unrecorded,
                                                 search: SearchSettings()).json()
        let run = try store.createRun(command: "adapter-search search", configuration: configuration, versions: "{}", seed: 0)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE runs SET owner = ?, heartbeat_at = ? WHERE id = ?",
                           arguments: [try owner.map { try jsonText($0) }, Date().timeIntervalSince1970 - age, run.id])
        }
        return (store, try store.run(run.id))
    }

    /// A process that has ended: this host, a real pid whose start time no longer matches.
    static var deadProcess: RunOwner {
        var owner = RunOwner.current
        owner.started += 1
        return owner
    }

    @Test func aRunWhoseProcessIsGoneIsCrashedOrStaleNotRunning() throws {
        try withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("results.sqlite").path
            #expect(try store(path, owner: .current).1.observedStatus() == .stored(.running))
            #expect(try store(path, owner: Self.deadProcess).1.observedStatus() == .crashed)
            #expect(try store(path, owner: nil).1.observedStatus() == .crashed, "running with no owner: a 0.6.0 run that was killed")
            var elsewhere = RunOwner.current
            elsewhere.host = "node-17"
            #expect(try store(path, owner: elsewhere, age: 5).1.observedStatus() == .stored(.running))
            let (_, stale) = try store(path, owner: elsewhere, age: 600)
            guard case .stale = stale.observedStatus() else { Issue.record("\(stale.observedStatus())"); return }

            let (_, crashed) = try store(path, owner: Self.deadProcess)
            let list = try runAdapterSearch(["runs", "list", "--store", path])
            #expect(list.stdout.split(separator: "\n").contains { $0.hasPrefix(crashed.id) && $0.contains("crashed") }, "\(list.stdout)")
            let show = try runAdapterSearch(["runs", "show", crashed.id, "--store", path])
            #expect(show.stdout.contains("crashed: marked running, but its process") && show.stdout.contains("--resume \(crashed.id)"))
            #expect(try runAdapterSearch(["runs", "list", "--json", "--store", path]).stdout.contains(#""status" : "stale""#))
        }
    }

    @Test func aRunALiveProcessCarriesOutCannotBeResumedByAnother() throws {
        try withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("results.sqlite").path
            let (_, run) = try store(path, owner: .current)  // this test process: alive, and not the child below
            let resumed = try runAdapterSearch(["search", "--resume", run.id, "--store", path])
            #expect(resumed.status != 0 && resumed.stderr.contains("is still being carried out by process \(getpid())"), "\(resumed.stderr)")
        }
    }

    @Test func resumingMayChangeHowARunRunsButNotWhatItIs() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            let path = folder.appendingPathComponent("runs/results.sqlite").path
            let task = ["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2], "--store", path,
                        "--probe-size", "12", "--steps", "5"]
            let first = try runAdapterSearch(["search", "--strategy", "top-k", "--metric", "gradient-norm", "--k", "1", "--json"] + task)
            #expect(first.status == 0, "\(first.stderr)")
            let store = try ResultsStore(path: path, create: false)
            let run = try #require(try store.runs().first)
            try store.setStatus(run: run.id, .interrupted)

            let changed = try runAdapterSearch(["search", "--resume", run.id, "--store", path, "--steps", "50", "--k=2"])
            #expect(changed.status != 0 && changed.stderr.contains("--steps, --k cannot change when resuming run \(run.id)"),
                    "\(changed.stderr)")
            let isolated = try runAdapterSearch(["search", "--resume", run.id, "--store", path, "--isolate", "--plugin-timeout", "30",
                                                 "--cache-memory", "0", "--json"])
            #expect(isolated.status == 0, "\(isolated.stderr)")
            let configuration = try RunConfiguration(json: try store.run(run.id).configuration, run: run.id)
            #expect(configuration.execution == ExecutionSettings(isolation: try PluginIsolation(isolate: true, pluginTimeout: 30), cacheMemory: 0))
            #expect(configuration.budget.steps == 5 && configuration.search?.k == 1)
            #expect(try store.run(run.id).status == .finished)
        }
    }

    @Test func aRunRefusedAtItsChecksLeavesNothingInTheStore() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            let path = folder.appendingPathComponent("runs/results.sqlite").path
            let task = ["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2], "--store", path]
            let cases: [([String], String)] = [
                (["search", "--strategy", "gga", "--set", "gamma=7"], "parameter 'gamma'"),
                (["search", "--strategy", "gga", "--set", "nope=1"], "unknown parameter 'nope'"),
                (["search", "--strategy", "no-such"], "no strategy plugin 'no-such'"),
                (["search", "--strategy", "random", "--metric", "snip"], "takes no metric"),
                (["search", "--strategy", "gga", "--metric", "no-such-metric"], "no metric plugin 'no-such-metric'"),
                (["compare", "--metric", "gga"], "is a strategy, not a metric"),
            ]
            for (arguments, message) in cases {
                let result = try runAdapterSearch(arguments + task)
                #expect(result.status != 0 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
            }
            #expect(try ResultsStore(path: path).runs().isEmpty)
        }
    }
}
