import Foundation
import GRDB
@testable import Host
import Synchronization
import Testing

/// The results store on real SQLite files in a temporary folder.
@Suite struct ResultsStoreTests {
    /// A store at `<folder>/runs/results.sqlite` (the folder is created).
    func store(in folder: URL) throws -> ResultsStore {
        try ResultsStore(path: folder.appendingPathComponent("runs/results.sqlite").path)
    }

    /// A run with a default configuration.
    func makeRun(_ store: ResultsStore, seed: UInt64 = 7) throws -> RunRecord {
        try store.createRun(command: "adapter-search search --strategy gga", configuration: #"{"strategy":"gga","k":2}"#,
                            versions: #"{"host":"0.1"}"#, seed: seed)
    }

    /// An evaluation of `placement` in `run`.
    func evaluation(_ run: String, _ placement: String, budget: String = "steps=300", accuracy: Double = 0.5) -> EvaluationRecord {
        EvaluationRecord(run: run, placement: placement, budget: budget, validationAccuracy: accuracy, validationLoss: 1.25,
                         testAccuracy: 0.375, parameters: 6_170, seconds: 2.5)
    }

    @Test func defaultPathIsTheEnvironmentVariableElseRunsResults() {
        #expect(ResultsStore.defaultPath(environment: [:]) == "runs/results.sqlite")
        #expect(ResultsStore.defaultPath(environment: ["ADAPTER_SEARCH_STORE": ""]) == "runs/results.sqlite")
        #expect(ResultsStore.defaultPath(environment: ["ADAPTER_SEARCH_STORE": "/x/y.sqlite"]) == "/x/y.sqlite")
    }

    @Test func runsRoundTripNewestFirstWithStatusAndOutcome() throws {
        try withTemporaryDirectory { folder in
            let store = try store(in: folder)
            let first = try makeRun(store, seed: .max)
            let second = try makeRun(store, seed: 0)
            #expect(first.id.count == 7 && first.id.hasPrefix("r") && first.id != second.id)
            #expect(try store.run(first.id) == first)
            #expect(first.seed == .max, "a UInt64 seed above Int64.max survives")
            #expect(first.status == .running && first.outcome == nil)
            #expect(try store.runs().map(\.id) == [second.id, first.id])

            try store.setStatus(run: first.id, .finished, outcome: #"{"placement":"3>4:r8"}"#)
            var expected = first
            expected.status = .finished
            expected.outcome = #"{"placement":"3>4:r8"}"#
            expected.owner = nil  // an ended run is released by its process
            let finished = try store.run(first.id)
            expected.heartbeatAt = finished.heartbeatAt
            #expect(finished == expected && first.owner == .current)
            try store.setStatus(run: first.id, .interrupted)
            #expect(try store.run(first.id).outcome == nil)

            #expect(throws: StoreError.self) { try store.setStatus(run: first.id, .failed, outcome: "not json") }
            #expect(throws: StoreError.self) {
                try store.createRun(command: "x", configuration: "{", versions: "{}", seed: 0)
            }
        }
    }

    @Test func probesScoresStatesAndArtefactsRoundTrip() throws {
        try withTemporaryDirectory { folder in
            let store = try store(in: folder)
            let run = try makeRun(store).id
            let probe = try store.addProbe(run: run, seed: 3, examples: 32, head: "random", loss: 3.25, seconds: 0.5)
            let other = try store.addProbe(run: run, seed: 4, examples: 64, head: "linear-probe", loss: .nan, seconds: 1)
            let probes = try store.probes(run: run)
            #expect(probes.map(\.id) == [probe, other])
            #expect(probes[0].seed == 3 && probes[0].examples == 32 && probes[0].head == "random" && probes[0].loss == 3.25
                    && probes[0].seconds == 0.5 && probes[0].run == run)
            #expect(probes[1].loss.isNaN, "a NaN loss reads back as NaN")

            // Given out of order, read back source-major; NaN and infinities kept.
            let given: [EdgeScore] = [(2, 0, -1.5), (0, 0, 3), (0, 2, .infinity), (1, 1, .nan)]
            try store.saveScores(run: run, probe: probe, metric: "gradient-rank", direction: 1, scores: given)
            let read = try #require(try store.scores(run: run, probe: probe, metric: "gradient-rank"))
            #expect(read.map { [$0.source, $0.target] } == [[0, 0], [0, 2], [1, 1], [2, 0]])
            #expect(read[0].value == 3 && read[1].value == .infinity && read[2].value.isNaN && read[3].value == -1.5)
            #expect(try store.scores(run: run, probe: probe, metric: "snip") == nil)
            #expect(try store.scores(run: run, probe: other, metric: "gradient-rank") == nil)
            try store.saveScores(run: run, probe: other, metric: "gradient-rank", direction: -1, scores: [])
            #expect(try store.scores(run: run, probe: other, metric: "gradient-rank")?.isEmpty == true)
            #expect(try store.scoreSets(run: run) == [ScoreSetRecord(probe: probe, metric: "gradient-rank", direction: 1, count: 4),
                                                       ScoreSetRecord(probe: other, metric: "gradient-rank", direction: -1, count: 0)])

