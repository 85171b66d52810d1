import Core
import Foundation
@testable import Host
import Testing

/// `adapter-search train` end to end on a tiny BERT checkpoint and small CSV
/// files: its JSON, its artefacts, and clear failures on bad input.
@Suite struct TrainCommandTests {
    func setUp(_ folder: URL) throws -> (model: String, data: [String]) { try TinyTextTask.write(in: folder) }

    func train(_ setup: (model: String, data: [String]), _ extra: [String]) throws -> ProcessResult {
        try runAdapterSearch(["train", "--model", setup.model, "--train-file", setup.data[0], "--validation-file", setup.data[1],
                              "--test-file", setup.data[2], "--steps", "4", "--batch-size", "8"] + extra)
    }

    @Test func trainsAPlacementAndWritesItsAdapters() throws {
        try withTemporaryDirectory { folder in
            let setup = try setUp(folder)
            let out = folder.appendingPathComponent("out").path
            let result = try train(setup, ["--placement", "1>2:r2,4>0:r2:gelu", "--json", "--out", out])
            #expect(result.status == 0, "\(result.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(Set(json?.keys.map { $0 } ?? []) == ["val_acc", "test_acc", "params", "seconds", "precision"])
            // head 16*2+2; each rank-2 adapter 2*16+2 + 16*2+16 + 1 scale (not trained, but stored)
            #expect(json?["params"] as? Int == 34 + 2 * 82)
            let saved = try SafeTensorsFile(contentsOf: out + "/adapters.safetensors")
            #expect(saved["adapters.4_0.up.weight"]?.shape == [16, 2] && saved["head.weight"]?.shape == [2, 16])
            #expect(saved.metadata["placement"] == "1>2:r2,4>0:r2:gelu")
            let placement = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/placement.json")))
                as? [String: Any]
            #expect(placement?["classes"] as? [String] == ["land", "water"])
        }
    }

