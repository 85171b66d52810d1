import Foundation

/// What a task was, by content: the digests of the backbone's files and of
/// the data files, and one digest of those with every option that decides
/// the examples. Two runs are on the same task when their digests are equal,
/// wherever the files lay; a renamed copy of the same data is the same task,
/// an edited file is another.
public struct TaskIdentity: Codable, Hashable, Sendable {
    /// The version of the digest's recipe; a new recipe is a new number.
    public static let recipe = 1

    /// SHA-256 over the backbone's config.json, model.safetensors and vocab.txt (when present).
    public var model: String?
    /// SHA-256 over the data files, in `TaskSpecification.dataFiles` order.
    public var data: String?
    /// SHA-256 of the recipe, `model`, `data`, the data source's kind, its columns,
    /// the data seed and the maximum length. Nil for a run made before tasks had
    /// digests (a store migrated from 0.6.0): such a run matches by specification.
    public var digest: String?

    /// An identity from its parts.
    public init(model: String?, data: String?, digest: String?) {
        self.model = model
        self.data = data
        self.digest = digest
    }

    /// The identity of a run that recorded none (made by 0.6.0).
    public static let unrecorded = TaskIdentity(model: nil, data: nil, digest: nil)

    /// Reads every file `task` names and takes its identity.
    public init(of task: TaskSpecification) throws(ContentDigest.Failure) {
        let modelFiles = ["config.json", "model.safetensors", "vocab.txt"].map { task.model + "/" + $0 }
            .filter { FileManager.default.fileExists(atPath: $0) }
        func digest(of files: [String]) throws(ContentDigest.Failure) -> String {
            var parts: [(name: String, digest: String)] = []
            for file in files { parts.append((URL(fileURLWithPath: file).lastPathComponent, try ContentDigest.sha256(file: file))) }
            return ContentDigest.combining(parts)
        }
        let model = try digest(of: modelFiles), data = try digest(of: task.dataFiles)
        var parts = [("recipe", String(Self.recipe)), ("model", model), ("data", data), ("source", task.data.kindName)]
        if case let .textFiles(files) = task.data { parts += [("text_column", files.textColumn), ("label_column", files.labelColumn)] }
        parts += [("data_seed", String(task.dataSeed)), ("max_length", String(task.maxLength))]
        self.init(model: model, data: data, digest: ContentDigest.combining(parts))
    }

    /// True when runs with these identities and specifications are on the
    /// same task: equal digests, or, when either run recorded none, equal
    /// specifications.
    public static func sameTask(_ a: (TaskSpecification, TaskIdentity), _ b: (TaskSpecification, TaskIdentity)) -> Bool {
        if let first = a.1.digest, let second = b.1.digest { return first == second }
        return a.0 == b.0
    }
}

extension TaskSpecification.DataSource {
    /// The source's kind as the configuration's JSON names it.
    var kindName: String {
        switch self {
        case .wordNetNouns: "wordnet-nouns"
        case .wordNetVerbs: "wordnet-verbs"
        case .textFiles: "text-files"
        case .fashionMNIST: "fashion-mnist"
        case .imageFiles: "image-files"
        }
    }
}
