import Core
import Foundation

/// The task a run trains and scores on: a backbone checkpoint, the data, and
/// the options that decide how the data becomes examples. Paths are kept as
/// given; `TaskIdentity` records what the files held.
public struct TaskSpecification: Codable, Hashable, Sendable {
    /// Where a task's examples come from.
    public enum DataSource: Hashable, Sendable {
        /// WordNet noun supersenses from Debian's wordnet-base, split 80/10/10 with the data seed.
        case wordNetNouns
        /// WordNet verb supersenses from Debian's wordnet-base, split 80/10/10 with the data seed.
        case wordNetVerbs
        /// The user's text files (.csv, .tsv or .jsonl), one per split.
        case textFiles(TextFiles)
        /// Fashion-MNIST from Debian's dataset-fashion-mnist.
        case fashionMNIST
        /// The user's images and labels (.npy or IDX).
        case imageFiles(ImageFiles)
    }

    /// Text files, one per split, and the columns (or JSON keys) to read.
    public struct TextFiles: Codable, Hashable, Sendable {
        public var train: String
        public var validation: String
        public var test: String
        public var textColumn: String
        public var labelColumn: String

        public init(train: String, validation: String, test: String, textColumn: String = "text", labelColumn: String = "label") {
            self.train = train
            self.validation = validation
            self.test = test
            self.textColumn = textColumn
            self.labelColumn = labelColumn
        }
    }

    /// Image and label files of the training and test splits (validation is
    /// held out of training with the data seed).
    public struct ImageFiles: Codable, Hashable, Sendable {
        public var trainImages: String
        public var trainLabels: String
        public var testImages: String
        public var testLabels: String

        public init(trainImages: String, trainLabels: String, testImages: String, testLabels: String) {
            self.trainImages = trainImages
            self.trainLabels = trainLabels
            self.testImages = testImages
            self.testLabels = testLabels
        }
    }

    /// The backbone folder (config.json, model.safetensors, and vocab.txt for text).
    public var model: String
    /// The examples.
    public var data: DataSource
    /// Seed of the built-in tasks' stratified splits and of the validation split held out of training images.
    public var dataSeed: UInt64
    /// Tokens per example, [CLS] and [SEP] included (text tasks).
    public var maxLength: Int

    /// A task; the defaults are the default task's (MiniLM + WordNet noun supersenses).
    public init(model: String = CacheFolder.miniLM, data: DataSource = .wordNetNouns, dataSeed: UInt64 = 0, maxLength: Int = 64) {
        self.model = model
        self.data = data
        self.dataSeed = dataSeed
        self.maxLength = maxLength
    }

    /// True for image tasks (a ViT backbone).
    public var isImageTask: Bool {
        switch data {
        case .fashionMNIST, .imageFiles: true
        case .wordNetNouns, .wordNetVerbs, .textFiles: false
        }
    }

    /// The data files the task reads, in a fixed order.
    public var dataFiles: [String] {
        switch data {
        case .wordNetNouns: [WordNetSupersenses.PartOfSpeech.noun.defaultPath]
        case .wordNetVerbs: [WordNetSupersenses.PartOfSpeech.verb.defaultPath]
        case let .textFiles(files): [files.train, files.validation, files.test]
        case .fashionMNIST: [true, false].flatMap { train in
            let (images, labels) = FashionMNIST.files(train: train)
            return [images, labels]
        }
        case let .imageFiles(files): [files.trainImages, files.trainLabels, files.testImages, files.testLabels]
        }
    }

    /// The data in words, for reports.
    public var dataSummary: String {
        switch data {
        case .wordNetNouns: "WordNet noun supersenses"
        case .wordNetVerbs: "WordNet verb supersenses"
        case let .textFiles(files): "\(URL(fileURLWithPath: files.train).lastPathComponent) (and its validation and test files)"
        case .fashionMNIST: "Fashion-MNIST"
        case let .imageFiles(files): "images \(files.trainImages)"
        }
    }

