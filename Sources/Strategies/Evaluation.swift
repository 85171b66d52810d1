import PluginSDK

extension SearchServices {
    /// Evaluates all placements in one call: one batch, which the host's
    /// executor may spread over workers (it reports progress and honours
    /// Ctrl-C itself while it trains). Stops first if the user asked to.
    func evaluateBatch(_ placements: [[Edge]], steps: Int, host: PluginHost) throws -> [Evaluation] {
        try host.checkCancellation()
        return try evaluate(placements, steps: steps)
    }

    /// `evaluateBatch`, then reports the strategy's work as done.
    func evaluateAll(_ placements: [[Edge]], steps: Int, host: PluginHost) throws -> [Evaluation] {
        let results = try evaluateBatch(placements, steps: steps, host: host)
        host.progress(1, "evaluated \(results.count) placements")
        return results
    }

    /// The placement with the best validation accuracy; ties go to the
    /// earlier one, and a diverged one is never chosen over one that trained.
    func best(of placements: [[Edge]], steps: Int, host: PluginHost) throws -> [Edge] {
        let results = try evaluateAll(placements, steps: steps, host: host)
        try results.requireSomeTrained("the \(placements.count) placements")
        return placements[results.bestFirst()[0]]
    }
}

extension Array where Element == Evaluation {
    /// The positions of the results from the best validation accuracy to the
    /// worst: ties go to the earlier position, and a diverged result comes
    /// after every one that trained.
    func bestFirst() -> [Int] {
        indices.sorted {
            let (a, b) = (self[$0].rankingAccuracy, self[$1].rankingAccuracy)
            return a > b || (a == b && $0 < $1)
        }
    }

    /// Throws an engine error, naming what was trained (`what`, e.g. "the 9
    /// placements"), unless at least one result trained without diverging.
    func requireSomeTrained(_ what: String) throws {
        guard contains(where: { !$0.diverged }) else {
            throw PluginError.engine("the training of every one of \(what) diverged")
        }
    }
}

extension PluginHost {
    /// `count` random k-sets of `edges`, each one `sample(k, from: edges)`
    /// from the host stream, in draw order. With `distinct`, a draw equal as a
    /// set to an earlier one is dropped and drawn again, so `count` must be at
    /// most the number of k-sets (C(edges, k)).
    func randomPlacements(_ count: Int, k: Int, from edges: [Edge], distinct: Bool = false) throws -> [[Edge]] {
        var placements: [[Edge]] = []
        var seen: Set<Set<Edge>> = []
        while placements.count < count {
            let placement = try sample(k, from: edges)
            if !distinct || seen.insert(Set(placement)).inserted { placements.append(placement) }
        }
        return placements
    }
}
