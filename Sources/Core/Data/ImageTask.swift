/// An image classification task for a ViT backbone: a training set, from
/// which a seeded stratified validation split is held out, and a test set.
public struct ImageTask: ClassificationTask {
    /// The class names; labels index them.
    public let classes: [String]
    private let training: ImageDataset
    private let testing: ImageDataset
    /// Indices into `training` of the train and validation splits.
    private let trainIndices: [Int], validationIndices: [Int]

    /// Holds out `validation` of each class of `train` (seeded), keeps `test` whole.
    public init(train: ImageDataset, test: ImageDataset, classes: [String], validation: Double = 0.1, seed: UInt64) throws {
        guard (test.channels, test.height, test.width) == (train.channels, train.height, train.width) else {
            throw DataError.malformedLine(file: "test images", line: 0,
                                          reason: "they are \(test.channels) x \(test.height) x \(test.width), the training images "
                                              + "\(train.channels) x \(train.height) x \(train.width)")
        }
        if Set(train.labels).count < 2 {
            throw DataError.singleClass(file: "training images", label: train.labels.first.map { classes.indices.contains($0) ? classes[$0] : "\($0)" } ?? "")
        }
        if let label = (train.labels + test.labels).first(where: { !classes.indices.contains($0) }) {
            throw DataError.malformedLine(file: "labels", line: 0, reason: "label \(label) is not one of the \(classes.count) classes")
        }
        var random = SeededRandom(seed: seed, stream: "splits")
        var trainIndices: [Int] = [], validationIndices: [Int] = []
        for label in classes.indices {
            var members = train.labels.indices.filter { train.labels[$0] == label }
            members.shuffle(using: &random)
            let held = Int((Double(members.count) * validation).rounded())
            validationIndices += members.prefix(held)
            trainIndices += members.dropFirst(held)
        }
        trainIndices.shuffle(using: &random)
        validationIndices.shuffle(using: &random)
        self.classes = classes
        training = train
        testing = test
        self.trainIndices = trainIndices
        self.validationIndices = validationIndices
    }

    /// Examples of a split.
    public func count(_ split: Split) -> Int {
        switch split {
        case .train: trainIndices.count
        case .validation: validationIndices.count
        case .test: testing.count
        }
    }

    /// The images at `indices` of `split` as one batch.
    public func batch(_ split: Split, _ indices: [Int]) -> LabelledBatch<Float> {
        let (dataset, rows) = switch split {
        case .train: (training, indices.map { trainIndices[$0] })
        case .validation: (training, indices.map { validationIndices[$0] })
        case .test: (testing, indices)
        }
        let size = dataset.channels * dataset.height * dataset.width
        return LabelledBatch(input: .images(pixels: rows.flatMap { dataset.pixels[($0 * size)..<(($0 + 1) * size)] }, count: rows.count),
                             labels: rows.map { dataset.labels[$0] }, keys: indices.map { split.key(of: $0) })
    }
}
