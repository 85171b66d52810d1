import PluginSDK

/// The parallel edges (i, i+1) of the graph, in node order.
private func parallelEdges(_ host: PluginHost) -> [Edge] {
    (0..<max(host.nodeCount - 1, 0)).map { Edge($0, $0 + 1) }
}

/// Checks that `k` parallel edges exist.
private func checkParallelCount(_ k: Int, _ host: PluginHost) throws {
    guard k <= host.nodeCount - 1 else {
        throw PluginError.invalidArgument("k = \(k) but the backbone has only \(host.nodeCount - 1) parallel edges")
    }
}

/// An adapter on every sub-layer: all 2L parallel edges (k is ignored).
final class ParallelEvery: Strategy {
    static let info = PluginInfo(id: "parallel-every", name: "Parallel, every sub-layer", version: "1.0.0",
                                 summary: "The standard baseline: all 2L parallel edges; ignores k.")
    private let host: PluginHost

    init(host: PluginHost, configuration: Configuration) throws {
        self.host = host
    }

    func select(k: Int) throws -> [Edge] { parallelEdges(host) }
}

/// The first k parallel edges: adapters on the k earliest sub-layers.
final class FirstK: Strategy {
    static let info = PluginInfo(id: "first-k", name: "First k parallel", version: "1.0.0",
                                 summary: "Parallel adapters on the k earliest sub-layers.")
    private let host: PluginHost

    init(host: PluginHost, configuration: Configuration) throws {
        self.host = host
    }

    func select(k: Int) throws -> [Edge] {
        try checkParallelCount(k, host)
        return Array(parallelEdges(host).prefix(k))
    }
}

/// The last k parallel edges: adapters on the k latest sub-layers.
final class LastK: Strategy {
    static let info = PluginInfo(id: "last-k", name: "Last k parallel", version: "1.0.0",
                                 summary: "Parallel adapters on the k latest sub-layers.")
    private let host: PluginHost

    init(host: PluginHost, configuration: Configuration) throws {
        self.host = host
    }

    func select(k: Int) throws -> [Edge] {
        try checkParallelCount(k, host)
        return Array(parallelEdges(host).suffix(k))
    }
}
