import PluginSDK

/// The standard baselines over the 2L parallel edges (i, i+1): all of them,
/// the first k, or the last k.
protocol ParallelBaseline: Strategy {
    /// The edges of the placement, given all parallel edges in node order.
    static func choose(k: Int, from parallel: [Edge]) -> [Edge]
    /// Whether k must be at most the number of parallel edges.
    static var takesK: Bool { get }
}

extension ParallelBaseline {
    func select(k: Int, host: PluginHost) throws -> [Edge] {
        let parallel = (0..<max(host.nodeCount - 1, 0)).map { Edge($0, $0 + 1) }
        guard !Self.takesK || k <= parallel.count else {
            throw PluginError.invalidArgument("k = \(k) but the backbone has only \(parallel.count) parallel edges")
        }
        return Self.choose(k: k, from: parallel)
    }
}

/// An adapter on every sub-layer: all 2L parallel edges (k is ignored).
final class ParallelEvery: ParallelBaseline {
    static let info = PluginInfo(id: "parallel-every", name: "Parallel, every sub-layer", version: "1.0.0",
                                 summary: "The standard baseline: all 2L parallel edges; ignores k.")
    static let takesK = false

    init(configuration: Configuration) throws {}

    static func choose(k: Int, from parallel: [Edge]) -> [Edge] { parallel }
}

/// The first k parallel edges: adapters on the k earliest sub-layers.
final class FirstK: ParallelBaseline {
    static let info = PluginInfo(id: "first-k", name: "First k parallel", version: "1.0.0",
                                 summary: "Parallel adapters on the k earliest sub-layers.")
    static let takesK = true

    init(configuration: Configuration) throws {}

    static func choose(k: Int, from parallel: [Edge]) -> [Edge] { Array(parallel.prefix(k)) }
}

/// The last k parallel edges: adapters on the k latest sub-layers.
final class LastK: ParallelBaseline {
    static let info = PluginInfo(id: "last-k", name: "Last k parallel", version: "1.0.0",
                                 summary: "Parallel adapters on the k latest sub-layers.")
    static let takesK = true

    init(configuration: Configuration) throws {}

    static func choose(k: Int, from parallel: [Edge]) -> [Edge] { Array(parallel.suffix(k)) }
}
