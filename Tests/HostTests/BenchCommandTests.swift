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
                #expect(Set(shape.keys) == ["examples", "length", "fwd_s", "fwd_bwd_s", "gflops", "sgemm_gflops", "fraction"])
                let seconds = try #require(shape["fwd_bwd_s"] as? Double), rate = try #require(shape["gflops"] as? Double)
                let sgemm = try #require(shape["sgemm_gflops"] as? Double), fraction = try #require(shape["fraction"] as? Double)
                let flops = FlopCount(backbone, examples: 32, length: try #require(shape["length"] as? Int))
                #expect(abs(rate - (flops.forward + flops.backward) / seconds / 1e9) <= 1e-9 * rate)
                #expect(abs(fraction - rate / sgemm) <= 1e-9 * fraction)
                let forward = try #require(shape["fwd_s"] as? Double)
                #expect(forward > 0 && seconds > 0 && sgemm > 0)
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
}