            #expect(try store.state(run: run, plugin: "gga") == nil)
            try store.saveState(run: run, plugin: "gga", state: [1, 2, 3, 0, 255])
            #expect(try store.state(run: run, plugin: "gga") == [1, 2, 3, 0, 255])
            try store.saveState(run: run, plugin: "gga", state: [9])
            #expect(try store.state(run: run, plugin: "gga") == [9], "a later state replaces the earlier")
            try store.saveState(run: run, plugin: "random", state: [])
            #expect(try store.state(run: run, plugin: "random") == [], "an empty state is not a missing one")

            let checkpoints = try store.checkpoints(run: run)
            try checkpoints.save(plugin: "top-k", state: Array("k=2".utf8))
            #expect(try checkpoints.load(plugin: "top-k") == Array("k=2".utf8))
            #expect(try checkpoints.load(plugin: "gga") == [9])
            let otherRun = try makeRun(store).id
            #expect(try StoreCheckpoints(store: store, run: otherRun).load(plugin: "gga") == nil, "state belongs to one run")

            try store.addArtefact(run: run, name: "adapters", path: "out/adapters.safetensors")
            try store.addArtefact(run: run, name: "placement", path: "out/placement.json")
            try store.addArtefact(run: run, name: "adapters", path: "out2/adapters.safetensors")
            let artefacts = try store.artefacts(run: run)
            #expect(artefacts.map(\.name) == ["adapters", "placement"])
            #expect(artefacts.map(\.path) == ["out2/adapters.safetensors", "out/placement.json"])
        }
    }

    @Test func evaluationsRoundTripInInsertionOrder() throws {
        try withTemporaryDirectory { folder in
            let store = try store(in: folder)
            let run = try makeRun(store).id
            let created = Date(timeIntervalSince1970: 1_700_000_000.25)
            let records = [
                EvaluationRecord(run: run, placement: "3>4:r8,12>0:r8", budget: "steps=300", validationAccuracy: 0.8125,
                                 validationLoss: 0.5, testAccuracy: 0.75, parameters: 1_234, seconds: 12.5, createdAt: created),
                EvaluationRecord(run: run, placement: "none", budget: "steps=300", validationAccuracy: 0.25,
                                 validationLoss: 2, testAccuracy: nil, parameters: 26, seconds: 1, createdAt: created),
                EvaluationRecord(run: run, placement: "3>4:r8,12>0:r8", budget: "steps=30", validationAccuracy: 0.5,
                                 validationLoss: 1, parameters: 1_234, seconds: 1.5, createdAt: created),
            ]
            #expect(try store.evaluation(run: run, placement: "none", budget: "steps=300") == nil)
            for record in records { try store.saveEvaluation(record) }
            #expect(try store.evaluations(run: run) == records)
            #expect(try store.evaluation(run: run, placement: "none", budget: "steps=300") == records[1])
            #expect(try store.evaluation(run: run, placement: "none", budget: "steps=30") == nil)
            #expect(records.map(\.edgeCount) == [2, 0, 2])

            var diverged = evaluation(run, "0>0:r8")
            diverged.validationLoss = .nan
            try store.saveEvaluation(diverged)
            #expect(try store.evaluation(run: run, placement: "0>0:r8", budget: "steps=300")?.validationLoss.isNaN == true)
        }
    }

    @Test func aSecondEvaluationOfThePlacementAndBudgetIsRefused() throws {
        try withTemporaryDirectory { folder in
            let store = try store(in: folder)
            let run = try makeRun(store).id
            try store.saveEvaluation(evaluation(run, "3>4:r8", accuracy: 0.5))
            #expect(throws: StoreError.duplicateEvaluation(run: run, placement: "3>4:r8", budget: "steps=300", path: store.path)) {
                try store.saveEvaluation(evaluation(run, "3>4:r8", accuracy: 0.9))
            }
            #expect(try store.evaluations(run: run).map(\.validationAccuracy) == [0.5], "the first result stays")
            // Another budget, or another run, is another evaluation.
            try store.saveEvaluation(evaluation(run, "3>4:r8", budget: "steps=30"))
            try store.saveEvaluation(evaluation(try makeRun(store).id, "3>4:r8"))

            let probe = try store.addProbe(run: run, seed: 0, examples: 8, head: "random", loss: 1, seconds: 0)
            try store.saveScores(run: run, probe: probe, metric: "snip", direction: 1, scores: [(0, 1, 2)])
            #expect(throws: StoreError.duplicateScores(run: run, probe: probe, metric: "snip", path: store.path)) {
                try store.saveScores(run: run, probe: probe, metric: "snip", direction: 1, scores: [(0, 1, 3)])
            }
            #expect(throws: StoreError.self) {
                try store.saveScores(run: run, probe: probe, metric: "fisher", direction: 1, scores: [(0, 1, 2), (0, 1, 3)])
            }
            #expect(try store.scores(run: run, probe: probe, metric: "fisher") == nil, "a refused save leaves nothing")
        }
    }

    @Test func theChosenPlacementsTestAccuracyIsAddedOnce() throws {
        try withTemporaryDirectory { folder in
            let store = try store(in: folder)
            let run = try makeRun(store).id
            var untested = evaluation(run, "3>4:r8", accuracy: 0.5)
            untested.testAccuracy = nil
            try store.saveEvaluation(untested)
            try store.saveTestAccuracy(0.625, run: run, placement: "3>4:r8", budget: "steps=300")
            let saved = try store.evaluations(run: run)
            #expect(saved.map(\.validationAccuracy) == [0.5] && saved.map(\.testAccuracy) == [0.625])
            #expect(throws: StoreError.self) { try store.saveTestAccuracy(0.75, run: run, placement: "3>4:r8", budget: "steps=300") }
            #expect(throws: StoreError.self) { try store.saveTestAccuracy(0.75, run: run, placement: "1>2:r8", budget: "steps=300") }
            #expect(try store.evaluations(run: run).map(\.testAccuracy) == [0.625], "the first test accuracy stays")
        }
    }

    @Test func anUnknownRunOrProbeIsAClearError() throws {
        try withTemporaryDirectory { folder in
            let store = try store(in: folder)
            let run = try makeRun(store).id
            let unknown = StoreError.unknownRun(id: "rnope00", path: store.path)
            #expect(throws: unknown) { try store.run("rnope00") }
            #expect(throws: unknown) { try store.evaluations(run: "rnope00") }
            #expect(throws: unknown) { try store.saveEvaluation(evaluation("rnope00", "none")) }
            #expect(throws: unknown) { try store.setStatus(run: "rnope00", .failed) }
            #expect(throws: unknown) { try store.addProbe(run: "rnope00", seed: 0, examples: 1, head: "random", loss: 0, seconds: 0) }
            #expect(throws: unknown) { try store.saveState(run: "rnope00", plugin: "gga", state: []) }
            #expect(throws: unknown) { try store.checkpoints(run: "rnope00") }
            #expect(unknown.description.contains("rnope00") && unknown.description.contains(store.path)
                    && unknown.description.contains("adapter-search runs list"))
            // A probe of another run is not this run's.
            let otherProbe = try store.addProbe(run: try makeRun(store).id, seed: 0, examples: 1, head: "random", loss: 0, seconds: 0)
            #expect(throws: StoreError.unknownProbe(run: run, probe: otherProbe, path: store.path)) {
                try store.saveScores(run: run, probe: otherProbe, metric: "snip", direction: 1, scores: [])
            }
        }
    }

    @Test func aSecondInstanceAndAReopenSeeEveryCommittedRow() throws {
        try withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("runs/results.sqlite").path
            let writer = try ResultsStore(path: path)
            let run = try makeRun(writer).id
            let probe = try writer.addProbe(run: run, seed: 1, examples: 4, head: "random", loss: 2, seconds: 0.1)
            try writer.saveScores(run: run, probe: probe, metric: "gradient-norm", direction: 1, scores: [(0, 0, 1), (0, 1, 2)])
            for index in 0..<10 { try writer.saveEvaluation(evaluation(run, "\(index)>\(index):r8")) }
            try writer.saveState(run: run, plugin: "gga", state: [4, 2])
            try writer.addArtefact(run: run, name: "log", path: "runs/log.txt")

            // The writer is still open: a second connection sees every row.
            let reader = try ResultsStore(path: path, create: false)
            #expect(try reader.runs() == writer.runs())
            #expect(try reader.probes(run: run) == writer.probes(run: run))
            #expect(try reader.scores(run: run, probe: probe, metric: "gradient-norm")?.map(\.value) == [1, 2])
            #expect(try reader.evaluations(run: run) == writer.evaluations(run: run))
            #expect(try reader.evaluations(run: run).count == 10)
            #expect(try reader.state(run: run, plugin: "gga") == [4, 2])
            #expect(try reader.artefacts(run: run).map(\.path) == ["runs/log.txt"])

            // What a killed writer leaves on disk (the file and its WAL, as
            // they are right now) opens elsewhere with every row.
            let copy = folder.appendingPathComponent("copy")
            try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
                try FileManager.default.copyItem(atPath: path + suffix, toPath: copy.appendingPathComponent("results.sqlite" + suffix).path)
            }
            let recovered = try ResultsStore(path: copy.appendingPathComponent("results.sqlite").path, create: false)
            #expect(try recovered.evaluations(run: run) == writer.evaluations(run: run))

            // Closed and reopened.
            try writer.close()
            try reader.close()
            let reopened = try ResultsStore(path: path)
            #expect(try reopened.evaluations(run: run).count == 10)
            #expect(try reopened.run(run).configuration == #"{"strategy":"gga","k":2}"#)
        }
    }

    @Test func manyThreadsSavingAtOnceAllLand() throws {
        try withTemporaryDirectory { folder in
            let store = try store(in: folder)
            let run = try makeRun(store).id
            let threads = 8, each = 25
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                for index in 0..<each {
                    do {
                        try store.saveEvaluation(evaluation(run, "\(thread)>\(index):r8", accuracy: Double(index) / 32))
                        _ = try store.evaluations(run: run)
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
            #expect(failures.withLock { $0 } == [])
            let placements = try store.evaluations(run: run).map(\.placement)
            #expect(placements.count == threads * each && Set(placements).count == threads * each)

            // The same placement from every thread at once: exactly one lands.
            let outcomes = Mutex<[Bool]>([])
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                let saved = (try? store.saveEvaluation(evaluation(run, "0>12:r4"))) != nil
                outcomes.withLock { $0.append(saved) }
            }
            #expect(outcomes.withLock { $0.filter { $0 }.count } == 1)
            #expect(try store.evaluations(run: run).count == threads * each + 1)
        }
    }

    @Test func aFileThatIsNotAResultsStoreIsRefusedByName() throws {
        try withTemporaryDirectory { folder in
            let text = folder.appendingPathComponent("notes.sqlite").path
            try "placement,val_acc\n3>4,0.5\n".write(toFile: text, atomically: true, encoding: .utf8)
            #expect(throws: StoreError.notAResultsStore(path: text, reason: "not an SQLite database")) {
                try ResultsStore(path: text)
            }
            #expect(try String(contentsOfFile: text, encoding: .utf8) == "placement,val_acc\n3>4,0.5\n", "left untouched")

            // Another program's SQLite database: other tables, or its own application id.
            let foreign = folder.appendingPathComponent("foreign.sqlite").path
            try DatabaseQueue(path: foreign).write { try $0.execute(sql: "CREATE TABLE notes (body TEXT)") }
            #expect(throws: StoreError.notAResultsStore(path: foreign, reason: "an SQLite database with other tables")) {
                try ResultsStore(path: foreign)
            }
            let other = folder.appendingPathComponent("other.sqlite").path
            try DatabaseQueue(path: other).write { try $0.execute(sql: "PRAGMA application_id = 42") }
            #expect(throws: StoreError.notAResultsStore(path: other, reason: "another program's SQLite database, application id 42")) {
                try ResultsStore(path: other)
            }

            // A store whose pages were overwritten.
            let corrupt = folder.appendingPathComponent("corrupt.sqlite").path
            let store = try ResultsStore(path: corrupt)
            let run = try makeRun(store).id
            for index in 0..<300 { try store.saveEvaluation(evaluation(run, "\(index)>0:r8")) }
            try store.close()
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: corrupt)))
            #expect(bytes.count > 16_384)
            for index in 4_096..<bytes.count where index % 7 != 0 { bytes[index] = UInt8(truncatingIfNeeded: index * 31) }
            try Data(bytes).write(to: URL(fileURLWithPath: corrupt))
            do throws(StoreError) {
                _ = try ResultsStore(path: corrupt)
                Issue.record("a corrupt store opened")
            } catch {
                guard case let .notAResultsStore(path, reason) = error else { Issue.record("\(error)"); return }
                #expect(path == corrupt && reason.hasPrefix("corrupt"))
                #expect(error.description.contains(corrupt))
            }

            // A folder, and a missing store when only reading.
            #expect(throws: StoreError.cannotOpen(path: folder.path, reason: "it is a folder")) { try ResultsStore(path: folder.path) }
            let missing = folder.appendingPathComponent("missing.sqlite").path
            #expect(throws: StoreError.noStore(path: missing)) { try ResultsStore(path: missing, create: false) }
            #expect(!FileManager.default.fileExists(atPath: missing))
        }
    }

    @Test func aStoreFromANewerVersionIsRefused() throws {
        try withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("results.sqlite").path
            try ResultsStore(path: path).close()
            try DatabaseQueue(path: path).write {
                try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')")
            }
            #expect(throws: StoreError.newerStore(path: path, unknownMigrations: ["v99"])) { try ResultsStore(path: path) }
        }
    }
}
