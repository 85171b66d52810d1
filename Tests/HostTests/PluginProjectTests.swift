import Foundation
import Testing
@testable import Host

/// `plugins new`, done as a new author does it: write the project, run the
/// build command it prints, check the library with `plugins test`, then use
/// it in a real `score` or `search` on the tiny task. One test per language
/// and kind.
@Suite("plugins new")
struct PluginProjectTests {
    /// The lines `plugins new` printed, by their label (`build`, `check`, `use`).
    struct Printed {
        var lines: [String: String] = [:]
        init(_ stdout: String) {
            for line in stdout.split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                lines[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
    }

    /// Runs a printed command line in a shell, with Debian's Rust toolchain
    /// first on the PATH (as scripts/setup installs it).
    static func runPrinted(_ command: String) throws -> ProcessResult {
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "/usr/bin:" + (environment["PATH"] ?? "")
        environment["RUSTC"] = "/usr/bin/rustc"
        return try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", command], environment: environment)
    }

    /// The `adapter-search` arguments that printed a command (`check` or
    /// `use`): the text after the program's name, split at spaces.
    static func arguments(of command: String) throws -> [String] {
        let words = command.split(separator: " ").map(String.init)
        guard words.first == "adapter-search" else { throw TestSetupError(description: "not an adapter-search command: \(command)") }
        return Array(words.dropFirst())
    }

    @Test("new, build, test and use a plugin", arguments: PluginLanguage.allCases,
          [PluginKind.metric, .strategy])
    func aNewAuthorsFirstPlugin(language: PluginLanguage, kind: PluginKind) throws {
        try withTemporaryDirectory { folder in
            let id = "org.example.first-\(language.rawValue)-\(kind.rawValue)"
            let project = folder.appendingPathComponent("project").path
            let made = try runAdapterSearch(["plugins", "new", "--lang", language.rawValue, "--kind", kind.rawValue, id, project])
            #expect(made.status == 0, "\(made.stderr)")
            let printed = Printed(made.stdout)

            // A Python script needs no build; every other language prints one.
            #expect((printed.lines["build"] == nil) == (language == .python), "\(made.stdout)")
            if let build = printed.lines["build"] {
                let built = try Self.runPrinted(build)
                #expect(built.status == 0, "\(build): \(built.stderr)\(built.stdout)")
            }

            let check = try Self.arguments(of: try #require(printed.lines["check"]))
            let file = try #require(check.last)
            // Global symbols only: Swift libraries list local ones too, which nothing can bind to.
            if language != .python {
                let exported = try runTool("nm", ["-D", "--defined-only", "--extern-only", file]).stdout
                    .split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
                #expect(exported == ["asp_plugin_entry"], "only the entry is exported: \(exported)")
            }
            let checked = try runAdapterSearch(check)
            #expect(checked.status == 0 && checked.stdout.contains(" 0 failed"), "\(checked.stdout)\(checked.stderr)")
            let shown = try runAdapterSearch(["plugins", "inspect", file])
            #expect(shown.status == 0 && shown.stdout.hasPrefix("\(id) (\(kind.rawValue)) "), "\(shown.stdout)\(shown.stderr)")

            let (model, data) = try TinyTextTask.write(in: folder)
            let task = ["--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2],
                        "--probe-size", "12", "--json"]
            let search = ["--store", folder.appendingPathComponent("runs.sqlite").path, "--steps", "10"]
            let use = try Self.arguments(of: try #require(printed.lines["use"]))
            let used = try runAdapterSearch(use + task + (kind == .strategy ? search : []))
            #expect(used.status == 0, "\(use.joined(separator: " ")): \(used.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(used.stdout.utf8))
            switch kind {
            case .metric:
                let rows = try #require(json as? [[String: Any]], "\(used.stdout)")
                #expect(rows.count == 25, "one row per edge of the 5-node tiny backbone")
                #expect(rows.allSatisfy { ($0[id] as? Double)?.isFinite == true }, "\(used.stdout)")
            case .strategy:
                let object = try #require(json as? [String: Any])
                let placement = try #require(object["placement"] as? String, "\(used.stdout)")
                #expect(placement.split(separator: ",").count == 3, "k = 3: \(placement)")
            }
        }
    }

    @Test("A bad id, a folder in use and a missing plugins folder are refused with what to do")
    func badRequestsAreRefused() throws {
        try withTemporaryDirectory { folder in
            let bad = try runAdapterSearch(["plugins", "new", "--lang", "c", "--kind", "metric", "my metric!",
                                            folder.appendingPathComponent("a").path])
            #expect(bad.status != 0 && bad.stderr.contains("plugin id 'my metric!' is not valid"), "\(bad.stderr)")

            try "keep".write(to: folder.appendingPathComponent("taken.txt"), atomically: true, encoding: .utf8)
            let taken = try runAdapterSearch(["plugins", "new", "--lang", "c", "--kind", "metric", "org.x", folder.path])
            #expect(taken.status != 0 && taken.stderr.contains("exists and is not empty"), "\(taken.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["taken.txt"], "nothing written")

            let nowhere = try runAdapterSearch(["plugins", "new", "--lang", "c", "--kind", "metric", "org.x",
                                                folder.appendingPathComponent("b").path, "--plugins-folder", folder.path])
            #expect(nowhere.status != 0 && nowhere.stderr.contains("pass it with --plugins-folder DIR"), "\(nowhere.stderr)")

            let language = try runAdapterSearch(["plugins", "new", "--lang", "fortran", "--kind", "metric", "org.x",
                                                 folder.appendingPathComponent("c").path])
            #expect(language.status != 0 && language.stderr.contains("fortran"), "\(language.stderr)")
        }
    }
}
