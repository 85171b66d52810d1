import Foundation
@testable import Host
import Testing

/// `adapter-search runs list | show | export` on a store the test fills.
@Suite struct RunsCommandTests {
    /// A store with an older finished run and a newer running one holding a
    /// probe, two metrics' scores, two evaluations and an artefact.
    func fill(_ path: String) throws -> (old: String, new: String) {
        let store = try ResultsStore(path: path)
        let old = try store.createRun(command: "adapter-search search --strategy random", configuration: #"{"strategy":"random"}"#,
                                      versions: #"{"host":"0.1"}"#, seed: 1).id
        try store.setStatus(run: old, .finished, outcome: #"{"placement":"none"}"#)
        let new = try store.createRun(command: "adapter-search search --strategy gga", configuration: #"{"strategy":"gga","k":2}"#,
                                      versions: #"{"host":"0.1","plugins":{"gga":"1.0.0"}}"#, seed: 7).id
        let probe = try store.addProbe(run: new, seed: 3, examples: 32, head: "random", loss: 3.25, seconds: 0.5)
        try store.saveScores(run: new, probe: probe, metric: "gradient-rank", direction: 1,
                             scores: [(1, 0, 2), (0, 2, 4), (0, 0, 3), (0, 1, 5)])
        try store.saveScores(run: new, probe: probe, metric: "snip", direction: -1, scores: [(0, 1, 0.125), (1, 1, .nan)])
        try store.saveEvaluation(EvaluationRecord(run: new, placement: "3>4:r8,12>0:r8", budget: "steps=300",
                                                  validationAccuracy: 0.8125, validationLoss: 0.5, testAccuracy: 0.75,
                                                  parameters: 1_234, seconds: 12.5))
        try store.saveEvaluation(EvaluationRecord(run: new, placement: "none", budget: "steps=300", validationAccuracy: 0.25,
                                                  validationLoss: 2, parameters: 26, seconds: 1))
        try store.addArtefact(run: new, name: "adapters", path: "out/adapters.safetensors")
        return (old, new)
    }

    @Test func exportPrintsTheEvaluationsAsExactCSV() throws {
        try withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("results.sqlite").path
            let (_, run) = try fill(path)
            let result = try runAdapterSearch(["runs", "export", run, "--csv", "--store", path])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == """
                placement,edges,budget,val_acc,val_loss,test_acc,params,seconds,failure
                "3>4:r8,12>0:r8",2,steps=300,0.8125,0.5,0.75,1234,12.5,
                none,0,steps=300,0.25,2.0,,26,1.0,

                """)
        }
    }

    @Test func exportScoresPrintsEveryScoreAsExactCSV() throws {
        try withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("results.sqlite").path
            let (_, run) = try fill(path)
            // The store named by the environment instead of --store.
            let result = try runAdapterSearch(["runs", "export", run, "--csv", "--scores"], environment: ["ADAPTER_SEARCH_STORE": path])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == """
                i,j,kind,metric,value,probe
                0,0,sequential,gradient-rank,3.0,1
                0,1,parallel,gradient-rank,5.0,1
                0,2,long-range,gradient-rank,4.0,1
                1,0,recurrent,gradient-rank,2.0,1
                0,1,parallel,snip,0.125,1
                1,1,sequential,snip,nan,1

                """)
            let old = try runAdapterSearch(["runs", "export", try fill(path).old, "--csv", "--scores", "--store", path])
            #expect(old.status == 0 && old.stdout == "i,j,kind,metric,value,probe\n")
            let noFormat = try runAdapterSearch(["runs", "export", run, "--store", path])
            #expect(noFormat.status != 0 && noFormat.stderr.contains("--csv"))
        }
    }

    @Test func listShowsEveryRunNewestFirst() throws {
        try withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("results.sqlite").path
            let (old, new) = try fill(path)
            let table = try runAdapterSearch(["runs", "list", "--store", path])
            #expect(table.status == 0, "\(table.stderr)")
            let lines = table.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 3)
            #expect(lines[0].hasPrefix("ID") && lines[0].contains("STATUS") && lines[0].contains("BEST VAL ACC"))
            #expect(lines[1].hasPrefix(new) && lines[1].contains("running") && lines[1].contains("0.8125")
                    && lines[1].hasSuffix("adapter-search search --strategy gga"))
            #expect(lines[2].hasPrefix(old) && lines[2].contains("finished"))

            let json = try runAdapterSearch(["runs", "list", "--json", "--store", path])
            #expect(json.status == 0, "\(json.stderr)")
            let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
            #expect(objects.map { $0["id"] as? String } == [new, old])
            #expect(objects[0]["evaluations"] as? Int == 2 && objects[0]["probes"] as? Int == 1)
            #expect(objects[0]["best_val_acc"] as? Double == 0.8125 && objects[1]["best_val_acc"] is NSNull)
            #expect((objects[0]["configuration"] as? [String: Any])?["k"] as? Int == 2, "configuration embedded as JSON")
            #expect((objects[1]["outcome"] as? [String: Any])?["placement"] as? String == "none")
            #expect(objects[0]["seed"] as? Int == 7 && objects[0]["status"] as? String == "running")
        }
    }

    @Test func showPrintsEverythingAboutOneRun() throws {
        try withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("results.sqlite").path
            let (_, run) = try fill(path)
            let text = try runAdapterSearch(["runs", "show", run, "--store", path])
            #expect(text.status == 0, "\(text.stderr)")
            let lines = text.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasPrefix("run ") && $0.hasSuffix(run) })
            #expect(lines.contains { $0.hasPrefix("configuration ") && $0.hasSuffix(#"{"strategy":"gga","k":2}"#) })
            #expect(lines.contains { $0.hasPrefix("versions ") && $0.contains(#""gga":"1.0.0""#) })
            #expect(lines.contains("outcome        none"))
            #expect(lines.contains("probes (1)") && lines.contains("scores (2)") && lines.contains("evaluations (2)")
                    && lines.contains("artefacts (1)"))
            #expect(lines.contains { $0.contains("gradient-rank") && $0.contains("higher") && $0.hasSuffix("0>1 (5)") })
            #expect(lines.contains { $0.contains("snip") && $0.contains("lower") && $0.hasSuffix("0>1 (0.125)") })
            #expect(lines.contains { $0.hasPrefix("1 ") && $0.contains("3>4:r8,12>0:r8") && $0.contains("0.8125")
                    && $0.contains("0.7500") && $0.contains("1234") && $0.hasSuffix("12.5") })
            #expect(lines.contains { $0.hasPrefix("adapters ") && $0.hasSuffix("out/adapters.safetensors") })

            let json = try runAdapterSearch(["runs", "show", run, "--json", "--store", path])
            #expect(json.status == 0, "\(json.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["id"] as? String == run && object["outcome"] is NSNull)
            let scores = try #require(object["scores"] as? [[String: Any]])
            #expect(scores.map { $0["metric"] as? String } == ["gradient-rank", "snip"])
            #expect(scores[0]["max"] as? Double == 5 && scores[0]["mean"] as? Double == 3.5 && scores[1]["nan"] as? Int == 1)
            let evaluations = try #require(object["evaluations"] as? [[String: Any]])
            #expect(evaluations.map { $0["placement"] as? String } == ["3>4:r8,12>0:r8", "none"])
            #expect(evaluations[1]["test_acc"] is NSNull && evaluations[0]["edges"] as? Int == 2)
            #expect((object["probes"] as? [[String: Any]])?.first?["head"] as? String == "random")
            #expect((object["artefacts"] as? [[String: Any]])?.first?["name"] as? String == "adapters")
        }
    }

    @Test func anUnknownRunFailsWithAHint() throws {
        try withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("results.sqlite").path
            _ = try fill(path)
            for command in [["show", "rnope00"], ["export", "rnope00", "--csv"], ["export", "rnope00", "--csv", "--scores"]] {
                let result = try runAdapterSearch(["runs"] + command + ["--store", path])
                #expect(result.status != 0)
                #expect(result.stderr.contains("no run 'rnope00' in \(path)") && result.stderr.contains("adapter-search runs list"),
                        "\(result.stderr)")
                #expect(result.stdout.isEmpty)
            }
        }
    }

    @Test func aFileThatIsNotAStoreFailsNamingIt() throws {
        try withTemporaryDirectory { folder in
            let text = folder.appendingPathComponent("notes.txt").path
            try String(repeating: "not a database\n", count: 100).write(toFile: text, atomically: true, encoding: .utf8)
            for command in [["list"], ["show", "r000000"], ["export", "r000000", "--csv"]] {
                let result = try runAdapterSearch(["runs"] + command + ["--store", text])
                #expect(result.status != 0)
                #expect(result.stderr.contains("\(text) is not an adapter-search results store"), "\(result.stderr)")
            }
            // No store yet: an error naming the file, and nothing created.
            let result = try runAdapterSearch(["runs", "list"], environment: ["ADAPTER_SEARCH_STORE": ""], directory: folder)
            #expect(result.status != 0 && result.stderr.contains("no results store at runs/results.sqlite"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("runs").path))
            // An empty store lists no runs.
            let empty = folder.appendingPathComponent("empty.sqlite").path
            try ResultsStore(path: empty).close()
            let listed = try runAdapterSearch(["runs", "list", "--store", empty])
            #expect(listed.status == 0 && listed.stdout == "no runs yet\n")
            let json = try runAdapterSearch(["runs", "list", "--json", "--store", empty])
            #expect(json.status == 0 && json.stdout.filter { !$0.isWhitespace } == "[]")
        }
    }
}
