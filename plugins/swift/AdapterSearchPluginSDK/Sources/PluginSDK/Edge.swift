import CAdapterSearch

/// One adapter edge: it reads residual node `source` and adds into node `target`.
public struct Edge: Hashable, Sendable, CustomStringConvertible {
    /// The node the adapter reads.
    public var source: Int
    /// The node the adapter adds into.
    public var target: Int

    /// Creates the edge `source > target`.
    public init(_ source: Int, _ target: Int) {
        self.source = source
        self.target = target
    }

    /// The edge as the C ABI carries it.
    public init(_ edge: asp_edge) {
        self.init(Int(edge.source), Int(edge.target))
    }

    /// The C ABI form of the edge.
    public var cValue: asp_edge { asp_edge(source: Int32(source), target: Int32(target)) }

    /// Which of the four kinds of the extended space this edge is.
    public var kind: EdgeKind { EdgeKind(rawValue: asp_edge_kind(cValue))! }

    /// Manhattan distance between two edges, the one GGA discounts by.
    public func distance(to other: Edge) -> Int {
        abs(source - other.source) + abs(target - other.target)
    }

    /// `source>target`, the placement text form.
    public var description: String { "\(source)>\(target)" }
}

/// The kinds of edge in the extended search space (METHOD.md section 2).
public enum EdgeKind: Int32, CaseIterable, Sendable {
    /// `i == j`.
    case sequential = 1
    /// `j == i + 1`.
    case parallel = 2
    /// `j > i + 1`.
    case longRange = 3
    /// `i > j`.
    case recurrent = 4
}
