/// The adapters of a placement on a frozen backbone, and how they run
/// (METHOD.md section 2): into node j go the outputs of every edge (i, j),
/// reading h'_i (the final value) for i < j and h_j itself for i == j.
/// Recurrent edges (i > j) run the network twice: pass 1 with the other
/// edges records h'_i; pass 2 recomputes from the earliest recurrent target
/// and adds A_ij(h'_i from pass 1); the loss is taken on pass 2.
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
                           scale: scale, activation: Adapter<Scalar>.Activation(rawValue: entry.options.activation.rawValue)!)
        }
        return AdapterGraph(placement: placement, adapters: adapters,
                            stopsGradientAtRecurrentSources: stopsGradientAtRecurrentSources)
    }

    /// Trainable adapter parameters.
    public var parameterCount: Int { adapters.reduce(0) { $0 + $1.parameterCount } }

    /// The entries that are recurrent edges.
    var recurrentEntries: [Int] { placement.entries.indices.filter { placement.entries[$0].edge.kind == .recurrent } }

    /// The first node the adapters change: the smallest target of any edge,
    /// or the last node when there is no edge (the readout reads it). Node
    /// values up to it, taken before its adapters, are the frozen backbone's.
    public func firstChangedNode(nodeCount: Int) -> Int {
        placement.edges.map(\.target).min() ?? nodeCount - 1
    }

    /// The frozen nodes a forward pass reads: the first changed node (its
    /// value before adapters) and the sources of edges that start below it.
    public func frozenNodes(nodeCount: Int) -> [Int] {
        let start = firstChangedNode(nodeCount: nodeCount)
        return Set([start] + placement.edges.map(\.source).filter { $0 < start }).sorted()
    }
}

/// One pass over nodes [start, end): node values and what backward needs.
struct PassRecord<Scalar: Real>: Sendable {
    var start: Int
    var end: Int
    /// Final values h'_j by node (nil outside [0, end)).
    var values: [Matrix<Scalar>?]
    var segmentTapes: [Int: Backbone<Scalar>.SegmentTape] = [:]
    var adapterTapes: [Int: Adapter<Scalar>.Tape] = [:]
}

/// A forward pass through backbone and adapters.
public struct AdaptedForward<Scalar: Real>: Sendable {
    /// The pooled features the loss is taken on.
    public var pooled: Matrix<Scalar>
    /// The rows' layout.
    public var layout: BatchLayout
    /// The final node values of the pass the loss is taken on; nil for
    /// frozen nodes the prefix did not hold.
    public var nodes: [Matrix<Scalar>?] { (passTwo ?? passOne).values }
    /// Pass 1's final node values (all of them, or up to the last recurrent source).
    public var passOneNodes: [Matrix<Scalar>?] { passOne.values }
    var passOne: PassRecord<Scalar>
    var passTwo: PassRecord<Scalar>?
    var readoutCache: LayerNorm<Scalar>.Cache?
}

extension Backbone {
    /// Runs the backbone with `graph`'s adapters. `passOneValues`, when given,
    /// replaces pass 1's node values as the recurrent edges' sources (they are
    /// then constants: what the stop-gradient option differentiates).
    public func forward(_ input: BackboneInput<Scalar>, adapters graph: AdapterGraph<Scalar>,
                        passOneValues: [Matrix<Scalar>?]? = nil) -> AdaptedForward<Scalar> {
        forward(frozenPrefix(input, through: graph.firstChangedNode(nodeCount: nodeCount)), adapters: graph,
                passOneValues: passOneValues)
    }

