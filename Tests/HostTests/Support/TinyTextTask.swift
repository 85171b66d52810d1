import Core
import Foundation

/// A tiny task for command tests: a random 2-block BERT (d = 16) with a word
/// vocabulary, and CSV files of a two-class task.
enum TinyTextTask {
    /// What the labels are.
    enum Labels {
        /// Water or land animal: two classes, learnt perfectly or not at all.
        case habitat
        /// Colour and animal: nine classes, word order varied; accuracy
        /// varies from one placement to the next (what `compare` needs).
        case colourAndAnimal
    }

    /// A tiny BERT checkpoint (5 nodes) with a word vocabulary, and train,
    /// validation and test files of a classification task.
    static func write(in folder: URL, labels: Labels = .habitat) throws -> (model: String, data: [String]) {
        let words = ["red", "green", "blue", "cat", "dog", "fish", "runs", "sleeps", "the", "a"]
        var config = BackboneConfig(family: .bert, width: 16, layers: 2, heads: 2, intermediateWidth: 32)
        config.vocabularySize = 4 + words.count; config.maxPositions = 32; config.typeVocabularySize = 2
        let model = folder.appendingPathComponent("model").path
        try Backbone<Float>.random(config, seed: 2).save(config, to: model)
        try (["[PAD]", "[UNK]", "[CLS]", "[SEP]"] + words).joined(separator: "\n")
            .write(toFile: model + "/vocab.txt", atomically: true, encoding: .utf8)
        var random = SeededRandom(seed: 3)
        let sizes = labels == .habitat ? [64, 16, 16] : [96, 48, 48]
        let data = try zip(["train", "validation", "test"], sizes).map { name, size -> String in
            let rows = (0..<size).map { _ -> String in
                let animal = ["cat", "dog", "fish"].randomElement(using: &random)!
                let colour = ["red", "green", "blue"].randomElement(using: &random)!
                switch labels {
                case .habitat:
                    return "the \(colour) \(animal) runs,\(animal == "fish" ? "water" : "land")"
                case .colourAndAnimal:
                    let verb = ["runs", "sleeps"].randomElement(using: &random)!
                    let text = Bool.random(using: &random) ? "the \(colour) \(animal) \(verb)" : "a \(animal) \(verb) \(colour)"
                    return "\(text),\(colour)-\(animal)"
                }
            }
            let path = folder.appendingPathComponent("\(name).csv").path
            try (["text,label"] + rows).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        return (model, data)
    }
}
