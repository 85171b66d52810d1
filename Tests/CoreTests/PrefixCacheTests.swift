import Core
import Foundation
import Testing

/// The frozen prefix: served from the cache it gives what a pass over the
/// input gives, in memory or spilled to disk, and training on it learns the
/// same adapters.
@Suite struct PrefixCacheTests {
    /// A tiny BERT (5 nodes, d = 16) and batches of sentences of different
    /// lengths, padded, each example with a key.
    func setUp() -> (Backbone<Float>, [LabelledBatch<Float>]) {
        var config = BackboneConfig(family: .bert, width: 16, layers: 2, heads: 2, intermediateWidth: 32)
        config.vocabularySize = 12; config.maxPositions = 16; config.typeVocabularySize = 2
        let backbone = Backbone<Float>.random(config, seed: 5)
        var random = SeededRandom(seed: 2)
        let batches = (0..<3).map { batch -> LabelledBatch<Float> in
            let lengths = (0..<8).map { _ in Int.random(in: 2...7, using: &random) }, width = lengths.max()!
            var ids: [Int32] = [], mask: [Bool] = [], labels: [Int] = []
            for length in lengths {
                let sentence = (0..<length).map { _ in Int32.random(in: 1..<12, using: &random) }
                ids += sentence + [Int32](repeating: 0, count: width - length)
                mask += [Bool](repeating: true, count: length) + [Bool](repeating: false, count: width - length)
                labels.append(sentence.contains(5) ? 1 : 0)
            }
            return LabelledBatch(input: .tokens(ids: ids, types: [Int32](repeating: 0, count: ids.count),
                                                layout: BatchLayout(examples: 8, length: width, isToken: mask)),
                                 labels: labels, keys: (0..<8).map { 8 * batch + $0 })
        }
        return (backbone, batches)
    }

    /// The largest relative difference over the real (non-padding) rows.
    func realRowsError(_ a: Matrix<Float>, _ b: Matrix<Float>, layout: BatchLayout) -> Double {
        var worst = 0.0
        for row in 0..<layout.rows where layout.isToken[row] {
            for col in 0..<a.cols {
                let x = Double(a[row, col]), y = Double(b[row, col])
                worst = max(worst, abs(x - y) / max(abs(y), 1e-3))
            }
        }
        return worst
    }

    @Test(arguments: ["3>4:r2", "1>3:r2,0>3:r2:gelu", "4>2:r2", "none"])
    func servedPrefixesGiveThePassOverTheInput(_ text: String) throws {
        let (backbone, batches) = setUp()
        let graph = AdapterGraph<Float>.initialized(try Placement(parsing: text, nodeCount: 5), width: 16, seed: 4)
        var adapters = graph
        for index in adapters.adapters.indices { adapters.adapters[index].up.weight.values = (0..<32).map { Float($0 % 7) / 50 } }
        for budget in [1 << 20, 256] {  // all in memory; nearly all spilled
            let cache = PrefixCache(backbone: backbone, memoryBudget: budget)
            for round in 0..<2 {
                for batch in batches {
                    let served = try cache.prefix(batch, for: adapters)
                    let computed = backbone.frozenPrefix(batch.input, for: adapters)
                    for (node, value) in served.values {
                        #expect(realRowsError(value, computed.values[node]!, layout: served.layout) < 1e-6, "node \(node), round \(round)")
                    }
                    let fromCache = backbone.forward(served, adapters: adapters).pooled
                    let fromInput = backbone.forward(batch.input, adapters: adapters).pooled
                    #expect(realRowsError(fromCache, fromInput, layout: BatchLayout(examples: 8, length: 1)) < 1e-5, "\(text)")
                }
            }
            let nodes = graph.frozenNodes(nodeCount: 5).count, values = 3 * 8 * nodes
            #expect(cache.statistics.misses == values && cache.statistics.hits == values, "each value computed once, then served")
            #expect((cache.statistics.spilledBytes > 0) == (budget == 256))
        }
    }

    /// The first changed node, the sources below it, and the recurrent
    /// sources when pass 1 is frozen (no other edge targets a node at or below them).
    @Test func frozenNodesAreTheFirstChangedNodeEarlierSourcesAndFrozenRecurrentSources() throws {
        func nodes(_ text: String) throws -> [Int] {
            AdapterGraph<Float>.initialized(try Placement(parsing: text, nodeCount: 13), width: 4, seed: 0).frozenNodes(nodeCount: 13)
        }
        #expect(try nodes("12>0") == [0, 12])
        #expect(try nodes("12>0,7>3") == [0, 7, 12])
        #expect(try nodes("9>0,2>10") == [0, 9], "2>10 targets above the recurrent source: pass 1 still frozen")
        #expect(try nodes("9>0,2>5") == [0], "2>5 runs in pass 1: pass 1 is not frozen")
        #expect(try nodes("3>7,1>5,6>6") == [1, 3, 5])
        #expect(try nodes("11>12") == [11, 12])
        #expect(try nodes("none") == [12])
    }

    func trained(_ cache: PrefixCache<Float>?, seed: UInt64) throws -> TrainableState<Float> {
        let (backbone, batches) = setUp()
        let state = TrainableState<Float>.initial(try Placement(parsing: "2>3:r4,4>2:r2:gelu", nodeCount: 5), width: 16, classes: 2,
                                                  seed: seed)
        var trainer = Trainer(backbone: backbone, state: state, learningRate: 1e-2, steps: 9, prefixes: cache)
        for step in 0..<9 { try trainer.train(on: batches[step % 3]) }
        return trainer.state
    }

    @Test func trainingOnCachedPrefixesLearnsTheSameAdapters() throws {
        let (backbone, _) = setUp()
        let plain = try trained(nil, seed: 1)
        let cache = PrefixCache(backbone: backbone, memoryBudget: 1_000)
        let cached = try trained(cache, seed: 1), again = try trained(PrefixCache(backbone: backbone, memoryBudget: 1_000), seed: 1)
        #expect(cache.statistics.misses == 24 && cache.statistics.hits == 48, "three batches of 8 filled once, served twice more")
        #expect(cached.head.weight == again.head.weight && cached.graph.adapters[1].up.weight == again.graph.adapters[1].up.weight,
                "bit-identical under the same seed")
        func parameters(_ state: TrainableState<Float>) -> [Float] {
            state.head.weight.values + state.graph.adapters.flatMap { $0.up.weight.values + $0.down.weight.values }
        }
        let difference = zip(parameters(cached), parameters(plain)).map { abs(Double($0) - Double($1)) }.max()!
        #expect(difference < 1e-5, "cached and computed prefixes train the same adapters: \(difference)")
        #expect(try trained(nil, seed: 2).head.weight != plain.head.weight)
    }
}
