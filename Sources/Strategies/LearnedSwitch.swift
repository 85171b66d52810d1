import PluginSDK

/// Adaptable adapters' learned switch: an adapter on every candidate edge,
/// each behind a relaxed Bernoulli gate, trained together with a sparsity
/// pressure (the engine's `asp.gated/1` service); the k edges whose gates
/// ended most open are the placement, or with `keep=open` every edge whose
/// gate ended open whatever k (the ABI asks for k ≥ 1, so k = 0 cannot say
/// it). The host then trains the chosen placement from scratch.
/// The gates' probabilities are checkpointed, so a resumed run does not
/// train them again.
final class LearnedSwitch: Strategy {
    static let info = PluginInfo(
        id: "learned-switch", name: "Learned switch", version: "1.0.0",
        summary: "Trains every candidate adapter behind a learned gate with a sparsity pressure; keeps the k most open gates.",
        parameters: [
            .real("sparsity", default: 0.2, in: 0...1000, help: "lambda: the weight of the mean probability that a gate is open"),
            .real("temperature", default: 1, in: 1e-3...100, help: "the gates' temperature at the first step"),
            .real("final-temperature", default: 0.1, in: 1e-3...100, help: "the gates' temperature at the last step"),
            .real("gate-lr", default: 0.05, in: 1e-6...10, help: "learning rate of the gates' logits"),
            .int("gate-steps", default: 0, atLeast: 0, help: "steps of the gated training; 0 takes the run's"),
            .string("keep", default: "top-k", help: "top-k: the k most open gates; open: every gate that ended open (> 0.5), whatever k"),
        ])
    private let budget: GatedBudget
    /// Whether every open gate is kept rather than the k most open.
    private let keepsEveryOpenGate: Bool

    init(configuration: Configuration) throws {
        budget = GatedBudget(steps: try configuration.int("gate-steps"), gateLearningRate: try configuration.real("gate-lr"),
                             sparsity: try configuration.real("sparsity"),
                             initialTemperature: try configuration.real("temperature"),
                             finalTemperature: try configuration.real("final-temperature"))
        let keep = try configuration.string("keep")
        guard keep == "top-k" || keep == "open" else {
            throw PluginError.invalidArgument("keep must be top-k or open, not '\(keep)'")
        }
        keepsEveryOpenGate = keep == "open"
    }

    func select(k: Int, host: PluginHost) throws -> [Edge] {
        let edges = try host.candidates(atLeast: k)
        let checkpoints = try? host.checkpointing()
        let probabilities: [Double]
        if let saved = try checkpoints?.load(), let known = GateCheckpoint.probabilities(saved, count: edges.count) {
            probabilities = known
        } else {
            let outcome = try host.gated().train(edges, budget: budget)
            guard !outcome.diverged else {
                throw PluginError.engine("the gated training of \(edges.count) candidate adapters diverged; "
                                         + "lower the learning rate or the gates' (--set gate-lr=...)")
            }
            host.log(.info, "learned-switch: gated model validation accuracy \(outcome.accuracy), "
                     + "\(outcome.probabilities.filter { $0 > 0.5 }.count) of \(edges.count) gates open")
            probabilities = outcome.probabilities
            try checkpoints?.save(GateCheckpoint.bytes(probabilities))
        }
        let order = edges.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
        return keepsEveryOpenGate ? order.filter { probabilities[$0] > 0.5 }.map { edges[$0] } : order.prefix(k).map { edges[$0] }
    }
}

/// The learned switch's checkpoint: the gates' probabilities as 64-bit
/// little-endian IEEE doubles, one per candidate.
enum GateCheckpoint {
    static func bytes(_ probabilities: [Double]) -> [UInt8] {
        probabilities.flatMap { value in (0..<8).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) } }
    }

    /// The probabilities in `bytes`, or nil unless they are `count` of them.
    static func probabilities(_ bytes: [UInt8], count: Int) -> [Double]? {
        guard bytes.count == 8 * count else { return nil }
        return (0..<count).map { index in
            Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[8 * index + $1]) << (8 * $1) })
        }
    }
}
