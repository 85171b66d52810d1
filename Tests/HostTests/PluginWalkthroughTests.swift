import Foundation
import Testing

/// README.md's "A new heuristic in ten minutes", run as written: every line
/// of the block after the marker comment, in order, in an empty folder, with
/// the built `adapter-search` first on the PATH. `score` and `search` lines
/// get the tiny task's model and data appended (the README's run on the
/// default task; the commands are the same).
@Suite("README plugin walkthrough")
struct PluginWalkthroughTests {
    /// The marker comment that precedes each tested block.
    static let marker = "<!-- Tests/HostTests/PluginWalkthroughTests.swift runs this block"

    /// The command lines of every block README.md marks for this test.
    static func markedBlocks() throws -> [[String]] {
        let readme = try String(contentsOf: Locations.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        var blocks: [[String]] = [], current: [String]? = nil, armed = false
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix(marker) { armed = true; continue }
            if armed && line.hasPrefix("```") { armed = false; current = []; continue }
            if current != nil {
                if line.hasPrefix("```") { blocks.append(current!); current = nil } else if !line.isEmpty { current!.append(line) }
            }
        }
        return blocks
    }

    @Test("Every line of the README's walkthrough succeeds, and the metric it writes scores every edge")
    func theWalkthroughRunsAsWritten() throws {
        let blocks = try Self.markedBlocks()
        try #require(!blocks.isEmpty, "README.md has no block marked for this test")
        for block in blocks {
            try withTemporaryDirectory { folder in
                let (model, data) = try TinyTextTask.write(in: folder.appendingPathComponent("task"))
                let task = " --model \(model) --train-file \(data[0]) --validation-file \(data[1]) --test-file \(data[2])"
                    + " --probe-size 12"
                var environment = ProcessInfo.processInfo.environment
                environment["PATH"] = Locations.products.path + ":/usr/bin:" + (environment["PATH"] ?? "")
                environment["RUSTC"] = "/usr/bin/rustc"
                environment["ADAPTER_SEARCH_PLUGIN_PATH"] = nil
                var last = ""
                for line in block {
                    let usesTask = line.hasPrefix("adapter-search score ") || line.hasPrefix("adapter-search search ")
                    let command = line + (usesTask ? task + (line.contains(" search ") ? " --steps 10 --store runs.sqlite" : "") : "")
                    let result = try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", command], environment: environment,
                                                directory: folder)
                    #expect(result.status == 0, "\(line)\n\(result.stderr)\(result.stdout)")
                    guard result.status == 0 else { return }
                    last = result.stdout
                }
                // The block ends by using the plugin: its output names it.
                #expect(!last.isEmpty, "the last line printed nothing")
            }
        }
    }
}
