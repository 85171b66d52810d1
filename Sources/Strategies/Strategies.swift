import CAdapterSearch
import PluginSDK

/// The built-in strategies (METHOD.md section 6), exported from one library.
@_cdecl("asp_plugin_entry")
public func aspPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<asp_library>? {
    PluginLibrary.entry(hostABIVersion, exporting: [
        GGA.self, TopK.self, RandomPlacement.self, RandomBestOfN.self, Exhaustive.self, SuccessiveHalving.self,
        ParallelEvery.self, FirstK.self, LastK.self, NoAdapters.self, SideNetwork.self, LearnedSwitch.self, CalibratedGGA.self,
    ])
}

/// The parameter naming the metric a score-guided strategy follows.
let metricParameter = Parameter.string("metric", default: "gradient-rank",
                                       help: "id of the metric whose scores guide the choice")

/// The parameter giving the training budget of strategies that evaluate.
let stepsParameter = Parameter.int("steps", default: 0, atLeast: 0,
                                   help: "training steps per evaluated placement; 0 takes the run's budget")

extension PluginHost {
    /// The candidate edges, checked to hold at least `k`.
    func candidates(atLeast k: Int) throws -> [Edge] {
        let edges = try candidateEdges()
        guard edges.count >= k else {
            throw PluginError.invalidArgument("k = \(k) but the run has only \(edges.count) candidate edges")
        }
        return edges
    }
}
