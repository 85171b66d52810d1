import Foundation
@testable import Host
import Testing

/// An evaluation is identified by what determines it, so a later run on the
/// same task reuses it instead of training again.
@Suite struct EvaluationCacheTests {
    @Test func aSecondRunOnTheSameTaskTrainsNothingAgain() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            let store = folder.appendingPathComponent("results.sqlite").path
            let task = ["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2],
                        "--store", store, "--probe-size", "8", "--steps", "10", "--kinds", "parallel,long-range"]
            let first = try runAdapterSearch(["compare", "--metric", "gradient-norm", "--probe-seeds", "1", "--json"] + task)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("trained ") }.count == 10)

            // Another run (another probe seed, so another run) on the same task: every single edge from the cache.
            let second = try runAdapterSearch(["compare", "--metric", "snip", "--probe-seeds", "2", "--json"] + task)
            #expect(second.status == 0 && !second.stderr.contains("trained "), "\(second.stderr)")
            let results = try ResultsStore(path: store, create: false)
            let runs = try results.runs()  // newest first
            let reused = try results.evaluations(run: runs[0].id), original = try results.evaluations(run: runs[1].id)
            #expect(reused.count == 10 && reused.allSatisfy { $0.cachedFrom == runs[1].id })
            #expect(reused.map(\.validationAccuracy) == original.map(\.validationAccuracy) && reused.map(\.cacheKey) == original.map(\.cacheKey))

            // A search's evaluations come from the cache too; --no-cache trains them again, to the same figures.
            let search = try runAdapterSearch(["search", "--strategy", "exhaustive", "--k", "1", "--json"] + task)
            #expect(search.status == 0 && search.stderr.contains("evaluations: 0 trained now, 0 answered from the run's store, 10 reused"),
                    "\(search.stderr)")
            let fresh = try runAdapterSearch(["compare", "--metric", "snip", "--probe-seeds", "1", "--no-cache", "--json"] + task)
            #expect(fresh.status == 0 && fresh.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("trained ") }.count == 10)
            let retrained = try results.evaluations(run: try results.runs()[0].id)
            #expect(retrained.map(\.validationAccuracy) == original.map(\.validationAccuracy) && retrained.allSatisfy { $0.cachedFrom == nil })

            // Another task (one changed training example) shares nothing.
            try (try String(contentsOfFile: data[0], encoding: .utf8) + "\nthe red dog runs,land").write(toFile: data[0], atomically: true,
                                                                                                     encoding: .utf8)
            let other = try runAdapterSearch(["compare", "--metric", "snip", "--probe-seeds", "1", "--json"] + task)
            #expect(other.status == 0 && other.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("trained ") }.count == 10)
        }
    }
}
