import CLinearAlgebra
import Core
import Foundation

/// The probe pass against scoring every edge from it; with a second metric,
/// the two metrics against each other in the same rounds.
public struct ScoreBenchmark: Codable {
    /// Edges scored: every n^2 edge.
    public var edges: Int
    /// The probe pass, forward and backward.
    public var pass_s: Double
    /// Of score_s: every G_ij, from one product.
    public var edge_gradients_s: Double
    /// Scoring every edge from scratch: every G_ij (and what else the metric
    /// needs) made, then the metric's calls.
    public var score_s: Double
    /// score_s / pass_s.
    public var ratio: Double
    /// The metric's own calls: scoring every edge once every G_ij (and
    /// spectrum) exists, through the ABI as always (creating the instance,
    /// each view lent, each call).
    public var calls_s: Double
    /// The second metric (`--against`), when one was given.
    public var against: Against?

    /// The second metric's figures, and the first's over them.
    public struct Against: Codable {
        /// Its id.
        public var metric: String
        /// Its score_s: scoring every edge from scratch.
        public var score_s: Double
        /// Its calls_s: its own calls, every G_ij made.
        public var calls_s: Double
        /// score_s of the timed metric / score_s of this one.
        public var score_ratio: Double
        /// calls_s of the timed metric / calls_s of this one.
        public var calls_ratio: Double
    }

    /// Times the probe pass on random tokens (32 x 32, a seeded random head
    /// of 26 classes) and scoring every edge with `metric` from scratch
    /// (edge gradients, spectra or ranks, the plugin's calls), and with every
    /// G_ij already made (the plugin's calls). With `against`, times that
    /// metric the same ways in the same rounds, alternating the two (a
    /// shared machine's speed drifts); after one warm-up round, the fastest
    /// of `repeats` rounds counts for each figure.
    public static func measure(_ backbone: Backbone<Float>, metric: PluginDescriptor, against: PluginDescriptor? = nil,
                               repeats: Int) throws -> ScoreBenchmark {
        var random = SeededRandom(seed: 1)
        let batch = LabelledBatch<Float>(input: randomTokens(backbone, examples: 32, length: 32, using: &random),
                                         labels: (0..<32).map { _ in Int.random(in: 0..<26, using: &random) })
        let head = TrainableState<Float>.initial(Placement([]), width: backbone.width, classes: 26, seed: 0).head
        var probe: Probe?
        let pass = Stopwatch.fastest(repeats) { probe = Probe(backbone: backbone, batch: batch, head: head) }
        let edges = Edge.all(nodeCount: backbone.nodeCount)
        let warm = EngineProbe(probe: probe!, seed: 0)  // keeps every G_ij after the warm-up round
        let contenders = [metric] + (against.map { [$0] } ?? [])
        var best = [(score: Double, calls: Double)](repeating: (.infinity, .infinity), count: contenders.count)
        var failure: (any Error)?
        func scoring(_ plugin: PluginDescriptor, _ engine: EngineProbe) {
            do {
                let environment = PluginEnvironment(nodeCount: backbone.nodeCount, candidates: edges, probe: engine)
                _ = try PluginInstance(plugin, environment: environment).score(edges)
            } catch {
                failure = failure ?? error
            }
        }
        for round in 0...max(repeats, 1) {
            for (index, plugin) in contenders.enumerated() {
                let score = Stopwatch.time { scoring(plugin, EngineProbe(probe: probe!, seed: 0)) }
                let calls = Stopwatch.time { scoring(plugin, warm) }
                if let failure { throw failure }
                guard round > 0 else { continue }  // the warm-up
                best[index] = (min(best[index].score, score), min(best[index].calls, calls))
            }
        }
        let gradients = Stopwatch.fastest(repeats) { _ = EdgeGradients(probe!) }
        return ScoreBenchmark(
            edges: edges.count, pass_s: pass, edge_gradients_s: gradients, score_s: best[0].score,
            ratio: best[0].score / pass, calls_s: best[0].calls,
            against: against.map { other in
                Against(metric: other.id, score_s: best[1].score, calls_s: best[1].calls,
                        score_ratio: best[0].score / best[1].score, calls_ratio: best[0].calls / best[1].calls)
            })
    }
}

