import ArgumentParser
import Core
import Foundation

/// `adapter-search train`: trains one placement and reports its accuracy.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train adapters on a placement (and a linear head) on a frozen backbone; report validation and test accuracy.")

    @Option(help: "The placement, e.g. 12>0:r8,3>4:r4:gelu; 'none' trains the head alone (a linear probe).")
    var placement: String

    @OptionGroup var task: TaskOptions

    @OptionGroup var budget: BudgetOptions

    @Flag(help: "Stop gradients at recurrent edges' pass-1 sources.")
    var stopGradient = false

    @Option(help: "Write adapters.safetensors (adapters and head) and placement.json here.")
    var out: String?

    @Flag(help: "Print {\"val_acc\", \"test_acc\", \"params\", \"seconds\"} as JSON.")
    var json = false

    func run() throws {
        let start = Date()
        let (backbone, loaded) = try task.load()
        let spec = try Placement(parsing: placement, nodeCount: backbone.nodeCount)
        let progress = ProgressBar(total: budget.steps, enabled: !json)
        let prefixes = budget.prefixCache(for: backbone)
        let run = try TrainingRun.train(spec, on: loaded, backbone: backbone, budget: budget.budget,
                                        stopsGradientAtRecurrentSources: stopGradient, prefixes: prefixes,
                                        progress: progress.update)
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        if let out { try TrainedPlacement(state: run.state, classes: loaded.classes).write(to: out) }
        let validation = run.validation, test = run.test!
        let result = TrainResult(val_acc: validation.accuracy, test_acc: test.accuracy, params: run.state.parameterCount,
                                 seconds: seconds)
        if json {
            print(try jsonText(result))
        } else {
            print("placement        \(spec)")
            print("validation acc   \(String(format: "%.4f", validation.accuracy)) (\(validation.examples) examples)")
            print("test acc         \(String(format: "%.4f", test.accuracy)) (\(test.examples) examples)")
            print("trainable params \(result.params)")
            print("time             \(String(format: "%.1f", seconds)) s")
        }
    }
}

/// What `train --json` prints.
struct TrainResult: Codable {
    var val_acc: Double
    var test_acc: Double
    var params: Int
    var seconds: Double
}

/// The training budget every command that trains shares.
struct BudgetOptions: ParsableArguments {
    @Option(help: "Optimiser steps.")
    var steps: Int = 300

    @Option(help: "Examples per step.")
    var batchSize: Int = 32

    @Option(help: "Peak learning rate (AdamW, linear warmup over 10% of the steps, then cosine).")
    var learningRate: Double = 1e-3

    @Option(help: "Decoupled weight decay on weights (none on biases and scales).")
    var weightDecay: Double = 1e-4

    @Option(help: "Seed of the initialisation and the batch order.")
    var seed: UInt64 = 0

    @Option(help: "Evaluate on at most this many validation and test examples.")
    var evaluationLimit: Int?

    @Option(help: "GiB of frozen node values kept in memory; beyond it they spill to a temporary file. 0 turns the prefix cache off.")
    var cacheMemory: Double = 4

    func validate() throws {
        guard steps > 0, batchSize > 0 else { throw ValidationError("--steps and --batch-size must be positive") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive") }
        guard cacheMemory >= 0, cacheMemory.isFinite else { throw ValidationError("--cache-memory must be 0 or more") }
    }

    var budget: TrainingBudget {
        TrainingBudget(steps: steps, batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay, seed: seed,
                       evaluationLimit: evaluationLimit)
    }

    /// The prefix cache these options ask for (nil when --cache-memory is 0).
    func prefixCache(for backbone: Backbone<Float>) -> PrefixCache<Float>? {
        cacheMemory > 0 ? PrefixCache(backbone: backbone, memoryBudget: Int(cacheMemory * Double(1 << 30))) : nil
    }
}

/// The task a command runs on: the default (MiniLM + WordNet noun
/// supersenses), the user's text files, or images for a ViT backbone.
struct TaskOptions: ParsableArguments {
    @Option(help: "The backbone folder (config.json, model.safetensors, and vocab.txt for text).")
    var model: String = CacheFolder.miniLM

    @Option(help: "Training data (.csv, .tsv or .jsonl); without it the task is WordNet noun supersenses.")
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

    @Option(help: "Seed of the default task's stratified 80/10/10 splits (and of the validation split held out of training images).")
    var dataSeed: UInt64 = 0

    @Option(help: "Tokens per example, [CLS] and [SEP] included.")
    var maxLength: Int = 64

    func validate() throws {
        if trainFile != nil, validationFile == nil || testFile == nil {
            throw ValidationError("--train-file needs --validation-file and --test-file")
        }
        if trainImages != nil, trainLabels == nil || testImages == nil || testLabels == nil {
            throw ValidationError("--train-images needs --train-labels, --test-images and --test-labels")
        }
        if [trainFile != nil, trainImages != nil, fashionMnist].filter({ $0 }).count > 1 {
            throw ValidationError("choose one task: --train-file, --train-images or --fashion-mnist")
        }
    }

