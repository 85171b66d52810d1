/// The adapters of a placement on a frozen backbone. They run as modules on
/// the edges of the residual graph (`ResidualGraph`, METHOD.md section 2):
/// recurrent edges make two passes, the loss is taken on the second.
public struct AdapterGraph<Scalar: Real>: Sendable {
    /// What the adapters are.
    public var placement: Placement
    /// One adapter per placement entry.
    public var adapters: [Adapter<Scalar>]
    /// When true, no gradient flows into pass 1 through recurrent edges' sources.
    public var stopsGradientAtRecurrentSources: Bool

    /// A graph of given adapters.
    public init(placement: Placement, adapters: [Adapter<Scalar>], stopsGradientAtRecurrentSources: Bool = false) {
        precondition(placement.entries.count == adapters.count, "one adapter per placement entry")
        self.placement = placement
        self.adapters = adapters
        self.stopsGradientAtRecurrentSources = stopsGradientAtRecurrentSources
    }

    /// Adapters initialised as each entry's options say, from `seed`.
    public static func initialized(_ placement: Placement, width: Int, seed: UInt64,
                                   stopsGradientAtRecurrentSources: Bool = false) -> AdapterGraph {
        let adapters = placement.entries.map { entry -> Adapter<Scalar> in
            var random = SeededRandom(seed: seed, stream: "adapter:\(entry.edge)")
            let rank = entry.options.rank
            func matrix(_ rows: Int, _ cols: Int, _ draw: () -> Double) -> Matrix<Scalar> {
                Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { _ in Scalar(draw()) })
            }
            let down: Matrix<Scalar>, up: Matrix<Scalar>
            switch entry.options.initialization {
            case .standard:
                down = matrix(rank, width) { random.truncatedNormal(std: 0.01) }
                up = Matrix(zeros: width, rank)
            case .houlsby:
                down = matrix(rank, width) { random.truncatedNormal(std: 0.01) }
                up = matrix(width, rank) { random.truncatedNormal(std: 0.01) }
            case .lora:
                let bound = 1 / Double(width).squareRoot()  // kaiming_uniform_(a = sqrt 5), as PEFT's LoRA
                down = matrix(rank, width) { Double.random(in: -bound...bound, using: &random) }
                up = Matrix(zeros: width, rank)
            }
            let scale: [Scalar]
            switch entry.options.scale {
            case let .scalar(alpha): scale = [Scalar(alpha)]
            case .channel: scale = [Scalar](repeating: 1, count: width)
            }
            return Adapter(down: Linear(weight: down, bias: [Scalar](repeating: 0, count: rank)),
                           up: Linear(weight: up, bias: [Scalar](repeating: 0, count: width)),
                           scale: scale, phi: Adapter<Scalar>.Phi(initial: entry.options.activation))
        }
        return AdapterGraph(placement: placement, adapters: adapters,
                            stopsGradientAtRecurrentSources: stopsGradientAtRecurrentSources)
    }

    /// Trainable adapter parameters.
    public var parameterCount: Int { adapters.reduce(0) { $0 + $1.parameterCount } }

    /// The first node the adapters change: the smallest target of any edge,
    /// or the last node when there is no edge (the readout reads it). Node
    /// values up to it, taken before its adapters, are the frozen backbone's.
    public func firstChangedNode(nodeCount: Int) -> Int {
        placement.edges.map(\.target).min() ?? nodeCount - 1
    }

    /// The recurrent edges' sources whose pass-1 value is the frozen
    /// backbone's: all of them when no other edge targets a node at or below
    /// the largest of them (pass 1 then runs no adapter, so it is frozen and
    /// needs neither running nor differentiating); none otherwise.
    public func frozenRecurrentSources(nodeCount: Int) -> [Int] {
        let edges = placement.edges
        guard let lastSource = edges.filter({ $0.kind == .recurrent }).map(\.source).max() else { return [] }
        let firstOtherTarget = edges.filter { $0.kind != .recurrent }.map(\.target).min() ?? nodeCount
        return firstOtherTarget > lastSource ? Set(edges.filter { $0.kind == .recurrent }.map(\.source)).sorted() : []
    }

    /// The frozen nodes a forward pass reads: the first changed node (its
    /// value before adapters), the sources of edges that start below it and
    /// the frozen recurrent sources.
    public func frozenNodes(nodeCount: Int) -> [Int] {
        let start = firstChangedNode(nodeCount: nodeCount)
        return Set([start] + placement.edges.map(\.source).filter { $0 < start } + frozenRecurrentSources(nodeCount: nodeCount)).sorted()
    }
}

