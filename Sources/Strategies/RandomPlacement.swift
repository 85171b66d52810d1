import PluginSDK

/// k candidate edges drawn uniformly from the host's seeded stream.
final class RandomPlacement: Strategy {
    static let info = PluginInfo(id: "random", name: "Random", version: "1.0.0",
                                 summary: "k distinct candidate edges drawn uniformly at random (seeded).")
    init(configuration: Configuration) throws {}

    func select(k: Int, host: PluginHost) throws -> [Edge] {
        try host.sample(k, from: try host.candidates(atLeast: k))
    }
}

/// Trains n random k-sets and keeps the one with the best validation accuracy
/// (the paper's "extended max").
final class RandomBestOfN: Strategy {
    static let info = PluginInfo(
        id: "random-best-of-n", name: "Random, best of n", version: "1.0.0",
        summary: "Trains n random k-edge placements and keeps the best by validation accuracy.",
        parameters: [.int("n", default: 100, in: 1...100_000, help: "how many random placements to train"),
                     stepsParameter])
    private let count: Int
    private let steps: Int

    init(configuration: Configuration) throws {
        count = try configuration.int("n")
        steps = try configuration.int("steps")
    }

    func select(k: Int, host: PluginHost) throws -> [Edge] {
        let edges = try host.candidates(atLeast: k)
        let placements = try host.randomPlacements(count, k: k, from: edges)
        return try host.search().best(of: placements, steps: steps, host: host)
    }
}
