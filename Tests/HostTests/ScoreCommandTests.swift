import Core
import Foundation
import Testing

/// `adapter-search score` on a tiny BERT: every built-in metric on every edge
/// against an independent float64 computation from the dumped probe.
@Suite struct ScoreCommandTests {
    /// The built-in metrics that read the probe pass alone.
    static let probeMetrics = ["gradient-rank", "gradient-norm", "snip", "nuclear-norm", "stable-rank", "effective-rank", "fisher"]
    /// Every built-in metric: synflow adds one data-free extra pass.
    static let metrics = probeMetrics + ["synflow"]

    func score(_ folder: URL, _ extra: [String]) throws -> ProcessResult {
        let (model, data) = try TinyTextTask.write(in: folder)
        return try runAdapterSearch(["score", "--model", model, "--train-file", data[0], "--validation-file", data[1],
                                     "--test-file", data[2], "--probe-size", "12"] + extra)
    }

    /// G_ij = H_i^T D_j in float64 from the dumped float32 H and D.
    func edgeGradient(_ h: NumericArray, _ d: NumericArray) -> [Double] {
        let tokens = h.shape[0], width = h.shape[1]
        var g = [Double](repeating: 0, count: width * width)
        for t in 0..<tokens {
            for a in 0..<width {
                let x = Double(h.values[t * width + a])
                for b in 0..<width { g[a * width + b] += x * Double(d.values[t * width + b]) }
            }
        }
        return g
    }

    @Test func everyMetricOnEveryEdgeMatchesFloat64FromTheDumpedProbe() throws {
        try withTemporaryDirectory { folder in
            let dump = folder.appendingPathComponent("probe").path
            let result = try score(folder, Self.metrics.flatMap { ["--metric", $0] } + ["--json", "--dump-probe", dump])
            #expect(result.status == 0, "\(result.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(rows.count == 25)
            let h = try (0..<5).map { try NPYFile.read(dump + "/H_\($0).npy") }, d = try (0..<5).map { try NPYFile.read(dump + "/D_\($0).npy") }
            let dataFreeH = try (0..<5).map { try NPYFile.read(dump + "/probe-1/H_\($0).npy") }
            let dataFreeD = try (0..<5).map { try NPYFile.read(dump + "/probe-1/D_\($0).npy") }
            #expect(dataFreeH[0].values.allSatisfy { $0 == 1 }, "the data-free pass starts from ones")
            let width = h[0].shape[1]
            #expect(width == 16 && h[0].shape[0] > 12, "real tokens only, more than one per example")
            var nearThreshold = 0
            for row in rows {
                let i = row["i"] as! Int, j = row["j"] as! Int
                let g = edgeGradient(h[i], d[j])
                let sigma = try Spectrum.singularValues(rows: width, cols: width, doubles: g)
                let sumSquares = g.reduce(0) { $0 + $1 * $1 }, total = sigma.reduce(0, +)
                let entropy = sigma.reduce(0.0) { $1 > 0 ? $0 - $1 / total * log($1 / total) : $0 }
                let threshold = sigma[0] * Double(width) * Double(Float.ulpOfOne)
                let rank = sigma.count { $0 > threshold }
                // snip and synflow from the same seeded init the host lends
                // (rank 8, houlsby: both projections small), synflow's at
                // |init| on the data-free pass's G (dumped as probe 1)
                let options = AdapterOptions(rank: 8, initialization: .houlsby)
                let adapter = AdapterGraph<Float>.initialized(Placement([.init(edge: Edge(i, j), options: options)]), width: width, seed: 0)
                    .adapters[0]
                let down = adapter.down.weight, up = adapter.up.weight
                func sensitivity(_ g: [Double], _ w: (Float) -> Double) -> Double {
                    var total = 0.0
                    for a in 0..<width {
                        for c in 0..<8 {
                            let dUp = (0..<width).reduce(0.0) { $0 + g[$1 * width + a] * w(down[c, $1]) }
                            total += abs(w(up[a, c]) * dUp)
                        }
                    }
                    for c in 0..<8 {
                        for b in 0..<width {
                            let dDown = (0..<width).reduce(0.0) { $0 + w(up[$1, c]) * g[b * width + $1] }
                            total += abs(w(down[c, b]) * dDown)
                        }
                    }
                    return total
                }
                let snip = sensitivity(g) { Double($0) }
                let synflow = sensitivity(edgeGradient(dataFreeH[i], dataFreeD[j])) { abs(Double($0)) }
                let expected: [String: Double] = [
                    "gradient-norm": sumSquares.squareRoot(), "fisher": sumSquares / Double(width * width), "nuclear-norm": total,
                    "stable-rank": sumSquares / (sigma[0] * sigma[0]), "effective-rank": exp(entropy), "snip": snip, "synflow": synflow,
                ]
                for (id, value) in expected {
                    let found = row[id] as! Double
                    #expect(abs(found - value) <= 1e-4 * abs(value), "\(id) of \(i)>\(j): \(found), float64 \(value)")
                }
                let found = row["gradient-rank"] as! Int
                if sigma.contains(where: { abs($0 - threshold) <= 0.01 * threshold }) {
                    nearThreshold += 1
                    #expect(abs(found - rank) <= 1, "gradient-rank of \(i)>\(j) near the threshold")
                } else {
                    #expect(found == rank, "gradient-rank of \(i)>\(j): \(found), float64 \(rank)")
                }
            }
            #expect(nearThreshold < 25)
        }
    }

