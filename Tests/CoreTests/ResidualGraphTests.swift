import Core
import Testing

/// METHOD.md section 2's graph written as plainly as possible, to hold the
/// executor to: every value is a slot, every operation that made one is
/// recorded with its pullback; forward runs in order, backward in reverse
/// (reverse-mode differentiation). Nothing starts from a frozen prefix: both
/// passes are computed from node 0.
private struct ReferenceGraph {
    /// What an edge's module does: its output, and its pullback.
    typealias Module = (Matrix<Float>) -> (Matrix<Float>, (Matrix<Float>) -> Matrix<Float>)

    private struct Operation {
        var output: Int
        var inputs: [Int]
        var pullback: (Matrix<Float>) -> [Matrix<Float>]
    }

    let backbone: Backbone<Float>
    let layout: BatchLayout
    private(set) var values: [Matrix<Float>] = []
    private var operations: [Operation] = []
    /// By node: h_k before the edges into it, in the pass the loss is taken on.
    private(set) var beforeEdges: [Int] = []
    /// By node: h'_k in the pass the loss is taken on.
    private(set) var nodes: [Int] = []

    /// A slot of its own for `value`: a constant unless an operation reads it.
    private mutating func slot(_ value: Matrix<Float>, from inputs: [Int] = [],
                               pullback: @escaping (Matrix<Float>) -> [Matrix<Float>] = { _ in [] }) -> Int {
        values.append(value)
        operations.append(Operation(output: values.count - 1, inputs: inputs, pullback: pullback))
        return values.count - 1
    }

    /// Records both passes of `modules` on `edges` from node 0 = `nodeZero`.
    /// Recurrent sources are pass 1's values (or `passOneValues`), constants
    /// when `stop` holds.
    init(_ backbone: Backbone<Float>, nodeZero: Matrix<Float>, layout: BatchLayout, edges: [Edge], modules: [Module],
         stop: Bool = false, passOneValues: [Matrix<Float>]? = nil) {
        self.backbone = backbone
        self.layout = layout
        let zero = values.count
        values.append(nodeZero)
        let recurrent = edges.filter { $0.kind == .recurrent }
        let passOne = pass(from: 0, zero: zero, below: [], edges: edges, modules: modules, recurrentSources: nil)
        guard let first = recurrent.map(\.target).min() else { return }
        let sources = passOneValues.map { $0.map { slot($0) } }
            ?? (stop ? passOne.map { slot(values[$0]) } : passOne)
        _ = pass(from: first, zero: zero, below: Array(passOne.prefix(first)), edges: edges, modules: modules,
                 recurrentSources: sources)
    }

    /// One pass over nodes from `start` to the last, after `below`; returns every node's slot.
    private mutating func pass(from start: Int, zero: Int, below: [Int], edges: [Edge], modules: [Module],
                               recurrentSources: [Int]?) -> [Int] {
        var nodes = below
        beforeEdges = Array(beforeEdges.prefix(start))  // pass 2 reads pass 1's nodes below its start
        for j in start..<backbone.nodeCount {
            let h: Int
            if j == 0 {
                h = zero
            } else {
                let (value, tape) = backbone.segment(j, values[nodes[j - 1]], layout: layout)
                h = slot(value, from: [nodes[j - 1]]) { [backbone, layout] in [backbone.segmentBackward(j, $0, tape, layout: layout)] }
            }
            var sum = values[h], terms = [h]
            for (index, edge) in edges.enumerated() where edge.target == j {
                let source: Int
                switch edge.kind {
                case .recurrent:
                    guard let recurrentSources else { continue }
                    source = recurrentSources[edge.source]
                case .sequential: source = h
                case .parallel, .longRange: source = nodes[edge.source]
                }
                let (output, pullback) = modules[index](values[source])
                terms.append(slot(output, from: [source]) { [pullback($0)] })
                sum += output
            }
            beforeEdges.append(h)
            let count = terms.count
            nodes.append(count == 1 ? h : slot(sum, from: terms) { Array(repeating: $0, count: count) })
        }
        self.nodes = nodes
        return nodes
    }

