import Core
import Foundation
import Testing

/// The probe pass of METHOD.md section 4 and its variations (the extra
/// passes of `asp.probe/1`): the default pass is the backbone's own, and with
/// dense maps on edges H_i^T D_j is the gradient of the loss at the maps.
@Suite struct ProbeTests {
    /// A tiny BERT (5 nodes, d = 8) and one padded batch of 6 examples.
    func setUp() -> (Backbone<Float>, LabelledBatch<Float>, Linear<Float>) {
        var config = BackboneConfig(family: .bert, width: 8, layers: 2, heads: 2, intermediateWidth: 16)
        config.vocabularySize = 12; config.maxPositions = 16; config.typeVocabularySize = 2
        let backbone = Backbone<Float>.random(config, seed: 11)
        var random = SeededRandom(seed: 4)
        let lengths = [3, 5, 2, 6, 4, 6], width = 6
        var ids: [Int32] = [], mask: [Bool] = []
        for length in lengths {
            ids += (0..<length).map { _ in Int32.random(in: 1..<12, using: &random) } + [Int32](repeating: 0, count: width - length)
            mask += [Bool](repeating: true, count: length) + [Bool](repeating: false, count: width - length)
        }
        let batch = LabelledBatch<Float>(input: .tokens(ids: ids, types: [Int32](repeating: 0, count: ids.count),
                                                        layout: BatchLayout(examples: 6, length: width, isToken: mask)),
                                         labels: [0, 1, 2, 0, 1, 2])
        let head = TrainableState<Float>.initial(Placement([]), width: 8, classes: 3, seed: 1).head
        return (backbone, batch, head)
    }

    /// Seeded small d x d matrix.
    func randomMap(_ width: Int, seed: UInt64, scale: Double) -> Matrix<Float> {
        var random = SeededRandom(seed: seed)
        return Matrix(rows: width, cols: width, values: (0..<width * width).map { _ in Float(Double.random(in: -scale...scale, using: &random)) })
    }

    /// <A, B> in float64.
    func inner(_ a: Matrix<Float>, _ b: Matrix<Float>) -> Double {
        zip(a.values, b.values).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    @Test func theDefaultPassIsTheBackbonesOwnOnRealTokens() {
        let (backbone, batch, head) = setUp()
        let probe = Probe(backbone: backbone, batch: batch, head: head)
        let pass = backbone.forward(batch.input)
        let (_, dLogits) = CrossEntropy.loss(head.forward(pass.pooled), labels: batch.labels)
        let gradients = backbone.nodeGradients(pass, pooledGradient: head.backward(dLogits))
        let real = pass.layout.isToken.indices.filter { pass.layout.isToken[$0] }
        #expect(probe.tokens == 26 && probe.nodeCount == 5 && probe.width == 8)
        for k in 0..<5 {
            let h = real.flatMap { pass.nodes[k].values[($0 * 8)..<($0 * 8 + 8)] }
            let d = real.flatMap { gradients[k].values[($0 * 8)..<($0 * 8 + 8)] }
            #expect(probe.activations[k].values == h && probe.gradients[k].values == d, "node \(k)")
        }
    }

    /// With maps W_e on edges, G_ij of the pass is dL/dW at those maps
    /// (checked along a random direction by central differences in float32,
    /// to 1%: the float32 limit at this step),
    /// for every edge kind a map may sit on, with both losses and both starts.
    @Test(arguments: [(Probe.Pass.Start.embedded, Probe.Pass.Loss.crossEntropy), (.ones, .sumOfOutputs), (.ones, .crossEntropy)])
    func edgeGradientsAreTheLossGradientAtTheMaps(start: Probe.Pass.Start, loss: Probe.Pass.Loss) throws {
        let (backbone, batch, head) = setUp()
        let edges = [Edge(0, 0), Edge(1, 2), Edge(0, 3), Edge(2, 2)]
        let maps = edges.enumerated().map { (edge: $1, map: randomMap(8, seed: UInt64($0), scale: 0.05)) }
        let probe = try Probe(backbone: backbone, batch: batch, head: head, pass: Probe.Pass(start: start, loss: loss, maps: maps))
        for (index, edge) in edges.enumerated() {
            let direction = randomMap(8, seed: 100 + UInt64(index), scale: 1)
            let analytic = inner(EdgeGradients(probe)[edge], direction)
            func lossAt(_ step: Float) throws -> Double {
                var moved = maps
                moved[index].map.values = zip(maps[index].map.values, direction.values).map { $0 + step * $1 }
                let pass = Probe.Pass(start: start, loss: loss, maps: moved)
                return try Probe(backbone: backbone, batch: batch, head: head, pass: pass).loss
            }
            let step: Float = 1e-2
            let numeric = (try lossAt(step) - lossAt(-step)) / (2 * Double(step))
            #expect(abs(numeric - analytic) <= 1e-2 * max(abs(analytic), 1e-1), "edge \(edge): \(numeric) vs \(analytic)")
        }
    }

    @Test func aDataFreePassStartsFromOnes() throws {
        let (backbone, batch, head) = setUp()
        let probe = try Probe(backbone: backbone, batch: batch, head: head, pass: Probe.Pass(start: .ones, loss: .sumOfOutputs))
        #expect(probe.activations[0].values.allSatisfy { $0 == 1 })
        #expect(probe.loss != 0 && probe.gradients[4].values.contains { $0 != 0 })
        let absolute = backbone.mapped(abs)
        let flipped = try Probe(backbone: absolute, batch: batch, head: head, pass: Probe.Pass(start: .ones, loss: .sumOfOutputs))
        #expect(flipped.loss != probe.loss)
        if case let .tokens(table) = absolute.embeddings { #expect(table.word.values.allSatisfy { $0 >= 0 }) }
        #expect(absolute.blocks.allSatisfy { $0.qkv.weight.values.allSatisfy { $0 >= 0 } && $0.mlpNorm.beta.allSatisfy { $0 >= 0 } })
    }

    @Test func badMapsAreRefusedWithTheirReason() {
        let (backbone, batch, head) = setUp()
        let map = randomMap(8, seed: 0, scale: 0.1)
        func refusal(_ maps: [(edge: Edge, map: Matrix<Float>)]) -> Probe.PassError? {
            do {
                _ = try Probe(backbone: backbone, batch: batch, head: head, pass: Probe.Pass(maps: maps))
                return nil
            } catch {
                return error
            }
        }
        #expect(refusal([(Edge(3, 1), map)]) == .recurrentMap(Edge(3, 1)))
        #expect(refusal([(Edge(0, 5), map)]) == .edgeOutsideNodes(Edge(0, 5), nodeCount: 5))
        #expect(refusal([(Edge(0, 1), randomMap(4, seed: 0, scale: 1))]) == .mapShape(Edge(0, 1), rows: 4, cols: 4, width: 8))
        #expect(refusal([(Edge(0, 1), map), (Edge(0, 1), map)]) == .duplicateMap(Edge(0, 1)))
        #expect(Probe.PassError.recurrentMap(Edge(3, 1)).description.contains("recurrent edge 3>1"))
    }
}
