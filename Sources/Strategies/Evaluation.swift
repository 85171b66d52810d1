import PluginSDK

extension SearchServices {
    /// Evaluates all placements in one call: one batch, which the host's
    /// executor may spread over workers (it reports progress and honours
    /// Ctrl-C itself while it trains).
    func evaluateAll(_ placements: [[Edge]], steps: Int, host: PluginHost) throws -> [Evaluation] {
        try host.checkCancellation()
        let results = try evaluate(placements, steps: steps)
        host.progress(1, "evaluated \(results.count) placements")
        return results
    }

    /// The placement with the best validation accuracy; ties go to the
    /// earlier one, and a diverged one is never chosen over one that trained.
    func best(of placements: [[Edge]], steps: Int, host: PluginHost) throws -> [Edge] {
        let results = try evaluateAll(placements, steps: steps, host: host)
        guard results.contains(where: { !$0.diverged }) else {
            throw PluginError.engine("the training of every one of the \(placements.count) placements diverged")
        }
        var best = 0
        for index in results.indices where results[index].rankingAccuracy > results[best].rankingAccuracy { best = index }
        return placements[best]
    }
}
