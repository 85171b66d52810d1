import Core
import Foundation
import Testing
@testable import Host

/// Settings sweeps of `compare`: `--metric ID:NAME=V1,V2` and `--probe-size
/// 8,32,128` expand into labelled rows, each scored with its parameters
/// (through the same path as `--set`) and stored under its label; what is
/// wrong is refused before anything runs, with a message saying what to give.
@Suite struct MetricSweepTests {
    @Test func aSweepExpandsIntoOneRowPerCombinationWithItsLabel() throws {
        let sweep = try MetricSweep(parsing: "snip:rank=2,8:seed=a,b")
        #expect(sweep.metric == "snip" && sweep.description == "snip:rank=2,8:seed=a,b")
        #expect(sweep.rows().map(\.label) == ["snip:rank=2:seed=a", "snip:rank=2:seed=b", "snip:rank=8:seed=a", "snip:rank=8:seed=b"])
        #expect(try MetricSweep(parsing: "gradient-rank").rows().map(\.label) == ["gradient-rank"])
        #expect(try MetricSweep(parsing: "gradient-rank:rtol=1e-3").rows(probeSize: 8).map(\.label) == ["gradient-rank:rtol=1e-3@probe-size=8"])
        #expect(MetricRow.metricID(ofLabel: "gradient-rank:rtol=1e-3@probe-size=8") == "gradient-rank")
        #expect(MetricRow.metricID(ofLabel: "fisher@probe-size=8") == "fisher" && MetricRow.metricID(ofLabel: "fisher") == "fisher")

        let settings = CompareSettings(metrics: ["gradient-rank:rtol=1e-4,1e-3", "fisher"], probeSizes: [8, 32])
        #expect(try settings.rows(found: ["ignored"]).map(\.label) == [
            "gradient-rank:rtol=1e-4@probe-size=8", "gradient-rank:rtol=1e-3@probe-size=8",
            "gradient-rank:rtol=1e-4@probe-size=32", "gradient-rank:rtol=1e-3@probe-size=32",
            "fisher@probe-size=8", "fisher@probe-size=32"])
        // No --metric: every metric found, one row each, unlabelled without a size sweep.
        #expect(try CompareSettings().rows(found: ["a", "b"]).map(\.label) == ["a", "b"])
    }

    @Test func malformedSweepsAreRefusedWithWhatToGive() {
        func message(_ text: String) -> String {
            do { _ = try MetricSweep(parsing: text); return "" } catch { return error.description }
        }
        #expect(message("gradient-rank:rtol=").contains("has no values"))
        #expect(message("gradient-rank:rtol=1e-3,,1e-2").contains("empty value"))
        #expect(message("gradient-rank:rtol").contains("is not NAME=VALUE"))
        #expect(message("gradient-rank:rtol=1:rtol=2").contains("gives 'rtol' twice"))
        #expect(message(":rtol=1").contains("does not start with a metric id"))
        #expect(throws: RunError.self) { try CompareSettings(metrics: ["fisher:x=1,1"]).rows(found: []) }
        #expect(throws: RunError.self) { try CompareSettings(metrics: ["fisher", "fisher"]).rows(found: []) }
        #expect(throws: RunError.self) { try CompareSettings(metrics: ["fisher"], probeSizes: [8, 8]).rows(found: []) }
        #expect(throws: RunError.self) { try CompareSettings(metrics: ["fisher"], probeSizes: []).rows(found: []) }
        #expect(throws: RunError.self) { try CompareSettings(metrics: ["fisher"], probeSizes: [0, 8]).rows(found: []) }
    }

    @Test func probeSizesAreOneOrAListOfPositiveNumbers() throws {
        #expect(try ProbeSettings.sizes(parsing: "32") == [32] && ProbeSettings.sizes(parsing: "8,32,128") == [8, 32, 128])
        for bad in ["0", "8,0", "-4", "abc", "8,,32", "", "8,"] {
            #expect(throws: RunError.self, "\(bad)") { try ProbeSettings.sizes(parsing: bad) }
        }
    }

    @Test func aRowTakesTheMetricsSetParametersAndItsOwnButNotTheSameTwice() throws {
        let sources = PluginSources(metricParameters: ["snip": ["rank": "4"], "gradient-rank": ["rtol": "1e-3"]])
        #expect(try MetricRow(metric: "snip", parameters: [("seed", "x")]).configuration(sources) == ["rank": "4", "seed": "x"])
        #expect(try MetricRow(metric: "fisher").configuration(sources) == [:])
        #expect(throws: RunError.self) { try MetricRow(metric: "gradient-rank", parameters: [("rtol", "1e-2")]).configuration(sources) }
    }

    @Test func configurationsWithAndWithoutSweepsRoundTripAndOldOnesLoad() throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let old = #"{"metrics":["fisher"],"probe_seeds":5,"top_k":5,"resamples":1000}"#
        let settings = try decoder.decode(CompareSettings.self, from: Data(old.utf8))
        #expect(settings == CompareSettings(metrics: ["fisher"]) && settings.probeSizes == nil)

        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let swept = CompareSettings(metrics: ["gradient-rank:rtol=1e-4,1e-3"], probeSizes: [8, 32])
        let text = String(decoding: try encoder.encode(swept), as: UTF8.self)
        #expect(text.contains("\"probe_sizes\":[8,32]") && text.contains("gradient-rank:rtol=1e-4,1e-3"))
        #expect(try decoder.decode(CompareSettings.self, from: Data(text.utf8)) == swept)
        // A plain run's settings are written as before sweeps.
        #expect(!String(decoding: try encoder.encode(CompareSettings(metrics: ["fisher"])), as: UTF8.self).contains("probe_sizes"))

        // An outcome stored before resolution diagnostics still reads.
        let outcome = #"{"run":"r1","edges":1,"seeds":1,"best_edge":"0>0","best_accuracy":0.5,"metrics":[]}"#
        let comparison = try JSONDecoder().decode(Comparison.self, from: Data(outcome.utf8))
        #expect(comparison.width == nil && comparison.resolutionText() == "")
    }

    func arguments(_ folder: URL) throws -> (task: [String], store: String) {
        let (model, data) = try TinyTextTask.write(in: folder, labels: .colourAndAnimal)
        let store = folder.appendingPathComponent("runs/results.sqlite").path
        return (["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2],
                 "--store", store, "--steps", "40", "--learning-rate", "0.01"], store)
    }

    @Test func theCommandLineRefusesWhatItCannotRunAndSaysWhatToGive() throws {
        try withTemporaryDirectory { folder in
            let (task, storePath) = try arguments(folder)
            let refusals: [(arguments: [String], says: String)] = [
                (["--metric", "gradient-rank:tol=1e-3"], "unknown parameter 'tol'"),
                (["--metric", "gradient-rank:rtol=2,1e-3"], "parameter 'rtol'"),
                (["--metric", "gradient-rank:rtol=abc"], "parameter 'rtol'"),
                (["--metric", "gradient-rank:rtol=1e-3,1e-3"], "gradient-rank:rtol=1e-3 twice"),
                (["--metric", "gradient-rank", "--metric", "gradient-rank:rtol=0"], "same setting"),
                (["--metric", "gradient-rank:rtol="], "has no values"),
                (["--metric", "gradient-rank", "--probe-size", "0"], "must be positive"),
                (["--metric", "gradient-rank", "--probe-size", "8,0"], "must be positive"),
                (["--metric", "gradient-rank", "--probe-size", "eight"], "not a number of examples"),
                (["--metric", "gradient-rank", "--probe-size", "8,8"], "@probe-size=8 twice"),
                (["--metric", "no-such-metric:rtol=1e-3"], "no metric plugin 'no-such-metric'"),
                (["--metric", "gradient-rank:rtol=1e-3", "--set", "gradient-rank.rtol=1e-2"], "give it in one place"),
            ]
            for (extra, says) in refusals {
                let result = try runAdapterSearch(["compare"] + task + extra)
                #expect(result.status != 0, "\(extra) was not refused")
                #expect(result.stderr.contains(says), "\(extra): \(result.stderr)")
            }
            let search = try runAdapterSearch(["search"] + task + ["--probe-size", "8,32"])
            #expect(search.status != 0 && search.stderr.contains("search takes one probe size"), "\(search.stderr)")
            let score = try runAdapterSearch(["score"] + Array(task.prefix(8)) + ["--probe-size", "8,32"])
            #expect(score.status != 0 && score.stderr.contains("score takes one probe size"), "\(score.stderr)")
            // Nothing refused made a run.
            if FileManager.default.fileExists(atPath: storePath) {
                #expect(try ResultsStore(path: storePath, create: false).runs().isEmpty)
            }
        }
    }

    /// `score` prints the diagnostics under its table (beside the JSON, on
    /// standard error, which keeps its documented shape) and takes sweeps
    /// of parameters as one column each.
    @Test func scoreShowsTheResolutionOfEachColumn() throws {
        try withTemporaryDirectory { folder in
            let task = Array(try arguments(folder).task.prefix(8)) + ["--probe-size", "12"]
            let metrics = ["--metric", "gradient-rank:rtol=1e-3,0.9", "--metric", "fisher"]
            let text = try runAdapterSearch(["score"] + task + metrics)
            #expect(text.status == 0, "\(text.stderr)")
            let table = try #require(text.stdout.components(separatedBy: "resolution (scores of the one probe):\n").last)
            #expect(table.contains("DISTINCT / EDGES") && table.contains("gradient-rank:rtol=1e-3 ") && table.contains("fisher "))
            // rtol 0.9 keeps only singular values near the largest: every edge of rank 1 or 0, saturated.
            #expect(table.contains("warning: gradient-rank:rtol=0.9 is saturated"), "\(table)")
            let json = try runAdapterSearch(["score"] + task + metrics + ["--json"])
            #expect(json.status == 0, "\(json.stderr)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
            #expect(rows.count == 25 && rows.allSatisfy { $0["gradient-rank:rtol=1e-3"] != nil && $0["gradient-rank:rtol=0.9"] != nil })
            #expect(json.stderr.contains("DISTINCT / EDGES") && json.stderr.contains("warning: gradient-rank:rtol=0.9 is saturated"))
        }
    }

    /// Two tolerances at two probe sizes on the tiny BERT: four rows sharing
    /// one truth, each stored under its label on probes of its size; the
    /// JSON, the text, a resumed run and the report see the same rows.
    @Test func aSweepOfTwoTolerancesAtTwoProbeSizesJudgesFourRowsAgainstOneTruth() throws {
        try withTemporaryDirectory { folder in
            let (task, storePath) = try arguments(folder)
            let sweep = ["--metric", "gradient-rank:rtol=1e-3,0.5", "--probe-size", "4,12", "--probe-seeds", "2", "--top-k", "3"]
            let result = try runAdapterSearch(["compare"] + task + sweep + ["--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let comparison = try JSONDecoder().decode(Comparison.self, from: Data(result.stdout.utf8))
            let labels = ["gradient-rank:rtol=1e-3@probe-size=4", "gradient-rank:rtol=0.5@probe-size=4",
                          "gradient-rank:rtol=1e-3@probe-size=12", "gradient-rank:rtol=0.5@probe-size=12"]
            #expect(comparison.metrics.map(\.metric) == labels)
            #expect(comparison.edges == 25 && comparison.seeds == 2 && comparison.width == 16)
            for key in ["\"resolution\"", "\"distinct_values\"", "\"tied_at_best\"", "\"at_rank_ceiling\"", "\"rank_ceiling\"", "\"saturated\""] {
                #expect(result.stdout.contains(key), "JSON key \(key)")
            }
            for metric in comparison.metrics {
                let resolution = try #require(metric.resolution)
                let ceiling = try #require(resolution.rankCeiling)
                #expect(resolution.seeds == 2 && resolution.edges == 25 && ceiling >= 1 && ceiling <= 16, "\(metric.metric)")
                #expect(resolution.distinctValues >= 1 && resolution.distinctValues <= 25 && resolution.atRankCeiling != nil)
                #expect(resolution.saturated == resolution.isSaturated)
            }

            // The truth is trained once; each size has its own probe per seed; scores are stored under the labels.
            let store = try ResultsStore(path: storePath, create: false)
            #expect(try store.evaluations(run: comparison.run).count == 25)
            let probes = try store.probes(run: comparison.run)
            #expect(Set(probes.map { "\($0.seed)/\($0.examples)" }) == ["0/4", "1/4", "0/12", "1/12"] && probes.count == 4)
            let sets = try store.scoreSets(run: comparison.run)
            #expect(Set(sets.map(\.metric)) == Set(labels) && sets.count == 8)
            for set in sets {
                let probe = try #require(probes.first { $0.id == set.probe })
                #expect(set.metric.hasSuffix("@probe-size=\(probe.examples)"), "\(set.metric) on a probe of \(probe.examples)")
            }
            // A larger tolerance counts fewer singular values.
            let tight = try #require(sets.first { $0.metric == labels[2] }), loose = try #require(sets.first { $0.metric == labels[3] && $0.probe == tight.probe })
            let tightRanks = try #require(try store.scores(run: comparison.run, probe: tight.probe, metric: tight.metric)).map(\.value)
            let looseRanks = try #require(try store.scores(run: comparison.run, probe: loose.probe, metric: loose.metric)).map(\.value)
            #expect(zip(tightRanks, looseRanks).allSatisfy { $0 >= $1 } && tightRanks != looseRanks)

            // The run's configuration round-trips with its sweep.
            let configuration = try RunConfiguration(json: try store.run(comparison.run).configuration, run: comparison.run)
            #expect(configuration.compare?.metrics == ["gradient-rank:rtol=1e-3,0.5"] && configuration.compare?.probeSizes == [4, 12])
            #expect(try RunConfiguration(json: configuration.json(), run: comparison.run) == configuration)

            // Resumed from the store: the same rows and figures, nothing probed or trained again.
            try store.setStatus(run: comparison.run, .interrupted)
            let again = try runAdapterSearch(["compare", "--store", storePath, "--resume", comparison.run, "--json"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try JSONDecoder().decode(Comparison.self, from: Data(again.stdout.utf8)).metrics == comparison.metrics)
            #expect(try store.probes(run: comparison.run).count == 4 && store.scoreSets(run: comparison.run).count == 8)

            // The text: the statistics and the diagnostics table, a row per label.
            let text = try runAdapterSearch(["compare", "--store", storePath, "--resume", comparison.run])
            #expect(text.stdout.contains("DISTINCT / EDGES") && text.stdout.contains("AT RANK CEILING"), "\(text.stdout)")
            for label in labels { #expect(text.stdout.components(separatedBy: label).count - 1 >= 2, "\(label) in both tables") }

            // The report sees the same rows, with their resolution, on either scale.
            for scale in ["linear", "rank"] {
                let out = folder.appendingPathComponent("report-\(scale)").path
                let report = try runAdapterSearch(["report", comparison.run, "--out", out, "--store", storePath, "--scale", scale])
                #expect(report.status == 0, "\(report.stderr)")
                let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
                #expect(html.contains("<table class=\"resolution\">") && html.contains("tied at best"))
                for label in labels { #expect(html.contains(">\(label)</td>"), "\(label) in the report") }
                #expect(html.contains("of \(comparison.metrics[0].resolution!.rankCeiling!)"), "the rank ceiling from the outcome")
                #expect(html.contains("coloured by its rank") == (scale == "rank"))
            }
            let bad = try runAdapterSearch(["report", comparison.run, "--out", folder.path, "--store", storePath, "--scale", "log"])
            #expect(bad.status != 0 && bad.stderr.contains("log"))
        }
    }

    /// A sweep of rank-ensemble's member lists (`+` inside a value) at two
    /// probe sizes: each row is the mean log-rank of its members' own scores
    /// on the same probe, which are stored under their ids at that size.
    @Test func anEnsembleSweepCombinesItsMembersScoresOnEachProbeSize() throws {
        try withTemporaryDirectory { folder in
            let (task, storePath) = try arguments(folder)
            let sweep = ["--metric", "rank-ensemble:metrics=gradient-rank+nuclear-norm,nuclear-norm+effective-rank",
                         "--probe-size", "4,12", "--top-k", "3"]
            let result = try runAdapterSearch(["compare"] + task + sweep + ["--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let comparison = try JSONDecoder().decode(Comparison.self, from: Data(result.stdout.utf8))
            let lists = ["gradient-rank+nuclear-norm", "nuclear-norm+effective-rank"]
            #expect(comparison.metrics.map(\.metric) == [4, 12].flatMap { size in
                lists.map { "rank-ensemble:metrics=\($0)@probe-size=\(size)" }
            })
            let store = try ResultsStore(path: storePath, create: false)
            let probes = try store.probes(run: comparison.run)
            /// Fractional ranks, 1 for the highest (these members are higher-is-better).
            func ranks(_ values: [Double]) -> [Double] {
                values.map { value in
                    let above = values.filter { $0 > value }.count, tied = values.filter { $0 == value }.count
                    return Double(above) + Double(tied + 1) / 2
                }
            }
            for probe in probes {
                for list in lists {
                    let members = list.split(separator: "+").map(String.init)
                    let columns = try members.map { member in
                        try #require(try store.scores(run: comparison.run, probe: probe.id,
                                                      metric: "\(member)@probe-size=\(probe.examples)")).map(\.value)
                    }
                    let ensemble = try #require(try store.scores(run: comparison.run, probe: probe.id,
                                                                 metric: "rank-ensemble:metrics=\(list)@probe-size=\(probe.examples)"))
                    let expected = columns.map(ranks).reduce([Double](repeating: 0, count: ensemble.count)) { sum, column in
                        zip(sum, column).map { $0 + log($1) / Double(members.count) }
                    }
                    for (got, want) in zip(ensemble.map(\.value), expected) {
                        #expect(abs(got - want) <= 1e-12, "\(list) on the probe of \(probe.examples)")
                    }
                }
            }
            // Lower is better, and the table says so next to its measured (negative when it works) correlations.
            let text = try runAdapterSearch(["compare", "--store", storePath, "--resume", comparison.run])
            #expect(text.stdout.contains("rank-ensemble:metrics=gradient-rank+nuclear-norm@probe-size=4 ↓")
                    && text.stdout.contains("↓ lower is better"), "\(text.stdout)")
        }
    }
}
