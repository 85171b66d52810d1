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
        /// The same steps in PyTorch (`tools/peer_train.py`), when the peer ran.
        public var pytorch_step_s: Double?
    }

    /// One timed placement given by name (`bench train --placement`).
    public struct TimedPlacement: Codable {
        public var placement: String
        public var cached_step_s: Double
        public var uncached_step_s: Double
    }

    /// The precision of these figures (the backbone's weight products).
    public var precision: String
    public var edges: [Edge]
    /// The placements asked for, timed the same way.
    public var placements: [TimedPlacement]
    /// Estimated total step time over all edges without the cache, over with it.
    public var cache_speedup_all: Double
    /// The same over the edges whose first changed node is in the last quarter.
    public var cache_speedup_late: Double
    /// The order of the timed batches, and the share of their rows that are padding.
    public var batch_order: String
    public var padding_fraction: Double
    /// The PyTorch peer's version, when it ran.
    public var pytorch: String?
    /// Why the PyTorch peer did not run, when it did not.
    public var pytorch_skipped: String?
    /// Estimated total PyTorch step time over all edges, over this
    /// precision's with the cache (weighted as `cache_speedup_all`).
    public var speedup_vs_pytorch_all: Double?
    /// The largest relative difference, over the timed edges, between the
    /// first step's loss here (this precision, before any update) and the
    /// peer's: both start from the same head and a zero up-projection, so
    /// the two compute the same loss up to rounding.
    public var pytorch_first_loss_difference: Double?
    /// The same steps in each further precision asked for, timed beside
    /// these (alternating edge by edge), with their ratios to these.
    public var compared_precisions: [ComparedPrecision]?

    /// One further precision's figures.
    public struct ComparedPrecision: Codable {
        public var precision: String
        public var edges: [Edge]
        public var placements: [TimedPlacement]
        public var cache_speedup_all: Double
        public var cache_speedup_late: Double
        /// Per timed edge, its step time in this precision over the first precision's.
        public var step_ratios: [StepRatio]
        /// Estimated total step time over all edges in this precision over the first's, with the cache and without it.
        public var step_ratio_all_cached: Double
        public var step_ratio_all_uncached: Double
        /// Estimated total PyTorch step time over all edges, over this precision's with the cache.
        public var speedup_vs_pytorch_all: Double?
    }

    /// One edge's (or placement's) step time in a compared precision over the first precision's.
    public struct StepRatio: Codable {
        public var edge: String
        public var cached: Double
        public var uncached: Double
    }

    /// Times `steps` steps of each edge of the spread, and of each of
    /// `placements`, on `task` (batches in `order`), in each mode, on each of
    /// `backbones` (the same backbone in different precisions; the first
    /// gives the main figures, each other is timed beside it, edge by edge).
    /// The PyTorch peer, when given, times the spread's edges too, in the
    /// same rounds; `peerSkipped` says why there is none.
    public static func measure(_ backbones: [Backbone<Float>], task: some ClassificationTask, steps: Int, batchSize: Int,
                               order: BatchOrder = .shuffled, placements: [Placement] = [], peer: PyTorchPeer? = nil,
                               peerSkipped: String? = nil, log: (String) -> Void) throws -> TrainBenchmark {
        precondition(!backbones.isEmpty, "a benchmark needs a backbone")
        let n = backbones[0].nodeCount
        let batches = (0..<steps).map { task.trainingBatch(step: $0, size: batchSize, seed: 0, order: order) }
        let caches = backbones.map { PrefixCache(backbone: $0) }
        let head = TrainableState<Float>.initial(Placement([]), width: backbones[0].width, classes: task.classes.count, seed: 0).head
        try peer?.load(batches, head: head, rank: AdapterOptions().rank)
        var lossDifference = 0.0
        let layouts = batches.compactMap { batch -> BatchLayout? in if case let .tokens(_, _, layout) = batch.input { layout } else { nil } }
        let rows = layouts.reduce(0) { $0 + $1.rows }
        let padding = rows == 0 ? 0 : Double(rows - layouts.reduce(0) { $0 + $1.tokenCount }) / Double(rows)
        /// The best of two step times of `placement` on each backbone, with the cache and without (alternating,
        /// so that a busy moment of a shared machine hurts none more than another).
        func stepTimes(_ placement: Placement, timesPeer: Bool = false) throws -> (times: [(cached: Double, uncached: Double)], pytorch: Double?) {
            func stepTime(_ backbone: Backbone<Float>, _ prefixes: PrefixCache<Float>?) throws -> (seconds: Double, firstLoss: Double) {
                let state = TrainableState<Float>.initial(placement, width: backbone.width, classes: task.classes.count, seed: 0)
                var trainer = Trainer(backbone: backbone, state: state, steps: steps + 1, prefixes: prefixes)
                if let prefixes { for batch in batches { _ = try prefixes.prefix(batch, for: state.graph) } }  // filled once, untimed
                let firstLoss = try trainer.train(on: batches[0])  // warm-up
                let start = DispatchTime.now().uptimeNanoseconds
                for batch in batches { try trainer.train(on: batch) }
                return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(steps), firstLoss)
            }
            var times = [(cached: Double, uncached: Double)](repeating: (.infinity, .infinity), count: backbones.count)
            let peerEdge = timesPeer && peer != nil ? placement.entries[0].edge : nil
            var pytorch = Double.infinity, firstLoss = Double.nan
            for _ in 0..<2 {
                for (index, backbone) in backbones.enumerated() {
                    let cached = try stepTime(backbone, caches[index])
                    if index == 0 { firstLoss = cached.firstLoss }
                    times[index].cached = min(times[index].cached, cached.seconds)
                    times[index].uncached = min(times[index].uncached, try stepTime(backbone, nil).seconds)
                }
                if let peer, let peerEdge {
                    let peerStep = try peer.stepTime(peerEdge)
                    pytorch = min(pytorch, peerStep.seconds)
                    let difference = abs(peerStep.firstLoss - firstLoss) / abs(firstLoss)
                    guard difference.isFinite else {  // max would drop a NaN and report agreement
                        throw PyTorchPeerError(description: "the first-step loss of \(peerEdge) is \(firstLoss) here and "
                                               + "\(peerStep.firstLoss) in PyTorch: the two cannot be compared")
                    }
                    lossDifference = max(lossDifference, difference)
                }
            }
            var line = String(format: "%-6@ cached %.4f s/step, uncached %.4f s/step", placement.description, times[0].cached,
                              times[0].uncached)
            for (backbone, time) in zip(backbones, times).dropFirst() {
                line += String(format: "; %@ cached %.4f (x%.2f), uncached %.4f (x%.2f)", backbone.precisionSummary, time.cached,
                               time.cached / times[0].cached, time.uncached, time.uncached / times[0].uncached)
            }
            if peerEdge != nil { line += String(format: "; pytorch %.4f s/step", pytorch) }
            log(line)
            return (times, peerEdge == nil ? nil : pytorch)
        }
        var spread: [(Core.Edge, Int)] = (0..<n).map { (Core.Edge($0, $0), $0 + 1) }
        spread += (0..<(n - 1)).map { (Core.Edge(n - 1, $0), n - 1 - $0) }
        let timed = try spread.map { edge, _ in try stepTimes(Placement(edges: [edge]), timesPeer: true) }
        let named = try placements.map { try stepTimes($0) }
        func speedup(_ edges: [Edge]) -> Double {
            edges.reduce(0) { $0 + Double($1.weight) * $1.uncached_step_s } / edges.reduce(0) { $0 + Double($1.weight) * $1.cached_step_s }
        }
        func speedupVersusPyTorch(_ edges: [Edge]) -> Double? {
            guard peer != nil else { return nil }
            return edges.reduce(0) { $0 + Double($1.weight) * ($1.pytorch_step_s ?? .nan) }
                / edges.reduce(0) { $0 + Double($1.weight) * $1.cached_step_s }
        }
        let lateFrom = (3 * n + 3) / 4  // the last quarter of the nodes: t >= ceil(3n / 4)
        func figures(_ index: Int) -> (edges: [Edge], placements: [TimedPlacement], all: Double, late: Double) {
            let edges = zip(spread, timed).map { spread, times in
                Edge(edge: spread.0.description, weight: spread.1, cached_step_s: times.times[index].cached,
                     uncached_step_s: times.times[index].uncached, pytorch_step_s: times.pytorch)
            }
            let late = zip(spread, edges).filter { $0.0.0.target >= lateFrom }.map(\.1)
            let timedPlacements = zip(placements, named).map { placement, times in
                TimedPlacement(placement: placement.description, cached_step_s: times.times[index].cached,
                               uncached_step_s: times.times[index].uncached)
            }
            return (edges, timedPlacements, speedup(edges), speedup(late))
        }
        let first = figures(0)
        let compared = backbones.indices.dropFirst().map { index -> ComparedPrecision in
            let these = figures(index)
            func total(_ edges: [Edge], _ time: (Edge) -> Double) -> Double { edges.reduce(0) { $0 + Double($1.weight) * time($1) } }
            let ratios = zip(these.edges, first.edges).map { StepRatio(edge: $0.edge, cached: $0.cached_step_s / $1.cached_step_s,
                                                                      uncached: $0.uncached_step_s / $1.uncached_step_s) }
                + zip(these.placements, first.placements).map { StepRatio(edge: $0.placement, cached: $0.cached_step_s / $1.cached_step_s,
                                                                         uncached: $0.uncached_step_s / $1.uncached_step_s) }
            return ComparedPrecision(precision: backbones[index].precision.description, edges: these.edges, placements: these.placements,
                                     cache_speedup_all: these.all, cache_speedup_late: these.late, step_ratios: ratios,
                                     step_ratio_all_cached: total(these.edges, \.cached_step_s) / total(first.edges, \.cached_step_s),
                                     step_ratio_all_uncached: total(these.edges, \.uncached_step_s) / total(first.edges, \.uncached_step_s),
                                     speedup_vs_pytorch_all: speedupVersusPyTorch(these.edges))
        }
        return TrainBenchmark(precision: backbones[0].precision.description, edges: first.edges, placements: first.placements,
                              cache_speedup_all: first.all, cache_speedup_late: first.late, batch_order: order.name,
                              padding_fraction: padding, pytorch: peer?.torchVersion, pytorch_skipped: peer == nil ? peerSkipped : nil,
                              speedup_vs_pytorch_all: speedupVersusPyTorch(first.edges),
                              pytorch_first_loss_difference: peer == nil ? nil : lossDifference, compared_precisions: compared.isEmpty ? nil : compared)
    }
}
