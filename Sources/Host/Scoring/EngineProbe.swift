import CAdapterSearch
import Core
import Foundation

/// The probe services of the v1 ABI served by the engine (METHOD.md section
/// 4). Probe 0 is the run's probe pass; `runPass` adds more. For each probe,
/// every edge gradient comes from one product, and the spectra and ranks of
/// all n^2 edges are computed once on every core the first time a metric
/// asks, then shared by every metric.
final class EngineProbe: ProbeProvider, @unchecked Sendable {
    // @unchecked: every mutable cache is guarded by `lock`.

    /// What extra passes are made from: the backbone and task of the run,
    /// and the probe batch's seed and size.
    struct PassSource {
        var backbone: Backbone<Float>
        var task: any ClassificationTask
        var probeSeed: UInt64
        var probeSize: Int
    }

    /// Seed of the adapter inits snip asks for.
    let seed: UInt64
    private let source: PassSource?
    private let lock = NSLock()
    private var probes: [Probe]
    private var edgeGradients: [Int: EdgeGradients] = [:]
    private var spectra: [Int: [Edge: [Double]]] = [:]
    private var ranks: [RankKey: [Edge: Int]] = [:]
    private var absoluteBackbone: Backbone<Float>?

    private struct RankKey: Hashable {
        var probe: Int
        var tolerance: Double
    }

    /// Serves `probe` as probe 0; adapter inits are drawn from `seed`. Extra
    /// passes need `source`; without it `runPass` is unsupported.
    init(probe: Probe, seed: UInt64, source: PassSource? = nil) {
        probes = [probe]
        self.seed = seed
        self.source = source
    }

    /// The run's probe pass (probe 0).
    var probe: Probe { lock.withLock { probes[0] } }

    /// Every probe so far: the run's and each extra pass's, by number.
    var allProbes: [Probe] { lock.withLock { probes } }

    /// How many probe passes ran: the run's own and every extra one.
    var passes: Int { lock.withLock { probes.count } }

    private var nodeCount: Int { probe.nodeCount }

    private func stored(_ number: Int, node: Int? = nil) throws -> Probe {
        let count = passes
        guard (0..<count).contains(number) else {
            throw ServiceError(status: ASP_ERR_NOT_FOUND, description: "no probe \(number); this run has probes 0...\(count - 1)")
        }
        let probe = lock.withLock { probes[number] }
        if let node, !(0..<probe.nodeCount).contains(node) {
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "no node \(node); nodes are 0...\(probe.nodeCount - 1)")
        }
        return probe
    }

    private func check(edge: Edge) throws {
        guard edge.isInside(nodeCount: nodeCount) else {
            throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "no edge \(edge) over \(nodeCount) nodes")
        }
    }

    /// Every edge gradient of probe `number`, from one product the first time.
    private func gradients(_ number: Int) throws -> EdgeGradients {
        let probe = try stored(number)
        if let known = lock.withLock({ edgeGradients[number] }) { return known }
        let computed = EdgeGradients(probe)
        lock.withLock { edgeGradients[number] = computed }
        return computed
    }

    func info(probe number: Int) throws -> ProbeSummary {
        let probe = try stored(number)
        return ProbeSummary(width: probe.width, tokens: probe.tokens, examples: probe.examples, classes: probe.classes, loss: probe.loss)
    }

    func activations(probe number: Int, node: Int) throws -> Matrix<Float> {
        try stored(number, node: node).activations[node]
    }

    func gradients(probe number: Int, node: Int) throws -> Matrix<Float> {
        try stored(number, node: node).gradients[node]
    }

    func edgeGradient(probe number: Int, edge: Edge) throws -> Matrix<Float> {
        try check(edge: edge)
        return try gradients(number)[edge]
    }

    func singularValues(probe number: Int, edge: Edge) throws -> [Double] {
        try check(edge: edge)
        if let known = lock.withLock({ spectra[number] }) { return known[edge]! }
        let all = try forEveryEdge(of: number) { gradient in
            try gradient.values.withUnsafeBufferPointer { try Spectrum.singularValues(rows: gradient.rows, cols: gradient.cols, values: $0) }
        }
        lock.withLock { spectra[number] = all }
        return all[edge]!
    }

    func rank(probe number: Int, edge: Edge, relativeTolerance: Double) throws -> Int {
        try check(edge: edge)
        let key = RankKey(probe: number, tolerance: relativeTolerance)
        if let known = lock.withLock({ ranks[key] }) { return known[edge]! }
        let all = try forEveryEdge(of: number) { gradient in
            try gradient.values.withUnsafeBufferPointer {
                try Spectrum.rank(rows: gradient.rows, cols: gradient.cols, values: $0, relativeTolerance: relativeTolerance)
            }
        }
        lock.withLock { ranks[key] = all }
        return all[edge]!
    }

    /// `body` of every edge's G_ij in probe `number`, the edges spread over the cores.
    private func forEveryEdge<T>(of number: Int, _ body: (Matrix<Float>) throws -> T) throws -> [Edge: T] {
        let gradients = try gradients(number)
        let edges = Edge.all(nodeCount: nodeCount)
        var results = [Result<T, any Error>?](repeating: nil, count: edges.count)
        results.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots  // each chunk writes its own slots
            Parallel.forEachChunk(edges.count, minimumChunk: 1) { range in
                for index in range { slots[index] = Result { try body(gradients[edges[index]]) } }
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

    /// Runs an extra pass (project choices, see README): batch seed 0 is the
    /// probe batch (its first `examples` when fewer are asked for), any other
    /// seed draws that many training examples with it; "ones" sets node 0,
    /// the embeddings' output, to 1 on every row; "absolute" replaces every
    /// backbone weight by |w| (the head is the probe's, as it is).
    func runPass(_ request: PassRequest) throws -> Int {
        guard let source else {
            throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "this run serves no extra passes (it has no task to draw batches from)")
        }
        let examples = request.examples == 0 ? source.probeSize : request.examples
        let batch = Probe.batch(of: source.task, size: examples, seed: request.batchSeed == 0 ? source.probeSeed : request.batchSeed)
        let backbone: Backbone<Float>
        switch request.weights {
        case .asIs:
            backbone = source.backbone
        case .absolute:
            if let known = lock.withLock({ absoluteBackbone }) {
                backbone = known
            } else {
                backbone = source.backbone.mapped(abs)
                lock.withLock { absoluteBackbone = backbone }
            }
        }
        let pass = Probe.Pass(start: request.input == .ones ? .ones : .embedded,
                              loss: request.loss == .sumOfOutputs ? .sumOfOutputs : .crossEntropy,
                              maps: request.perturbations)
        let extra: Probe
        do {
            extra = try Probe(backbone: backbone, batch: batch, head: probe.head, pass: pass)
        } catch {
            var status = ASP_ERR_INVALID_ARGUMENT
            if case .recurrentMap = error { status = ASP_ERR_UNSUPPORTED }
            throw ServiceError(status: status, description: error.description)
        }
        return lock.withLock {
            probes.append(extra)
            return probes.count - 1
        }
    }
}
