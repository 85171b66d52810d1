/// The order a training run visits its examples in (METHOD.md section 7).
/// Either way each epoch starts from a fresh seeded shuffle of the training
/// split and every batch is a function of (seed, step) alone, so a run is
/// reproducible and resumable at any step.
public enum BatchOrder: Hashable, Sendable {
    /// The shuffle cut into consecutive batches.
    case shuffled
    /// The shuffle cut into windows of `window` batches; each window's
    /// examples sorted by size (text: tokens), cut into batches, and those
    /// batches visited in a seeded order. Batches pad less while each window
    /// still draws from the whole split.
    case lengthGrouped(window: Int)

    /// The window `length-grouped` means when it names none: 32 batches.
    public static let defaultWindow = 32

    /// The batch order `text` names: `shuffled`, `length-grouped` or
    /// `length-grouped:BATCHES`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first, parts.count) {
        case ("shuffled", 1): self = .shuffled
        case ("length-grouped", 1): self = .lengthGrouped(window: Self.defaultWindow)
        case ("length-grouped", 2):
            guard let window = Int(parts[1]), window >= 1 else { return nil }
            self = .lengthGrouped(window: window)
        default: return nil
        }
    }

    /// The text that names this order (what `init?(_:)` reads).
    public var name: String {
        switch self {
        case .shuffled: "shuffled"
        case .lengthGrouped(let window): "length-grouped:\(window)"
        }
    }

    /// The training examples of step `step` of `task` in batches of `size`
    /// under `seed`: epoch `step / (count / size)` visits `count / size`
    /// whole batches (the remainder of its shuffle is left out).
    public func indices(step: Int, size: Int, seed: UInt64, of task: some ClassificationTask) -> [Int] {
        let total = task.count(.train), perEpoch = max(total / size, 1)
        let epoch = step / perEpoch, position = step % perEpoch
        var random = SeededRandom(seed: seed, stream: "epoch \(epoch)")
        let order = Array(0..<total).shuffled(using: &random)
        switch self {
        case .shuffled:
            return Array(order[position * size..<min((position + 1) * size, total)])
        case .lengthGrouped(let window):
            let first = position / window * window, batches = min(window, perEpoch - first)
            let members = order[min(first * size, total)..<min((first + batches) * size, total)]
            let bySize = members.enumerated()
                .map { (size: task.size(of: $0.element, in: .train), place: $0.offset, index: $0.element) }
                .sorted { ($0.size, $0.place) < ($1.size, $1.place) }.map(\.index)
            var windowRandom = SeededRandom(seed: seed, stream: "epoch \(epoch) window \(first / window)")
            let visit = Array(0..<batches).shuffled(using: &windowRandom)[position - first]
            return Array(bySize[min(visit * size, bySize.count)..<min((visit + 1) * size, bySize.count)])
        }
    }
}

extension BatchOrder: Codable {
    /// Reads the order's name.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let order = BatchOrder(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not a batch order (shuffled, length-grouped[:BATCHES])"))
        }
        self = order
    }

    /// Writes the order's name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
