/// A trainable or fixed module on an edge (i, j) of the residual graph: it
/// reads the edge's source value and its output is added into node j.
protocol EdgeModule: Sendable {
    associatedtype Scalar: Real
    /// What backward needs from forward.
    associatedtype Tape: Sendable
    /// The module's parameter gradient (`Never` for a fixed module).
    associatedtype Gradient

    /// The output, rows x d, from the source value, rows x d.
    func forward(_ source: Matrix<Scalar>) -> (Matrix<Scalar>, Tape)

    /// dL/dsource from dL/doutput; adds the parameter gradient into
    /// `gradient` (nil: none yet).
    func backward(_ dOutput: Matrix<Scalar>, _ tape: Tape, accumulating gradient: inout Gradient?) -> Matrix<Scalar>
}

/// The one executor of a backbone's residual graph with modules on edges
/// (METHOD.md section 2): into node j go the outputs of every edge (i, j),
/// reading h'_i (the final value) for i < j and h_j itself (before the
/// additions) for i == j. Recurrent edges (i > j) run the network twice:
/// pass 1 with the other edges records h'_i; pass 2 recomputes from the
/// earliest recurrent target and adds A_ij(h'_i of pass 1); the loss is taken
/// on pass 2, and gradients flow through both passes (unless stopped at the
/// recurrent sources).
///
/// Forward and backward visit nodes and edges in one fixed order (nodes up,
/// then down; a node's edges in placement order), and a node's gradient sums
/// its parts in the order backward meets them (pass 2's before pass 1's), so
/// the same inputs give bit-identical results.
struct ResidualGraph<Module: EdgeModule>: Sendable {
    typealias Scalar = Module.Scalar

    /// The edges.
    var edges: [Edge]
    /// The module on each edge, by the edge's index.
    var modules: [Module]
    /// When true, no gradient flows into pass 1 through recurrent edges' sources.
    var stopsGradientAtRecurrentSources = false

    /// One pass over nodes [start, end): values and what backward needs.
    struct Pass: Sendable {
        var start: Int
        var end: Int
        /// Final values h'_k by node; below `start`, the values this pass reads there.
        var values: [Matrix<Scalar>?]
        /// By node: the tape of the segment that computed it in this pass.
        var segmentTapes: [Backbone<Scalar>.SegmentTape?]
        /// By edge: the tape of its module, when it ran in this pass.
        var moduleTapes: [Module.Tape?]
    }

    /// A forward run: one or two passes and the readout.
    struct Run: Sendable {
        var passOne: Pass
        /// Present when there is a recurrent edge.
        var passTwo: Pass?
        /// The pooled features of the last node.
        var pooled: Matrix<Scalar>
        var layout: BatchLayout
        var readoutCache: LayerNorm<Scalar>.Cache?
        /// The final node values of the pass the loss is taken on.
        var nodes: [Matrix<Scalar>?] { (passTwo ?? passOne).values }
    }

    /// Runs the graph from node `start`, whose value before its edges is
    /// `value` (frozen: backward stops there); `frozen` holds the values of
    /// nodes before `start` that edges read. `passOneValues`, when given,
    /// replaces pass 1's values as the recurrent edges' sources.
    /// `frozenSources`, when it holds every recurrent source, is pass 1: the
    /// caller vouches that pass 1 runs no module up to the last source (so
    /// its values there are the frozen backbone's), and pass 1 is neither
    /// run nor differentiated.
    func forward(_ backbone: Backbone<Scalar>, from start: Int, value: Matrix<Scalar>, frozen: [Matrix<Scalar>?] = [],
                 layout: BatchLayout, passOneValues: [Matrix<Scalar>?]? = nil,
                 frozenSources: [Int: Matrix<Scalar>] = [:]) -> Run {
        let n = backbone.nodeCount
        let recurrent = edges.filter { $0.kind == .recurrent }
        let lastSource = recurrent.map(\.source).max()
        let passOne: Pass
        if !recurrent.isEmpty, recurrent.allSatisfy({ frozenSources[$0.source] != nil }) {
            var values = frozen + [Matrix<Scalar>?](repeating: nil, count: n - frozen.count)
            for (node, value) in frozenSources { values[node] = value }
            passOne = Pass(start: start, end: start, values: values, segmentTapes: [Backbone<Scalar>.SegmentTape?](repeating: nil, count: n),
                           moduleTapes: [Module.Tape?](repeating: nil, count: modules.count))
        } else {
            passOne = pass(backbone, from: start, to: (lastSource ?? n - 1) + 1, startValue: value, before: frozen,
                           recurrentSources: nil, layout: layout)
        }
        var passTwo: Pass?
        if let first = recurrent.map(\.target).min() {
            passTwo = pass(backbone, from: first, to: n, startValue: first == start ? value : nil,
                           before: Array(passOne.values.prefix(first)), recurrentSources: passOneValues ?? passOne.values,
                           layout: layout)
        }
        let (pooled, cache) = backbone.readout((passTwo ?? passOne).values[n - 1]!, layout: layout)
        return Run(passOne: passOne, passTwo: passTwo, pooled: pooled, layout: layout, readoutCache: cache)
    }

