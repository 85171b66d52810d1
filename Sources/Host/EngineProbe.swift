import CAdapterSearch
import Core
import Foundation

/// The probe services of the v1 ABI served by the engine (METHOD.md section
/// 4): one real probe pass, every edge gradient from one product, and their
/// spectra and ranks computed once for all n^2 edges on every core the first
/// time a metric asks, then shared by every metric.
final class EngineProbe: ProbeProvider, @unchecked Sendable {
    // @unchecked: the caches are guarded by `lock`; everything else is immutable.

    /// The probe pass.
    let probe: Probe
    /// G_ij for every edge.
    let edgeGradients: EdgeGradients
    /// Seed of the adapter inits snip asks for.
    let seed: UInt64
    private let lock = NSLock()
    private var spectra: [Edge: [Double]]?
    private var ranks: [Double: [Edge: Int]] = [:]
    /// How many probe passes ran (one forward and one backward each).
    private(set) var passes = 1

    /// Serves `probe`; adapter inits are drawn from `seed`.
    init(probe: Probe, seed: UInt64) {
        self.probe = probe
        self.seed = seed
        edgeGradients = EdgeGradients(probe)
    }

    private var edges: [Edge] { Edge.all(nodeCount: probe.nodeCount) }

    private func check(probe number: Int, node: Int? = nil) throws {
        guard number == 0 else { throw ServiceError(status: ASP_ERR_NOT_FOUND, description: "no probe \(number); this run has probe 0") }
        if let node, !(0..<probe.nodeCount).contains(node) {
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "no node \(node); nodes are 0...\(probe.nodeCount - 1)")
        }
    }

    private func check(edge: Edge) throws {
        guard (0..<probe.nodeCount).contains(edge.source), (0..<probe.nodeCount).contains(edge.target) else {
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "no edge \(edge) over \(probe.nodeCount) nodes")
        }
    }

    func info(probe number: Int) throws -> ProbeSummary {
        try check(probe: number)
        return ProbeSummary(width: probe.width, tokens: probe.tokens, examples: probe.examples, classes: probe.classes, loss: probe.loss)
    }

    func activations(probe number: Int, node: Int) throws -> Matrix<Float> {
        try check(probe: number, node: node)
        return probe.activations[node]
    }

    func gradients(probe number: Int, node: Int) throws -> Matrix<Float> {
        try check(probe: number, node: node)
        return probe.gradients[node]
    }

    func edgeGradient(probe number: Int, edge: Edge) throws -> Matrix<Float> {
        try check(probe: number)
        try check(edge: edge)
        return edgeGradients[edge]
    }

    func singularValues(probe number: Int, edge: Edge) throws -> [Double] {
        try check(probe: number)
        try check(edge: edge)
        if let spectra = lock.withLock({ spectra }) { return spectra[edge]! }
        let all = try forEveryEdge { gradient in
            try gradient.values.withUnsafeBufferPointer { try Spectrum.singularValues(rows: gradient.rows, cols: gradient.cols, values: $0) }
        }
        lock.withLock { spectra = all }
        return all[edge]!
    }

    func rank(probe number: Int, edge: Edge, relativeTolerance: Double) throws -> Int {
        try check(probe: number)
        try check(edge: edge)
        if let known = lock.withLock({ ranks[relativeTolerance] }) { return known[edge]! }
        let all = try forEveryEdge { gradient in
            try gradient.values.withUnsafeBufferPointer {
                try Spectrum.rank(rows: gradient.rows, cols: gradient.cols, values: $0, relativeTolerance: relativeTolerance)
            }
        }
        lock.withLock { ranks[relativeTolerance] = all }
        return all[edge]!
    }

    /// `body` of every edge's G_ij, the edges spread over the cores.
    private func forEveryEdge<T>(_ body: (Matrix<Float>) throws -> T) throws -> [Edge: T] {
        let edges = self.edges
        var results = [Result<T, any Error>?](repeating: nil, count: edges.count)
        results.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots  // each chunk writes its own slots
            Parallel.forEachChunk(edges.count, minimumChunk: 1) { range in
                for index in range { slots[index] = Result { try body(edgeGradients[edges[index]]) } }
            }
        }
        var table: [Edge: T] = [:]
        for (edge, result) in zip(edges, results) { table[edge] = try result!.get() }
        return table
    }

    func adapterInit(edge: Edge, rank: Int) throws -> (down: Matrix<Float>, up: Matrix<Float>) {
        try check(edge: edge)
        guard rank > 0 else { throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "rank must be positive") }
        let options = AdapterOptions(rank: rank, initialization: .houlsby)  // both projections drawn small and non-zero
        let adapter = AdapterGraph<Float>.initialized(Placement([.init(edge: edge, options: options)]), width: probe.width, seed: seed)
            .adapters[0]
        return (adapter.down.weight, adapter.up.weight)
    }

    func runPass(_ request: PassRequest) throws -> Int {
        throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "extra passes are not served by this engine yet")
    }
}
