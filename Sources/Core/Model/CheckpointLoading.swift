/// Why a checkpoint cannot be loaded. Each message names the file and tensor.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// A tensor the config calls for is absent.
    case missingTensor(file: String, name: String)
    /// A tensor has another shape than the config implies.
    case wrongShape(file: String, name: String, expected: [Int], found: [Int])
    /// A tensor is stored in a dtype the engine does not read.
    case unsupportedDType(file: String, name: String, dtype: String)
    /// No tensor layout the engine knows matches the file.
    case unknownLayout(file: String, family: String)
    /// The file holds blocks beyond the config's `num_hidden_layers`.
    case moreLayersThanConfigured(file: String, configured: Int, found: Int)

    public var description: String {
        switch self {
        case let .missingTensor(file, name):
            "\(file): tensor '\(name)' is missing; is this checkpoint the architecture its config.json describes?"
        case let .wrongShape(file, name, expected, found):
            "\(file): tensor '\(name)' has shape \(found), but config.json implies \(expected)"
        case let .unsupportedDType(file, name, dtype):
            "\(file): tensor '\(name)' is \(dtype); only F32, F16, BF16 and F64 weights are read"
        case let .moreLayersThanConfigured(file, configured, found):
            "\(file): holds \(found) blocks, but config.json's num_hidden_layers is \(configured); the config does not describe this checkpoint"
        case let .unknownLayout(file, family):
            "\(file): no \(family) tensor names found (looked for them with and without a '\(family).' prefix)"
        }
    }
}

extension Backbone {
    /// Loads a Hugging Face checkpoint folder: config.json and model.safetensors.
    /// Every tensor the config calls for is checked for presence, dtype and
    /// shape; F16 and BF16 weights are widened. Tensors the engine does not use
    /// (a pooler, a task head) are ignored.
    public static func load(directory: String) throws -> Backbone {
        let config = try BackboneConfig(contentsOf: directory + "/config.json")
        let file = try SafeTensorsFile(contentsOf: directory + "/model.safetensors")
        return try load(config, from: file, path: directory + "/model.safetensors")
    }

    /// Builds a backbone of `config` from the tensors of `file`.
    public static func load(_ config: BackboneConfig, from file: SafeTensorsFile, path: String) throws -> Backbone {
        let reader = try CheckpointReader<Scalar>(file: file, path: path, family: config.family)
        let blocksFound = file.names.compactMap { reader.blockIndex(of: $0) }.max().map { $0 + 1 } ?? 0
        if blocksFound > config.layers {
            throw CheckpointError.moreLayersThanConfigured(file: path, configured: config.layers, found: blocksFound)
        }
        let d = config.width, eps = Scalar(config.layerNormEpsilon)
        switch config.family {
        case .bert, .roberta:
            let embeddings = TokenEmbeddings(
                word: try reader.matrix("embeddings.word_embeddings.weight", config.vocabularySize, d),
                position: try reader.matrix("embeddings.position_embeddings.weight", config.maxPositions, d),
                tokenType: try reader.matrix("embeddings.token_type_embeddings.weight", config.typeVocabularySize, d),
                norm: try reader.norm("embeddings.LayerNorm", d, eps),
                positions: config.family == .roberta ? .afterPadding(paddingIndex: config.padTokenID) : .absolute)
            let blocks = try (0..<config.layers).map { try reader.block($0, .bert, config) }
            return Backbone(embeddings: .tokens(embeddings), blocks: blocks, finalNorm: nil, pooling: .mean)
        case .vit:
            let p = config.patchSize, patches = (config.imageSize / p) * (config.imageSize / p)
            let kernel = try reader.values("embeddings.patch_embeddings.projection.weight", [d, config.channels, p, p])
            let embeddings = PatchEmbeddings(
                projection: Linear(weight: Matrix(rows: d, cols: config.channels * p * p, values: kernel),
                                   bias: try reader.values("embeddings.patch_embeddings.projection.bias", [d])),
                classToken: try reader.values("embeddings.cls_token", [1, 1, d]),
                position: Matrix(rows: patches + 1, cols: d,
                                 values: try reader.values("embeddings.position_embeddings", [1, patches + 1, d])),
                patchSize: p, channels: config.channels, imageSize: config.imageSize)
            let blocks = try (0..<config.layers).map { try reader.block($0, .vit, config) }
            return Backbone(embeddings: .patches(embeddings), blocks: blocks,
                            finalNorm: try reader.norm("layernorm", d, eps), pooling: .cls)
        }
    }
}