    /// The engine counts its passes: the probe-only metrics on all 25 edges
    /// take one forward and one backward pass; synflow adds its one extra.
    @Test func onePassServesEveryEdgeAndEveryProbeMetric() throws {
        try withTemporaryDirectory { folder in
            let probeOnly = try score(folder, Self.probeMetrics.flatMap { ["--metric", $0] } + ["--json"])
            #expect(probeOnly.status == 0, "\(probeOnly.stderr)")
            #expect(probeOnly.stderr.contains("scored 25 edges with 7 metrics from 1 forward and 1 backward passes (0 extra)"),
                    "\(probeOnly.stderr)")
            let all = try score(folder, Self.metrics.flatMap { ["--metric", $0] } + ["--json", "--head", "fitted"])
            #expect(all.status == 0, "\(all.stderr)")
            #expect(all.stderr.contains("scored 25 edges with 8 metrics from 2 forward and 2 backward passes (1 extra)"), "\(all.stderr)")
        }
    }

    /// A C metric asks for an extra pass with a map of 0.01 I on edge 0>2:
    /// in the dumped pass node 2 is node 2 of the probe plus 0.01 H_0, and
    /// each score is the sum of that pass's G_ij.
    @Test func anExtraPassAppliesTheMapsAMetricSends() throws {
        try withTemporaryDirectory { folder in
            let library = try CCompiler.fixture("perturbing_metric", into: folder)
            let dump = folder.appendingPathComponent("probe").path
            let result = try score(folder, ["--plugin", library, "--metric", "fixture-perturbs", "--json", "--dump-probe", dump])
            #expect(result.status == 0, "\(result.stderr)")
            let base = try (0..<5).map { try NPYFile.read(dump + "/H_\($0).npy") }
            let h = try (0..<5).map { try NPYFile.read(dump + "/probe-1/H_\($0).npy") }
            let d = try (0..<5).map { try NPYFile.read(dump + "/probe-1/D_\($0).npy") }
            for (index, value) in h[2].values.enumerated() {
                let expected = Double(base[2].values[index]) + 0.01 * Double(base[0].values[index])
                #expect(abs(Double(value) - expected) <= 1e-5 * max(abs(expected), 1), "H_2[\(index)]")
            }
            #expect(h[1].values == base[1].values, "nodes before the map are unchanged")
            let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(rows.count == 25)
            for row in rows {
                let i = row["i"] as! Int, j = row["j"] as! Int, found = row["fixture-perturbs"] as! Double
                let expected = edgeGradient(h[i], d[j]).reduce(0, +)
                #expect(abs(found - expected) <= 1e-4 * max(abs(expected), 1e-3), "\(i)>\(j): \(found) vs \(expected)")
            }
        }
    }

    /// Every metric run isolated, synflow's extra pass included, gives the
    /// table it gives in the host's own process, to the bit.
    @Test func isolatedMetricsScoreExactlyAsInProcess() throws {
        try withTemporaryDirectory { folder in
            let metrics = Self.metrics.flatMap { ["--metric", $0] } + ["--json"]
            let own = try score(folder, metrics), isolated = try score(folder, metrics + ["--isolate"])
            #expect(own.status == 0 && isolated.status == 0, "\(isolated.stderr)")
            #expect(isolated.stdout == own.stdout && own.stdout.contains("synflow"))
        }
    }

    @Test func outputsTheTableAsCSVAndHeatmapsAsSVG() throws {
        try withTemporaryDirectory { folder in
            let svg = folder.appendingPathComponent("svg").path
            let result = try score(folder, ["--metric", "gradient-norm", "--metric", "gradient-rank", "--csv", "--svg", svg])
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.first == "i,j,kind,gradient-norm,gradient-rank" && lines.count == 26)
            #expect(lines[1].hasPrefix("0,0,sequential,") && lines[2].hasPrefix("0,1,parallel,") && lines[6].hasPrefix("1,0,recurrent,"))
            let picture = try String(contentsOfFile: svg + "/gradient-rank.svg", encoding: .utf8)
            #expect(picture.hasPrefix("<svg") && picture.components(separatedBy: "<rect").count == 26)
            let text = try score(folder, ["--metric", "gradient-norm"])
            #expect(text.stdout.contains("gradient-norm (low") && text.stdout.contains("EDGE"), "\(text.stdout)")
        }
    }

    @Test func aFailingMetricIsReportedByNameAndTheOthersComplete() throws {
        try withTemporaryDirectory { folder in
            let library = try CCompiler.fixture("misbehaving_metrics", into: folder)
            let result = try score(folder, ["--plugin", library, "--metric", "gradient-norm", "--metric", "fixture-fails",
                                            "--metric", "fisher", "--json"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("metric 'fixture-fails'"), "\(result.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(rows.count == 25 && rows.allSatisfy { $0["gradient-norm"] != nil && $0["fisher"] != nil })
        }
    }

    @Test func aPluginCallingTheHostWithANullContextGetsErrorsNotACrash() throws {
        try withTemporaryDirectory { folder in
            let library = try CCompiler.fixture("misbehaving_metrics", into: folder)
            for isolation in [[], ["--isolate"]] {
                let result = try score(folder, ["--plugin", library, "--json", "--metric", "fixture-null-context"] + isolation)
                #expect(result.status == 0 && result.terminationIsExit, "\(isolation): \(result.stderr)")
            }
        }
    }

    @Test func metricsThatFailOrScoreNaNOrTooFewAreReportedByName() throws {
        try withTemporaryDirectory { folder in
            let library = try CCompiler.fixture("misbehaving_metrics", into: folder)
            let result = try score(folder, ["--plugin", library, "--json"] + ["gradient-norm", "fixture-fails", "fixture-nan",
                                                                               "fixture-short", "snip"].flatMap { ["--metric", $0] })
            #expect(result.status != 0)
            #expect(result.stderr.contains("metric 'fixture-fails'") && result.stderr.contains("the fixture always fails"), "\(result.stderr)")
            #expect(result.stderr.contains("metric 'fixture-nan'") && result.stderr.contains("non-finite"), "\(result.stderr)")
            #expect(result.stderr.contains("metric 'fixture-short'") && result.stderr.contains("edge 4>4"), "\(result.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(rows.count == 25 && rows.allSatisfy { $0["gradient-norm"] != nil && $0["snip"] != nil && $0["fixture-nan"] == nil })
        }
    }
}
