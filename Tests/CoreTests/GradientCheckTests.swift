@testable import Core
import Foundation
import Testing

/// Every op's backward, and the node gradients of a tiny whole model, against
/// central finite differences in float64 (relative error < 1e-6).
@Suite struct GradientCheckTests {
    typealias G = GradientCheck
    let tolerance = 1e-6

    /// Two examples of five rows, the second with two padding rows.
    let layout = BatchLayout(examples: 2, length: 5,
                             isToken: [true, true, true, true, true, true, true, true, false, false])

    func linear(_ outputs: Int, _ inputs: Int, seed: UInt64) -> Linear<Double> {
        Linear(weight: G.random(outputs, inputs, seed: seed), bias: G.random(1, outputs, seed: seed + 1).values)
    }

    func norm(_ width: Int, seed: UInt64) -> LayerNorm<Double> {
        LayerNorm(gamma: G.random(1, width, seed: seed).values.map { 1 + $0 / 2 },
                  beta: G.random(1, width, seed: seed + 1).values, epsilon: 1e-5)
    }

    @Test func linear() {
        let layer = linear(3, 4, seed: 1), x = G.random(6, 4, seed: 2), r = G.random(6, 3, seed: 3)
        #expect(G.relativeError(at: x, analytic: layer.backward(r)) { G.dot(layer.forward($0), r) } < tolerance)
        let gradients = layer.parameterGradients(r, input: x)
        #expect(G.relativeError(at: layer.weight, analytic: gradients.weight) { weight in
            G.dot(Linear(weight: weight, bias: layer.bias).forward(x), r)
        } < tolerance)
        let bias = Matrix(rows: 1, cols: 3, values: layer.bias)
        #expect(G.relativeError(at: bias, analytic: Matrix(rows: 1, cols: 3, values: gradients.bias)) { bias in
            G.dot(Linear(weight: layer.weight, bias: bias.values).forward(x), r)
        } < tolerance)
    }

    @Test func layerNorm() {
        let layer = norm(6, seed: 4), x = G.random(5, 6, seed: 5), r = G.random(5, 6, seed: 6)
        let (_, cache) = layer.forward(x)
        #expect(G.relativeError(at: x, analytic: layer.backward(r, cache)) { G.dot(layer.forward($0).0, r) } < tolerance)
        let gradients = layer.parameterGradients(r, cache)
        let gamma = Matrix(rows: 1, cols: 6, values: layer.gamma)
        #expect(G.relativeError(at: gamma, analytic: Matrix(rows: 1, cols: 6, values: gradients.gamma)) { gamma in
            G.dot(LayerNorm(gamma: gamma.values, beta: layer.beta, epsilon: 1e-5).forward(x).0, r)
        } < tolerance)
        let beta = Matrix(rows: 1, cols: 6, values: layer.beta)
        #expect(G.relativeError(at: beta, analytic: Matrix(rows: 1, cols: 6, values: gradients.beta)) { beta in
            G.dot(LayerNorm(gamma: layer.gamma, beta: beta.values, epsilon: 1e-5).forward(x).0, r)
        } < tolerance)
    }

    @Test func gelu() {
        var x = G.random(4, 5, seed: 7)
        x.values = x.values.map { $0 * 4 }  // cover the tails too
        let r = G.random(4, 5, seed: 8)
        #expect(G.relativeError(at: x, analytic: GELU.backward(r, input: x)) { G.dot(GELU.forward($0), r) } < tolerance)
    }

    /// A rational activation with some negative b_k, so that b_k x^k takes
    /// both signs over inputs of both signs.
    let rational = RationalActivation<Double>(numerator: [0.1, 0.9, -0.4, 0.3, 0.05, -0.02], denominator: [0.6, -0.5, 0.3, -0.1])

    /// Inputs in -3...3 kept at least 0.1 away from the kink at 0.
    func rationalInput(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix<Double> {
        var x = G.random(rows, cols, seed: seed)
        x.values = x.values.map { ($0 < 0 ? -0.1 : 0.1) + 2.9 * $0 }
        return x
    }

    @Test func rationalActivationInputAndCoefficients() {
        let x = rationalInput(5, 6, seed: 70), r = G.random(5, 6, seed: 71)
        let terms = x.values.flatMap { x in rational.denominator.enumerated().map { $1 * pow(x, Double($0 + 1)) } }
        #expect(terms.contains { $0 < 0 } && terms.contains { $0 > 0 }, "the check must cover both signs of b_k x^k")
        #expect(x.values.allSatisfy { abs($0) >= 0.1 }, "away from the kink at 0")
        #expect(G.relativeError(at: x, analytic: rational.backward(r, input: x)) { G.dot(rational.forward($0), r) } < tolerance)
        let gradients = rational.parameterGradients(r, input: x)
        let numerator = Matrix(rows: 1, cols: 6, values: rational.numerator)
        #expect(G.relativeError(at: numerator, analytic: Matrix(rows: 1, cols: 6, values: gradients.numerator)) { a in
            G.dot(RationalActivation(numerator: a.values, denominator: rational.denominator).forward(x), r)
        } < tolerance)
        let denominator = Matrix(rows: 1, cols: 4, values: rational.denominator)
        #expect(G.relativeError(at: denominator, analytic: Matrix(rows: 1, cols: 4, values: gradients.denominator)) { b in
            G.dot(RationalActivation(numerator: rational.numerator, denominator: b.values).forward(x), r)
        } < tolerance)
        #expect(gradients.denominator.allSatisfy { abs($0) > 1e-3 } && gradients.numerator.allSatisfy { abs($0) > 1e-3 },
                "every coefficient's gradient is checked at a value that is not zero")
    }

    @Test func adapterWithARationalActivation() {
        let adapter = Adapter<Double>(down: linear(3, 6, seed: 72), up: linear(6, 3, seed: 74), scale: [0.8],
                                      phi: .rational(rational))
        let x = G.random(5, 6, seed: 76), r = G.random(5, 6, seed: 77)
        let (_, tape) = adapter.forward(x)
        let (dx, gradient) = adapter.backward(r, tape)
        #expect(G.relativeError(at: x, analytic: dx) { G.dot(adapter.forward($0).0, r) } < tolerance)
        guard case let .rational(coefficients)? = gradient?.phi else { Issue.record("no rational gradient"); return }
        func loss(_ change: (inout Adapter<Double>) -> Void) -> Double {
            var copy = adapter
            change(&copy)
            return G.dot(copy.forward(x).0, r)
        }
        let parts: [(String, Matrix<Double>, Matrix<Double>, (Matrix<Double>) -> Double)] = [
            ("W_down", adapter.down.weight, gradient!.down.weight, { m in loss { $0.down.weight = m } }),
            ("b_down", adapter.down.bias.asRow, gradient!.down.bias.asRow, { m in loss { $0.down.bias = m.values } }),
            ("W_up", adapter.up.weight, gradient!.up.weight, { m in loss { $0.up.weight = m } }),
            ("a", rational.numerator.asRow, coefficients.numerator.asRow,
             { m in loss { $0.phi = .rational(RationalActivation(numerator: m.values, denominator: rational.denominator)) } }),
            ("b", rational.denominator.asRow, coefficients.denominator.asRow,
             { m in loss { $0.phi = .rational(RationalActivation(numerator: rational.numerator, denominator: m.values)) } }),
        ]
        for (name, value, analytic, loss) in parts {
            let error = G.relativeError(at: value, analytic: analytic, loss: loss)
            #expect(error < tolerance, "\(name): relative error \(error)")
        }
    }

    @Test func attentionWithPaddingMask() {
        let qkv = G.random(layout.rows, 3 * 8, seed: 9), r = G.random(layout.rows, 8, seed: 10)
        let (_, cache) = Attention.forward(qkv, heads: 2, layout: layout)
        let analytic = Attention.backward(r, qkv: qkv, heads: 2, layout: layout, cache: cache)
        #expect(G.relativeError(at: qkv, analytic: analytic) { G.dot(Attention.forward($0, heads: 2, layout: layout).0, r) } < tolerance)
    }

    @Test func attentionNeverReadsPaddingKeys() {
        let qkv = G.random(layout.rows, 3 * 8, seed: 11)
        var changed = qkv
        for col in 8..<24 { changed[9, col] += 5 }  // the key and value of a padding row
        let before = Attention.forward(qkv, heads: 2, layout: layout).0
        let after = Attention.forward(changed, heads: 2, layout: layout).0
        #expect(before == after)
    }

    @Test(arguments: Pooling.allCases)
    func pooling(_ pooling: Pooling) {
        let x = G.random(layout.rows, 4, seed: 12), r = G.random(2, 4, seed: 13)
        #expect(G.relativeError(at: x, analytic: pooling.backward(r, layout: layout)) {
            G.dot(pooling.forward($0, layout: layout), r)
        } < tolerance)
    }

    @Test func crossEntropy() {
        let logits = G.random(3, 5, seed: 14), labels = [4, 0, 2]
        let (_, gradient) = CrossEntropy.loss(logits, labels: labels)
        #expect(G.relativeError(at: logits, analytic: gradient) { CrossEntropy.loss($0, labels: labels).loss } < tolerance)
    }

    @Test(arguments: [NormPlacement.post, .pre])
    func transformerSubLayers(_ placement: NormPlacement) {
        let block = TransformerBlock(placement: placement, heads: 2, qkv: linear(24, 8, seed: 20),
                                     attentionOutput: linear(8, 8, seed: 22), attentionNorm: norm(8, seed: 24),
                                     intermediate: linear(16, 8, seed: 26), output: linear(8, 16, seed: 28),
                                     mlpNorm: norm(8, seed: 30))
        let x = G.random(layout.rows, 8, seed: 32), r = G.random(layout.rows, 8, seed: 33)
        let (_, attentionTape) = block.attention(x, layout: layout)
        #expect(G.relativeError(at: x, analytic: block.attentionBackward(r, attentionTape, layout: layout)) {
            G.dot(block.attention($0, layout: layout).0, r)
        } < tolerance)
        let (_, mlpTape) = block.mlp(x)
        #expect(G.relativeError(at: x, analytic: block.mlpBackward(r, mlpTape)) { G.dot(block.mlp($0).0, r) } < tolerance)
    }

    /// The loss of a tiny model from node k on: the remaining segments, the
    /// readout, a linear head and cross-entropy.
    func lossFromNode(_ backbone: Backbone<Double>, _ k: Int, _ value: Matrix<Double>, head: Linear<Double>,
                      labels: [Int], layout: BatchLayout) -> Double {
        var node = value
        for s in (k + 1)..<backbone.nodeCount { node = backbone.segment(s, node, layout: layout).0 }
        return CrossEntropy.loss(head.forward(backbone.readout(node, layout: layout).0), labels: labels).loss
    }

    @Test(arguments: [BackboneConfig.Family.bert, .roberta, .vit])
    func nodeGradientsOfATinyWholeModel(_ family: BackboneConfig.Family) {
        var config = BackboneConfig(family: family, width: 8, layers: 2, heads: 2, intermediateWidth: 16,
                                    layerNormEpsilon: 1e-6)
        let input: BackboneInput<Double>
        switch family {
        case .bert, .roberta:
            config.vocabularySize = 20; config.maxPositions = 16; config.typeVocabularySize = 2; config.padTokenID = 1
            input = .tokens(ids: [2, 5, 7, 9, 3, 2, 11, 3, 1, 1], types: [Int32](repeating: 0, count: 10), layout: layout)
        case .vit:
            config.imageSize = 4; config.patchSize = 2; config.channels = 2
            input = .images(pixels: G.random(1, 2 * 2 * 4 * 4, seed: 40).values, count: 2)
        }
        let backbone = Backbone<Double>.random(config, seed: 41, scale: 0.5)
        let head = linear(3, 8, seed: 42), labels = [2, 0]
        let pass = backbone.forward(input)
        let (_, dLogits) = CrossEntropy.loss(head.forward(pass.pooled), labels: labels)
        let gradients = backbone.nodeGradients(pass, pooledGradient: head.backward(dLogits))
        #expect(gradients.count == config.nodeCount)
        for k in 0..<backbone.nodeCount {
            let error = G.relativeError(at: pass.nodes[k], analytic: gradients[k]) {
                lossFromNode(backbone, k, $0, head: head, labels: labels, layout: pass.layout)
            }
            #expect(error < tolerance, "node \(k): relative error \(error)")
        }
    }
}

