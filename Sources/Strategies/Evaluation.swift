import PluginSDK

extension SearchServices {
    /// Placements evaluated per call: small enough for steady progress and
    /// cancellation, large enough for the host to train in parallel.
    static let chunkSize = 8

    /// Evaluates all placements, a chunk at a time, reporting progress and
    /// honouring cancellation between chunks.
    func evaluateInChunks(_ placements: [[Edge]], steps: Int, host: PluginHost) throws -> [Evaluation] {
        var results: [Evaluation] = []
        results.reserveCapacity(placements.count)
        for start in stride(from: 0, to: placements.count, by: Self.chunkSize) {
            try host.checkCancellation()
            let chunk = Array(placements[start..<min(start + Self.chunkSize, placements.count)])
            results += try evaluate(chunk, steps: steps)
            host.progress(Double(results.count) / Double(placements.count),
                          "evaluated \(results.count) of \(placements.count)")
        }
        return results
    }

    /// The placement with the best validation accuracy; ties go to the
    /// earlier one, and a diverged one is never chosen over one that trained.
    func best(of placements: [[Edge]], steps: Int, host: PluginHost) throws -> [Edge] {
        let results = try evaluateInChunks(placements, steps: steps, host: host)
        guard results.contains(where: { !$0.diverged }) else {
            throw PluginError.engine("the training of every one of the \(placements.count) placements diverged")
        }
        var best = 0
        for index in results.indices where results[index].rankingAccuracy > results[best].rankingAccuracy { best = index }
        return placements[best]
    }
}
