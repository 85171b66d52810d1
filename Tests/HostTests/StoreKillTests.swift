import Foundation
@testable import Host
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A writer killed with SIGKILL while it saves evaluations loses none it
/// had saved, and leaves a store that opens (PLUGIN_ABI.md rule 12).
///
/// The writer is this test bundle run again as a child process, running only
/// `writerChild`, which does nothing unless `childVariable` names a store.
@Suite struct StoreKillTests {
    /// Set in the child's environment to the store it writes.
    static let childVariable = "ADAPTER_SEARCH_TEST_KILL_STORE"

    /// In the child: creates a run and saves evaluations as fast as it can,
    /// reporting each one on standard output after `saveEvaluation`
    /// returned, until it is killed.
    @Test func writerChild() throws {
        guard let path = ProcessInfo.processInfo.environment[Self.childVariable] else { return }
        let store = try ResultsStore(path: path)
        let run = try store.createRun(command: "kill test", configuration: "{}", versions: "{}", seed: 0).id
        for index in 0..<1_000_000 {
            try store.saveEvaluation(EvaluationRecord(run: run, placement: "\(index)>0:r8", budget: "steps=1",
                                                      validationAccuracy: 0.5, validationLoss: 1, parameters: index, seconds: 0))
            FileHandle.standardOutput.write(Data("saved \(run) \(index)\n".utf8))
        }
    }

    @Test func aWriterKilledMidSaveLosesNothingItSaved() throws {
        try withTemporaryDirectory { folder in
            let store = folder.appendingPathComponent("runs/results.sqlite").path
            let output = folder.appendingPathComponent("child.out")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let handle = try FileHandle(forWritingTo: output)
            let child = Process()
            child.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            child.arguments = ["--testing-library", "swift-testing", "--filter", "writerChild"]
            child.environment = ProcessInfo.processInfo.environment.merging([Self.childVariable: store]) { _, new in new }
            child.standardOutput = handle
            child.standardError = FileHandle.nullDevice
            try child.run()

            // Wait until it has saved 200, then kill it mid-stream.
            var reported: [String] = []
            let deadline = Date().addingTimeInterval(120)
            while reported.count < 200 && Date() < deadline && child.isRunning {
                Thread.sleep(forTimeInterval: 0.01)
                reported = (try String(contentsOf: output, encoding: .utf8)).split(separator: "\n")
                    .filter { $0.hasPrefix("saved ") }.map(String.init)
            }
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            try handle.close()
            #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL)
            reported = (try String(contentsOf: output, encoding: .utf8)).split(separator: "\n")
                .filter { $0.hasPrefix("saved ") }.map(String.init)
            try #require(reported.count >= 200, "the child saved \(reported.count) evaluations in 120 s")

            let run = String(reported[0].split(separator: " ")[1])
            let reopened = try ResultsStore(path: store, create: false)
            let saved = try reopened.evaluations(run: run).map(\.placement)
            let expected = reported.map { "\($0.split(separator: " ")[2])>0:r8" }
            #expect(Array(saved.prefix(expected.count)) == expected, "every evaluation reported saved is there, in order")
            #expect(saved.count <= expected.count + 1, "at most the one being saved when killed is there unreported")
            // The store still takes writes: the next evaluation lands, a repeat is refused.
            try reopened.saveEvaluation(EvaluationRecord(run: run, placement: "none", budget: "steps=1", validationAccuracy: 0,
                                                         validationLoss: 0, parameters: 0, seconds: 0))
            #expect(throws: StoreError.self) {
                try reopened.saveEvaluation(EvaluationRecord(run: run, placement: expected[0], budget: "steps=1",
                                                             validationAccuracy: 0, validationLoss: 0, parameters: 0, seconds: 0))
            }
        }
    }
}
