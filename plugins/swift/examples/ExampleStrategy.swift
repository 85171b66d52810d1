// ExampleStrategy.swift — an AdapterSearch strategy plugin in Swift, on the
// SDK package plugins/swift/AdapterSearchPluginSDK.
// `adapter-search plugins new --lang swift --kind strategy ID DIR` writes this
// file into a package of its own with the id replaced.
//
// The strategy: "example.swift.kind-rotation"
//
// Greedy by a metric's scores, one edge kind at a time: the best sequential
// edge, then the best parallel, long-range and recurrent ones, then round
// again, skipping kinds the candidate space has run out of. A placement of k
// edges so spans every kind it can, where top-k may take k edges of one kind.
// Deterministic: it depends on the candidates, the scores and k only.
// Replace `select` with your heuristic: the host also offers evaluations
// (host.search().evaluate), a seeded random stream and checkpoints.

import CAdapterSearch
import PluginSDK

final class ExampleStrategy: Strategy {
    static let info = PluginInfo(
        id: "example.swift.kind-rotation", name: "Kind rotation (Swift example)", version: "1.0.0",
        summary: "Greedy by a metric's scores, taking the best edge of each kind in turn.",
        parameters: [.string("metric", default: "gradient-rank", help: "id of the metric whose scores guide the choice")])

    private let metric: String

    init(configuration: Configuration) throws {
        metric = try configuration.string("metric")
    }

    func select(k: Int, host: PluginHost) throws -> [Edge] {
        let candidates = try host.candidateEdges()
        // Scores oriented so that higher is better, whatever the metric's direction.
        let scores = try host.search().orientedScores(metric: metric, edges: candidates)
        // Each kind's candidates, best first (ties: the host's order).
        var queues = EdgeKind.allCases.map { kind in
            candidates.indices.filter { candidates[$0].kind == kind }
                .sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }[...]
        }
        var chosen: [Edge] = []
        while chosen.count < min(k, candidates.count) {
            for kind in queues.indices where chosen.count < k {
                if let next = queues[kind].popFirst() { chosen.append(candidates[next]) }
            }
        }
        return chosen
    }
}

/// The one exported symbol (the package's linker script hides the rest).
@_cdecl("asp_plugin_entry")
public func entry(_ hostABI: UInt32) -> UnsafePointer<asp_library>? {
    PluginLibrary.entry(hostABI, exporting: [ExampleStrategy.self])
}
