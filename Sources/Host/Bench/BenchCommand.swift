import ArgumentParser
import CLinearAlgebra
import Core
import Foundation

/// `adapter-search bench`: speed, measured as ratios within one run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the engine's speed against this machine's own sgemm rate.",
        subcommands: [Pass.self, Train.self, Score.self])

    /// The backbone `bench pass` and `bench score` time.
    struct ModelOptions: ParsableArguments {
        @Option(help: "The backbone folder (config.json, model.safetensors).")
        var model: String = CacheFolder.miniLM

        /// The backbone, which must be a text one: the benchmarks time
        /// batches of token ids.
        func load() throws -> Backbone<Float> {
            let backbone = try Backbone<Float>.load(directory: try CacheFolder.require(model))
            guard case .tokens = backbone.embeddings else {
                throw ValidationError("the engine benchmarks time token batches; \(model) holds an image backbone")
            }
            return backbone
        }
    }

    /// `bench pass`.
    struct Pass: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forward and forward+backward on MiniLM at batch 32 x 32 and 32 x 128 tokens.")

        @OptionGroup var model: ModelOptions

        @Option(help: "Timed rounds per shape, each an sgemm, a forward and a forward+backward; the fastest of each counts.")
        var repeats: Int = 5

        @Option(name: .customLong("length"), help: "A sequence length to time at batch 32 (repeatable; default 32 and 128).")
        var lengths: [Int] = [32, 128]

        @Flag(help: "Print JSON: one object per shape with fwd_s, fwd_bwd_s, gflops, sgemm_gflops, fraction.")
        var json = false

        func validate() throws {
            guard repeats > 0, !lengths.isEmpty, lengths.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("--repeats and every --length must be positive")
            }
        }

        func run() throws {
            let backbone = try model.load()
            if case let .tokens(table) = backbone.embeddings, let longest = lengths.max(), longest > table.position.rows {
                throw ValidationError("--length \(longest) is longer than the model's \(table.position.rows) positions")
            }
            let results = lengths.map { PassBenchmark.measure(backbone, examples: 32, length: $0, rounds: repeats) }
            if json {
                print(try jsonText(results, formatting: [.prettyPrinted, .sortedKeys]))
            } else {
                print(TextTable.render([["SHAPE", "FWD S", "FWD+BWD S", "GFLOP/S", "SGEMM GFLOP/S", "FRACTION OF SGEMM"]] + results.map {
                    ["\($0.examples) x \($0.length)", String(format: "%.4f", $0.fwd_s), String(format: "%.4f", $0.fwd_bwd_s),
                     String(format: "%.1f", $0.gflops), String(format: "%.1f", $0.sgemm_gflops), String(format: "%.3f", $0.fraction)]
                }), terminator: "")
            }
        }
    }

    /// `bench train`.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Training steps per second for a spread of single edges, with the prefix cache and without it.")

        @OptionGroup var task: TaskOptions

        @Option(help: "Timed steps per edge and mode.")
        var steps: Int = 3

        @Option(help: "Examples per step.")
        var batchSize: Int = 32

        @Flag(help: "Print JSON with cache_speedup_all, cache_speedup_late and the timed edges.")
        var json = false

        func validate() throws {
            guard steps > 0, batchSize > 0 else { throw ValidationError("--steps and --batch-size must be positive") }
        }

        func run() throws {
            let (backbone, loaded) = try task.load()
            let result = try TrainBenchmark.measure(backbone, task: loaded, steps: steps, batchSize: batchSize) { line in
                if !json { print(line) }
            }
            if json {
                print(try jsonText(result, formatting: [.prettyPrinted, .sortedKeys]))
            } else {
                print(String(format: "cache speedup over all %d edges: %.2f", backbone.nodeCount * backbone.nodeCount,
                             result.cache_speedup_all))
                print(String(format: "cache speedup, edges into the last quarter of the nodes: %.2f", result.cache_speedup_late))
            }
        }
    }

    /// `bench score`.
    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The probe pass on MiniLM (32 x 32 tokens) against scoring all n^2 edges with a metric, in one run.")

        @OptionGroup var model: ModelOptions

        @Option(help: "The metric plugin that scores.")
        var metric: String = "gradient-rank"

        @Option(help: "Timed repetitions; the fastest counts.")
        var repeats: Int = 3

        @OptionGroup var plugins: PluginOptions

        @Flag(help: "Print JSON with pass_s, score_s and ratio (score_s / pass_s).")
        var json = false

        func run() throws {
            guard let plugin = try plugins.load().first(where: { $0.id == metric && $0.kind == .metric }) else {
                throw ValidationError("no metric plugin '\(metric)'; `adapter-search plugins list` shows what there is")
            }
            let backbone = try model.load()
            let result = try ScoreBenchmark.measure(backbone, metric: plugin, repeats: repeats)
            if json {
                print(try jsonText(result, formatting: [.prettyPrinted, .sortedKeys]))
            } else {
                print(String(format: "probe pass (32 x 32 tokens, forward + backward): %.3f s", result.pass_s))
                print(String(format: "scoring all %d edges with %@: %.3f s (of which every G_ij: %.3f s)", result.edges, metric,
                             result.score_s, result.edge_gradients_s))
                print(String(format: "ratio: %.2f", result.ratio))
            }
        }
    }
}