    /// The backbone and the task's examples.
    public func load() throws -> (Backbone<Float>, any ClassificationTask) {
        let backbone = try Backbone<Float>.load(directory: try CacheFolder.require(model))
        if isImageTask {
            guard case let .patches(patches) = backbone.embeddings else {
                throw TaskError.needsImageBackbone(model: model)
            }
            let train: ImageDataset, test: ImageDataset, classes: [String], file: String
            if case let .imageFiles(files) = data {
                train = try ImageDataset.read(images: files.trainImages, labels: files.trainLabels)
                test = try ImageDataset.read(images: files.testImages, labels: files.testLabels)
                classes = (0...(train.labels.max() ?? 0)).map(String.init)
                file = files.trainImages
            } else {
                (train, test, classes) = (try FashionMNIST.load(train: true), try FashionMNIST.load(train: false), FashionMNIST.classes)
                file = FashionMNIST.defaultFolder
            }
            try train.check(channels: patches.channels, size: patches.imageSize, file: file)
            return (backbone, try ImageTask(train: train, test: test, classes: classes, seed: dataSeed))
        }
        guard case let .tokens(table) = backbone.embeddings else { throw TaskError.needsTextBackbone(model: model) }
        let tokenizer = try WordPieceTokenizer(vocabularyFile: model + "/vocab.txt")
        guard tokenizer.vocabularySize <= table.word.rows else {
            throw TaskError.vocabularyBeyondEmbeddings(tokens: tokenizer.vocabularySize, rows: table.word.rows, model: model)
        }
        let splits = try textSplits()
        let task = TextTask(splits: splits, tokenizer: tokenizer, maxLength: maxLength)
        guard task.longestExample <= table.longestSequence else {
            throw TaskError.examplesBeyondPositions(longest: task.longestExample, maxLength: maxLength, positions: table.longestSequence,
                                                    model: model)
        }
        return (backbone, task)
    }

    /// The splits of a text task: the user's three files, or a WordNet task
    /// split with the data seed.
    private func textSplits() throws -> DataSplits {
        let partOfSpeech: WordNetSupersenses.PartOfSpeech
        switch data {
        case let .textFiles(files):
            func rows(_ path: String) throws -> [(text: String, label: String)] {
                try LabelledTextFile.rows(path: path, textColumn: files.textColumn, labelColumn: files.labelColumn)
            }
            let train = TextDataset(rows: try rows(files.train))
            try train.requireSeveralClasses(file: files.train)
            return DataSplits(train: train, validation: try train.encoding(try rows(files.validation), file: files.validation),
                              test: try train.encoding(try rows(files.test), file: files.test))
        case .wordNetNouns: partOfSpeech = .noun
        case .wordNetVerbs: partOfSpeech = .verb
        case .fashionMNIST, .imageFiles: preconditionFailure("image tasks have no text splits")
        }
        let dataset = try WordNetSupersenses.load(partOfSpeech)
        try dataset.requireSeveralClasses(file: partOfSpeech.defaultPath)
        return DataSplits.stratified(dataset, seed: dataSeed)
    }
}

/// Why a task cannot be loaded as specified.
public enum TaskError: Error, CustomStringConvertible, Equatable {
    /// An image task on a text backbone.
    case needsImageBackbone(model: String)
    /// A text task on an image backbone.
    case needsTextBackbone(model: String)
    /// Examples longer (at `--max-length`) than the backbone's position table.
    case examplesBeyondPositions(longest: Int, maxLength: Int, positions: Int, model: String)
    /// A vocabulary with ids beyond the backbone's word embeddings.
    case vocabularyBeyondEmbeddings(tokens: Int, rows: Int, model: String)

    public var description: String {
        switch self {
        case let .needsImageBackbone(model): "\(model) is a text backbone; image tasks need a ViT"
        case let .needsTextBackbone(model): "\(model) is an image backbone; text tasks need a BERT"
        case let .examplesBeyondPositions(longest, maxLength, positions, model):
            "at --max-length \(maxLength) the longest example has \(longest) tokens, more than the \(positions) positions of \(model); "
                + "use --max-length \(positions) or less"
        case let .vocabularyBeyondEmbeddings(tokens, rows, model):
            "\(model)/vocab.txt has \(tokens) tokens, but the model's word embeddings have \(rows) rows: "
                + "the vocabulary does not belong to this checkpoint"
        }
    }
}

extension TaskSpecification.DataSource: Codable {
    private enum CodingKeys: String, CodingKey { case kind, files }
    private enum Kind: String, Codable {
        case wordnetNouns = "wordnet-nouns", wordnetVerbs = "wordnet-verbs", textFiles = "text-files", fashionMNIST = "fashion-mnist", imageFiles = "image-files"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Kind.self, forKey: .kind) {
        case .wordnetNouns: self = .wordNetNouns
        case .wordnetVerbs: self = .wordNetVerbs
        case .textFiles: self = .textFiles(try container.decode(TaskSpecification.TextFiles.self, forKey: .files))
        case .fashionMNIST: self = .fashionMNIST
        case .imageFiles: self = .imageFiles(try container.decode(TaskSpecification.ImageFiles.self, forKey: .files))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kindName, forKey: .kind)
        switch self {
        case .wordNetNouns, .wordNetVerbs, .fashionMNIST: break
        case let .textFiles(files): try container.encode(files, forKey: .files)
        case let .imageFiles(files): try container.encode(files, forKey: .files)
        }
    }
}
