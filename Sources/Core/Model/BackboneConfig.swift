import Foundation

/// The architecture of a backbone, as Hugging Face's config.json gives it.
public struct BackboneConfig: Sendable, Equatable {
    /// The families the engine runs.
    public enum Family: String, Sendable, CaseIterable {
        /// Post-LN BERT (also MiniLM and other BERT-architecture checkpoints).
        case bert
        /// Post-LN RoBERTa: BERT with positions numbered after the padding index.
        case roberta
        /// Pre-LN ViT with a final norm and CLS pooling.
        case vit
    }

    public var family: Family
    /// d.
    public var width: Int
    /// L.
    public var layers: Int
    public var heads: Int
    /// The MLP's hidden width.
    public var intermediateWidth: Int
    public var layerNormEpsilon: Double
    // Text backbones.
    public var vocabularySize: Int = 0
    public var maxPositions: Int = 0
    public var typeVocabularySize: Int = 0
    public var padTokenID: Int = 0
    // Image backbones.
    public var imageSize: Int = 0
    public var patchSize: Int = 0
    public var channels: Int = 0

    /// A configuration from its fields.
    public init(family: Family, width: Int, layers: Int, heads: Int, intermediateWidth: Int,
                layerNormEpsilon: Double = 1e-12) {
        self.family = family
        self.width = width
        self.layers = layers
        self.heads = heads
        self.intermediateWidth = intermediateWidth
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// Why a config.json cannot be used.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads a Hugging Face config.json.
    public init(contentsOf path: String) throws {
        try RegularFile.require(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(description: "\(path): cannot read the model config")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Invalid(description: "\(path): not a JSON object")
        }
        func number(_ key: String) throws -> Double {
            guard let value = json[key] as? NSNumber else {
                throw Invalid(description: "\(path): missing or non-numeric '\(key)'")
            }
            return value.doubleValue
        }
        /// A whole number of `key` within `range`: beyond it no real checkpoint lies, and sizes
        /// that large would only fail to allocate.
        func integer(_ key: String, _ range: ClosedRange<Int>) throws -> Int {
            let value = try number(key)
            guard value == value.rounded(), value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
                throw Invalid(description: "\(path): '\(key)' is \(json[key] ?? "?"); it must be a whole number in "
                              + "\(range.lowerBound)...\(range.upperBound)")
            }
            return Int(value)
        }
        let type = json["model_type"] as? String ?? "?"
        guard let family = Family(rawValue: type) else {
            throw Invalid(description: "\(path): model_type '\(type)' is not supported; "
                          + "supported: \(Family.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let activation: String
        switch json["hidden_act"] {
        case nil: activation = "gelu"
        case let name as String: activation = name
        case let other?: throw Invalid(description: "\(path): hidden_act is \(other), not the name of an activation")
        }
        guard activation == "gelu" else {
            throw Invalid(description: "\(path): hidden_act '\(activation)' is not supported (only the exact 'gelu')")
        }
        let size = 1 << 24
        self.init(family: family, width: try integer("hidden_size", 1...65_536), layers: try integer("num_hidden_layers", 1...1_000),
                  heads: try integer("num_attention_heads", 1...65_536), intermediateWidth: try integer("intermediate_size", 1...size),
                  layerNormEpsilon: try number("layer_norm_eps"))
        guard layerNormEpsilon > 0, layerNormEpsilon.isFinite else {
            throw Invalid(description: "\(path): 'layer_norm_eps' must be a positive number")
        }
        guard heads > 0, width % heads == 0 else {
            throw Invalid(description: "\(path): hidden_size \(width) is not a multiple of num_attention_heads \(heads)")
        }
        switch family {
        case .bert, .roberta:
            vocabularySize = try integer("vocab_size", 1...size)
            maxPositions = try integer("max_position_embeddings", 1...size)
            typeVocabularySize = try integer("type_vocab_size", 1...size)
            padTokenID = json["pad_token_id"] == nil || json["pad_token_id"] is NSNull ? 0 : try integer("pad_token_id", 0...(vocabularySize - 1))
        case .vit:
            imageSize = try integer("image_size", 1...65_536)
            patchSize = try integer("patch_size", 1...65_536)
            channels = try integer("num_channels", 1...1_024)
            guard patchSize > 0, imageSize % patchSize == 0 else {
                throw Invalid(description: "\(path): image_size \(imageSize) is not a multiple of patch_size \(patchSize)")
            }
        }
    }

    /// n = 2L + 1.
    public var nodeCount: Int { 2 * layers + 1 }
}