    /// One pass over nodes [start, end) after `before` (the values of nodes
    /// before start). Node start's value before its edges is `startValue`
    /// when given, else its segment runs. Recurrent edges run only when
    /// their sources are given.
    private func pass(_ backbone: Backbone<Scalar>, from start: Int, to end: Int, startValue: Matrix<Scalar>?,
                      before: [Matrix<Scalar>?], recurrentSources: [Matrix<Scalar>?]?, layout: BatchLayout) -> Pass {
        let n = backbone.nodeCount
        var pass = Pass(start: start, end: end, values: before + [Matrix<Scalar>?](repeating: nil, count: n - start),
                        segmentTapes: [Backbone<Scalar>.SegmentTape?](repeating: nil, count: n),
                        moduleTapes: [Module.Tape?](repeating: nil, count: modules.count))
        for j in start..<end {
            let h: Matrix<Scalar>  // h_j, before the edges into j
            if j == start, let startValue {
                h = startValue
            } else {
                let (value, tape) = backbone.segment(j, pass.values[j - 1]!, layout: layout)
                h = value
                pass.segmentTapes[j] = tape
            }
            var value = h
            for (index, edge) in edges.enumerated() where edge.target == j {
                let source: Matrix<Scalar>
                switch edge.kind {
                case .recurrent:
                    guard let recurrentSources else { continue }
                    source = recurrentSources[edge.source]!
                case .sequential:
                    source = h
                case .parallel, .longRange:
                    source = pass.values[edge.source]!
                }
                let (output, tape) = modules[index].forward(source)
                value += output
                pass.moduleTapes[index] = tape
            }
            pass.values[j] = value
        }
        return pass
    }

    /// Back from dL/dpooled through both passes: dL/dh'_k of pass 1's nodes
    /// (nil where none flows, and below its start), and each module's
    /// parameter gradient (nil for a module that never ran).
    func backward(_ backbone: Backbone<Scalar>, _ run: Run, pooledGradient: Matrix<Scalar>)
        -> (nodes: [Matrix<Scalar>?], modules: [Module.Gradient?]) {
        let n = backbone.nodeCount
        var moduleGradients = [Module.Gradient?](repeating: nil, count: modules.count)
        var passOne: [Matrix<Scalar>?]? = [Matrix<Scalar>?](repeating: nil, count: n)
        let last = backbone.readoutBackward(pooledGradient, run.readoutCache, layout: run.layout)
        if let passTwo = run.passTwo {
            var own = [Matrix<Scalar>?](repeating: nil, count: n)
            own[n - 1] = last
            backward(backbone, passTwo, own: &own, passOne: &passOne, modules: &moduleGradients, layout: run.layout)
        } else {
            passOne![n - 1] = last
        }
        var own = passOne.take()!
        var dropped: [Matrix<Scalar>?]?  // nodes before pass 1 are frozen: nothing to train there
        backward(backbone, run.passOne, own: &own, passOne: &dropped, modules: &moduleGradients, layout: run.layout)
        return (own, moduleGradients)
    }

    /// Back through one pass: `own` holds dL/dh' of its nodes. The values it
    /// read outside itself (nodes before its start, recurrent sources) were
    /// pass 1's: their gradients go to `passOne` (nil: dropped).
    private func backward(_ backbone: Backbone<Scalar>, _ pass: Pass, own: inout [Matrix<Scalar>?],
                          passOne: inout [Matrix<Scalar>?]?, modules moduleGradients: inout [Module.Gradient?],
                          layout: BatchLayout) {
        func send(_ gradient: Matrix<Scalar>, to node: Int, recurrent: Bool = false) {
            if !recurrent, node >= pass.start {
                accumulate(&own[node], gradient)
            } else if passOne != nil {
                accumulate(&passOne![node], gradient)
            }
        }
        for j in stride(from: pass.end - 1, through: pass.start, by: -1) {
            guard let gradient = own[j] else { continue }
            var h = gradient  // dL/dh_j: dL/dh'_j plus what the edges reading h_j send back
            for (index, edge) in edges.enumerated() where edge.target == j {
                guard let tape = pass.moduleTapes[index] else { continue }
                let dSource = modules[index].backward(gradient, tape, accumulating: &moduleGradients[index])
                switch edge.kind {
                case .recurrent where !stopsGradientAtRecurrentSources: send(dSource, to: edge.source, recurrent: true)
                case .recurrent: break
                case .sequential: h += dSource
                case .parallel, .longRange: send(dSource, to: edge.source)
                }
            }
            if let tape = pass.segmentTapes[j] { send(backbone.segmentBackward(j, h, tape, layout: layout), to: j - 1) }
        }
    }
}

/// total += gradient, starting from nil.
private func accumulate<Scalar: Real>(_ total: inout Matrix<Scalar>?, _ gradient: Matrix<Scalar>) {
    if total == nil { total = gradient } else { total! += gradient }
}