    /// Runs `graph`'s adapters and the backbone from `prefix`, the frozen
    /// values of the nodes up to the first one the graph changes (computed by
    /// `frozenPrefix` or served by a `PrefixCache`); segments before it are
    /// neither run forward nor backward.
    public func forward(_ prefix: FrozenPrefix<Scalar>, adapters graph: AdapterGraph<Scalar>,
                        passOneValues: [Matrix<Scalar>?]? = nil) -> AdaptedForward<Scalar> {
        let start = graph.firstChangedNode(nodeCount: nodeCount), layout = prefix.layout
        precondition(prefix.start == start, "a prefix through node \(prefix.start) for a placement that changes node \(start)")
        let frozen = (0..<start).map { prefix.values[$0] }
        let recurrent = graph.recurrentEntries
        let lastSource = recurrent.map { graph.placement.entries[$0].edge.source }.max()
        let passOne = run(graph, from: start, to: (lastSource ?? nodeCount - 1) + 1, startValue: prefix.values[start]!,
                          prefix: frozen, recurrentSources: nil, layout: layout)
        var passTwo: PassRecord<Scalar>?
        if !recurrent.isEmpty {
            let sources = passOneValues ?? passOne.values
            let first = recurrent.map { graph.placement.entries[$0].edge.target }.min()!
            passTwo = run(graph, from: first, to: nodeCount, startValue: first == start ? prefix.values[start]! : nil,
                          prefix: Array(passOne.values.prefix(first)),
                          recurrentSources: Dictionary(uniqueKeysWithValues: recurrent.map {
                              ($0, sources[graph.placement.entries[$0].edge.source]!)
                          }), layout: layout)
        }
        let last = (passTwo ?? passOne).values[nodeCount - 1]!
        let (pooled, cache) = readout(last, layout: layout)
        return AdaptedForward(pooled: pooled, layout: layout, passOne: passOne, passTwo: passTwo, readoutCache: cache)
    }

    /// One pass over nodes [start, end), after `prefix` (the final values of
    /// nodes before start). Node start's value before adapters is
    /// `startValue` when given (a frozen value: backward stops there), else
    /// its segment runs. Recurrent edges run only when their sources are given.
    func run(_ graph: AdapterGraph<Scalar>, from start: Int, to end: Int, startValue: Matrix<Scalar>?,
             prefix: [Matrix<Scalar>?], recurrentSources: [Int: Matrix<Scalar>]?, layout: BatchLayout) -> PassRecord<Scalar> {
        var record = PassRecord<Scalar>(start: start, end: end, values: prefix + [Matrix<Scalar>?](repeating: nil, count: nodeCount - start))
        for j in start..<end {
            let raw: Matrix<Scalar>
            if j == start, let startValue {
                raw = startValue
            } else {
                let (value, tape) = segment(j, record.values[j - 1]!, layout: layout)
                raw = value
                record.segmentTapes[j] = tape
            }
            var value = raw
            for (index, entry) in graph.placement.entries.enumerated() where entry.edge.target == j {
                let source: Matrix<Scalar>
                switch entry.edge.kind {
                case .recurrent:
                    guard let given = recurrentSources?[index] else { continue }
                    source = given
                case .sequential:
                    source = raw
                case .parallel, .longRange:
                    source = record.values[entry.edge.source]!
                }
                let (output, tape) = graph.adapters[index].forward(source)
                value += output
                record.adapterTapes[index] = tape
            }
            record.values[j] = value
        }
        return record
    }

