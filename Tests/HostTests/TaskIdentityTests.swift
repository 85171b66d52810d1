import Foundation
@testable import Host
import Testing

/// Task identity by content: SHA-256 digests of the files a task names.
@Suite struct TaskIdentityTests {
    @Test func sha256MatchesTheStandardsVectors() throws {
        #expect(ContentDigest.sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ContentDigest.sha256([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        try withTemporaryDirectory { folder in
            let file = folder.appendingPathComponent("million-a").path
            try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: URL(fileURLWithPath: file))
            #expect(try ContentDigest.sha256(file: file) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
            #expect(throws: ContentDigest.Failure.self) { try ContentDigest.sha256(file: folder.appendingPathComponent("none").path) }
        }
    }

    @Test func theSameContentAnywhereIsTheSameTaskAndAnyChangeIsAnother() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder.appendingPathComponent("a"))
            let copy = folder.appendingPathComponent("b")
            try FileManager.default.copyItem(at: folder.appendingPathComponent("a"), to: copy)
            func task(_ root: String, maxLength: Int = 64) -> TaskSpecification {
                TaskSpecification(model: root + "/model", data: .textFiles(.init(train: root + "/train.csv", validation: root + "/validation.csv",
                                                                                  test: root + "/test.csv")), maxLength: maxLength)
            }
            let original = task(folder.appendingPathComponent("a").path), moved = task(copy.path)
            #expect(model == original.model && data[0].hasSuffix("train.csv"))
            let identity = try TaskIdentity(of: original)
            #expect(try TaskIdentity(of: moved) == identity, "a copy elsewhere is the same task")
            #expect(TaskIdentity.sameTask((original, identity), (moved, try TaskIdentity(of: moved))))
            #expect(try TaskIdentity(of: task(copy.path, maxLength: 32)).digest != identity.digest, "an option that changes the examples")

            let train = copy.appendingPathComponent("train.csv")
            try (try String(contentsOf: train, encoding: .utf8) + "\nred cat,red-cat").write(to: train, atomically: true, encoding: .utf8)
            let edited = try TaskIdentity(of: moved)
            #expect(edited.data != identity.data && edited.digest != identity.digest && edited.model == identity.model)
            #expect(!TaskIdentity.sameTask((original, identity), (moved, edited)))
            // Runs that recorded no digest (0.6.0) match by specification.
            #expect(TaskIdentity.sameTask((original, .unrecorded), (original, identity)))
            #expect(!TaskIdentity.sameTask((original, .unrecorded), (moved, identity)))
        }
    }

    @Test func theVerbTaskIsAnotherTaskThanTheNounTask() throws {
        try withTemporaryDirectory { folder in
            let (model, _) = try TinyTextTask.write(in: folder)
            let nouns = TaskSpecification(model: model, data: .wordNetNouns), verbs = TaskSpecification(model: model, data: .wordNetVerbs)
            #expect(verbs.dataFiles == ["/usr/share/wordnet/data.verb"] && nouns.dataFiles == ["/usr/share/wordnet/data.noun"])
            let nounIdentity = try TaskIdentity(of: nouns), verbIdentity = try TaskIdentity(of: verbs)
            #expect(verbIdentity.model == nounIdentity.model && verbIdentity.data != nounIdentity.data)
            #expect(verbIdentity.digest != nounIdentity.digest)
            #expect(!TaskIdentity.sameTask((nouns, nounIdentity), (verbs, verbIdentity)))
            #expect(!TaskIdentity.sameTask((nouns, .unrecorded), (verbs, verbIdentity)), "nor by specification")
            var reseeded = verbs
            reseeded.dataSeed = 1
            #expect(try TaskIdentity(of: reseeded).digest != verbIdentity.digest, "another split is another task")
        }
    }
}
