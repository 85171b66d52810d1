import Core
import Foundation
import Testing

@Suite struct TrainingTests {
    @Test func adamWFirstStepIsTheSignedRatePlusDecoupledDecay() {
        // Step 1: m_hat = g, v_hat = g^2, so w <- w - lr (g / (|g| + eps) + wd w); no decay on the bias.
        var optimiser = AdamW<Double>(weightDecay: 0.1)
        var tensors = [ParameterTensor<Double>(values: [2, -1], decays: true), ParameterTensor<Double>(values: [3], decays: false)]
        optimiser.update(&tensors, gradients: [[0.5, -4], [1e-3]], learningRate: 0.01)
        let eps = 1e-8
        let expected: [Double] = [2 - 0.01 * (0.5 / (0.5 + eps) + 0.1 * 2), -1 - 0.01 * (-4 / (4 + eps) - 0.1), 3 - 0.01 * (1e-3 / (1e-3 + eps))]
        let found: [Double] = tensors[0].values + tensors[1].values
        for (value, wanted) in zip(found, expected) { #expect(abs(value - wanted) < 1e-15) }
    }

    @Test func warmupThenCosine() {
        let schedule = WarmupCosine(peak: 1e-3, warmupSteps: 10, totalSteps: 110)
        #expect(abs(schedule.rate(at: 0) - 1e-4) < 1e-18)
        #expect(abs(schedule.rate(at: 9) - 1e-3) < 1e-18)
        #expect(abs(schedule.rate(at: 60) - 5e-4) < 1e-12)
        #expect(schedule.rate(at: 110) < 1e-15)
    }

    /// A tiny BERT and a task it can learn: is token 5 in the sentence?
    func task(seed: UInt64) -> (Backbone<Float>, [LabelledBatch<Float>]) {
        var config = BackboneConfig(family: .bert, width: 16, layers: 2, heads: 2, intermediateWidth: 32)
        config.vocabularySize = 12; config.maxPositions = 16; config.typeVocabularySize = 2
        let backbone = Backbone<Float>.random(config, seed: 11)
        var random = SeededRandom(seed: seed)
        let batches = (0..<4).map { _ -> LabelledBatch<Float> in
            let layout = BatchLayout(examples: 16, length: 6)
            var ids: [Int32] = [], labels: [Int] = []
            for _ in 0..<16 {
                let sentence = (0..<6).map { _ in Int32.random(in: 1..<12, using: &random) }
                ids += sentence
                labels.append(sentence.contains(5) ? 1 : 0)
            }
            return LabelledBatch(input: .tokens(ids: ids, types: [Int32](repeating: 0, count: ids.count), layout: layout), labels: labels)
        }
        return (backbone, batches)
    }

    func trained(seed: UInt64, placement: String, steps: Int) throws -> Trainer<Float> {
        let (backbone, batches) = task(seed: 1)
        let state = TrainableState<Float>.initial(try Placement(parsing: placement, nodeCount: 5), width: 16, classes: 2, seed: seed)
        var trainer = Trainer(backbone: backbone, state: state, learningRate: 1e-2, steps: steps)
        for step in 0..<steps { try trainer.train(on: batches[step % batches.count]) }
        return trainer
    }

    @Test func sameSeedIsBitIdenticalAndAnotherSeedDiffers() throws {
        let a = try trained(seed: 7, placement: "1>2:r4,4>1:r2:gelu:channel", steps: 6)
        let b = try trained(seed: 7, placement: "1>2:r4,4>1:r2:gelu:channel", steps: 6)
        let c = try trained(seed: 8, placement: "1>2:r4,4>1:r2:gelu:channel", steps: 6)
        #expect(a.state.head.weight == b.state.head.weight)
        #expect(zip(a.state.graph.adapters, b.state.graph.adapters).allSatisfy { $0.up.weight == $1.up.weight && $0.scale == $1.scale })
        #expect(a.state.head.weight != c.state.head.weight)
    }

    @Test func trainingLearnsTheTask() throws {
        let (_, batches) = task(seed: 1)
        let before = try trained(seed: 3, placement: "0>4:r4", steps: 0).evaluate(batches)
        let after = try trained(seed: 3, placement: "0>4:r4", steps: 120).evaluate(batches)
        #expect(after.loss < before.loss * 0.7, "loss \(before.loss) -> \(after.loss)")
        let positives = Double(batches.flatMap(\.labels).filter { $0 == 1 }.count) / Double(batches.count * 16)
        let majority = max(positives, 1 - positives)
        #expect(after.accuracy > majority + 0.15, "accuracy \(after.accuracy), majority class \(majority)")
    }

    /// A rational activation trains with the adapter: the loss falls as
    /// much as with a linear one, and the coefficients leave the GELU fit.
    @Test func trainingWithRationalActivationsLearnsTheTask() throws {
        let (_, batches) = task(seed: 1)
        let placement = "0>4:r4:rational,2>2:r4:rational:channel"
        let before = try trained(seed: 3, placement: placement, steps: 0)
        let after = try trained(seed: 3, placement: placement, steps: 120)
        let start = try before.evaluate(batches), end = try after.evaluate(batches)
        #expect(end.loss < start.loss * 0.7, "loss \(start.loss) -> \(end.loss)")
        let positives = Double(batches.flatMap(\.labels).filter { $0 == 1 }.count) / Double(batches.count * 16)
        #expect(end.accuracy > max(positives, 1 - positives) + 0.15, "accuracy \(end.accuracy)")
        for adapter in after.state.graph.adapters {
            guard case let .rational(phi) = adapter.phi else { Issue.record("not rational: \(adapter.activation)"); continue }
            let fit = RationalActivation<Float>.geluFit
            let moved = zip(phi.numerator + phi.denominator, fit.numerator + fit.denominator).map { abs($0 - $1) }
            #expect(moved.allSatisfy { $0 > 0 }, "every coefficient trained: \(moved)")
            #expect(moved.max()! > 1e-2, "and moved: \(moved)")
        }
    }

    @Test func parameterCountsAddUp() throws {
        let placement = try Placement(parsing: "1>2:r4,3>3:r2:channel", nodeCount: 5)
        let state = TrainableState<Float>.initial(placement, width: 16, classes: 3, seed: 1)
        // head 16*3+3; 1>2: 4*16+4 + 16*4+16; 3>3: 2*16+2 + 16*2+16 + 16 (channel scale)
        #expect(state.parameterCount == 51 + 148 + 98)
    }

    /// Evaluation batches hold the first `limit` examples once each, shortest
    /// first, so they pad less; the evaluation is the one of consecutive batches.
    static let words = ["red", "green", "blue", "cat", "dog", "runs"]

    /// 40 sentences of 1 to 9 words (is there a cat?) in every split, and a
    /// random 2-block BERT of width 16 over their vocabulary.
    func sentences() throws -> (task: TextTask, backbone: Backbone<Float>) {
        let tokenizer = try WordPieceTokenizer(vocabulary: ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] + Self.words)
        var random = SeededRandom(seed: 5)
        let rows = (0..<40).map { _ -> (text: String, label: String) in
            let sentence = (0..<Int.random(in: 1...9, using: &random)).map { _ in Self.words.randomElement(using: &random)! }
            return (sentence.joined(separator: " "), sentence.contains("cat") ? "cat" : "other")
        }
        let dataset = TextDataset(rows: rows)
        var config = BackboneConfig(family: .bert, width: 16, layers: 2, heads: 2, intermediateWidth: 32)
        config.vocabularySize = 4 + Self.words.count; config.maxPositions = 16; config.typeVocabularySize = 2
        return (TextTask(splits: DataSplits(train: dataset, validation: dataset, test: dataset), tokenizer: tokenizer, maxLength: 16),
                Backbone<Float>.random(config, seed: 4))
    }