    /// Every option that decides the task, as one text: two runs are on the
    /// same task when theirs are equal.
    var identity: String {
        [model, trainFile ?? "", validationFile ?? "", testFile ?? "", textColumn, labelColumn, String(fashionMnist),
         trainImages ?? "", trainLabels ?? "", testImages ?? "", testLabels ?? "", String(dataSeed), String(maxLength)]
            .joined(separator: "\u{1F}")
    }

    /// The backbone and the task.
    func load() throws -> (Backbone<Float>, any ClassificationTask) {
        let backbone = try Backbone<Float>.load(directory: try CacheFolder.require(model))
        if fashionMnist || trainImages != nil {
            guard case let .patches(patches) = backbone.embeddings else {
                throw ValidationError("\(model) is a text backbone; image tasks need a ViT")
            }
            let train: ImageDataset, test: ImageDataset, classes: [String]
            if let trainImages, let trainLabels, let testImages, let testLabels {
                train = try ImageDataset.read(images: trainImages, labels: trainLabels)
                test = try ImageDataset.read(images: testImages, labels: testLabels)
                classes = (0...(train.labels.max() ?? 0)).map(String.init)
            } else {
                (train, test, classes) = (try FashionMNIST.load(train: true), try FashionMNIST.load(train: false), FashionMNIST.classes)
            }
            try train.check(channels: patches.channels, size: patches.imageSize, file: trainImages ?? FashionMNIST.defaultFolder)
            return (backbone, try ImageTask(train: train, test: test, classes: classes, seed: dataSeed))
        }
        guard case .tokens = backbone.embeddings else { throw ValidationError("\(model) is an image backbone; text tasks need a BERT") }
        let tokenizer = try WordPieceTokenizer(vocabularyFile: model + "/vocab.txt")
        let splits: DataSplits
        if let trainFile, let validationFile, let testFile {
            let train = TextDataset(rows: try LabelledTextFile.rows(path: trainFile, textColumn: textColumn, labelColumn: labelColumn))
            func split(_ path: String) throws -> TextDataset {
                try train.encoding(try LabelledTextFile.rows(path: path, textColumn: textColumn, labelColumn: labelColumn), file: path)
            }
            splits = DataSplits(train: train, validation: try split(validationFile), test: try split(testFile))
        } else {
            splits = DataSplits.stratified(try WordNetSupersenses.load(), seed: dataSeed)
        }
        return (backbone, TextTask(splits: splits, tokenizer: tokenizer, maxLength: maxLength))
    }
}

/// A one-line progress bar on standard error: step, loss, rate and ETA.
final class ProgressBar {
    private let total: Int, enabled: Bool, start = Date()
    private var smoothedLoss: Double?

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled && isatty(2) != 0 || enabled && ProcessInfo.processInfo.environment["ADAPTER_SEARCH_PROGRESS"] != nil
    }

    func update(_ done: Int, _ loss: Double) {
        smoothedLoss = smoothedLoss.map { 0.9 * $0 + 0.1 * loss } ?? loss
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start), rate = Double(done) / max(elapsed, 1e-9)
        let filled = done * 30 / max(total, 1)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
        let line = String(format: "\r[%@] %d/%d loss %.4f %.2f steps/s ETA %.0fs", bar, done, total, smoothedLoss ?? 0, rate,
                          Double(total - done) / max(rate, 1e-9))
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// The trained adapters and head, as files PyTorch users can read.
struct TrainedPlacement {
    var state: TrainableState<Float>
    var classes: [String]

    func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var tensors: [(name: String, shape: [Int], values: [Float])] = [
            ("head.weight", [state.head.weight.rows, state.head.weight.cols], state.head.weight.values),
            ("head.bias", [state.head.bias.count], state.head.bias),
        ]
        for (entry, adapter) in zip(state.graph.placement.entries, state.graph.adapters) {
            let name = "adapters.\(entry.edge.source)_\(entry.edge.target)."
            tensors += [(name + "down.weight", [adapter.down.weight.rows, adapter.down.weight.cols], adapter.down.weight.values),
                        (name + "down.bias", [adapter.down.bias.count], adapter.down.bias),
                        (name + "up.weight", [adapter.up.weight.rows, adapter.up.weight.cols], adapter.up.weight.values),
                        (name + "up.bias", [adapter.up.bias.count], adapter.up.bias),
                        (name + "scale", [adapter.scale.count], adapter.scale)]
        }
        try SafeTensorsWriter.write(tensors, metadata: ["placement": state.graph.placement.description], to: folder + "/adapters.safetensors")
        let description: [String: Any] = [
            "placement": state.graph.placement.description,
            "classes": classes,
            "stop_gradient_at_recurrent_sources": state.graph.stopsGradientAtRecurrentSources,
            "edges": state.graph.placement.entries.map { entry -> [String: Any] in
                var options: [String: Any] = ["source": entry.edge.source, "target": entry.edge.target, "kind": entry.edge.kind.description,
                                              "rank": entry.options.rank, "activation": entry.options.activation.rawValue,
                                              "init": entry.options.initialization.rawValue]
                switch entry.options.scale {
                case let .scalar(alpha): options["scale"] = alpha
                case .channel: options["scale"] = "channel"
                }
                return options
            },
        ]
        try JSONSerialization.data(withJSONObject: description, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: folder + "/placement.json"))
    }
}
