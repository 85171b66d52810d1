import Foundation

/// The languages `plugins new` writes a plugin project in.
public enum PluginLanguage: String, CaseIterable, Codable, Sendable {
    case c, cpp, rust, swift, python
}

/// Which example in the repository's `plugins/` folder a new plugin starts
/// from. The examples are the templates: each is a complete, commented,
/// tested plugin; `plugins new` copies one with its id and name replaced, so
/// a template never drifts from code the test suite builds and runs.
public struct PluginTemplate: Sendable {
    /// The language and kind this template writes.
    public let language: PluginLanguage
    public let kind: PluginKind
    /// The example's source, relative to the `plugins/` folder.
    public let source: String
    /// The example's id and display name, replaced by the new plugin's.
    public let exampleID: String
    public let exampleName: String

    /// The template for `language` and `kind`.
    public static func forLanguage(_ language: PluginLanguage, kind: PluginKind) -> PluginTemplate {
        all.first { $0.language == language && $0.kind == kind }!
    }

    /// Every template, one per language and kind.
    public static let all: [PluginTemplate] = [
        PluginTemplate(language: .c, kind: .metric, source: "examples/example_metric.c",
                       exampleID: "example.activation-energy", exampleName: "Activation-gradient energy (C example)"),
        PluginTemplate(language: .c, kind: .strategy, source: "examples/example_strategy.c",
                       exampleID: "example.spread", exampleName: "Evenly spread (C example)"),
        PluginTemplate(language: .cpp, kind: .metric, source: "examples/example_cpp_metric.cpp",
                       exampleID: "example.cpp-gradient-energy", exampleName: "Gradient energy (C++ example)"),
        PluginTemplate(language: .cpp, kind: .strategy, source: "examples/example_cpp_strategy.cpp",
                       exampleID: "example.cpp-spaced-greedy", exampleName: "Spaced greedy (C++ example)"),
        PluginTemplate(language: .rust, kind: .metric, source: "rust/example-metric/src/lib.rs",
                       exampleID: "example.rust.gradient-norm", exampleName: "Edge gradient norm (Rust example)"),
        PluginTemplate(language: .rust, kind: .strategy, source: "rust/example-strategy/src/lib.rs",
                       exampleID: "example.rust.target-capped", exampleName: "Target-capped greedy (Rust example)"),
        PluginTemplate(language: .swift, kind: .metric, source: "swift/examples/ExampleMetric.swift",
                       exampleID: "example.swift.gradient-energy", exampleName: "Gradient energy (Swift example)"),
        PluginTemplate(language: .swift, kind: .strategy, source: "swift/examples/ExampleStrategy.swift",
                       exampleID: "example.swift.kind-rotation", exampleName: "Kind rotation (Swift example)"),
        PluginTemplate(language: .python, kind: .metric, source: "examples/example_metric.py",
                       exampleID: "example.py-gradient-norm", exampleName: "Gradient norm (Python example)"),
        PluginTemplate(language: .python, kind: .strategy, source: "examples/example_strategy.py",
                       exampleID: "example.py-best-of-pool", exampleName: "Best of a scored pool (Python example)"),
    ]

    /// Lines between these markers (the markers included) are the example's
    /// own test scaffolding and are left out of a new project.
    static let omitFrom = "plugins new: omit from here"
    static let omitTo = "plugins new: omit to here"

    /// The example's text with the new id and name in place of the
    /// example's, and the scaffolding between the omit markers removed.
    func text(in plugins: URL, id: String, name: String) throws -> String {
        let file = plugins.appendingPathComponent(source)
        guard let example = try? String(contentsOf: file, encoding: .utf8) else {
            throw PluginProjectError.missingTemplate(file.path)
        }
        var kept: [Substring] = [], omitting = false
        for line in example.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.contains(Self.omitFrom) { omitting = true; continue }
            if line.contains(Self.omitTo) { omitting = false; continue }
            if !omitting { kept.append(line) }
        }
        return kept.joined(separator: "\n")
            .replacingOccurrences(of: exampleID, with: id)
            .replacingOccurrences(of: exampleName, with: name)
    }
}
