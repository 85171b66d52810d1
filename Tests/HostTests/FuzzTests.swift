import Core
import Foundation
@testable import Host
import Testing

/// Seeded fuzzing of every parser of outside input: each target reads its
/// committed seed corpus (Fixtures/fuzz-corpus/TARGET), replays every seed,
/// then feeds the parser mutated inputs. A parser may accept an input or
/// refuse it with an error; a crash, a trap or a hang fails the run (the
/// input being tried is always in $TMPDIR/adapter-search-fuzz/TARGET.input,
/// to replay). `ADAPTER_SEARCH_FUZZ_INPUTS` sets the inputs per target.
@Suite(.serialized) struct FuzzTests {
    static let corpus = Locations.fixtures.appendingPathComponent("fuzz-corpus")
    static let inputs = Int(ProcessInfo.processInfo.environment["ADAPTER_SEARCH_FUZZ_INPUTS"] ?? "") ?? 1500

    /// Runs `read` on every seed of `target` and on `count` mutations of them,
    /// each written to a file named like `file`; returns (accepted, refused).
    @discardableResult
    static func fuzz(_ target: String, file name: String, count: Int = inputs, seeds extra: [[UInt8]] = [],
                     _ read: (String) throws -> Void) throws -> (accepted: Int, refused: Int) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-search-fuzz")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let seedFolder = corpus.appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: seedFolder.path)) ?? []
        let seeds = try names.sorted().map { name in
            [UInt8](try Data(contentsOf: seedFolder.appendingPathComponent(name)))
        } + extra
        let path = folder.appendingPathComponent("\(target)-\(name)").path
        var mutator = Mutator(seeds: seeds, seed: 20261130)
        var accepted = 0, refused = 0
        for index in 0..<(seeds.count + count) {
            let input = index < seeds.count ? seeds[index] : mutator.next()
            try Data(input).write(to: URL(fileURLWithPath: folder.appendingPathComponent("\(target).input").path))
            for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
            try Data(input).write(to: URL(fileURLWithPath: path))
            do {
                try read(path)
                accepted += 1
            } catch {
                refused += 1
            }
        }
        print("fuzz \(target): \(seeds.count + count) inputs, \(accepted) accepted, \(refused) refused with an error, 0 crashes")
        return (accepted, refused)
    }

    @Test func safetensors() throws {
        try Self.fuzz("safetensors", file: "model.safetensors") { path in
            let file = try SafeTensorsFile(contentsOf: path)
            for name in file.names { _ = try file.floats(name) }
        }
    }

    /// config.json, then the checkpoint it describes (the tiny BERT's weights).
    @Test func config() throws {
        let model = Locations.fixtures.appendingPathComponent("store-v0.6.0/model")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-search-fuzz/config-model")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: model.appendingPathComponent("model.safetensors"), to: folder.appendingPathComponent("model.safetensors"))
        try Self.fuzz("config", file: "config.json") { path in
            try? FileManager.default.removeItem(atPath: folder.path + "/config.json")
            try FileManager.default.copyItem(atPath: path, toPath: folder.path + "/config.json")
            _ = try BackboneConfig(contentsOf: path)
            _ = try Backbone<Float>.load(directory: folder.path)
        }
    }

    @Test func vocabulary() throws {
        try Self.fuzz("vocabulary", file: "vocab.txt") { path in
            let tokenizer = try WordPieceTokenizer(vocabularyFile: path)
            for text in ["the red cat runs", "Ünïcödé ## [CLS] text", "", String(repeating: "a", count: 120)] {
                _ = tokenizer.encode(text, maxLength: 16)
            }
        }
    }

    @Test func placement() throws {
        try Self.fuzz("placement", file: "placement.txt") { path in
            let text = try String(contentsOfFile: path, encoding: .utf8)
            _ = try Placement(parsing: text, nodeCount: 13)
            _ = try? AdapterOptions(parsing: text)
        }
    }

    @Test(arguments: ["csv", "tsv", "jsonl"])
    func labelledText(_ format: String) throws {
        try Self.fuzz(format, file: "data.\(format)") { path in
            let rows = try LabelledTextFile.rows(path: path)
            let train = TextDataset(rows: rows)
            try train.requireSeveralClasses(file: path)
            _ = try train.encoding(rows, file: path)
        }
    }

    /// An IDX file, read alone, as the labels of two 3 x 3 images, and as images with two labels.
    @Test func idx() throws {
        let images = Self.corpus.appendingPathComponent("idx/images.idx").path, labels = Self.corpus.appendingPathComponent("idx/labels.idx").path
        try Self.fuzz("idx", file: "data.idx") { path in
            _ = try? ImageDataset.read(images: images, labels: path)
            _ = try? ImageDataset.read(images: path, labels: labels)
            _ = try IDXFile.read(path)
        }
    }

    /// A .npy file, read alone and as the labels of four images.
    @Test func npy() throws {
        let images = Self.corpus.appendingPathComponent("npy/u1.npy").path
        try Self.fuzz("npy", file: "data.npy") { path in
            _ = try? ImageDataset.read(images: path, labels: path)
            _ = try? ImageDataset.read(images: images, labels: path)
            _ = try NPYFile.read(path)
        }
    }

    @Test func manifest() throws {
        try Self.fuzz("manifest", file: "metric.metric.json") { path in _ = try MetricManifest.read(path) }
    }

    /// Opening a results store and reading all of it, from a small store
    /// this version writes.
    @Test func store() throws {
        let seed = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-search-fuzz/seed-\(UUID().uuidString).sqlite").path
        let store = try ResultsStore(path: seed)
        let configuration = try RunConfiguration(command: .compare, task: TaskSpecification(), taskIdentity: .unrecorded,
                                                 compare: CompareSettings()).json()
        let run = try store.createRun(command: "adapter-search compare", configuration: configuration, versions: "{}", seed: 3).id
        try store.saveEvaluation(EvaluationRecord(run: run, placement: "1>2:r8", budget: "steps=1", validationAccuracy: 0.5,
                                                  validationLoss: 1, testAccuracy: 0.25, parameters: 9, seconds: 1))
        let probe = try store.addProbe(run: run, seed: 0, examples: 4, head: "random", loss: 2, seconds: 0)
        try store.saveScores(run: run, probe: probe, metric: "m", direction: 1, scores: [(0, 0, 1), (0, 1, .nan)])
        try store.saveState(run: run, plugin: "gga", state: [1, 2, 3])
        try store.addArtefact(run: run, name: "adapters", path: "out/a")
        try store.setStatus(run: run, .finished, outcome: "{}")
        try store.close()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: seed)))
        try Self.fuzz("store", file: "results.sqlite", count: max(Self.inputs / 4, 1), seeds: [bytes]) { path in
            let opened = try ResultsStore(path: path, create: false)
            defer { try? opened.close() }
            _ = try opened.summaries()
            for record in try opened.runs() {
                _ = try RunDetails(store: opened, run: record.id)
                _ = try? RunConfiguration(json: record.configuration, run: record.id)
                _ = record.observedStatus()
                _ = try opened.state(run: record.id, plugin: "gga")
            }
            _ = try opened.check()
        }
    }
}