/// The full-fine-tuning option: weight gradients of blocks and final norm.
@Suite struct WeightGradientCheckTests {
    typealias G = GradientCheck

    @Test(arguments: [BackboneConfig.Family.bert, .vit])
    func blockAndFinalNormGradients(_ family: BackboneConfig.Family) {
        var config = BackboneConfig(family: family, width: 8, layers: 2, heads: 2, intermediateWidth: 16, layerNormEpsilon: 1e-6)
        let input: BackboneInput<Double>
        if family == .vit {
            config.imageSize = 4; config.patchSize = 2; config.channels = 1
            input = .images(pixels: G.random(1, 2 * 16, seed: 60).values, count: 2)
        } else {
            config.vocabularySize = 20; config.maxPositions = 16; config.typeVocabularySize = 2
            input = .tokens(ids: [2, 5, 7, 3, 2, 9, 3, 0], types: [Int32](repeating: 0, count: 8),
                            layout: BatchLayout(examples: 2, length: 4, isToken: [true, true, true, true, true, true, true, false]))
        }
        let backbone = Backbone<Double>.random(config, seed: 61, scale: 0.5)
        let head = Linear<Double>(weight: G.random(3, 8, seed: 62), bias: [0.1, 0, -0.1]), labels = [0, 2]
        func loss(_ model: Backbone<Double>) -> Double {
            CrossEntropy.loss(head.forward(model.forward(input).pooled), labels: labels).loss
        }
        let pass = backbone.forward(input)
        let (_, dLogits) = CrossEntropy.loss(head.forward(pass.pooled), labels: labels)
        let (blocks, finalNorm) = backbone.parameterGradients(pass, pooledGradient: head.backward(dLogits))
        typealias Part = (String, WritableKeyPath<Backbone<Double>, Matrix<Double>>, Matrix<Double>)
        var parts: [Part] = [
            ("block 0 qkv weight", \.blocks[0].qkv.weight, blocks[0].qkv.weight),
            ("block 1 attention output weight", \.blocks[1].attentionOutput.weight, blocks[1].attentionOutput.weight),
            ("block 0 intermediate weight", \.blocks[0].intermediate.weight, blocks[0].intermediate.weight),
            ("block 1 output weight", \.blocks[1].output.weight, blocks[1].output.weight),
        ]
        func vector(_ path: WritableKeyPath<Backbone<Double>, [Double]>) -> WritableKeyPath<Backbone<Double>, Matrix<Double>> {
            path.appending(path: \[Double].asRow)
        }
        parts += [
            ("block 0 attention norm gamma", vector(\.blocks[0].attentionNorm.gamma), blocks[0].attentionNorm.gamma.asRow),
            ("block 1 MLP norm beta", vector(\.blocks[1].mlpNorm.beta), blocks[1].mlpNorm.beta.asRow),
            ("block 1 qkv bias", vector(\.blocks[1].qkv.bias), blocks[1].qkv.bias.asRow),
        ]
        if family == .vit {
            parts.append(("final norm gamma", vector(\.finalNorm!.gamma), finalNorm!.gamma.asRow))
        } else {
            #expect(finalNorm == nil)
        }
        for (name, path, analytic) in parts {
            let error = G.relativeError(at: backbone[keyPath: path], analytic: analytic) { value in
                var model = backbone
                model[keyPath: path] = value
                return loss(model)
            }
            #expect(error < 1e-6, "\(family) \(name): relative error \(error)")
        }
    }
}

