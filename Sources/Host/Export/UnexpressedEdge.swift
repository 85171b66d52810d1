import Core

/// One edge of a placement that an AdapterHub export leaves out, and why:
/// every such edge is listed (unexpressed_edges.json, the export's README,
/// a warning), never dropped silently.
public struct UnexpressedEdge: Equatable {
    /// Why AdapterHub's bottleneck adapters cannot compute the edge exactly.
    public enum Reason: Equatable, CustomStringConvertible {
        /// The edge adds into node 0, the embeddings' output.
        case embeddingTarget
        /// A post-LN parallel edge: AdapterHub adds a parallel adapter before the block's LayerNorm.
        case parallelBeforeNorm
        /// The edge reads a node more than one sub-layer before its target.
        case longRange
        /// A later node feeds an earlier one.
        case recurrent
        /// Another exported edge already sits in the same sub-layer.
        case sharedSubLayer(kept: Edge)
        /// No reduction_factor makes AdapterHub's int(d // reduction_factor) equal the rank.
        case rank(rank: Int, width: Int)
        /// The adapter's phi is a learned rational function (`:rational`).
        case rationalActivation

        /// The reason in words a user can act on.
        public var description: String {
            switch self {
            case .embeddingTarget:
                "it adds into node 0, the embeddings' output; AdapterHub has no bottleneck adapter there "
                    + "(its invertible adapters after the embeddings compute another function)"
            case .parallelBeforeNorm:
                "in a post-LN block AdapterHub's parallel adapter (is_parallel) adds A(x) to the sub-layer output before the "
                    + "block's LayerNorm, LN(x + F(x) + A(x)); this edge adds it after the LayerNorm, LN(x + F(x)) + A(x)"
            case .longRange:
                "it reads a node more than one sub-layer before its target; AdapterHub's bottleneck adapters read only the "
                    + "input or the output of the sub-layer they sit in"
            case .recurrent:
                "a later node feeds an earlier one, which needs a second pass of the backbone; AdapterHub runs one pass"
            case let .sharedSubLayer(kept):
                "edge \(kept) already sits in the same sub-layer; AdapterHub stacks two bottleneck adapters there by feeding "
                    + "one's output to the next one's residual and norm handling, which is not the sum of both edges"
            case let .rank(rank, width):
                "rank \(rank): AdapterHub sizes the bottleneck as int(\(width) // reduction_factor), and neither "
                    + "\(width) / \(rank) nor \(width) / \(rank).5 gives \(rank) back"
            case .rationalActivation:
                "its activation is a learned rational function (:rational); AdapterHub's bottleneck adapters apply a fixed "
                    + "non_linearity (relu, gelu, ...), so exporting it as any of them would compute another function; "
                    + "train the edge with :gelu or :linear to export it"
            }
        }
    }

    /// The edge left out.
    public var edge: Edge
    /// Why.
    public var reason: Reason

    /// The entry of unexpressed_edges.json.
    public var json: ExportJSON {
        .object([("edge", .string(edge.description)), ("source", .int(edge.source)), ("target", .int(edge.target)),
                 ("kind", .string(edge.kind.description)), ("reason", .string(reason.description))])
    }
}