    /// The pooled features and a backward from dL/dpooled: dL/d(every slot).
    func readout() -> (Matrix<Float>, (Matrix<Float>) -> [Matrix<Float>?]) {
        let (pooled, cache) = backbone.readout(values[nodes.last!], layout: layout)
        return (pooled, { dPooled in
            var gradients = [Matrix<Float>?](repeating: nil, count: values.count)
            gradients[nodes.last!] = backbone.readoutBackward(dPooled, cache, layout: layout)
            for operation in operations.reversed() {
                guard let gradient = gradients[operation.output] else { continue }
                for (input, dInput) in zip(operation.inputs, operation.pullback(gradient)) {
                    if gradients[input] == nil { gradients[input] = dInput } else { gradients[input]! += dInput }
                }
            }
            return gradients
        })
    }
}

/// The executor (`ResidualGraph`) behind the backbone, adapter and probe
/// passes gives, bit for bit, what the plain reference above gives: every
/// edge kind, two passes, the stop-gradient option, given pass-1 values.
@Suite struct ResidualGraphTests {
    /// The probe tests' tiny BERT (5 nodes, d = 8), padded batch and head.
    func setUp() -> (Backbone<Float>, LabelledBatch<Float>, Linear<Float>) { ProbeTests().setUp() }

    /// Values from `random` in -scale...scale.
    func draw(_ count: Int, _ scale: Double, _ random: inout SeededRandom) -> [Float] {
        (0..<count).map { _ in Float(Double.random(in: -scale...scale, using: &random)) }
    }

    /// The same bits (not only equal values: -0 and 0 differ).
    func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    func flat(_ adapter: Adapter<Float>) -> [Float] {
        adapter.down.weight.values + adapter.down.bias + adapter.up.weight.values + adapter.up.bias + adapter.scale
    }

    @Test func theBackboneAloneMatchesTheReference() {
        let (backbone, batch, head) = setUp()
        let pass = backbone.forward(batch.input)
        let (nodeZero, layout) = backbone.embed(batch.input)
        let reference = ReferenceGraph(backbone, nodeZero: nodeZero, layout: layout, edges: [], modules: [])
        let (pooled, backward) = reference.readout()
        let dPooled = head.backward(CrossEntropy.loss(head.forward(pooled), labels: batch.labels).gradient)
        let gradients = backward(dPooled), nodeGradients = backbone.nodeGradients(pass, pooledGradient: dPooled)
        #expect(bits(pass.pooled.values) == bits(pooled.values))
        for k in 0..<backbone.nodeCount {
            #expect(bits(pass.nodes[k].values) == bits(reference.values[reference.nodes[k]].values), "h_\(k)")
            #expect(bits(nodeGradients[k].values) == bits(gradients[reference.nodes[k]]!.values), "dL/dh_\(k)")
        }
    }

    /// Placements whose pass 1 is frozen ("4>0", "3>1:gelu,4>2", "3>1,4>4:gelu": no
    /// other edge targets a node at or below a recurrent source) skip running
    /// and differentiating it, and must still match the reference bit for bit.
    @Test(arguments: ["none", "0>0,3>3:gelu", "1>2,2>3:channel", "0>4,1>3:gelu", "3>1:gelu,4>2", "4>1,4>3:channel,1>2",
                      "4>1,3>1,4>2:gelu,1>3:channel,0>0,1>2,2>2", "4>0", "3>1,4>4:gelu"], [false, true])
    func adaptersMatchTheReference(_ text: String, stop: Bool) throws {
        let (backbone, batch, head) = setUp()
        let d = backbone.width
        var graph = AdapterGraph<Float>.initialized(try Placement(parsing: text, nodeCount: 5), width: d, seed: 24,
                                                    stopsGradientAtRecurrentSources: stop)
        var random = SeededRandom(seed: 25)
        for index in graph.adapters.indices {  // W_up != 0, biases and channel scales away from their start
            graph.adapters[index].up.weight.values = draw(graph.adapters[index].up.weight.values.count, 0.3, &random)
            graph.adapters[index].up.bias = draw(d, 0.1, &random)
            graph.adapters[index].down.bias = draw(graph.adapters[index].down.bias.count, 0.1, &random)
            if graph.adapters[index].scale.count > 1 { graph.adapters[index].scale = draw(d, 0.5, &random).map { 1 + $0 } }
        }
        // With stop, pass 1's values replaced by the plain backbone's (constants as `passOneValues` makes them).
        let given = stop && text.hasPrefix("4>1,3>1") ? backbone.forward(batch.input).nodes : nil
        let forward = backbone.forward(batch.input, adapters: graph, passOneValues: given?.map(Optional.some))
        let dPooled = head.backward(CrossEntropy.loss(head.forward(forward.pooled), labels: batch.labels).gradient)
        let gradients = backbone.adapterGradients(forward, adapters: graph, pooledGradient: dPooled)

        var parameterGradients = [[Float]?](repeating: nil, count: graph.adapters.count)
        let modules = graph.adapters.enumerated().map { index, adapter -> ReferenceGraph.Module in
            { x in
                let (y, tape) = adapter.forward(x)
                return (y, { dy in
                    let (dx, dParameters) = adapter.backward(dy, tape)
                    let parameters = flat(dParameters!)
                    parameterGradients[index] = parameterGradients[index].map { zip($0, parameters).map(+) } ?? parameters
                    return dx
                })
            }
        }
        let (nodeZero, layout) = backbone.embed(batch.input)
        let reference = ReferenceGraph(backbone, nodeZero: nodeZero, layout: layout, edges: graph.placement.edges, modules: modules,
                                       stop: stop, passOneValues: given)
        let (pooled, backward) = reference.readout()
        _ = backward(dPooled)
        #expect(bits(forward.pooled.values) == bits(pooled.values))
        for (k, node) in forward.nodes.enumerated() {
            guard let node else { continue }  // a frozen node the prefix did not hold
            #expect(bits(node.values) == bits(reference.values[reference.nodes[k]].values), "h'_\(k)")
        }
        for (index, gradient) in gradients.enumerated() {
            let expected = parameterGradients[index] ?? flat(gradient).map { _ in 0 }
            #expect(bits(flat(gradient)) == bits(expected), "\(graph.placement.edges[index])")
        }
    }