    @Test(arguments: [
        ("9>0", "outside 0...4"), ("1-2", "malformed placement"), ("1>2:r0", "rank 0"), ("1>2,1>2", "appears twice"),
    ])
    func badPlacementsFailWithTheirReason(_ placement: String, _ message: String) throws {
        try withTemporaryDirectory { folder in
            let result = try train(try setUp(folder), ["--placement", placement])
            #expect(result.status != 0)
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
    }

    @Test func badDataFailsWithItsReason() throws {
        try withTemporaryDirectory { folder in
            let setup = try setUp(folder)
            try "text,label\nthe red cat runs,air\n".write(toFile: setup.data[2], atomically: true, encoding: .utf8)
            let unknown = try train(setup, ["--placement", "none"])
            #expect(unknown.status != 0 && unknown.stderr.contains("label 'air' never occurs in the training data"))
            try "sentence,label\nthe red cat runs,land\n".write(toFile: setup.data[1], atomically: true, encoding: .utf8)
            let missing = try train(setup, ["--placement", "none", "--text-column", "text"])
            #expect(missing.status != 0 && missing.stderr.contains("no column 'text'"))
            let noModel = try runAdapterSearch(["train", "--placement", "none", "--model", folder.appendingPathComponent("none").path])
            #expect(noModel.status != 0 && noModel.stderr.contains("run `bash scripts/setup`"))
        }
    }

    @Test func theSameSeedGivesBitIdenticalResultsAndAnotherSeedDiffers() throws {
        try withTemporaryDirectory { folder in
            let setup = try setUp(folder)
            func run(_ seed: String, _ name: String, cache: String = "4") throws -> (json: [String: Any], weights: Data) {
                let out = folder.appendingPathComponent(name).path
                let result = try train(setup, ["--placement", "3>1:r2,1>2:r2:gelu", "--seed", seed, "--json", "--out", out,
                                               "--cache-memory", cache])
                #expect(result.status == 0, "\(result.stderr)")
                let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
                return (json, try Data(contentsOf: URL(fileURLWithPath: out + "/adapters.safetensors")))
            }
            let first = try run("5", "a"), second = try run("5", "b"), other = try run("6", "c")
            #expect(first.weights == second.weights, "same seed: the same bytes")
            #expect(first.json["val_acc"] as? Double == second.json["val_acc"] as? Double)
            #expect(first.json["test_acc"] as? Double == second.json["test_acc"] as? Double)
            #expect(first.weights != other.weights, "another seed: other weights")
            let uncached = try run("5", "d", cache: "0")
            #expect(uncached.json["params"] as? Int == first.json["params"] as? Int)
        }
    }

    /// `--precision bfloat16` trains with the backbone's weight products in
    /// bfloat16 and says so, bit-identically under a seed, and differs from
    /// float32; where the CPU lacks AVX512_BF16 it is an error that says so.
    @Test func trainsInBFloat16WhereTheCPUCanAndSaysSo() throws {
        try withTemporaryDirectory { folder in
            let setup = try setUp(folder)
            func run(_ precision: String, _ name: String) throws -> (result: ProcessResult, json: [String: Any], weights: Data?) {
                let out = folder.appendingPathComponent(name).path
                let result = try train(setup, ["--placement", "3>1:r2", "--seed", "5", "--json", "--out", out, "--precision", precision])
                let json = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
                return (result, json ?? [:], try? Data(contentsOf: URL(fileURLWithPath: out + "/adapters.safetensors")))
            }
            let single = try run("float32", "f")
            #expect(single.json["precision"] as? String == "float32")
            let half = try run("bfloat16", "h")
            #expect(half.result.status == 0, "\(half.result.stderr)")
            #expect(half.json["precision"] as? String == "bfloat16")
            let again = try run("bfloat16", "h2")
            #expect(half.weights != nil && half.weights == again.weights, "bfloat16 under one seed: the same bytes")
            #expect(half.weights != single.weights, "bfloat16 computed something float32 did not")
            let bad = try run("float16", "x")
            #expect(bad.result.status != 0 && bad.result.stderr.contains("float16"), "\(bad.result.stderr)")
        }
    }

    /// Images in .npy files and the test fixture's tiny ViT (1 x 28 x 28, 7 x 7 patches).
    @Test func trainsOnImagesForAViT() throws {
        try withTemporaryDirectory { folder in
            let model = Locations.packageRoot.appendingPathComponent("Tests/CoreTests/Fixtures/tiny-vit").path
            var random = SeededRandom(seed: 4)
            func write(_ name: String, count: Int, side: Int = 28) throws -> (String, String) {
                var pixels: [UInt8] = [], labels: [UInt8] = []
                for _ in 0..<count {
                    let label = UInt8.random(in: 0...1, using: &random)
                    labels.append(label)
                    pixels += (0..<(side * side)).map { ($0 % side < side / 2) == (label == 0) ? 200 : UInt8.random(in: 0...60, using: &random) }
                }
                let images = folder.appendingPathComponent("\(name)-images.npy").path, classes = folder.appendingPathComponent("\(name)-labels.npy").path
                try Data(NPYFile.bytes(descr: "|u1", shape: [count, side, side], data: pixels)).write(to: URL(fileURLWithPath: images))
                try Data(NPYFile.bytes(descr: "|u1", shape: [count], data: labels)).write(to: URL(fileURLWithPath: classes))
                return (images, classes)
            }
            let (trainImages, trainLabels) = try write("train", count: 80), (testImages, testLabels) = try write("test", count: 20)
            let arguments = ["train", "--model", model, "--placement", "2>3:r2", "--steps", "30", "--batch-size", "16",
                             "--learning-rate", "3e-2", "--json", "--train-images", trainImages, "--train-labels", trainLabels,
                             "--test-images", testImages, "--test-labels", testLabels]
            let result = try runAdapterSearch(arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect((json?["test_acc"] as? Double ?? 0) >= 0.9, "a left/right split the ViT learns: \(String(describing: json))")

            let (wrongImages, wrongLabels) = try write("wrong", count: 4, side: 14)
            var wrong = arguments
            wrong[wrong.firstIndex(of: trainImages)!] = wrongImages
            wrong[wrong.firstIndex(of: trainLabels)!] = wrongLabels
            let refused = try runAdapterSearch(wrong)
            #expect(refused.status != 0 && refused.stderr.contains("images are 1 x 14 x 14, the backbone takes 1 x 28 x 28"),
                    "\(refused.stderr)")
            let textModel = try runAdapterSearch(["train", "--placement", "none", "--fashion-mnist", "--model", try setUp(folder).model])
            #expect(textModel.status != 0 && textModel.stderr.contains("image tasks need a ViT"), "\(textModel.stderr)")
        }
    }
}

/// Options and data `train` once accepted silently: each is now refused with
/// one clear message and a non-zero exit.
@Suite struct TrainRefusalTests {
    @Test func eachBadOptionOrDatasetIsRefusedByName() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            let task = ["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2]]
            let single = folder.appendingPathComponent("single.csv").path
            try "text,label\nthe red cat runs,land\nthe dog sleeps,land\n".write(toFile: single, atomically: true, encoding: .utf8)
            let long = folder.appendingPathComponent("long.csv").path
            let words = Array(repeating: "red", count: 34).joined(separator: " ")
            try "text,label\n\(words),a\nred,b\n".write(toFile: long, atomically: true, encoding: .utf8)
            let bigVocabulary = folder.appendingPathComponent("big-vocabulary").path
            try FileManager.default.copyItem(atPath: model, toPath: bigVocabulary)
            try (try String(contentsOfFile: model + "/vocab.txt", encoding: .utf8) + "\nextra").write(toFile: bigVocabulary + "/vocab.txt", atomically: true, encoding: .utf8)
            let cases: [([String], String)] = [
                (["--placement", "none", "--validation-file", data[1]], "--validation-file and --test-file go with --train-file"),
                (["--placement", "none", "--test-labels", "x.npy"], "go with --train-images"),
                (task + ["--placement", "none", "--evaluation-limit", "0"], "--evaluation-limit must be at least 1"),
                (task + ["--placement", "none", "--max-length", "0"], "--max-length must be at least 3"),
                (["--placement", "none", "--model", model, "--train-file", long, "--validation-file", long, "--test-file", long,
                  "--max-length", "40"], "at --max-length 40 the longest example has 36 tokens, more than the 32 positions"),
                (["--placement", "none", "--model", bigVocabulary] + task.dropFirst(2), "vocab.txt has 15 tokens, but the model's word embeddings have 14 rows"),
                (task + ["--placement", "none", "--cache-memory", "1e10"], "--cache-memory must be between 0 and 1048576 GiB"),
                (task + ["--placement", "none", "--weight-decay", "nan"], "--weight-decay must be a finite number"),
                (task + ["--placement", "none", "--batch-order", "length-grouped:0"], "The value 'length-grouped:0' is invalid for '--batch-order"),
                (task + ["--placement", "none", "--batch-order", "by-length"], "The value 'by-length' is invalid for '--batch-order"),
                (["--placement", "none", "--model", model, "--train-file", single, "--validation-file", single, "--test-file", single],
                 "every example has the label 'land'"),
            ]
            for (arguments, message) in cases {
                let result = try runAdapterSearch(["train"] + arguments)
                #expect(result.status != 0 && result.terminationIsExit && result.stderr.contains(message), "\(arguments): \(result.stderr)")
            }
            let search = try runAdapterSearch(["search", "--k", "4294967296", "--store", folder.appendingPathComponent("s.sqlite").path] + task)
            #expect(search.status != 0 && search.stderr.contains("--k must be at least 1"), "\(search.stderr)")
            let tooMany = try runAdapterSearch(["search", "--k", "26", "--store", folder.appendingPathComponent("s.sqlite").path] + task)
            #expect(tooMany.status != 0 && tooMany.stderr.contains("--k 26 is more than the 25 candidate edges"), "\(tooMany.stderr)")
        }
    }
}