extension Backbone {
    /// The gradients of every block's parameters and of the final norm (what
    /// full fine-tuning would train; the embeddings stay frozen), from one
    /// backward pass through the sub-layers' own backward steps.
    func parameterGradients(_ pass: ForwardPass<Scalar>, pooledGradient: Matrix<Scalar>)
        -> (blocks: [TransformerBlock<Scalar>], finalNorm: LayerNorm<Scalar>?) {
        var blockGradients = blocks.map { $0.mapped { _ in 0 } }
        var finalNormGradient: LayerNorm<Scalar>?
        var gradient = pooling.backward(pooledGradient, layout: pass.layout)
        if let finalNorm, let cache = pass.run.readoutCache {
            finalNormGradient = finalNorm.parameterGradients(gradient, cache)
            gradient = finalNorm.backward(gradient, cache)
        }
        for s in stride(from: nodeCount - 1, through: 1, by: -1) {
            let index = (s - 1) / 2, block = blocks[index]
            switch pass.run.passOne.segmentTapes[s]! {
            case let .attention(tape):
                let steps = block.attentionBackwardSteps(gradient, tape, layout: pass.layout)
                blockGradients[index].qkv = block.qkv.parameterGradients(steps.dPacked, input: tape.projected)
                blockGradients[index].attentionOutput = block.attentionOutput.parameterGradients(steps.dOut, input: tape.context)
                blockGradients[index].attentionNorm = block.attentionNorm.parameterGradients(steps.dNormOutput, tape.norm)
                gradient = steps.dx
            case let .mlp(tape):
                let steps = block.mlpBackwardSteps(gradient, tape)
                blockGradients[index].intermediate = block.intermediate.parameterGradients(steps.dHidden, input: tape.projected)
                blockGradients[index].output = block.output.parameterGradients(steps.dOut, input: tape.activated)
                blockGradients[index].mlpNorm = block.mlpNorm.parameterGradients(steps.dNormOutput, tape.norm)
                gradient = steps.dx
            }
        }
        return (blockGradients, finalNormGradient)
    }
}

extension Array where Element == Double {
    /// The array as a 1 x n matrix, and back.
    var asRow: Matrix<Double> {
        get { Matrix(rows: 1, cols: count, values: self) }
        set { self = newValue.values }
    }
}
