import Core
import Foundation

/// The probe `plugins test` serves metrics from: a synthetic one (a real
/// probe pass over a small seeded random backbone and task, so every probe
/// service, extra passes included, is the engine's own), or one dumped by
/// `score --dump-probe` and read back (no extra passes).
struct HarnessProbe {
    /// The engine's probe services over it.
    let engine: EngineProbe
    /// One line saying what it is.
    let description: String
    /// False for a dumped probe: `run_pass` answers ASP_ERR_UNSUPPORTED.
    let servesExtraPasses: Bool

    /// Residual nodes n.
    var nodeCount: Int { engine.probe.nodeCount }

    /// The synthetic probe's backbone: a BERT of 2 blocks (5 nodes), width 16.
    static let syntheticShape = (layers: 2, width: 16, heads: 2, intermediate: 32, vocabulary: 16)

    /// The synthetic probe: one probe pass (8 examples, a random head, both
    /// drawn with `seed`) over a random 2-block BERT of width 16 (weights
    /// drawn from a fixed seed) on `SyntheticTask`.
    static func synthetic(seed: UInt64) throws -> HarnessProbe {
        let shape = syntheticShape
        var config = BackboneConfig(family: .bert, width: shape.width, layers: shape.layers, heads: shape.heads,
                                    intermediateWidth: shape.intermediate)
        config.vocabularySize = shape.vocabulary
        config.maxPositions = SyntheticTask.longest
        config.typeVocabularySize = 2
        let backbone = Backbone<Float>.random(config, seed: 0x5EED)
        let task = SyntheticTask()
        let engine = try ProbeSettings(size: 8, seed: seed, head: .random).run(backbone: backbone, task: task)
        let probe = engine.probe
        return HarnessProbe(
            engine: engine,
            description: "synthetic: a random \(shape.layers)-block BERT (\(probe.nodeCount) nodes, d = \(probe.width)), "
                + "\(probe.examples) examples, N = \(probe.tokens) tokens, \(probe.classes) classes, probe seed \(seed)",
            servesExtraPasses: true)
    }

    /// The probe dumped in `folder` (`ProbeDump.read`); adapter inits are
    /// drawn with `seed`.
    static func dumped(folder: String, seed: UInt64) throws -> HarnessProbe {
        let (probe, summaryFound) = try ProbeDump.read(from: folder)
        let path = URL(fileURLWithPath: folder).standardizedFileURL.path
        return HarnessProbe(
            engine: EngineProbe(probe: probe, seed: seed),
            description: "dumped in \(path): \(probe.nodeCount) nodes, d = \(probe.width), N = \(probe.tokens) tokens, "
                + "\(probe.classes) classes" + (summaryFound ? ", \(probe.examples) examples" : " (no probe.json: loss NaN, 0 examples)")
                + "; no extra passes",
            servesExtraPasses: false)
    }
}

/// The synthetic probe's task: two classes of short token sequences, drawn
/// from fixed seeds. Example i is [CLS], 2 to 6 word ids (4 ... 15), [SEP];
/// its label is whether word 5 occurs. Batches pad to their longest example
/// with id 0, so the probe has padding rows to leave out, as a real one does.
struct SyntheticTask: ClassificationTask {
    /// The longest example, [CLS] and [SEP] included.
    static let longest = 8

    let classes = ["without-5", "with-5"]

    func count(_ split: Split) -> Int { split == .train ? 32 : 8 }

    /// The token ids of example `index` of `split`.
    func tokens(_ split: Split, _ index: Int) -> [Int32] {
        var random = SeededRandom(seed: UInt64(split.key(of: index)), stream: "plugins test task")
        let words = (0..<Int.random(in: 2...(Self.longest - 2), using: &random)).map { _ in Int32.random(in: 4...15, using: &random) }
        return [2] + words + [3]
    }

    func size(of index: Int, in split: Split) -> Int { tokens(split, index).count }

    func batch(_ split: Split, _ indices: [Int]) -> LabelledBatch<Float> {
        let examples = indices.map { tokens(split, $0) }
        let length = examples.map(\.count).max() ?? 0
        var ids: [Int32] = [], mask: [Bool] = []
        for example in examples {
            ids += example + [Int32](repeating: 0, count: length - example.count)
            mask += [Bool](repeating: true, count: example.count) + [Bool](repeating: false, count: length - example.count)
        }
        let layout = BatchLayout(examples: indices.count, length: length, isToken: mask)
        return LabelledBatch(input: .tokens(ids: ids, types: [Int32](repeating: 0, count: ids.count), layout: layout),
                             labels: examples.map { $0.contains(5) ? 1 : 0 }, keys: indices.map { split.key(of: $0) })
    }
}
