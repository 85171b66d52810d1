/// The values of a batch's frozen nodes: on a frozen backbone, every node up
/// to the first one a placement changes (taken before that node's adapters)
/// depends on the input alone, so it can be computed once and reused.
public struct FrozenPrefix<Scalar: Real>: Sendable {
    /// The first node the placement changes; its value here is the backbone's, before adapters.
    public var start: Int
    /// h_k by node, for some k <= start (start always among them) and the
    /// frozen recurrent sources (`AdapterGraph.frozenRecurrentSources`), each (B*T) x d.
    public var values: [Int: Matrix<Scalar>]
    /// The rows' layout.
    public var layout: BatchLayout

    /// A prefix of given values.
    public init(start: Int, values: [Int: Matrix<Scalar>], layout: BatchLayout) {
        precondition(values[start] != nil, "a prefix holds the value of its start node")
        self.start = start
        self.values = values
        self.layout = layout
    }
}

extension Backbone {
    /// Every node 0 ... `start` of `input`, and the nodes `keeping` beyond
    /// it, without tapes (nothing frozen is differentiated).
    public func frozenPrefix(_ input: BackboneInput<Scalar>, through start: Int, keeping later: [Int] = []) -> FrozenPrefix<Scalar> {
        precondition((0..<nodeCount).contains(start) && later.allSatisfy((0..<nodeCount).contains), "node \(start) of \(nodeCount)")
        var (node, layout) = embed(input)
        var values = [0: node]
        for s in stride(from: 1, through: max(start, later.max() ?? 0), by: 1) {
            node = segment(s, node, layout: layout).0
            if s <= start || later.contains(s) { values[s] = node }
        }
        return FrozenPrefix(start: start, values: values, layout: layout)
    }

    /// The frozen prefix `graph` runs from: nodes 0 ... its first changed
    /// node and its frozen recurrent sources.
    public func frozenPrefix(_ input: BackboneInput<Scalar>, for graph: AdapterGraph<Scalar>) -> FrozenPrefix<Scalar> {
        frozenPrefix(input, through: graph.firstChangedNode(nodeCount: nodeCount), keeping: graph.frozenRecurrentSources(nodeCount: nodeCount))
    }
}
