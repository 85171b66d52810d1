import Foundation
import Testing

/// `--task` through the command: it picks a built-in text task and refuses
/// to go with another task's options.
@Suite struct TaskOptionTests {
    @Test func taskConflictsWithEveryOtherTaskByName() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            let text = ["--train-file", data[0], "--validation-file", data[1], "--test-file", data[2]]
            let images = ["--train-images", "a.npy", "--train-labels", "b.npy", "--test-images", "c.npy", "--test-labels", "d.npy"]
            let cases: [([String], String)] = [
                (["--task", "wordnet-verbs"] + text, "choose one task, not --task and --train-file"),
                (["--task", "wordnet-nouns"] + text, "choose one task, not --task and --train-file"),
                (["--task", "wordnet-verbs", "--fashion-mnist"], "choose one task, not --task and --fashion-mnist"),
                (["--task", "wordnet-verbs"] + images, "choose one task, not --task and --train-images"),
                (["--task", "wordnet-adverbs"], "'wordnet-adverbs' is invalid for '--task"),
            ]
            for (arguments, message) in cases {
                let result = try runAdapterSearch(["train", "--placement", "none", "--model", model] + arguments)
                #expect(result.status != 0 && result.terminationIsExit && result.stderr.contains(message), "\(arguments): \(result.stderr)")
            }
            let help = try runAdapterSearch(["train", "--help"])
            #expect(help.stdout.contains("wordnet-nouns") && help.stdout.contains("wordnet-verbs"), "\(help.stdout)")
        }
    }

    @Test func taskWordNetVerbsTrainsOnTheFifteenVerbSupersenses() throws {
        try withTemporaryDirectory { folder in
            let (model, _) = try TinyTextTask.write(in: folder)
            // A linear probe on the tiny backbone (width 16): the head's
            // parameters count the classes, 16 x 15 + 15 for verbs.
            let result = try runAdapterSearch(["train", "--task", "wordnet-verbs", "--placement", "none", "--model", model,
                                               "--max-length", "32", "--steps", "1", "--evaluation-limit", "8", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let output = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(output?["params"] as? Int == 16 * 15 + 15, "\(result.stdout)")
        }
    }
}
