import Foundation
@testable import Host
import Testing

/// A store damaged on disk is never read as if it were fine: every row
/// carries a checksum verified on read, a truncated file is refused, and
/// `runs check` names each damaged run and row.
@Suite struct StoreDamageTests {
    /// A closed store (its log folded into the file) with one run holding
    /// an evaluation of validation accuracy 0.8125, and the run's id.
    func store(at path: String) throws -> String {
        let store = try ResultsStore(path: path)
        let run = try store.createRun(command: "adapter-search search", configuration: "{}", versions: "{}", seed: 0).id
        try store.saveEvaluation(EvaluationRecord(run: run, placement: "1>2:r8", budget: "steps=1", validationAccuracy: 0.8125,
                                                  validationLoss: 0.5, parameters: 10, seconds: 1))
        let probe = try store.addProbe(run: run, seed: 0, examples: 4, head: "random", loss: 1, seconds: 0)
        try store.saveScores(run: run, probe: probe, metric: "m", direction: 1, scores: [(0, 0, 1.5), (0, 1, 2.5)])
        try store.close()
        return run
    }

    /// Overwrites the 8 bytes of the big-endian double `old` in the file with `new`.
    func replace(_ old: Double, with new: Double, in path: String) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let pattern = withUnsafeBytes(of: old.bitPattern.bigEndian) { Data($0) }
        let range = try #require(bytes.range(of: pattern), "the value is in the file")
        bytes.replaceSubrange(range, with: withUnsafeBytes(of: new.bitPattern.bigEndian) { Data($0) })
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    @Test func changedDigitsInAPageAreReportedNeverShown() throws {
        try withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("results.sqlite").path
            let run = try store(at: path)
            #expect(try runAdapterSearch(["runs", "check", "--store", path]).status == 0)
            try replace(0.8125, with: 0.9125, in: path)
            for command in [["runs", "list"], ["runs", "show", run], ["runs", "export", run, "--csv"]] {
                let result = try runAdapterSearch(command + ["--store", path])
                #expect(result.status == 1 && !result.stdout.contains("0.9125"), "\(command): \(result.stdout)")
                #expect(result.stderr.contains("damaged in run \(run)") && result.stderr.contains("runs check"), "\(result.stderr)")
            }
            let check = try runAdapterSearch(["runs", "check", "--store", path])
            #expect(check.status == 1 && check.stdout.contains("run \(run): evaluations row (id 1) does not match its checksum"),
                    "\(check.stdout)")

            // A score changed in place is caught the same way.
            let other = folder.appendingPathComponent("scores.sqlite").path
            let second = try store(at: other)
            try replace(2.5, with: 3.5, in: other)
            let scores = try runAdapterSearch(["runs", "export", second, "--csv", "--scores", "--store", other])
            #expect(scores.status == 1 && scores.stderr.contains("scores row"), "\(scores.stderr)")
        }
    }

    @Test func aTruncatedStoreIsRefused() throws {
        try withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("results.sqlite").path
            _ = try store(at: path)
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            try handle.truncate(atOffset: try handle.seekToEnd() - 1)
            try handle.close()
            for command in [["runs", "list"], ["runs", "check"]] {
                let result = try runAdapterSearch(command + ["--store", path])
                #expect(result.status == 1 && result.stderr.contains("it was truncated"), "\(result.stderr)")
            }
        }
    }

    @Test func aStorePathEndingInASlashIsAnErrorNotAFileNamedAfterTheFolder() throws {
        try withTemporaryDirectory { folder in
            let result = try runAdapterSearch(["runs", "list", "--store", folder.path + "/new/"])
            #expect(result.status == 1 && result.stderr.contains("ends with '/'"), "\(result.stderr)")
            #expect(throws: StoreError.self) { try ResultsStore(path: folder.path + "/new/") }
            #expect(!FileManager.default.fileExists(atPath: folder.path + "/new"))
        }
    }
}

/// Several processes opening the same new store at once all succeed: one
/// applies each migration, the others go on from it.
@Suite struct StoreConcurrentOpeningTests {
    @Test func manyProcessesOpeningANewStoreAllSucceed() throws {
        try withTemporaryDirectory { folder in
            for attempt in 0..<3 {
                let store = folder.appendingPathComponent("new-\(attempt).sqlite").path
                // Each opens (creating and migrating) the store, then stops at the missing model.
                let processes = try (0..<6).map { _ -> (Process, URL) in
                    let process = Process(), errors = folder.appendingPathComponent("err-\(UUID().uuidString)")
                    _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
                    process.executableURL = Locations.executable
                    process.arguments = ["search", "--store", store, "--model", folder.appendingPathComponent("no-model").path]
                    process.standardOutput = FileHandle.nullDevice
                    process.standardError = try FileHandle(forWritingTo: errors)
                    try process.run()
                    return (process, errors)
                }
                for (process, errors) in processes {
                    process.waitUntilExit()
                    let said = try String(contentsOf: errors, encoding: .utf8)
                    #expect(said.contains("no-model") && !said.contains("results store"), "\(said)")
                }
                #expect(try ResultsStore(path: store, create: false).runs().isEmpty)
            }
        }
    }
}
