import Core
import Foundation

/// A tiny task for command tests: a random 2-block BERT (d = 16) with a word
/// vocabulary, and CSV files of a two-class task.
enum TinyTextTask {
    /// A tiny BERT checkpoint (5 nodes) with a word vocabulary, and train,
    /// validation and test files of a two-class task.
    static func write(in folder: URL) throws -> (model: String, data: [String]) {
        let words = ["red", "green", "blue", "cat", "dog", "fish", "runs", "sleeps", "the", "a"]
        var config = BackboneConfig(family: .bert, width: 16, layers: 2, heads: 2, intermediateWidth: 32)
        config.vocabularySize = 4 + words.count; config.maxPositions = 32; config.typeVocabularySize = 2
        let model = folder.appendingPathComponent("model").path
        try Backbone<Float>.random(config, seed: 2).save(config, to: model)
        try (["[PAD]", "[UNK]", "[CLS]", "[SEP]"] + words).joined(separator: "\n")
            .write(toFile: model + "/vocab.txt", atomically: true, encoding: .utf8)
        var random = SeededRandom(seed: 3)
        let data = try ["train", "validation", "test"].map { name -> String in
            let rows = (0..<(name == "train" ? 64 : 16)).map { _ -> String in
                let animal = ["cat", "dog", "fish"].randomElement(using: &random)!
                let colour = ["red", "green", "blue"].randomElement(using: &random)!
                return "the \(colour) \(animal) runs,\(animal == "fish" ? "water" : "land")"
            }
            let path = folder.appendingPathComponent("\(name).csv").path
            try (["text,label"] + rows).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        return (model, data)
    }
}
