import Core
import Foundation
import Testing

/// The backbones against Hugging Face transformers on PyTorch: hidden states
/// at every node and the pooled output (relative error < 1e-4), node
/// gradients of a fixed loss (< 1e-3). Fixtures come from
/// tools/golden/backbone.py; the relative error of a node is
/// ||ours - reference|| / ||reference|| over all its rows.
@Suite struct GoldenBackboneTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    func relativeError(_ ours: [Float], _ reference: [Float]) -> Double {
        precondition(ours.count == reference.count, "\(ours.count) values against \(reference.count)")
        var difference = 0.0, norm = 0.0
        for (a, b) in zip(ours, reference) {
            difference += Double(a - b) * Double(a - b)
            norm += Double(b) * Double(b)
        }
        return (difference / max(norm, 1e-300)).squareRoot()
    }

    /// Runs the fixture's loss through `backbone` and compares every node,
    /// the pooled output, the loss and every node gradient.
    func compare(_ backbone: Backbone<Float>, input: BackboneInput<Float>, golden: SafeTensorsFile) throws {
        let pass = backbone.forward(input)
        #expect(pass.nodes.count == backbone.nodeCount)
        for k in 0..<backbone.nodeCount {
            let error = relativeError(pass.nodes[k].values, try golden.floats("node.\(k)"))
            #expect(error < 1e-4, "node \(k): relative error \(error)")
        }
        let pooledError = relativeError(pass.pooled.values, try golden.floats("pooled"))
        #expect(pooledError < 1e-4, "pooled: relative error \(pooledError)")

        let weight = try golden.floats("head.weight")
        let classes = weight.count / backbone.width
        let head = Linear(weight: Matrix(rows: classes, cols: backbone.width, values: weight), bias: try golden.floats("head.bias"))
        let (loss, dLogits) = CrossEntropy.loss(head.forward(pass.pooled), labels: try golden.integers("labels"))
        #expect(abs(Double(loss) - Double(try golden.floats("loss")[0])) < 1e-5 * max(1, Double(loss)))
        let gradients = backbone.nodeGradients(pass, pooledGradient: head.backward(dLogits))
        for k in 0..<backbone.nodeCount {
            let error = relativeError(gradients[k].values, try golden.floats("gradient.\(k)"))
            #expect(error < 1e-3, "gradient at node \(k): relative error \(error)")
        }
    }

    @Test func miniLMMatchesTheReferenceAtEveryNode() throws {
        let backbone = try Backbone<Float>.load(directory: try CacheFolder.require(CacheFolder.miniLM))
        #expect(backbone.nodeCount == 13)
        let golden = try SafeTensorsFile(contentsOf: Self.fixtures + "/minilm_golden.safetensors")
        let shape = try #require(golden["input_ids"]).shape
        let mask = try golden.integers("attention_mask")
        let layout = BatchLayout(examples: shape[0], length: shape[1], isToken: mask.map { $0 == 1 })
        #expect(layout.tokenCount < layout.rows, "the fixture has padding, so masking is exercised")
        let input = BackboneInput<Float>.tokens(ids: try golden.integers("input_ids").map(Int32.init),
                                                types: try golden.integers("token_type_ids").map(Int32.init), layout: layout)
        try compare(backbone, input: input, golden: golden)
    }

    @Test func tinyViTMatchesTheReferenceAtEveryNode() throws {
        let folder = Self.fixtures + "/tiny-vit"
        let backbone = try Backbone<Float>.load(directory: folder)
        #expect(backbone.nodeCount == 5)
        let golden = try SafeTensorsFile(contentsOf: folder + "/golden.safetensors")
        let pixels = try golden.floats("pixels")
        try compare(backbone, input: .images(pixels: pixels, count: 2), golden: golden)
    }
}