/// A diverged training is never reported as an accuracy.
@Suite struct DivergenceTests {
    @Test func trainStopsWithAClearErrorAndWritesNothing() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            let task = ["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2], "--steps", "20"]
            for extra in [["--learning-rate", "1e30"], ["--placement", "1>2:alpha=1e40"]] {
                let out = folder.appendingPathComponent("out-\(extra[1])").path
                let placement = extra[0] == "--placement" ? [] : ["--placement", "1>2"]
                let result = try runAdapterSearch(["train", "--out", out, "--json"] + task + placement + extra)
                #expect(result.status != 0 && result.terminationIsExit, "\(extra)")
                #expect(result.stderr.contains("the training diverged at step") && result.stdout.isEmpty, "\(extra): \(result.stderr)")
                #expect(!FileManager.default.fileExists(atPath: out), "nothing NaN is written as an adapter")
            }
        }
    }

    @Test func aDivergedEvaluationIsStoredAsSuchAndStrategiesAndCompareSeeIt() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            let store = folder.appendingPathComponent("results.sqlite").path
            let task = ["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2], "--steps", "5",
                        "--store", store, "--probe-size", "8", "--adapter", "r2:alpha=1e40", "--kinds", "parallel"]
            let search = try runAdapterSearch(["search", "--strategy", "exhaustive", "--k", "1"] + task)
            #expect(search.status != 0 && search.stderr.contains("the training of every one of the 4 placements diverged"),
                    "\(search.stderr)")
            let compare = try runAdapterSearch(["compare", "--metric", "gradient-norm", "--probe-seeds", "1"] + task)
            #expect(compare.status != 0 && compare.stderr.contains("every one of the 4 single edges diverged"), "\(compare.stderr)")

            let results = try ResultsStore(path: store, create: false)
            for run in try results.runs() {
                let evaluations = try results.evaluations(run: run.id)
                #expect(evaluations.count == 4 && evaluations.allSatisfy {
                    $0.validationAccuracy.isNaN && ($0.failure ?? "").contains("diverged at step 1")
                }, "\(evaluations)")
                let shown = try runAdapterSearch(["runs", "show", run.id, "--store", store])
                #expect(shown.stdout.contains("diverged") && !shown.stdout.contains("nan"), "\(shown.stdout)")
                let csv = try runAdapterSearch(["runs", "export", run.id, "--csv", "--store", store])
                #expect(csv.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.contains(",5,,,,") || $0.contains(",,,") })
            }
            // Resumed, the diverged evaluations are answered from the store, not trained again.
            let run = try #require(try results.runs().first { $0.command.contains("compare") })
            let again = try runAdapterSearch(["compare", "--resume", run.id, "--store", store])
            #expect(again.status != 0 && !again.stderr.contains("trained "), "\(again.stderr)")
        }
    }
}

