import Core
import Foundation
import Testing
@testable import Host

/// `adapter-search compare` and `report` end to end on a tiny BERT: the
/// truth is trained and stored, the statistics follow from the stored
/// scores and evaluations, a second run answers from the store, and the
/// report shows every metric, the truth and the strategies' placements.
@Suite struct CompareCommandTests {
    func arguments(_ folder: URL) throws -> (task: [String], store: String) {
        let (model, data) = try TinyTextTask.write(in: folder, labels: .colourAndAnimal)
        let store = folder.appendingPathComponent("runs/results.sqlite").path
        return (["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2],
                 "--store", store, "--probe-size", "12", "--steps", "40", "--learning-rate", "0.01"], store)
    }

    @Test func compareTrainsTheTruthAndJudgesEachMetricFromTheStore() throws {
        try withTemporaryDirectory { folder in
            let (task, storePath) = try arguments(folder)
            let metrics = ["--metric", "gradient-norm", "--metric", "snip"]
            let result = try runAdapterSearch(["compare"] + task + metrics + ["--probe-seeds", "3", "--top-k", "3", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let comparison = try JSONDecoder().decode(Comparison.self, from: Data(result.stdout.utf8))
            #expect(comparison.edges == 25 && comparison.seeds == 3 && comparison.metrics.map(\.metric) == ["gradient-norm", "snip"])
            for key in ["\"spearman\"", "\"kendall_tau_b\"", "\"top_k_overlap\"", "\"regret\"", "\"best_edge\"", "\"undefined_seeds\""] {
                #expect(result.stdout.contains(key), "JSON key \(key)")
            }

            // The same statistics, recomputed from what the store holds.
            let store = try ResultsStore(path: storePath, create: false)
            let evaluations = try store.evaluations(run: comparison.run)
            #expect(evaluations.count == 25)
            let edges = Edge.all(nodeCount: 5)
            var truth = [Double](repeating: .nan, count: 25)
            for record in evaluations {
                let edge = try Placement(parsing: record.placement, nodeCount: 5).edges[0]
                truth[edges.firstIndex(of: edge)!] = record.validationAccuracy
            }
            let probes = try store.probes(run: comparison.run)
            #expect(probes.map(\.seed) == [0, 1, 2])
            for found in comparison.metrics {
                let perSeed = try probes.map { probe in
                    try store.scores(run: comparison.run, probe: probe.id, metric: found.metric)!.map(\.value)
                }
                let rhos = try perSeed.map { try #require(RankCorrelation.spearman($0, truth)) }
                let taus = try perSeed.map { try #require(RankCorrelation.kendallTauB($0, truth)) }
                let rho = try #require(found.spearman.point), tau = try #require(found.kendallTauB.point)
                #expect(abs(rho - rhos.reduce(0, +) / 3) < 1e-12, "\(found.metric)")
                #expect(abs(tau - taus.reduce(0, +) / 3) < 1e-12, "\(found.metric)")
                #expect(try #require(found.spearman.low) <= rho && rho <= #require(found.spearman.high))
                #expect(found.k == 3 && found.edges == 25)
            }
            #expect(truth.max() == comparison.best_accuracy)

            // A run cut off at its end (as a kill leaves it) resumes from the
            // store: the same table, nothing trained, no probe run again.
            try store.setStatus(run: comparison.run, .interrupted)
            let again = try runAdapterSearch(["compare", "--store", storePath, "--resume", comparison.run, "--json"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try JSONDecoder().decode(Comparison.self, from: Data(again.stdout.utf8)).metrics == comparison.metrics)
            #expect(!again.stderr.contains("trained "), "\(again.stderr)")
            #expect(try store.probes(run: comparison.run).count == 3 && store.evaluations(run: comparison.run).count == 25)

            // A finished run prints its stored result.
            let text = try runAdapterSearch(["compare", "--store", storePath, "--resume", comparison.run])
            #expect(text.stdout.contains("SPEARMAN RHO [95%]") && text.stdout.contains("gradient-norm"), "\(text.stdout)")
            #expect(text.stderr.contains("has finished"))
        }
    }

    @Test func theReportShowsMetricsTruthAndTheStrategiesOnTheTask() throws {
        try withTemporaryDirectory { folder in
            let (task, storePath) = try arguments(folder)
            let compare = try runAdapterSearch(["compare"] + task + ["--metric", "gradient-rank", "--metric", "fisher",
                                                                     "--probe-seeds", "2", "--adapter", "r4", "--json"])
            #expect(compare.status == 0, "\(compare.stderr)")
            let run = try JSONDecoder().decode(Comparison.self, from: Data(compare.stdout.utf8)).run
            let search = try runAdapterSearch(["search"] + task + ["--strategy", "top-k", "--metric", "fisher", "--k", "2", "--json"])
            #expect(search.status == 0, "\(search.stderr)")
            let placement = try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as! [String: Any]

            let out = folder.appendingPathComponent("report").path
            let result = try runAdapterSearch(["report", run, "--out", out, "--store", storePath])
            #expect(result.status == 0, "\(result.stderr)")
            let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
            let chosen = (placement["placement"] as! String).replacingOccurrences(of: ">", with: "&gt;")
            #expect(html.contains("gradient-rank") && html.contains("fisher") && html.contains(chosen), "the search run's \(chosen)")
            // Heatmaps of two metrics and the truth, 25 cells each, and two scatters.
            #expect(html.components(separatedBy: "<rect").count - 1 >= 3 * 25)
            #expect(html.contains("validation accuracy"))
            #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""), "no network address but SVG's namespace")

            // One adapter with the run's options: rank 4, 2 * 4 * 16 + 4 + 16 parameters on d = 16.
            #expect(html.contains("one adapter, r4") && html.contains(">148<"), "the run's adapter")

            let unknown = try runAdapterSearch(["report", "r000000", "--out", out, "--store", storePath])
            #expect(unknown.status != 0 && unknown.stderr.contains("r000000"))
            let noStore = try runAdapterSearch(["report", run, "--out", out, "--store", folder.appendingPathComponent("none.sqlite").path])
            #expect(noStore.status != 0 && noStore.stderr.contains("none.sqlite"))
        }
    }
}
