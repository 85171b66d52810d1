import Foundation
import Testing
@testable import Core

/// Gated training: the gated adapter's gradients by float64 central
/// differences, bit-identical gates under a seed, and a planted edge, the
/// only candidate that can carry the signal, left open while the others close.
@Suite struct GatedTrainingTests {
    typealias G = GradientCheck

    @Test func aGatedAdaptersGradientsMatchCentralDifferences() {
        let adapter = Adapter<Double>(down: Linear(weight: G.random(3, 5, seed: 1), bias: G.random(1, 3, seed: 2).values),
                                      up: Linear(weight: G.random(5, 3, seed: 3), bias: G.random(1, 5, seed: 4).values),
                                      scale: [0.8], phi: .gelu)
        let x = G.random(4, 5, seed: 5), target = G.random(4, 5, seed: 6), gate = 0.7
        func loss(_ x: Matrix<Double>, gate: Double) -> Double {
            G.dot(GatedAdapter(adapter: adapter, gate: gate).forward(x).0, target)
        }
        let module = GatedAdapter(adapter: adapter, gate: gate)
        let (_, tape) = module.forward(x)
        var gradient: GatedAdapter<Double>.Gradient?
        let dx = module.backward(target, tape, accumulating: &gradient)
        #expect(G.relativeError(at: x, analytic: dx) { loss($0, gate: gate) } < 1e-8)
        let numeric = (loss(x, gate: gate + 1e-6) - loss(x, gate: gate - 1e-6)) / 2e-6
        #expect(abs(gradient!.gate - numeric) <= 1e-8 * abs(numeric))
        // The adapter's own gradients are its gradients at g dL/dy.
        var scaled = target
        for index in scaled.values.indices { scaled.values[index] *= gate }
        let plain = adapter.backward(scaled, adapter.forward(x).1).1!
        #expect(plain.up.weight == gradient!.adapter.up.weight && plain.down.bias == gradient!.adapter.down.bias)
    }

    /// A tiny BERT whose first block's output LayerNorm has γ = 0: node 2,
    /// and so every later node, is the same for every input. Only an edge
    /// from node 0 or 1 into a later node can carry the input to the head.
    func blindBackbone() -> Backbone<Float> {
        var config = BackboneConfig(family: .bert, width: 16, layers: 2, heads: 2, intermediateWidth: 32)
        config.vocabularySize = 12; config.maxPositions = 16; config.typeVocabularySize = 2
        var backbone = Backbone<Float>.random(config, seed: 11)
        backbone.blocks[0].mlpNorm.gamma = [Float](repeating: 0, count: 16)
        return backbone
    }

    /// Batches of six-token sentences labelled by whether token 5 is in them.
    func batches() -> [LabelledBatch<Float>] {
        var random = SeededRandom(seed: 1)
        return (0..<4).map { _ -> LabelledBatch<Float> in
            var ids: [Int32] = [], labels: [Int] = []
            for _ in 0..<16 {
                let sentence = (0..<6).map { _ in Int32.random(in: 1..<12, using: &random) }
                ids += sentence
                labels.append(sentence.contains(5) ? 1 : 0)
            }
            return LabelledBatch(input: .tokens(ids: ids, types: [Int32](repeating: 0, count: ids.count),
                                                layout: BatchLayout(examples: 16, length: 6)), labels: labels)
        }
    }

    /// The planted edge 0>4 and every edge out of the blind nodes 2, 3, 4.
    static let planted = Edge(0, 4)
    static let candidates = Placement(edges: [planted] + Edge.all(nodeCount: 5).filter { $0.source >= 2 }, options: AdapterOptions(rank: 4))

    func trained(steps: Int, seed: UInt64 = 3) throws -> GatedTrainer {
        let budget = GatedBudget(steps: steps, learningRate: 1e-2, gateLearningRate: 0.05, sparsity: 0.2, seed: seed)
        var trainer = GatedTrainer(backbone: blindBackbone(), candidates: Self.candidates, classes: 2, budget: budget,
                                   stopsGradientAtRecurrentSources: false)
        let batches = batches()
        for step in 0..<steps { _ = try trainer.train(on: batches[step % batches.count]) }
        return trainer
    }

    @Test(arguments: [3, 4, 5] as [UInt64])
    func thePlantedEdgeStaysOpenAndTheOthersClose(seed: UInt64) throws {
        let trainer = try trained(steps: 150, seed: seed)
        let probabilities = trainer.logits.map(RelaxedGate.probability)
        let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
        #expect(Self.candidates.entries[order[0]].edge == Self.planted, "gate probabilities \(probabilities)")
        #expect(probabilities[0] > 0.5 && probabilities.dropFirst().allSatisfy { $0 < probabilities[0] - 0.2 }, "\(probabilities)")
        #expect(trainer.openState().graph.placement.edges.contains(Self.planted))
    }

    @Test func theSameSeedGivesBitIdenticalGates() throws {
        let a = try trained(steps: 5), b = try trained(steps: 5), c = try trained(steps: 5, seed: 4)
        #expect(a.logits == b.logits && a.state.head.weight == b.state.head.weight)
        #expect(a.logits != c.logits)
    }
}