/// Reads named tensors of one checkpoint with their shapes checked, under the
/// prefix the file uses ("bert.", "roberta.", "vit." or none).
struct CheckpointReader<Scalar: Real> {
    let file: SafeTensorsFile
    let path: String
    let prefix: String

    init(file: SafeTensorsFile, path: String, family: BackboneConfig.Family) throws {
        self.file = file
        self.path = path
        let probe = family == .vit ? "embeddings.cls_token" : "embeddings.word_embeddings.weight"
        guard let prefix = ["", family.rawValue + "."].first(where: { file[$0 + probe] != nil }) else {
            throw CheckpointError.unknownLayout(file: path, family: family.rawValue)
        }
        self.prefix = prefix
    }

    /// K, for a tensor of block K (`encoder.layer.K.` under the prefix), else nil.
    func blockIndex(of name: String) -> Int? {
        let start = prefix + "encoder.layer."
        guard name.hasPrefix(start) else { return nil }
        return Int(name.dropFirst(start.count).prefix { $0 != "." })
    }

    /// The values of tensor `name`, which must have `shape`.
    func values(_ name: String, _ shape: [Int]) throws -> [Scalar] {
        guard let info = file[prefix + name] else { throw CheckpointError.missingTensor(file: path, name: prefix + name) }
        guard [.f32, .f16, .bf16, .f64].contains(info.dtype) else {
            throw CheckpointError.unsupportedDType(file: path, name: prefix + name, dtype: info.dtype.rawValue)
        }
        guard info.shape == shape else {
            throw CheckpointError.wrongShape(file: path, name: prefix + name, expected: shape, found: info.shape)
        }
        return try file.floats(prefix + name).map { Scalar($0) }
    }

    func matrix(_ name: String, _ rows: Int, _ cols: Int) throws -> Matrix<Scalar> {
        Matrix(rows: rows, cols: cols, values: try values(name, [rows, cols]))
    }

    func linear(_ name: String, _ outputs: Int, _ inputs: Int) throws -> Linear<Scalar> {
        Linear(weight: try matrix(name + ".weight", outputs, inputs), bias: try values(name + ".bias", [outputs]))
    }

    func norm(_ name: String, _ width: Int, _ epsilon: Scalar) throws -> LayerNorm<Scalar> {
        LayerNorm(gamma: try values(name + ".weight", [width]), beta: try values(name + ".bias", [width]), epsilon: epsilon)
    }

    /// Block `index`, its tensors named as `names` says.
    func block(_ index: Int, _ names: BlockTensorNames, _ config: BackboneConfig) throws -> TransformerBlock<Scalar> {
        let layer = "encoder.layer.\(index).", d = config.width, eps = Scalar(config.layerNormEpsilon)
        return TransformerBlock(
            placement: names.placement, heads: config.heads,
            qkv: try fusedQKV(layer + names.selfAttention, d),
            attentionOutput: try linear(layer + "attention.output.dense", d, d),
            attentionNorm: try norm(layer + names.attentionNorm, d, eps),
            intermediate: try linear(layer + "intermediate.dense", config.intermediateWidth, d),
            output: try linear(layer + "output.dense", d, config.intermediateWidth),
            mlpNorm: try norm(layer + names.mlpNorm, d, eps))
    }

    /// query, key and value stacked into one 3d x d projection.
    func fusedQKV(_ name: String, _ width: Int) throws -> Linear<Scalar> {
        let parts = try ["query", "key", "value"].map { try linear(name + $0, width, width) }
        return Linear(weight: Matrix(rows: 3 * width, cols: width, values: parts.flatMap(\.weight.values)),
                      bias: parts.flatMap(\.bias))
    }
}