    @Test(arguments: [(Probe.Pass.Start.embedded, Probe.Pass.Loss.crossEntropy), (.ones, .sumOfOutputs)])
    func probeMapsMatchTheReference(start: Probe.Pass.Start, loss: Probe.Pass.Loss) throws {
        let (backbone, batch, head) = setUp()
        let d = backbone.width
        var random = SeededRandom(seed: 26)
        let maps = [Edge(0, 0), Edge(1, 2), Edge(0, 3), Edge(2, 2), Edge(1, 4)].map {
            (edge: $0, map: Matrix(rows: d, cols: d, values: draw(d * d, 0.1, &random)))
        }
        let probe = try Probe(backbone: backbone, batch: batch, head: head, pass: Probe.Pass(start: start, loss: loss, maps: maps))

        let layout = backbone.layout(of: batch.input)
        let nodeZero = start == .ones ? Matrix<Float>(rows: layout.rows, cols: d, values: [Float](repeating: 1, count: layout.rows * d))
            : backbone.embed(batch.input).0
        let modules = maps.map { pair -> ReferenceGraph.Module in
            { x in (MatrixProduct.multiply(x, pair.map), { MatrixProduct.multiply($0, pair.map, transposeB: true) }) }
        }
        let reference = ReferenceGraph(backbone, nodeZero: nodeZero, layout: layout, edges: maps.map(\.edge), modules: modules)
        let (pooled, backward) = reference.readout()
        let logits = head.forward(pooled)
        let dLogits = loss == .sumOfOutputs ? Matrix(rows: logits.rows, cols: logits.cols, values: [Float](repeating: 1, count: logits.values.count))
            : CrossEntropy.loss(logits, labels: batch.labels).gradient
        let gradients = backward(head.backward(dLogits))
        func realRows(_ matrix: Matrix<Float>) -> [Float] {
            (0..<layout.rows).filter { layout.isToken[$0] }.flatMap { matrix.values[($0 * d)..<($0 * d + d)] }
        }
        for k in 0..<backbone.nodeCount {
            #expect(bits(probe.activations[k].values) == bits(realRows(reference.values[reference.nodes[k]])), "H_\(k)")
            #expect(bits(probe.gradients[k].values) == bits(realRows(gradients[reference.nodes[k]]!)), "D_\(k)")
        }
        #expect(probe.sequentialSources.keys.sorted() == [0, 2])
        for (k, source) in probe.sequentialSources {
            #expect(bits(source.values) == bits(realRows(reference.values[reference.beforeEdges[k]])), "h_\(k) before its maps")
        }
    }
}
