import ArgumentParser
import Core

/// The search space a run trains placements in: which edge kinds are
/// candidates, and the options every adapter gets.
struct SearchSpaceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The edge kinds to search over, comma-separated: sequential, parallel, long-range, recurrent.",
                               valueName: "kinds"))
    var kinds: String = "sequential,parallel,long-range,recurrent"

    @Option(help: ArgumentHelp("Options of every adapter, in the placement text form after the edge (e.g. r8, r4:gelu, r8:channel).",
                               valueName: "options"))
    var adapter: String = "r8"

    @Flag(help: "Stop gradients at recurrent edges' pass-1 sources.")
    var stopGradient = false

    func validate() throws {
        _ = try edgeKinds()
        _ = try adapterOptions()
    }

    /// The enabled edge kinds.
    func edgeKinds() throws -> Set<Edge.Kind> {
        let names = Dictionary(uniqueKeysWithValues: Edge.Kind.allCases.map { ($0.description, $0) })
        let kinds = try kinds.split(separator: ",").map { name -> Edge.Kind in
            guard let kind = names[name.trimmingCharacters(in: .whitespaces)] else {
                throw ValidationError("unknown edge kind '\(name)'; kinds are \(Edge.Kind.allCases.map(\.description).joined(separator: ", "))")
            }
            return kind
        }
        guard !kinds.isEmpty else { throw ValidationError("--kinds names no edge kind") }
        return Set(kinds)
    }

    /// The options every adapter gets, read with the placement text form's rules.
    func adapterOptions() throws -> AdapterOptions {
        do {
            return try Placement(parsing: "0>0:" + adapter, nodeCount: 1).entries[0].options
        } catch {
            throw ValidationError("--adapter '\(adapter)': \(error)")
        }
    }

    /// The candidate edges of a backbone of `nodeCount` nodes, in `Edge.all` order.
    func candidates(nodeCount: Int) throws -> [Edge] {
        let kinds = try edgeKinds()
        return Edge.all(nodeCount: nodeCount).filter { kinds.contains($0.kind) }
    }
}