    /// The adapters' parameter gradients from dL/dpooled (an adapter of
    /// gradients per entry), through both passes.
    public func adapterGradients(_ forward: AdaptedForward<Scalar>, adapters graph: AdapterGraph<Scalar>,
                                 pooledGradient: Matrix<Scalar>) -> [Adapter<Scalar>] {
        var gradients = [Adapter<Scalar>?](repeating: nil, count: graph.adapters.count)
        var passOneGradients = [Matrix<Scalar>?](repeating: nil, count: nodeCount)
        let last = readoutBackward(pooledGradient, forward.readoutCache, layout: forward.layout)
        if let passTwo = forward.passTwo {
            var own = [Matrix<Scalar>?](repeating: nil, count: nodeCount)
            own[nodeCount - 1] = last
            var recurrentGradients: [Int: Matrix<Scalar>] = [:]
            backward(passTwo, graph, own: &own, prefix: &passOneGradients, recurrent: &recurrentGradients,
                     adapterGradients: &gradients, layout: forward.layout)
            if !graph.stopsGradientAtRecurrentSources {
                for (index, gradient) in recurrentGradients {
                    accumulate(&passOneGradients[graph.placement.entries[index].edge.source], gradient)
                }
            }
        } else {
            passOneGradients[nodeCount - 1] = last
        }
        var frozen = [Matrix<Scalar>?](repeating: nil, count: nodeCount)  // gradients of frozen nodes: nothing to train there
        var noRecurrent: [Int: Matrix<Scalar>] = [:]
        backward(forward.passOne, graph, own: &passOneGradients, prefix: &frozen, recurrent: &noRecurrent,
                 adapterGradients: &gradients, layout: forward.layout)
        return zip(gradients, graph.adapters).map { gradient, adapter in
            gradient ?? Adapter(down: Linear(weight: Matrix(zeros: adapter.down.outputWidth, adapter.down.inputWidth),
                                             bias: [Scalar](repeating: 0, count: adapter.down.outputWidth)),
                                up: Linear(weight: Matrix(zeros: adapter.up.outputWidth, adapter.up.inputWidth),
                                           bias: [Scalar](repeating: 0, count: adapter.up.outputWidth)),
                                scale: [Scalar](repeating: 0, count: adapter.scale.count), activation: adapter.activation)
        }
    }

    /// Back through one pass: `own` holds dL/dh' of its nodes, `prefix` of the
    /// nodes before it; recurrent sources' gradients go to `recurrent` by entry.
    private func backward(_ record: PassRecord<Scalar>, _ graph: AdapterGraph<Scalar>, own: inout [Matrix<Scalar>?],
                          prefix: inout [Matrix<Scalar>?], recurrent: inout [Int: Matrix<Scalar>],
                          adapterGradients: inout [Adapter<Scalar>?], layout: BatchLayout) {
        func add(_ node: Int, _ gradient: Matrix<Scalar>) {
            if node >= record.start { accumulate(&own[node], gradient) } else { accumulate(&prefix[node], gradient) }
        }
        for j in stride(from: record.end - 1, through: record.start, by: -1) {
            guard let gradient = own[j] else { continue }
            var raw = gradient
            for (index, entry) in graph.placement.entries.enumerated() where entry.edge.target == j {
                guard let tape = record.adapterTapes[index] else { continue }
                let (dSource, dParameters) = graph.adapters[index].backward(gradient, tape)
                adapterGradients[index] = adapterGradients[index].map { $0.adding(dParameters!) } ?? dParameters
                switch entry.edge.kind {
                case .recurrent: accumulate(&recurrent[index], dSource)
                case .sequential: raw += dSource
                case .parallel, .longRange: add(entry.edge.source, dSource)
                }
            }
            if let tape = record.segmentTapes[j] { add(j - 1, segmentBackward(j, raw, tape, layout: layout)) }
        }
    }
}

/// total += gradient, starting from nil.
func accumulate<Scalar: Real>(_ total: inout Matrix<Scalar>?, _ gradient: Matrix<Scalar>) {
    if total == nil { total = gradient } else { total! += gradient }
}

extension Adapter {
    /// The element-wise sum of two adapters' parameters (for gradients).
    func adding(_ other: Adapter) -> Adapter {
        func sum(_ a: [Scalar], _ b: [Scalar]) -> [Scalar] { zip(a, b).map(+) }
        return Adapter(down: Linear(weight: down.weight + other.down.weight, bias: sum(down.bias, other.down.bias)),
                       up: Linear(weight: up.weight + other.up.weight, bias: sum(up.bias, other.up.bias)),
                       scale: sum(scale, other.scale), activation: activation)
    }
}
