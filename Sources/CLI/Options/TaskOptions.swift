import ArgumentParser
import Core
import Foundation
import Host

/// The built-in text tasks `--task` names.
enum BuiltInTextTask: String, CaseIterable, ExpressibleByArgument {
    /// WordNet noun supersenses, the default task.
    case wordnetNouns = "wordnet-nouns"
    /// WordNet verb supersenses.
    case wordnetVerbs = "wordnet-verbs"

    /// The task's data.
    var source: TaskSpecification.DataSource {
        switch self {
        case .wordnetNouns: .wordNetNouns
        case .wordnetVerbs: .wordNetVerbs
        }
    }
}

/// The task a command runs on: a built-in text task (by default MiniLM +
/// WordNet noun supersenses), the user's text files, or images for a ViT
/// backbone.
struct TaskOptions: ParsableArguments {
    @Option(help: "The backbone folder (config.json, model.safetensors, and vocab.txt for text).")
    var model: String = CacheFolder.miniLM

    @Option(help: "A built-in text task: WordNet noun supersenses (wordnet-nouns, the default) or verb supersenses (wordnet-verbs).")
    var task: BuiltInTextTask?

    @Option(help: "Training data (.csv, .tsv or .jsonl); without it the task is a built-in one (--task).")
    var trainFile: String?

    @Option(help: "Validation data (with --train-file).")
    var validationFile: String?

    @Option(help: "Test data (with --train-file).")
    var testFile: String?

    @Option(help: "The text column (or JSON key) of the data files.")
    var textColumn: String = "text"

    @Option(help: "The label column (or JSON key) of the data files.")
    var labelColumn: String = "label"

    @Flag(help: "Images: Fashion-MNIST from Debian's dataset-fashion-mnist (needs a ViT --model taking 1 x 28 x 28).")
    var fashionMnist = false

    @Option(help: "Images: training images, N x C x H x W or N x H x W (.npy, or IDX, gzipped or not).")
    var trainImages: String?

    @Option(help: "Images: training labels, N integers (.npy or IDX).")
    var trainLabels: String?

    @Option(help: "Images: test images (with --train-images).")
    var testImages: String?

    @Option(help: "Images: test labels (with --train-images).")
    var testLabels: String?

    @Option(help: "Seed of the WordNet tasks' stratified 80/10/10 splits (and of the validation split held out of training images).")
    var dataSeed: UInt64 = 0

    @Option(help: "Tokens per example, [CLS] and [SEP] included.")
    var maxLength: Int = 64

    func validate() throws {
        if trainFile == nil, validationFile != nil || testFile != nil {
            throw ValidationError("--validation-file and --test-file go with --train-file (without it the task is a built-in one, --task)")
        }
        if trainImages == nil, trainLabels != nil || testImages != nil || testLabels != nil {
            throw ValidationError("--train-labels, --test-images and --test-labels go with --train-images")
        }
        guard maxLength >= 3 else {
            throw ValidationError("--max-length must be at least 3: [CLS], one token of text and [SEP]")
        }
        if trainFile != nil, validationFile == nil || testFile == nil {
            throw ValidationError("--train-file needs --validation-file and --test-file")
        }
        if trainImages != nil, trainLabels == nil || testImages == nil || testLabels == nil {
            throw ValidationError("--train-images needs --train-labels, --test-images and --test-labels")
        }
        let chosen = [("--task", task != nil), ("--train-file", trainFile != nil), ("--train-images", trainImages != nil),
                      ("--fashion-mnist", fashionMnist)].filter(\.1).map(\.0)
        if chosen.count > 1 {
            throw ValidationError("choose one task, not \(chosen.joined(separator: " and ")): --task names a built-in text task, "
                                  + "--train-file your own text, --train-images or --fashion-mnist images")
        }
    }

    /// The task these options name, every path made absolute (a stored run
    /// resumes from any folder).
    var specification: TaskSpecification {
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        let data: TaskSpecification.DataSource
        if let trainFile, let validationFile, let testFile {
            data = .textFiles(.init(train: absolute(trainFile), validation: absolute(validationFile), test: absolute(testFile),
                                    textColumn: textColumn, labelColumn: labelColumn))
        } else if let trainImages, let trainLabels, let testImages, let testLabels {
            data = .imageFiles(.init(trainImages: absolute(trainImages), trainLabels: absolute(trainLabels),
                                     testImages: absolute(testImages), testLabels: absolute(testLabels)))
        } else {
            data = fashionMnist ? .fashionMNIST : (task ?? .wordnetNouns).source
        }
        return TaskSpecification(model: absolute(model), data: data, dataSeed: dataSeed, maxLength: maxLength)
    }

    /// The backbone and the task.
    func load() throws -> (Backbone<Float>, any ClassificationTask) {
        try specification.load()
    }
}
