import ArgumentParser
import Host

/// The search space a run trains placements in: which edge kinds are
/// candidates, and the options every adapter gets.
struct SearchSpaceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The edge kinds to search over, comma-separated: sequential, parallel, long-range, recurrent.",
                               valueName: "kinds"))
    var kinds: String = "sequential,parallel,long-range,recurrent"

    @Option(help: ArgumentHelp("Options of every adapter, in the placement text form after the edge (e.g. r8, r4:gelu, r8:rational, r8:channel).",
                               valueName: "options"))
    var adapter: String = "r8"

    @Flag(help: "Stop gradients at recurrent edges' pass-1 sources.")
    var stopGradient = false

    func validate() throws {
        _ = try validating { try space().adapterOptions() }
    }

    /// The space these options describe.
    func space() throws -> SearchSpace {
        SearchSpace(kinds: try SearchSpace.kinds(parsing: kinds), adapter: adapter, stopGradient: stopGradient)
    }
}