/// Where the tensor names of a block differ between the BERT and ViT layouts.
struct BlockTensorNames {
    var placement: NormPlacement
    /// The prefix of query, key and value.
    var selfAttention: String
    var attentionNorm: String
    var mlpNorm: String

    static let bert = BlockTensorNames(placement: .post, selfAttention: "attention.self.",
                                       attentionNorm: "attention.output.LayerNorm", mlpNorm: "output.LayerNorm")
    static let vit = BlockTensorNames(placement: .pre, selfAttention: "attention.attention.",
                                      attentionNorm: "layernorm_before", mlpNorm: "layernorm_after")
}

extension Backbone where Scalar == Float {
    /// Writes config.json and model.safetensors in the Hugging Face layout
    /// `load` reads (q, k and v as separate tensors again).
    public func save(_ config: BackboneConfig, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        func add(_ name: String, _ shape: [Int], _ values: [Float]) { tensors.append((name, shape, values)) }
        func add(_ name: String, _ layer: Linear<Float>) {
            add(name + ".weight", [layer.weight.rows, layer.weight.cols], layer.weight.values)
            add(name + ".bias", [layer.bias.count], layer.bias)
        }
        func add(_ name: String, _ norm: LayerNorm<Float>) {
            add(name + ".weight", [norm.gamma.count], norm.gamma)
            add(name + ".bias", [norm.beta.count], norm.beta)
        }
        let d = width
        switch embeddings {
        case let .tokens(table):
            add("embeddings.word_embeddings.weight", [table.word.rows, d], table.word.values)
            add("embeddings.position_embeddings.weight", [table.position.rows, d], table.position.values)
            add("embeddings.token_type_embeddings.weight", [table.tokenType.rows, d], table.tokenType.values)
            add("embeddings.LayerNorm", table.norm)
        case let .patches(table):
            add("embeddings.patch_embeddings.projection.weight", [d, table.channels, table.patchSize, table.patchSize],
                table.projection.weight.values)
            add("embeddings.patch_embeddings.projection.bias", [d], table.projection.bias)
            add("embeddings.cls_token", [1, 1, d], table.classToken)
            add("embeddings.position_embeddings", [1, table.position.rows, d], table.position.values)
        }
        let names: BlockTensorNames = config.family == .vit ? .vit : .bert
        for (index, block) in blocks.enumerated() {
            let layer = "encoder.layer.\(index)."
            for (part, name) in ["query", "key", "value"].enumerated() {
                add(layer + names.selfAttention + name, Linear(weight: block.qkv.weight.rows(part * d..<(part + 1) * d),
                                                               bias: Array(block.qkv.bias[part * d..<(part + 1) * d])))
            }
            add(layer + "attention.output.dense", block.attentionOutput)
            add(layer + names.attentionNorm, block.attentionNorm)
            add(layer + "intermediate.dense", block.intermediate)
            add(layer + "output.dense", block.output)
            add(layer + names.mlpNorm, block.mlpNorm)
        }
        if let finalNorm { add("layernorm", finalNorm) }
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: directory + "/model.safetensors")
        var json: [String: Any] = ["model_type": config.family.rawValue, "hidden_size": config.width,
                                   "num_hidden_layers": config.layers, "num_attention_heads": config.heads,
                                   "intermediate_size": config.intermediateWidth, "layer_norm_eps": config.layerNormEpsilon,
                                   "hidden_act": "gelu"]
        if config.family == .vit {
            json.merge(["image_size": config.imageSize, "patch_size": config.patchSize, "num_channels": config.channels]) { $1 }
        } else {
            json.merge(["vocab_size": config.vocabularySize, "max_position_embeddings": config.maxPositions,
                        "type_vocab_size": config.typeVocabularySize, "pad_token_id": config.padTokenID]) { $1 }
        }
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: directory + "/config.json"))
    }
}

import Foundation
