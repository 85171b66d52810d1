import ArgumentParser
import Core

/// The backbone `bench pass` and `bench score` time.
struct ModelOptions: ParsableArguments {
    @Option(help: "The backbone folder (config.json, model.safetensors).")
    var model: String = CacheFolder.miniLM

    /// The backbone, which must be a text one: the benchmarks time
    /// batches of token ids.
    func load() throws -> Backbone<Float> {
        let backbone = try Backbone<Float>.load(directory: try CacheFolder.require(model))
        guard case .tokens = backbone.embeddings else {
            throw ValidationError("the engine benchmarks time token batches; \(model) holds an image backbone")
        }
        return backbone
    }
}
