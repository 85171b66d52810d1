/// One adapter edge of the extended search space: an adapter that reads
/// residual node `source` and adds its output into node `target`
/// (METHOD.md section 2).
public struct Edge: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The kinds of edge.
    public enum Kind: Int32, CaseIterable, Sendable, CustomStringConvertible {
        /// `source == target`.
        case sequential = 1
        /// `target == source + 1`.
        case parallel = 2
        /// `target > source + 1`.
        case longRange = 3
        /// `source > target`: a later state feeds an earlier one.
        case recurrent = 4

        /// The kind's name as users write it.
        public var description: String {
            switch self {
            case .sequential: "sequential"
            case .parallel: "parallel"
            case .longRange: "long-range"
            case .recurrent: "recurrent"
            }
        }
    }

    /// The node the adapter reads.
    public var source: Int
    /// The node the adapter adds into.
    public var target: Int

    /// The edge `source>target`.
    public init(_ source: Int, _ target: Int) {
        self.source = source
        self.target = target
    }

    /// Which kind of edge this is.
    public var kind: Kind {
        if source == target { return .sequential }
        if target == source + 1 { return .parallel }
        return target > source ? .longRange : .recurrent
    }

    /// Every edge over `nodeCount` nodes, in source-major order.
    public static func all(nodeCount: Int) -> [Edge] {
        (0..<nodeCount).flatMap { source in (0..<nodeCount).map { Edge(source, $0) } }
    }

    /// Whether both ends are among nodes 0 ..< nodeCount.
    public func isInside(nodeCount: Int) -> Bool {
        (0..<nodeCount).contains(source) && (0..<nodeCount).contains(target)
    }

    /// The edge's position in `all(nodeCount:)`: source * nodeCount + target.
    public func position(nodeCount: Int) -> Int {
        precondition(isInside(nodeCount: nodeCount), "edge \(self) outside \(nodeCount) nodes")
        return source * nodeCount + target
    }

    /// Orders by source, then target.
    public static func < (lhs: Edge, rhs: Edge) -> Bool {
        (lhs.source, lhs.target) < (rhs.source, rhs.target)
    }

    /// `source>target`.
    public var description: String { "\(source)>\(target)" }
}
