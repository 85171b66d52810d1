/// Seeded random backbones: small models for tests and gradient checks.
extension Backbone {
    /// A backbone of `config`'s shape with weights drawn from `seed`: uniform
    /// in +-scale (biases too), layer-norm scales near one.
    public static func random(_ config: BackboneConfig, seed: UInt64, scale: Double = 0.2) -> Backbone {
        var random = SeededRandom(seed: seed, stream: "random-backbone")
        func values(_ count: Int, around centre: Double = 0) -> [Scalar] {
            (0..<count).map { _ in Scalar(centre + Double.random(in: -scale...scale, using: &random)) }
        }
        func matrix(_ rows: Int, _ cols: Int) -> Matrix<Scalar> { Matrix(rows: rows, cols: cols, values: values(rows * cols)) }
        func linear(_ outputs: Int, _ inputs: Int) -> Linear<Scalar> {
            Linear(weight: matrix(outputs, inputs), bias: values(outputs))
        }
        func norm() -> LayerNorm<Scalar> {
            LayerNorm(gamma: values(config.width, around: 1), beta: values(config.width),
                      epsilon: Scalar(config.layerNormEpsilon))
        }
        let d = config.width
        let embeddings: Embeddings
        switch config.family {
        case .bert, .roberta:
            embeddings = .tokens(TokenEmbeddings(
                word: matrix(config.vocabularySize, d), position: matrix(config.maxPositions, d),
                tokenType: matrix(config.typeVocabularySize, d), norm: norm(),
                positions: config.family == .roberta ? .afterPadding(paddingIndex: config.padTokenID) : .absolute))
        case .vit:
            let patches = (config.imageSize / config.patchSize) * (config.imageSize / config.patchSize)
            embeddings = .patches(PatchEmbeddings(
                projection: linear(d, config.channels * config.patchSize * config.patchSize), classToken: values(d),
                position: matrix(patches + 1, d), patchSize: config.patchSize, channels: config.channels,
                imageSize: config.imageSize))
        }
        let placement: NormPlacement = config.family == .vit ? .pre : .post
        let blocks = (0..<config.layers).map { _ in
            TransformerBlock(placement: placement, heads: config.heads, qkv: linear(3 * d, d),
                             attentionOutput: linear(d, d), attentionNorm: norm(),
                             intermediate: linear(config.intermediateWidth, d), output: linear(d, config.intermediateWidth),
                             mlpNorm: norm())
        }
        return Backbone(embeddings: embeddings, blocks: blocks, finalNorm: config.family == .vit ? norm() : nil,
                        pooling: config.family == .vit ? .cls : .mean)
    }
}