/// Ctrl-C during `train`: a clean message and exit status 130, not death by signal.
@Suite struct TrainInterruptionTests {
    @Test func ctrlCStopsTrainingCleanly() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            let errors = folder.appendingPathComponent("stderr").path
            _ = FileManager.default.createFile(atPath: errors, contents: nil)
            let process = Process()
            process.executableURL = Locations.executable
            process.arguments = ["train", "--placement", "1>2", "--model", model, "--train-file", data[0], "--validation-file", data[1],
                                 "--test-file", data[2], "--steps", "1000000", "--out", folder.appendingPathComponent("out").path]
            process.environment = ProcessInfo.processInfo.environment.merging(["ADAPTER_SEARCH_PROGRESS": "1"]) { _, new in new }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
            try process.run()
            let deadline = Date().addingTimeInterval(120)
            // The progress bar shows once training runs, and Ctrl-C is handled from then on.
            while process.isRunning, Date() < deadline, (try? String(contentsOfFile: errors, encoding: .utf8))?.contains("loss") != true {
                usleep(10_000)
            }
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
            let said = try String(contentsOfFile: errors, encoding: .utf8)
            #expect(process.terminationReason == .exit && process.terminationStatus == 130, "\(said)")
            #expect(said.contains("interrupt: stopping") && said.contains("nothing was written"), "\(said.suffix(300))")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
        }
    }
}

