import CAdapterSearch

/// Whether a larger metric value means a more promising edge.
public enum Direction: Int32, Sendable {
    case higherIsBetter = 1
    case lowerIsBetter = -1
}

/// The outcome of training one placement.
public struct Evaluation: Sendable {
    /// Validation accuracy in [0, 1]; NaN when the training diverged.
    public var accuracy: Double
    /// Validation loss.
    public var loss: Double
    /// Trainable parameters.
    public var parameters: Int
    /// Training and evaluation time, seconds.
    public var seconds: Double
    /// True when the training diverged: the placement has no accuracy.
    public var diverged: Bool

    /// The accuracy to rank placements by: a diverged one ranks below every other.
    public var rankingAccuracy: Double { diverged || !accuracy.isFinite ? -.infinity : accuracy }
}

/// Scores and training, the `asp.search/1` extension.
public struct SearchServices {
    let api: UnsafePointer<asp_search_api>
    let host: PluginHost

    /// Scores of `edges` under metric `metricID`, and its direction. A
    /// metric may call it too (ABI 1.3): it then gets the scores on the probe
    /// it is itself scoring from.
    public func scores(metric metricID: String, edges: [Edge]) throws -> (scores: [Double], direction: Direction) {
        var scores = [Double](repeating: 0, count: edges.count)
        var direction: Int32 = 0
        let cEdges = edges.map(\.cValue)
        try host.call("scores by \(metricID)") { context in
            scores.withUnsafeMutableBufferPointer {
                api.pointee.scores(context, metricID, cEdges, UInt32(edges.count), $0.baseAddress, &direction)
            }
        }
        guard let known = Direction(rawValue: direction) else {
            throw PluginError(ASP_ERR_ENGINE, "metric \(metricID) has no direction (\(direction))")
        }
        return (scores, known)
    }

    /// Scores of `edges` under `metricID` oriented so that higher is better
    /// and none is negative: lower-is-better scores are negated, then every
    /// score is shifted by the minimum if that is negative. GGA's
    /// multiplicative discount needs non-negative scores (a project choice).
    public func orientedScores(metric metricID: String, edges: [Edge]) throws -> [Double] {
        let (raw, direction) = try scores(metric: metricID, edges: edges)
        let oriented = Ranking.oriented(raw, direction: direction)
        let lowest = oriented.min() ?? 0
        return lowest < 0 ? oriented.map { $0 - lowest } : oriented
    }

    /// Trains and validates each placement under a budget (0: the run's default).
    public func evaluate(_ placements: [[Edge]], steps: Int = 0, examples: Int = 0) throws -> [Evaluation] {
        guard let steps = UInt32(exactly: steps), let examples = UInt32(exactly: examples) else {
            throw PluginError.invalidArgument("steps and examples must be between 0 and \(UInt32.max), not \(steps) and \(examples)")
        }
        let edgeArrays = placements.map { $0.map(\.cValue) }
        var results = [asp_evaluation](repeating: asp_evaluation(), count: placements.count)
        var budget = asp_budget(struct_size: UInt32(MemoryLayout<asp_budget>.size),
                                steps: steps, examples: examples)
        try withPlacements(edgeArrays) { placementPointers in
            try results.withUnsafeMutableBufferPointer { buffer in
                var resultPointers: [UnsafeMutablePointer<asp_evaluation>?] = []
                for index in buffer.indices {
                    buffer[index].struct_size = UInt32(MemoryLayout<asp_evaluation>.size)
                    resultPointers.append(buffer.baseAddress! + index)
                }
                try host.call("evaluate") { context in
                    api.pointee.evaluate(context, placementPointers, UInt32(placements.count), &budget, resultPointers)
                }
            }
        }
        return results.map {
            Evaluation(accuracy: $0.accuracy, loss: $0.loss, parameters: Int($0.parameters), seconds: $0.seconds,
                       diverged: $0.diverged != 0 || $0.accuracy.isNaN)
        }
    }

    /// Lends C placements over `edgeArrays` for the duration of `body`.
    private func withPlacements(_ edgeArrays: [[asp_edge]],
                                _ body: ([UnsafePointer<asp_placement>?]) throws -> Void) throws {
        let edgeBuffers = edgeArrays.map { edges -> UnsafeMutableBufferPointer<asp_edge> in
            let buffer = UnsafeMutableBufferPointer<asp_edge>.allocate(capacity: max(edges.count, 1))
            _ = buffer.initialize(from: edges)
            return buffer
        }
        let placements = UnsafeMutableBufferPointer<asp_placement>.allocate(capacity: max(edgeArrays.count, 1))
        defer {
            edgeBuffers.forEach { $0.deallocate() }
            placements.deallocate()
        }
        for (index, edges) in edgeArrays.enumerated() {
            placements[index] = asp_placement(struct_size: UInt32(MemoryLayout<asp_placement>.size),
                                              edge_count: UInt32(edges.count),
                                              edges: UnsafePointer(edgeBuffers[index].baseAddress))
        }
        try body(edgeArrays.indices.map { UnsafePointer(placements.baseAddress! + $0) })
    }
}

/// Durable strategy state, the `asp.checkpointing/1` extension.
public struct CheckpointServices {
    let api: UnsafePointer<asp_checkpointing_api>
    let host: PluginHost

    /// Stores `bytes` as this instance's state, replacing earlier state.
    public func save(_ bytes: [UInt8]) throws {
        try host.call("save state") { context in
            bytes.withUnsafeBytes { api.pointee.save_state(context, $0.baseAddress, UInt64($0.count)) }
        }
    }

    /// The state saved last in this run or the run being resumed, or nil.
    public func load() throws -> [UInt8]? {
        var bytes: UnsafeRawPointer?
        var size: UInt64 = 0
        var missing = false
        try host.call("load state") { context in
            let status = api.pointee.load_state(context, &bytes, &size)
            missing = status == ASP_ERR_NOT_FOUND
            return missing ? ASP_OK : status
        }
        if missing { return nil }
        return Array(UnsafeRawBufferPointer(start: bytes, count: Int(size)))
    }
}
