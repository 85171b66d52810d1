import Core
import Foundation
import Testing

/// `adapter-search bench pass`: its figures are what its JSON says they are.
@Suite struct BenchCommandTests {
    /// On a tiny BERT at batch 32 x 8: one object per shape with the issue's
    /// keys, the FLOP rate the engine's FLOP count over fwd_bwd_s, and the
    /// fraction that rate over the same run's sgemm rate.
    @Test func benchPassReportsItsRateAgainstTheSameRunsSgemm() throws {
        try withTemporaryDirectory { folder in
            let model = try TinyTextTask.write(in: folder).model
            let result = try runAdapterSearch(["bench", "pass", "--model", model, "--length", "8", "--length", "4",
                                               "--repeats", "1", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let shapes = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            #expect(shapes.map { $0["length"] as? Int } == [8, 4])
            let backbone = try Backbone<Float>.load(directory: model)
            for shape in shapes {
                #expect(Set(shape.keys) == ["precision", "examples", "length", "fwd_s", "fwd_bwd_s", "gflops", "sgemm_gflops", "fraction"])
                let seconds = try #require(shape["fwd_bwd_s"] as? Double), rate = try #require(shape["gflops"] as? Double)
                let sgemm = try #require(shape["sgemm_gflops"] as? Double), fraction = try #require(shape["fraction"] as? Double)
                let flops = FlopCount(backbone, examples: 32, length: try #require(shape["length"] as? Int))
                #expect(abs(rate - (flops.forward + flops.backward) / seconds / 1e9) <= 1e-9 * rate)
                #expect(abs(fraction - rate / sgemm) <= 1e-9 * fraction)
                let forward = try #require(shape["fwd_s"] as? Double)
                #expect(forward > 0 && seconds > 0 && sgemm > 0)
                #expect(shape["precision"] as? String == "float32")
            }
        }
    }

    @Test func aLengthBeyondTheModelsPositionsIsAClearError() throws {
        try withTemporaryDirectory { folder in
            let model = try TinyTextTask.write(in: folder).model
            let result = try runAdapterSearch(["bench", "pass", "--model", model, "--length", "33"])
            #expect(result.status != 0 && result.stderr.contains("--length 33 is longer than the model's 32 positions"),
                    "\(result.stderr)")
        }
    }

    /// `bench train` times the spread of single edges and every placement
    /// asked for (a side network beside a mixed placement); the speedups are
    /// the weighted ratios of the edges' own times.
    @Test func benchTrainTimesTheSpreadAndThePlacementsAskedFor() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            let task = ["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2]]
            let result = try runAdapterSearch(["bench", "train"] + task + ["--steps", "1", "--batch-size", "4",
                                               "--placement", "0>4,2>4,4>4", "--placement", "1>3,4>2", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let bench = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let placements = try #require(bench["placements"] as? [[String: Any]])
            #expect(placements.map { $0["placement"] as? String } == ["0>4:r8,2>4:r8,4>4:r8", "1>3:r8,4>2:r8"])
            #expect(placements.allSatisfy { ($0["cached_step_s"] as? Double ?? 0) > 0 && ($0["uncached_step_s"] as? Double ?? 0) > 0 })
            let edges = try #require(bench["edges"] as? [[String: Any]])
            #expect(edges.count == 9, "t>t for 5 nodes and 4>t for 4 targets")
            let weighted = { (key: String) in edges.reduce(0.0) { $0 + Double($1["weight"] as! Int) * ($1[key] as! Double) } }
            let speedup = try #require(bench["cache_speedup_all"] as? Double)
            #expect(abs(speedup - weighted("uncached_step_s") / weighted("cached_step_s")) <= 1e-9 * speedup)

            let bad = try runAdapterSearch(["bench", "train"] + task + ["--placement", "0>9"])
            #expect(bad.status != 0 && bad.stderr.contains("--placement '0>9'"), "\(bad.stderr)")
            #expect(bench["precision"] as? String == "float32" && bench["compared_precisions"] == nil)
        }
    }

    /// `bench train --precision float32 --precision bfloat16` times every
    /// edge in both; the bfloat16 figures come with their ratios to float32's.
    @Test func benchTrainTimesBothPrecisionsSideBySide() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            let task = ["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2]]
            let result = try runAdapterSearch(["bench", "train"] + task + ["--steps", "1", "--batch-size", "4", "--placement", "1>3,4>2",
                                               "--precision", "float32", "--precision", "bfloat16", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let bench = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(bench["precision"] as? String == "float32")
            let compared = try #require((bench["compared_precisions"] as? [[String: Any]])?.first)
            #expect(compared["precision"] as? String == "bfloat16")
            let edges = try #require(bench["edges"] as? [[String: Any]]), halves = try #require(compared["edges"] as? [[String: Any]])
            let ratios = try #require(compared["step_ratios"] as? [[String: Any]])
            #expect(halves.count == edges.count && ratios.count == edges.count + 1, "every edge and the placement")
            for (index, (edge, half)) in zip(edges, halves).enumerated() {
                let ratio = (half["cached_step_s"] as! Double) / (edge["cached_step_s"] as! Double)
                #expect(ratios[index]["edge"] as? String == edge["edge"] as? String)
                #expect(abs((ratios[index]["cached"] as! Double) - ratio) <= 1e-9 * ratio)
            }
            let weighted = { (edges: [[String: Any]]) in edges.reduce(0.0) { $0 + Double($1["weight"] as! Int) * ($1["uncached_step_s"] as! Double) } }
            let all = try #require(compared["step_ratio_all_uncached"] as? Double)
            #expect(abs(all - weighted(halves) / weighted(edges)) <= 1e-9 * all)

            let twice = try runAdapterSearch(["bench", "train"] + task + ["--precision", "bfloat16", "--precision", "bfloat16"])
            #expect(twice.status != 0 && twice.stderr.contains("twice"), "\(twice.stderr)")
        }
    }
}
