import Core
import Foundation
import Testing

/// A checkpoint that disagrees with its config is refused with an error
/// naming the file and the tensor.
@Suite struct CheckpointLoadingTests {
    static let tinyViT = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tiny-vit").path

    /// A copy of the tiny ViT checkpoint with its config.json edited by `edit`.
    func checkpoint(editing edit: (inout [String: Any]) -> Void) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.tinyViT + "/model.safetensors", toPath: folder + "/model.safetensors")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.tinyViT + "/config.json")))
            as! [String: Any]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: folder + "/config.json"))
        return folder
    }

    @Test func theFixtureLoads() throws {
        let backbone = try Backbone<Float>.load(directory: Self.tinyViT)
        #expect(backbone.nodeCount == 5 && backbone.width == 32)
    }

    @Test func aWidthTheTensorsDoNotHaveIsAShapeError() throws {
        let folder = try checkpoint { $0["hidden_size"] = 64; $0["num_attention_heads"] = 4 }
        let error = #expect(throws: CheckpointError.self) { try Backbone<Float>.load(directory: folder) }
        guard case .wrongShape(_, let name, _, let found)? = error else { Issue.record("expected wrongShape"); return }
        #expect(name.hasPrefix("embeddings.") && found.contains(32))
        #expect(error!.description.contains("model.safetensors"))
    }

    @Test func moreLayersThanTheFileHoldsIsAMissingTensor() throws {
        let folder = try checkpoint { $0["num_hidden_layers"] = 3 }
        let error = #expect(throws: CheckpointError.self) { try Backbone<Float>.load(directory: folder) }
        guard case .missingTensor(_, let name)? = error else { Issue.record("expected missingTensor"); return }
        #expect(name.hasPrefix("encoder.layer.2."))
    }

    @Test func fewerLayersThanTheFileHoldsIsAnErrorNotIgnoredTensors() throws {
        let folder = try checkpoint { $0["num_hidden_layers"] = 1 }
        #expect(throws: CheckpointError.moreLayersThanConfigured(file: folder + "/model.safetensors", configured: 1, found: 2)) {
            try Backbone<Float>.load(directory: folder)
        }
    }

    /// A named pipe where a file belongs would block the read forever.
    @Test func aNamedPipeInsteadOfAFileIsRefusedAtOnce() throws {
        for name in ["model.safetensors", "config.json"] {
            let folder = try checkpoint { _ in }
            try FileManager.default.removeItem(atPath: folder + "/" + name)
            #expect(mkfifo(folder + "/" + name, 0o600) == 0)
            let error = #expect(throws: (any Error).self) { try Backbone<Float>.load(directory: folder) }
            #expect("\(error.map { "\($0)" } ?? "")".contains("named pipe"), "\(name): \(String(describing: error))")
        }
        let folder = try checkpoint { _ in }
        #expect(mkfifo(folder + "/vocab.txt", 0o600) == 0 && mkfifo(folder + "/data.csv", 0o600) == 0)
        #expect(throws: RegularFile.NotRegular(path: folder + "/vocab.txt", kind: "a named pipe (FIFO)")) {
            try WordPieceTokenizer(vocabularyFile: folder + "/vocab.txt")
        }
        #expect(throws: RegularFile.NotRegular(path: folder + "/data.csv", kind: "a named pipe (FIFO)")) {
            try LabelledTextFile.rows(path: folder + "/data.csv")
        }
        #expect(throws: RegularFile.NotRegular(path: folder, kind: "a folder")) { try ImageDataset.read(images: folder, labels: folder) }
    }

    @Test func aTextConfigOverImageWeightsFindsNoLayout() throws {
        let folder = try checkpoint {
            $0["model_type"] = "bert"; $0["vocab_size"] = 10; $0["max_position_embeddings"] = 8; $0["type_vocab_size"] = 2
        }
        #expect(throws: CheckpointError.unknownLayout(file: folder + "/model.safetensors", family: "bert")) {
            try Backbone<Float>.load(directory: folder)
        }
    }

    @Test func badConfigsAreRefusedWithTheirReason() throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("model_type 'gpt2' is not supported", { $0["model_type"] = "gpt2" }),
            ("hidden_act 'relu' is not supported", { $0["hidden_act"] = "relu" }),
            ("missing or non-numeric 'patch_size'", { $0["patch_size"] = nil }),
            ("not a multiple of num_attention_heads", { $0["num_attention_heads"] = 5 }),
            ("'hidden_size' is 1e+30; it must be a whole number in 1...65536", { $0["hidden_size"] = 1e30 }),
            ("'num_hidden_layers' is 0; it must be a whole number in 1...1000", { $0["num_hidden_layers"] = 0 }),
            ("'num_hidden_layers' is 1000000000", { $0["num_hidden_layers"] = 1_000_000_000 }),
            ("'intermediate_size' is 1e+30", { $0["intermediate_size"] = 1e30 }),
            ("'image_size' is -4", { $0["image_size"] = -4 }),
            ("hidden_act is 5, not the name of an activation", { $0["hidden_act"] = 5 }),
            ("'layer_norm_eps' must be a positive number", { $0["layer_norm_eps"] = 0 }),
        ]
        for (message, edit) in cases {
            let folder = try checkpoint(editing: edit)
            let error = #expect(throws: BackboneConfig.Invalid.self) { try Backbone<Float>.load(directory: folder) }
            #expect(error?.description.contains(message) == true, "\(message): got \(String(describing: error))")
        }
    }
}

@Suite struct CheckpointSavingTests {
    @Test(arguments: [BackboneConfig.Family.bert, .vit])
    func savedCheckpointsLoadBackIdentically(_ family: BackboneConfig.Family) throws {
        var config = BackboneConfig(family: family, width: 16, layers: 2, heads: 2, intermediateWidth: 32)
        if family == .vit { config.imageSize = 8; config.patchSize = 4; config.channels = 3 } else {
            config.vocabularySize = 30; config.maxPositions = 16; config.typeVocabularySize = 2
        }
        let original = Backbone<Float>.random(config, seed: 5)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saved-\(UUID().uuidString)").path
        try original.save(config, to: folder)
        #expect(try BackboneConfig(contentsOf: folder + "/config.json") == config)
        let loaded = try Backbone<Float>.load(directory: folder)
        let input: BackboneInput<Float> = family == .vit
            ? .images(pixels: (0..<2 * 3 * 64).map { Float($0 % 7) / 7 }, count: 2)
            : .tokens(ids: [2, 5, 7, 9], types: [0, 0, 0, 0], layout: BatchLayout(examples: 1, length: 4))
        #expect(loaded.forward(input).nodes == original.forward(input).nodes)
    }
}