    @Test func evaluationBatchesByLengthPadLessAndEvaluateTheSame() throws {
        let (task, backbone) = try sentences()
        let sorted = task.evaluationBatches(.validation, size: 8, limit: 30)
        let keys = sorted.flatMap { $0.keys! }
        #expect(keys.sorted() == (0..<30).map { Split.validation.key(of: $0) }, "the first 30, once each")
        let consecutive = stride(from: 0, to: 30, by: 8).map { task.batch(.validation, Array($0..<min($0 + 8, 30))) }
        func padded(_ batches: [LabelledBatch<Float>]) -> Int {
            batches.reduce(0) { total, batch in
                guard case let .tokens(_, _, layout) = batch.input else { return total }
                return total + layout.rows
            }
        }
        #expect(padded(sorted) < padded(consecutive))

        let state = TrainableState<Float>.initial(try Placement(parsing: "1>2,4>1", nodeCount: 5), width: 16, classes: 2, seed: 3)
        let trainer = Trainer(backbone: backbone, state: state, learningRate: 1e-2, steps: 1)
        let bySize = try trainer.evaluate(sorted), inOrder = try trainer.evaluate(consecutive)
        #expect(bySize.accuracy == inOrder.accuracy && bySize.examples == 30)
        #expect(abs(bySize.loss - inOrder.loss) <= 1e-6 * abs(inOrder.loss))
    }

    /// Length-grouped batches: the same seed trains the same adapters bit for
    /// bit; the order is part of the result (it differs from shuffled).
    @Test func aLengthGroupedRunIsBitIdenticalUnderItsSeed() throws {
        let (task, backbone) = try sentences()
        let placement = try Placement(parsing: "1>2,4>1", nodeCount: 5)
        func run(_ order: BatchOrder) throws -> TrainingRun {
            try TrainingRun.train(placement, on: task, backbone: backbone,
                                  budget: TrainingBudget(steps: 12, batchSize: 8, learningRate: 1e-2, seed: 6, batchOrder: order))
        }
        let first = try run(.lengthGrouped(window: 2)), again = try run(.lengthGrouped(window: 2)), shuffled = try run(.shuffled)
        #expect(first.state.head.weight == again.state.head.weight)
        #expect(zip(first.state.graph.adapters, again.state.graph.adapters).allSatisfy { $0.up.weight == $1.up.weight && $0.down.weight == $1.down.weight })
        #expect(first.validation.accuracy == again.validation.accuracy && first.validation.loss == again.validation.loss)
        #expect(first.state.head.weight != shuffled.state.head.weight)
    }
}
