import Core
import Foundation
@testable import Host
import Testing

/// A results store written by 0.6.0 (Fixtures/store-v0.6.0), opened by this
/// version: its runs' command lines become typed configurations once, and
/// every run still lists, shows, reports and resumes to the same figures.
@Suite struct StoreMigrationTests {
    static let fixture = Locations.fixtures.appendingPathComponent("store-v0.6.0")
    static let search = "r16o0nv", compare = "rkvue4l", failed = "rtd03ut"

    /// A copy of the fixture folder (store, model and data, with the
    /// relative paths its runs were made with).
    func copy(into folder: URL) throws -> URL {
        let copy = folder.appendingPathComponent("store-v0.6.0")
        try FileManager.default.copyItem(at: Self.fixture, to: copy)
        return copy
    }

    func fixtureOutcome(_ name: String) throws -> String {
        try String(contentsOf: Self.fixture.appendingPathComponent(name), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func openingConvertsEveryRunsCommandLineToATypedConfigurationOnce() throws {
        try withTemporaryDirectory { folder in
            let path = try copy(into: folder).appendingPathComponent("runs/results.sqlite").path
            let store = try ResultsStore(path: path, create: false)
            let search = try RunConfiguration(json: try store.run(Self.search).configuration, run: Self.search)
            #expect(search.command == .search && search.search == SearchSettings(strategy: "top-k", metric: "gradient-norm", k: 2))
            #expect(search.task == TaskSpecification(model: "model", data: .textFiles(.init(train: "train.csv", validation: "validation.csv",
                                                                                             test: "test.csv"))))
            #expect(search.budget == TrainingBudget(steps: 20, learningRate: 0.01) && search.probe == ProbeSettings(size: 12))
            #expect(search.taskIdentity == .unrecorded, "0.6.0 recorded no digest; none is invented")
            let compare = try RunConfiguration(json: try store.run(Self.compare).configuration, run: Self.compare)
            #expect(compare.compare == CompareSettings(metrics: ["gradient-norm", "snip"], probeSeeds: 2, topK: 3))
            #expect(compare.space == SearchSpace() && compare.execution == ExecutionSettings())
            let failed = try RunConfiguration(json: try store.run(Self.failed).configuration, run: Self.failed)
            #expect(failed.search?.strategy == "no-such-strategy")
            // Opening again changes nothing.
            let before = try store.runs().map(\.configuration)
            try store.close()
            #expect(try ResultsStore(path: path, create: false).runs().map(\.configuration) == before)
        }
    }

    @Test func migratedRunsListShowAndReport() throws {
        try withTemporaryDirectory { folder in
            let copy = try copy(into: folder)
            let list = try runAdapterSearch(["runs", "list"], directory: copy)
            #expect(list.status == 0, "\(list.stderr)")
            for run in [Self.search, Self.compare, Self.failed] { #expect(list.stdout.contains(run)) }
            let show = try runAdapterSearch(["runs", "show", Self.compare, "--json"], directory: copy)
            #expect(show.status == 0, "\(show.stderr)")
            let shown = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
            let configuration = try #require(shown?["configuration"] as? [String: Any])
            #expect(configuration["format"] as? Int == 1 && configuration["command"] as? String == "compare")
            let report = try runAdapterSearch(["report", Self.compare, "--out", "report"], directory: copy)
            #expect(report.status == 0, "\(report.stderr)")
            let html = try String(contentsOf: copy.appendingPathComponent("report/report.html"), encoding: .utf8)
            #expect(html.contains("gradient-norm") && html.contains("3&gt;4:r8,4&gt;4:r8"), "the search run on the same task is shown")
        }
    }

    /// The interrupted 0.6.0 compare run resumes: it trains only the 5
    /// edges it lacked and its statistics are those 0.6.0 computed, to the
    /// bit; a fresh compare with the same options computes them too.
    @Test func theMigratedCompareRunResumesToTheFiguresOfVersion060() throws {
        try withTemporaryDirectory { folder in
            let copy = try copy(into: folder)
            let resumed = try runAdapterSearch(["compare", "--resume", Self.compare, "--json"], directory: copy)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            // The figures of 0.6.0 to the bit; the resolution diagnostics (and d) are what this version adds.
            #expect(try Self.withoutResolution(resumed.stdout) == (try fixtureOutcome("compare-outcome.json")))
            #expect(try JSONDecoder().decode(Comparison.self, from: Data(resumed.stdout.utf8)).metrics.allSatisfy { $0.resolution != nil })
            #expect(resumed.stderr.contains("truth: 25 single edges (5 newly trained, 20 from the run's store"), "\(resumed.stderr)")

            let fresh = try runAdapterSearch(["compare", "--metric", "gradient-norm", "--metric", "snip", "--probe-seeds", "2",
                                              "--top-k", "3", "--model", "model", "--train-file", "train.csv",
                                              "--validation-file", "validation.csv", "--test-file", "test.csv", "--probe-size", "12",
                                              "--steps", "20", "--learning-rate", "0.01", "--store", "fresh.sqlite", "--json"],
                                             directory: copy)
            #expect(fresh.status == 0, "\(fresh.stderr)")
            var comparison = try JSONDecoder().decode(Comparison.self, from: Data(fresh.stdout.utf8))
            #expect(comparison.run != Self.compare)
            comparison.run = Self.compare
            #expect(try Self.withoutResolution(try jsonText(comparison)) == (try fixtureOutcome("compare-outcome.json")))
        }
    }

    /// A comparison's JSON without what 0.6.0 did not compute: each
    /// metric's resolution and the width d.
    static func withoutResolution(_ json: String) throws -> String {
        var comparison = try JSONDecoder().decode(Comparison.self, from: Data(json.utf8))
        comparison.width = nil
        for index in comparison.metrics.indices { comparison.metrics[index].resolution = nil }
        return try jsonText(comparison)
    }

    @Test func theFinishedSearchRunPrintsItsStoredOutcome() throws {
        try withTemporaryDirectory { folder in
            let copy = try copy(into: folder)
            let resumed = try runAdapterSearch(["search", "--resume", Self.search, "--json"], directory: copy)
            #expect(resumed.status == 0 && resumed.stderr.contains("has finished"), "\(resumed.stderr)")
            #expect(resumed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == (try fixtureOutcome("search-outcome.json")))
        }
    }
}