/// A forward pass through backbone and adapters.
public struct AdaptedForward<Scalar: Real>: Sendable {
    /// The pooled features the loss is taken on.
    public var pooled: Matrix<Scalar> { run.pooled }
    /// The rows' layout.
    public var layout: BatchLayout { run.layout }
    /// The final node values of the pass the loss is taken on; nil for
    /// frozen nodes the prefix did not hold.
    public var nodes: [Matrix<Scalar>?] { run.nodes }
    var run: ResidualGraph<Adapter<Scalar>>.Run
}

extension AdapterGraph {
    /// The adapters as modules on the residual graph's edges.
    var residualGraph: ResidualGraph<Adapter<Scalar>> {
        ResidualGraph(edges: placement.edges, modules: adapters, stopsGradientAtRecurrentSources: stopsGradientAtRecurrentSources)
    }
}

extension Backbone {
    /// Runs the backbone with `graph`'s adapters. `passOneValues`, when given,
    /// replaces pass 1's node values as the recurrent edges' sources (they are
    /// then constants: what the stop-gradient option differentiates).
    public func forward(_ input: BackboneInput<Scalar>, adapters graph: AdapterGraph<Scalar>,
                        passOneValues: [Matrix<Scalar>?]? = nil) -> AdaptedForward<Scalar> {
        forward(frozenPrefix(input, for: graph), adapters: graph, passOneValues: passOneValues)
    }

    /// Runs `graph`'s adapters and the backbone from `prefix`, the frozen
    /// values of the nodes up to the first one the graph changes (computed by
    /// `frozenPrefix` or served by a `PrefixCache`); segments before it are
    /// neither run forward nor backward, and neither is pass 1 when it is
    /// frozen (`frozenRecurrentSources`): its sources come from the prefix.
    public func forward(_ prefix: FrozenPrefix<Scalar>, adapters graph: AdapterGraph<Scalar>,
                        passOneValues: [Matrix<Scalar>?]? = nil) -> AdaptedForward<Scalar> {
        let start = graph.firstChangedNode(nodeCount: nodeCount)
        precondition(prefix.start == start, "a prefix through node \(prefix.start) for a placement that changes node \(start)")
        return AdaptedForward(run: graph.residualGraph.forward(self, from: start, value: prefix.values[start]!,
                                                               frozen: (0..<start).map { prefix.values[$0] },
                                                               layout: prefix.layout, passOneValues: passOneValues,
                                                               frozenSources: Dictionary(uniqueKeysWithValues: graph
                                                                   .frozenRecurrentSources(nodeCount: nodeCount)
                                                                   .map { ($0, prefix.values[$0]!) })))
    }

    /// The adapters' parameter gradients from dL/dpooled (an adapter of
    /// gradients per entry), through both passes.
    public func adapterGradients(_ forward: AdaptedForward<Scalar>, adapters graph: AdapterGraph<Scalar>,
                                 pooledGradient: Matrix<Scalar>) -> [Adapter<Scalar>] {
        let gradients = graph.residualGraph.backward(self, forward.run, pooledGradient: pooledGradient).modules
        return zip(gradients, graph.adapters).map { gradient, adapter in gradient ?? adapter.mapped { _ in 0 } }
    }
}