/// The probe pass against scoring every edge from it.
struct ScoreBenchmark: Codable {
    var edges: Int
    var pass_s: Double
    /// Of score_s: every G_ij, from one product.
    var edge_gradients_s: Double
    var score_s: Double
    /// score_s / pass_s.
    var ratio: Double

    /// Times the probe pass on random tokens (32 x 32, a seeded random head
    /// of 26 classes) and scoring every edge with `metric` from scratch
    /// (edge gradients, spectra or ranks, the plugin's calls).
    static func measure(_ backbone: Backbone<Float>, metric: PluginDescriptor, repeats: Int) throws -> ScoreBenchmark {
        var random = SeededRandom(seed: 1)
        let batch = LabelledBatch<Float>(input: randomTokens(backbone, examples: 32, length: 32, using: &random),
                                         labels: (0..<32).map { _ in Int.random(in: 0..<26, using: &random) })
        let head = TrainableState<Float>.initial(Placement([]), width: backbone.width, classes: 26, seed: 0).head
        var probe: Probe?
        let pass = Stopwatch.fastest(repeats) { probe = Probe(backbone: backbone, batch: batch, head: head) }
        let edges = Edge.all(nodeCount: backbone.nodeCount)
        var failure: (any Error)?
        let score = Stopwatch.fastest(repeats) {
            do {
                let engine = EngineProbe(probe: probe!, seed: 0)
                let environment = PluginEnvironment(nodeCount: backbone.nodeCount, candidates: edges, probe: engine)
                _ = try PluginInstance(metric, environment: environment).score(edges)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        let gradients = Stopwatch.fastest(repeats) { _ = EdgeGradients(probe!) }
        return ScoreBenchmark(edges: edges.count, pass_s: pass, edge_gradients_s: gradients, score_s: score, ratio: score / pass)
    }
}

/// One shape's figures; the keys are the JSON the issue asks for.
struct PassBenchmark: Codable {
    var examples: Int
    var length: Int
    var fwd_s: Double
    var fwd_bwd_s: Double
    /// FLOP rate of forward+backward.
    var gflops: Double
    var sgemm_gflops: Double
    /// gflops / sgemm_gflops.
    var fraction: Double

    /// Times forward and forward+backward (node gradients) on random tokens
    /// against sgemm on 2048 x 2048, in `rounds` rounds that each time all
    /// three once (after one warm-up round): a shared machine's speed drifts,
    /// so each is measured beside the others and the fastest of each counts.
    static func measure(_ backbone: Backbone<Float>, examples: Int, length: Int, rounds: Int) -> PassBenchmark {
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
        return PassBenchmark(examples: examples, length: length, fwd_s: best.forward, fwd_bwd_s: best.both, gflops: rate,
                             sgemm_gflops: sgemmRate, fraction: rate / sgemmRate)
    }
}

/// C = A B on size x size matrices with OpenBLAS's own threading on every
/// core: this machine's reference rate. (The engine runs OpenBLAS
/// single-threaded under its own split, so threading is switched on for
/// each run and off again.)
final class SgemmBenchmark {
    let size: Int
    private let a: [Float]
    private var c: [Float]

    init(size: Int) {
        self.size = size
        a = [Float](repeating: 0.5, count: size * size)
        c = [Float](repeating: 0, count: size * size)
    }

    /// The FLOPs of one run.
    var flops: Double { 2 * pow(Double(size), 3) }

    /// One product.
    func run() {
        openblas_set_num_threads(Int32(Parallel.threadCount))
        defer { openblas_set_num_threads(1) }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(size), Int32(size), Int32(size),
                    1, a, Int32(size), a, Int32(size), 0, &c, Int32(size))
    }
}

/// Wall-clock timing.
enum Stopwatch {
    /// Seconds of one run of `body`.
    static func time(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The fastest of `repeats` runs after one warm-up run.
    static func fastest(_ repeats: Int, _ body: () -> Void) -> Double {
        body()
        return (0..<max(repeats, 1)).map { _ in time(body) }.min()!
    }
}

/// Unpadded batches of random word-piece ids, the input every engine
/// benchmark times: ids 1000 ..< 30000 (ordinary words in MiniLM's
/// vocabulary), within the first ids of a smaller vocabulary.
func randomTokens(_ backbone: Backbone<Float>, examples: Int, length: Int,
                  using random: inout SeededRandom) -> BackboneInput<Float> {
    guard case let .tokens(table) = backbone.embeddings else { preconditionFailure("the engine benchmarks time text backbones") }
    let layout = BatchLayout(examples: examples, length: length)
    let upper = min(30000, table.word.rows), lower = min(1000, upper - 1)
    let ids = (0..<layout.rows).map { _ in Int32.random(in: Int32(lower)..<Int32(upper), using: &random) }
    return .tokens(ids: ids, types: [Int32](repeating: 0, count: layout.rows), layout: layout)
}