/// The checkpoint, data and placement errors Core refuses, seen as a user
/// sees them: a non-zero exit (never a signal) and one message naming the problem.
@Suite struct BadInputThroughTheCommandTests {
    @Test func eachIsRefusedWithItsMessage() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            func variant(_ name: String, _ edit: (String) throws -> Void) throws -> String {
                let copy = folder.appendingPathComponent(name).path
                try FileManager.default.copyItem(atPath: model, toPath: copy)
                try edit(copy)
                return copy
            }
            func config(_ name: String, _ key: String, _ value: Any) throws -> String {
                try variant(name) { copy in
                    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: copy + "/config.json"))) as! [String: Any]
                    json[key] = value
                    try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: copy + "/config.json"))
                }
            }
            func text(_ name: String, _ contents: String) throws -> String {
                let path = folder.appendingPathComponent(name).path
                try contents.write(toFile: path, atomically: true, encoding: .utf8)
                return path
            }
            let fifo = try variant("fifo") { copy in
                try FileManager.default.removeItem(atPath: copy + "/model.safetensors")
                #expect(mkfifo(copy + "/model.safetensors", 0o600) == 0)
            }
            let crlf = try variant("crlf") { copy in
                let vocab = try String(contentsOfFile: copy + "/vocab.txt", encoding: .utf8)
                try vocab.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: copy + "/vocab.txt", atomically: true, encoding: .utf8)
            }
            let cases: [(model: String, train: String?, placement: String, says: String)] = [
                (try config("huge", "hidden_size", 1e30), nil, "none", "'hidden_size' is 1e+30"),
                (try config("no-layers", "num_hidden_layers", 0), nil, "none", "'num_hidden_layers' is 0"),
                (try config("fewer-layers", "num_hidden_layers", 1), nil, "none", "holds 2 blocks, but config.json's num_hidden_layers is 1"),
                (try config("act", "hidden_act", 5), nil, "none", "hidden_act is 5"),
                (fifo, nil, "none", "named pipe"),
                (model, try text("rep.csv", "text,label,text\nred cat,a,b\n"), "none", "the header names column 'text' twice"),
                (model, try text("empty.csv", "text,label\nred cat,a\nblue dog,\n"), "none", "empty label"),
                (model, try text("num.jsonl", "{\"text\": 3, \"label\": \"a\"}\n"), "none", "'text' is a number, not a string"),
                (model, try text("quote.csv", "text,label\nred,a\n\"blue,b\nred,c\n"), "none", "quote.csv:3: a quoted field opened here"),
                (model, nil, "", "it is empty (write 'none'"),
                (model, nil, "1>2:r8:r4", "'r8' and 'r4' both set the rank"),
                (model, nil, "1>2:channel:alpha=2", "'channel' and 'alpha=2' both set the scale"),
            ]
            for (checkpoint, train, placement, says) in cases {
                let result = try runAdapterSearch(["train", "--placement", placement, "--model", checkpoint, "--train-file", train ?? data[0],
                                                   "--validation-file", data[1], "--test-file", data[2], "--steps", "2"])
                #expect(result.status != 0 && result.terminationIsExit && result.stderr.contains(says), "\(says): \(result.stderr)")
            }
            let crlfRun = try runAdapterSearch(["train", "--placement", "none", "--model", crlf, "--train-file", data[0],
                                                "--validation-file", data[1], "--test-file", data[2], "--steps", "2"])
            #expect(crlfRun.status == 0, "a CRLF vocabulary reads like an LF one: \(crlfRun.stderr)")
        }
    }
}
