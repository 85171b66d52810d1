import ArgumentParser
import Core
import Foundation
import Host

/// `adapter-search bench`: speed, measured as ratios within one run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the engine's speed against this machine's own sgemm rate.",
        subcommands: [Pass.self, Train.self, Score.self, Executor.self])

    /// `bench pass`.
    struct Pass: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forward and forward+backward on MiniLM at batch 32 x 32 and 32 x 128 tokens.")

        @OptionGroup var model: ModelOptions

        @Option(help: "Timed rounds per shape, each an sgemm, a forward and a forward+backward; the fastest of each counts.")
        var repeats: Int = 5

        @Option(name: .customLong("length"), help: "A sequence length to time at batch 32 (repeatable).")
        var lengths: [Int] = [32, 128]

        @Option(name: .customLong("precision"),
                help: ArgumentHelp("The precision of the backbone's weight products (repeatable: each shape is timed in each).",
                                   valueName: "float32|bfloat16"))
        var precisions: [Precision] = [.float32]

        @Flag(help: "Print JSON: one object per shape and precision with precision, fwd_s, fwd_bwd_s, gflops, sgemm_gflops, fraction.")
        var json = false

        func validate() throws {
            guard repeats > 0, !lengths.isEmpty, lengths.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("--repeats and every --length must be positive")
            }
            try BenchCommand.checkPrecisions(precisions)
        }

        func run() throws {
            let backbone = try model.load()
            if case let .tokens(table) = backbone.embeddings, let longest = lengths.max(), longest > table.position.rows {
                throw ValidationError("--length \(longest) is longer than the model's \(table.position.rows) positions")
            }
            let backbones = precisions.map { backbone.with(precision: $0) }
            let results = lengths.flatMap { length in
                backbones.map { PassBenchmark.measure($0, examples: 32, length: length, rounds: repeats) }
            }
            if json {
                print(try jsonText(results, formatting: [.prettyPrinted, .sortedKeys]))
            } else {
                print(TextTable.render([["SHAPE", "PRECISION", "FWD S", "FWD+BWD S", "GFLOP/S", "SGEMM GFLOP/S", "FRACTION OF SGEMM"]] + results.map {
                    ["\($0.examples) x \($0.length)", $0.precision, String(format: "%.4f", $0.fwd_s), String(format: "%.4f", $0.fwd_bwd_s),
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

        @Option(name: .customLong("placement"),
                help: ArgumentHelp("A placement to time too, beside the spread (repeatable), e.g. a side network 0>12,6>12,12>12.",
                                   valueName: "spec"))
        var placements: [String] = []

        @Option(name: .customLong("precision"),
                help: ArgumentHelp("The precision of the backbone's weight products (repeatable: every edge is timed in each, side by "
                                   + "side, and the others' step times are given over the first's).", valueName: "float32|bfloat16"))
        var precisions: [Precision] = [.float32]

        @Option(help: ArgumentHelp("The order of the timed batches (as on commands that train).", valueName: "shuffled|length-grouped[:BATCHES]"))
        var batchOrder: BatchOrder = .shuffled

        @Option(help: ArgumentHelp("The Python of the PyTorch peer, which times the same steps in PyTorch (default: "
                                   + "$ADAPTER_SEARCH_PEER_PYTHON, else the virtualenv tools/reference-env makes).", valueName: "file"))
        var peerPython: String?

        @Option(help: ArgumentHelp("The PyTorch peer's script (default: tools/peer_train.py of this repository).", valueName: "file"))
        var peerScript: String?

        @Flag(help: "Do not run the PyTorch peer.")
        var noPeer = false

        @Flag(help: ArgumentHelp("Print JSON with precision, cache_speedup_all, cache_speedup_late, batch_order, padding_fraction, the "
                                 + "timed edges and placements, the PyTorch peer's pytorch, speedup_vs_pytorch_all and "
                                 + "pytorch_first_loss_difference (or pytorch_skipped), and compared_precisions with their step_ratios when --precision is given twice."))
        var json = false

        func validate() throws {
            guard steps > 0, batchSize > 0 else { throw ValidationError("--steps and --batch-size must be positive") }
            try BenchCommand.checkPrecisions(precisions)
        }

        func run() throws {
            let (backbone, loaded) = try task.load()
            let timed = try placements.map { text in
                do {
                    return try Placement(parsing: text, nodeCount: backbone.nodeCount)
                } catch {
                    throw ValidationError("--placement '\(text)': \(error)")
                }
            }
            let backbones = precisions.map { backbone.with(precision: $0) }
            var isText = false
            if case .tokens = backbone.embeddings { isText = true }
            let (peer, skipped) = startPeer(isText: isText)
            if let skipped { printError(skipped + "; timing adapter-search alone") }
            let result = try TrainBenchmark.measure(backbones, task: loaded, steps: steps, batchSize: batchSize, order: batchOrder,
                                                    placements: timed, peer: peer, peerSkipped: skipped) { line in
                if !json { print(line) }
            }
            if json {
                print(try jsonText(result, formatting: [.prettyPrinted, .sortedKeys]))
            } else {
                let edges = backbone.nodeCount * backbone.nodeCount
                print(String(format: "cache speedup over all %d edges (%@): %.2f", edges, result.precision, result.cache_speedup_all))
                print(String(format: "cache speedup, edges into the last quarter of the nodes: %.2f", result.cache_speedup_late))
                print(String(format: "batches %@: %.1f%% of their rows padding", result.batch_order, 100 * result.padding_fraction))
                for other in result.compared_precisions ?? [] {
                    print(String(format: "%@ step time over %@'s, all %d edges: %.2f with the cache, %.2f without", other.precision,
                                 result.precision, edges, other.step_ratio_all_cached, other.step_ratio_all_uncached))
                }
                if let torch = result.pytorch {
                    print(String(format: "first-step loss against PyTorch's, largest relative difference over the timed edges: %.1e",
                                 result.pytorch_first_loss_difference ?? .nan))
                    for (precision, speedup) in [(result.precision, result.speedup_vs_pytorch_all)]
                        + (result.compared_precisions ?? []).map({ ($0.precision, $0.speedup_vs_pytorch_all) }) {
                        print(String(format: "speedup over PyTorch %@ (same steps, all %d edges, %@, cached): %.2f", torch, edges,
                                     precision, speedup ?? .nan))
                    }
                }
            }
        }

        /// The PyTorch peer, or why there is none.
        private func startPeer(isText: Bool) -> (PyTorchPeer?, String?) {
            if noPeer { return (nil, "no PyTorch peer: --no-peer") }
            guard isText else { return (nil, "no PyTorch peer: it trains text models only") }
            do {
                let (python, script) = try PyTorchPeer.locate(python: peerPython, script: peerScript)
                return (try PyTorchPeer(python: python, script: script, model: task.model,
                                        threads: ProcessInfo.processInfo.activeProcessorCount), nil)
            } catch {
                return (nil, "\(error)")
            }
        }
    }

    /// Throws unless `precisions` are distinct.
    static func checkPrecisions(_ precisions: [Precision]) throws {
        guard Set(precisions).count == precisions.count else { throw ValidationError("--precision names a precision twice") }
    }

    /// `bench score`.
    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The probe pass on MiniLM (32 x 32 tokens) against scoring all n^2 edges with a metric, in one run.")

        @OptionGroup var model: ModelOptions

        @Option(help: "The metric plugin that scores.")
        var metric: String = "gradient-rank"

        @Option(help: ArgumentHelp("A second metric to time the same ways in the same rounds, e.g. the same metric in C "
                                   + "against a Python one; prints the first's times over the second's.", valueName: "id"))
        var against: String?

        @Option(help: "Timed repetitions; the fastest counts.")
        var repeats: Int = 3

        @OptionGroup var plugins: PluginOptions

        @Flag(help: "Print JSON with pass_s, score_s, ratio (score_s / pass_s), calls_s and, with --against, against.")
        var json = false

        func run() throws {
            let found = try plugins.load()
            let plugin = try PluginSources.find(metric, kind: .metric, in: found)
            let other = try against.map { try PluginSources.find($0, kind: .metric, in: found) }
            let backbone = try model.load()
            let result = try ScoreBenchmark.measure(backbone, metric: plugin, against: other, repeats: repeats)
            if json {
                print(try jsonText(result, formatting: [.prettyPrinted, .sortedKeys]))
            } else {
                print(String(format: "probe pass (32 x 32 tokens, forward + backward): %.3f s", result.pass_s))
                print(String(format: "scoring all %d edges with %@: %.3f s (of which every G_ij: %.3f s; "
                             + "the metric's calls, every G_ij made: %.3f s)", result.edges, metric, result.score_s,
                             result.edge_gradients_s, result.calls_s))
                print(String(format: "ratio: %.2f", result.ratio))
                if let versus = result.against {
                    print(String(format: "scoring all %d edges with %@: %.3f s (the metric's calls: %.3f s)", result.edges,
                                 versus.metric, versus.score_s, versus.calls_s))
                    print(String(format: "%@ over %@: scoring %.2f, the metric's calls %.2f", metric, versus.metric,
                                 versus.score_ratio, versus.calls_ratio))
                }
            }
        }
    }

    /// `bench executor`.
    struct Executor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluations per hour: serial (this process, every core) against local:N workers (the cores split), in one run.")

        @OptionGroup var task: TaskOptions
        @OptionGroup var budget: BudgetOptions

        @Option(help: "Single-edge placements each executor trains, spread over the candidate edges.")
        var edges: Int = 8

        @Option(help: "Local worker processes.")
        var workers: Int = 2

        @Flag(help: "Print JSON: edges, steps, workers, serial_s, local_s, serial_per_hour, local_per_hour, ratio, identical.")
        var json = false

        func validate() throws {
            guard edges > 0, workers > 0 else { throw ValidationError("--edges and --workers must be positive") }
        }

        func run() throws {
            let result = try ExecutorBenchmark.measure(task: task.specification, budget: budget.budget, edges: edges, workers: workers) {
                printError($0)
            }
            if json {
                print(try jsonText(result, formatting: [.prettyPrinted, .sortedKeys]))
            } else {
                print(String(format: "serial:  %d placements in %.1f s, %.0f evaluations/hour", result.edges, result.serial_s,
                             result.serial_per_hour))
                print(String(format: "local:%d: %d placements in %.1f s, %.0f evaluations/hour", workers, result.edges, result.local_s,
                             result.local_per_hour))
                print(String(format: "ratio (local over serial): %.2f; figures identical: %@", result.ratio, result.identical ? "yes" : "NO"))
            }
        }
    }
}
