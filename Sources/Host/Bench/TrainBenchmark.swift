import Core
import Foundation

/// Training speed with and without the prefix cache, for a spread of single
/// edges, and what it implies for all n^2 of them.
///
/// A step's cost depends on the edge's first changed node t (its target):
/// with the cache the pass runs from t, without it from the embeddings. The
/// spread times, for every t, the sequential edge t>t (standing for every
/// edge i>t with i <= t) and the recurrent edge (n-1)>t (standing for every
/// recurrent edge into t, the longest of them); the totals weight each by the
/// number of edges it stands for.
public struct TrainBenchmark: Codable {
    /// One timed edge.
    public struct Edge: Codable {
        public var edge: String
        /// How many of the n^2 edges it stands for.
        public var weight: Int
        public var cached_step_s: Double
        public var uncached_step_s: Double
    }

    /// One timed placement given by name (`bench train --placement`).
    public struct TimedPlacement: Codable {
        public var placement: String
        public var cached_step_s: Double
        public var uncached_step_s: Double
    }

    public var edges: [Edge]
    /// The placements asked for, timed the same way.
    public var placements: [TimedPlacement]
    /// Estimated total step time over all edges without the cache, over with it.
    public var cache_speedup_all: Double
    /// The same over the edges whose first changed node is in the last quarter.
    public var cache_speedup_late: Double

    /// Times `steps` steps of each edge of the spread, and of each of
    /// `placements`, on `task`, in each mode.
    public static func measure(_ backbone: Backbone<Float>, task: some ClassificationTask, steps: Int, batchSize: Int,
                               placements: [Placement] = [], log: (String) -> Void) throws -> TrainBenchmark {
        let n = backbone.nodeCount
        let batches = (0..<steps).map { task.trainingBatch(step: $0, size: batchSize, seed: 0) }
        let cache = PrefixCache(backbone: backbone)
        /// The best of two step times of `placement` with the cache and without (alternating, so that a busy
        /// moment of a shared machine hurts neither).
        func stepTimes(_ placement: Placement) throws -> (cached: Double, uncached: Double) {
            func stepTime(_ prefixes: PrefixCache<Float>?) throws -> Double {
                let state = TrainableState<Float>.initial(placement, width: backbone.width, classes: task.classes.count, seed: 0)
                var trainer = Trainer(backbone: backbone, state: state, steps: steps + 1, prefixes: prefixes)
                if let prefixes { for batch in batches { _ = try prefixes.prefix(batch, for: state.graph) } }  // filled once, untimed
                try trainer.train(on: batches[0])  // warm-up
                let start = DispatchTime.now().uptimeNanoseconds
                for batch in batches { try trainer.train(on: batch) }
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(steps)
            }
            var cached = Double.infinity, uncached = Double.infinity
            for _ in 0..<2 {
                cached = min(cached, try stepTime(cache))
                uncached = min(uncached, try stepTime(nil))
            }
            log(String(format: "%-6@ cached %.4f s/step, uncached %.4f s/step", placement.description, cached, uncached))
            return (cached, uncached)
        }
        var spread: [(Core.Edge, Int)] = (0..<n).map { (Core.Edge($0, $0), $0 + 1) }
        spread += (0..<(n - 1)).map { (Core.Edge(n - 1, $0), n - 1 - $0) }
        let timed = try spread.map { edge, weight in
            let (cached, uncached) = try stepTimes(Placement(edges: [edge]))
            return Edge(edge: edge.description, weight: weight, cached_step_s: cached, uncached_step_s: uncached)
        }
        let named = try placements.map { placement in
            let (cached, uncached) = try stepTimes(placement)
            return TimedPlacement(placement: placement.description, cached_step_s: cached, uncached_step_s: uncached)
        }
        func speedup(_ edges: [Edge]) -> Double {
            edges.reduce(0) { $0 + Double($1.weight) * $1.uncached_step_s } / edges.reduce(0) { $0 + Double($1.weight) * $1.cached_step_s }
        }
        let lateFrom = (3 * n + 3) / 4  // the last quarter of the nodes: t >= ceil(3n / 4)
        let late = zip(spread, timed).filter { $0.0.0.target >= lateFrom }.map(\.1)
        return TrainBenchmark(edges: timed, placements: named, cache_speedup_all: speedup(timed), cache_speedup_late: speedup(late))
    }
}
