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
        func integer(_ key: String) throws -> Int {
            let value = try number(key)
            guard value == value.rounded(), value >= 0 else { throw Invalid(description: "\(path): '\(key)' must be a whole number") }
            return Int(value)
        }
        let type = json["model_type"] as? String ?? "?"
        guard let family = Family(rawValue: type) else {
            throw Invalid(description: "\(path): model_type '\(type)' is not supported; "
                          + "supported: \(Family.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let activation = json["hidden_act"] as? String ?? "gelu"
        guard activation == "gelu" else {
            throw Invalid(description: "\(path): hidden_act '\(activation)' is not supported (only the exact 'gelu')")
        }
        self.init(family: family, width: try integer("hidden_size"), layers: try integer("num_hidden_layers"),
                  heads: try integer("num_attention_heads"), intermediateWidth: try integer("intermediate_size"),
                  layerNormEpsilon: try number("layer_norm_eps"))
        guard heads > 0, width % heads == 0 else {
            throw Invalid(description: "\(path): hidden_size \(width) is not a multiple of num_attention_heads \(heads)")
        }
        switch family {
        case .bert, .roberta:
            vocabularySize = try integer("vocab_size")
            maxPositions = try integer("max_position_embeddings")
            typeVocabularySize = try integer("type_vocab_size")
            padTokenID = (json["pad_token_id"] as? NSNumber)?.intValue ?? 0
        case .vit:
            imageSize = try integer("image_size")
            patchSize = try integer("patch_size")
            channels = try integer("num_channels")
            guard patchSize > 0, imageSize % patchSize == 0 else {
                throw Invalid(description: "\(path): image_size \(imageSize) is not a multiple of patch_size \(patchSize)")
            }
        }
    }

    /// n = 2L + 1.
    public var nodeCount: Int { 2 * layers + 1 }
}
