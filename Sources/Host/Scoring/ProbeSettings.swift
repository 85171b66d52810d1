import Core
import Foundation

/// How a run's probe passes are made (METHOD.md section 4).
public struct ProbeSettings: Codable, Equatable, Sendable {
    /// How the probe's head is made.
    public enum Head: String, Codable, Sendable, CaseIterable {
        /// PyTorch's nn.Linear init, drawn from the probe seed.
        case random
        /// A linear probe trained first on frozen features (100 steps).
        case fitted
    }

    /// Training examples in the probe batch.
    public var size: Int
    /// Seed of the probe batch, the random head and the adapter inits.
    public var seed: UInt64
    /// The probe's head.
    public var head: Head

    public init(size: Int = 32, seed: UInt64 = 0, head: Head = .random) {
        self.size = size
        self.seed = seed
        self.head = head
    }

    /// The probe sizes of `--probe-size`: one positive whole number, or a
    /// comma-separated list of them (a sweep of `compare`). An empty list,
    /// an empty or non-numeric item, or a size below 1 is an error saying
    /// what to give.
    public static func sizes(parsing text: String) throws(RunError) -> [Int] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        guard !text.isEmpty, !items.contains(where: \.isEmpty) else {
            throw .invalidSetting("--probe-size '\(text)' has an empty size; give a number of examples, or several comma-separated (8,32,128)")
        }
        return try items.map { item throws(RunError) in
            guard let size = Int(item.trimmingCharacters(in: .whitespaces)) else {
                throw .invalidSetting("--probe-size '\(item)' is not a number of examples; give a whole number, or several comma-separated (8,32,128)")
            }
            guard size >= 1 else {
                throw .invalidSetting("--probe-size must be positive: a probe batch needs at least 1 example, not \(size)")
            }
            return size
        }
    }

    /// These settings with another probe seed.
    public func seeded(_ seed: UInt64) -> ProbeSettings {
        var copy = self
        copy.seed = seed
        return copy
    }

    /// The probe's head on `task`: drawn, or fitted (which trains).
    public func head(backbone: Backbone<Float>, task: some ClassificationTask) throws -> Linear<Float> {
        let kind: Probe.Head = head == .random ? .random(seed: seed)
            : .fitted(TrainingBudget(steps: 100, learningRate: 3e-3, seed: seed, evaluationLimit: 1))
        return try Probe.head(kind, backbone: backbone, task: task)
    }

    /// The probe's head, then the probe pass, on `task`.
    func run(backbone: Backbone<Float>, task: some ClassificationTask) throws -> EngineProbe {
        run(backbone: backbone, task: task, head: try head(backbone: backbone, task: task))
    }

    /// The probe pass on `task` with `head`, served as the engine's probe services.
    func run(backbone: Backbone<Float>, task: some ClassificationTask, head: Linear<Float>) -> EngineProbe {
        let probe = Probe(backbone: backbone, batch: Probe.batch(of: task, size: size, seed: seed), head: head)
        return EngineProbe(probe: probe, seed: seed,
                           source: .init(backbone: backbone, task: task, probeSeed: seed, probeSize: size))
    }
}