/// One shape's figures; the keys are the JSON the issue asks for.
public struct PassBenchmark: Codable {
    /// What the backbone's weight products computed in.
    public var precision: String
    public var examples: Int
    public var length: Int
    public var fwd_s: Double
    public var fwd_bwd_s: Double
    /// FLOP rate of forward+backward.
    public var gflops: Double
    public var sgemm_gflops: Double
    /// gflops / sgemm_gflops.
    public var fraction: Double

    /// Times forward and forward+backward (node gradients) on random tokens
    /// against sgemm on 2048 x 2048, in `rounds` rounds that each time all
    /// three once (after one warm-up round): a shared machine's speed drifts,
    /// so each is measured beside the others and the fastest of each counts.
    public static func measure(_ backbone: Backbone<Float>, examples: Int, length: Int, rounds: Int) -> PassBenchmark {
        var random = SeededRandom(seed: 1)
        let input = randomTokens(backbone, examples: examples, length: length, using: &random)
        let seed = Matrix<Float>(rows: examples, cols: backbone.width,
                                 values: (0..<examples * backbone.width).map { _ in Float.random(in: -1...1, using: &random) })
        let sgemm = SgemmBenchmark(size: 2048)
        var best = (sgemm: Double.infinity, forward: Double.infinity, both: Double.infinity)
        for round in 0...max(rounds, 1) {
            let times = (sgemm: Stopwatch.time { sgemm.run() },
                         forward: Stopwatch.time { _ = backbone.forward(input) },
                         both: Stopwatch.time { _ = backbone.nodeGradients(backbone.forward(input), pooledGradient: seed) })
            guard round > 0 else { continue }  // the warm-up
            best = (min(best.sgemm, times.sgemm), min(best.forward, times.forward), min(best.both, times.both))
        }
        let flops = FlopCount(backbone, examples: examples, length: length)
        let rate = (flops.forward + flops.backward) / best.both / 1e9, sgemmRate = sgemm.flops / best.sgemm / 1e9
        return PassBenchmark(precision: backbone.precision.description, examples: examples, length: length, fwd_s: best.forward, fwd_bwd_s: best.both, gflops: rate,
                             sgemm_gflops: sgemmRate, fraction: rate / sgemmRate)
    }
}

/// C = A B on size x size matrices with OpenBLAS's own threading on every
/// core: this machine's reference rate. (The engine runs OpenBLAS
/// single-threaded under its own split, so threading is switched on for
/// each run and off again.)
public final class SgemmBenchmark {
    public let size: Int
    private let a: [Float]
    private var c: [Float]

    public init(size: Int) {
        self.size = size
        a = [Float](repeating: 0.5, count: size * size)
        c = [Float](repeating: 0, count: size * size)
    }

    /// The FLOPs of one run.
    public var flops: Double { 2 * pow(Double(size), 3) }

    /// One product.
    public func run() {
        openblas_set_num_threads(Int32(Parallel.threadCount))
        defer { openblas_set_num_threads(1) }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(size), Int32(size), Int32(size),
                    1, a, Int32(size), a, Int32(size), 0, &c, Int32(size))
    }
}

/// Wall-clock timing.
public enum Stopwatch {
    /// Seconds of one run of `body`.
    public static func time(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The fastest of `repeats` runs after one warm-up run.
    public static func fastest(_ repeats: Int, _ body: () -> Void) -> Double {
        body()
        return (0..<max(repeats, 1)).map { _ in time(body) }.min()!
    }
}

/// Unpadded batches of random word-piece ids, the input every engine
/// benchmark times: ids 1000 ..< 30000 (ordinary words in MiniLM's
/// vocabulary), within the first ids of a smaller vocabulary.
public func randomTokens(_ backbone: Backbone<Float>, examples: Int, length: Int,
                  using random: inout SeededRandom) -> BackboneInput<Float> {
    guard case let .tokens(table) = backbone.embeddings else { preconditionFailure("the engine benchmarks time text backbones") }
    let layout = BatchLayout(examples: examples, length: length)
    let upper = min(30000, table.word.rows), lower = min(1000, upper - 1)
    let ids = (0..<layout.rows).map { _ in Int32.random(in: Int32(lower)..<Int32(upper), using: &random) }
    return .tokens(ids: ids, types: [Int32](repeating: 0, count: layout.rows), layout: layout)
}
