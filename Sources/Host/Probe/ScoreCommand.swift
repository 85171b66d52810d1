import ArgumentParser
import Core
import Foundation

/// `adapter-search score`: every edge of the extended space scored by each
/// metric from one probe pass.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score every edge with metric plugins from one probe pass; print a table and a heatmap per metric.")

    @Option(name: .customLong("metric"), help: ArgumentHelp("A metric plugin id (repeatable).", valueName: "id"))
    var metrics: [String] = ["gradient-rank"]

    @OptionGroup var task: TaskOptions
    @OptionGroup var probe: ProbeOptions
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var isolation: PluginIsolation

    @Flag(help: "Print CSV: i, j, kind, then one column per metric.")
    var csv = false

    @Flag(help: "Print a JSON array of objects with i, j, kind and one key per metric id.")
    var json = false

    @Option(help: ArgumentHelp("Write one heatmap per metric as DIR/ID.svg.", valueName: "dir"))
    var svg: String?

    @Option(help: ArgumentHelp("Write the probe as .npy files (H_k.npy and D_k.npy per node, head_weight.npy, head_bias.npy), and each extra pass's in DIR/probe-P/.",
                               valueName: "dir"))
    var dumpProbe: String?

    func validate() throws {
        if csv && json { throw ValidationError("choose one of --csv and --json") }
        guard !metrics.isEmpty else { throw ValidationError("name at least one --metric") }
    }

    func run() throws {
        let found = try plugins.load()
        let (backbone, loaded) = try task.load()
        let head = try probe.head(backbone: backbone, task: loaded)
        let passesBefore = (forward: PassCount.forward, backward: PassCount.backward)
        let engine = probe.run(backbone: backbone, task: loaded, head: head)
        let edges = Edge.all(nodeCount: backbone.nodeCount)
        let environment = PluginEnvironment(seed: probe.probeSeed, nodeCount: backbone.nodeCount, candidates: edges, probe: engine)
        var columns: [(id: String, scores: [Double])] = [], failures: [String] = []
        for id in metrics {
            do {
                guard let plugin = found.first(where: { $0.id == id }) else {
                    throw ValidationError("no plugin '\(id)'; `adapter-search plugins list` shows what there is")
                }
                guard plugin.kind == .metric else { throw ValidationError("plugin '\(id)' is a \(plugin.kind), not a metric") }
                columns.append((id, try isolation.makeRunner(plugin, environment: environment).score(edges)))
            } catch {
                printError("error: metric '\(id)': \(error)")
                failures.append(id)
            }
        }
        printError("scored \(edges.count) edges with \(columns.count) metrics from \(PassCount.forward - passesBefore.forward) forward "
            + "and \(PassCount.backward - passesBefore.backward) backward passes (\(engine.passes - 1) extra)")
        if let dumpProbe { try ProbeDump.write(engine.allProbes, to: dumpProbe) }
        let table = ScoreTable(edges: edges, columns: columns)
        if json {
            print(try table.json())
        } else if csv {
            print(table.csv(), terminator: "")
        } else {
            print(table.text(), terminator: "")
            for column in columns { print("\n" + table.heatmap(column.id).terminal, terminator: "") }
        }
        if let svg {
            try FileManager.default.createDirectory(atPath: svg, withIntermediateDirectories: true)
            for column in columns {
                try table.heatmap(column.id).svg.write(toFile: svg + "/\(column.id).svg", atomically: true, encoding: .utf8)
            }
        }
        if !failures.isEmpty { throw ExitCode(1) }
    }
}

/// How the probe pass is made.
struct ProbeOptions: ParsableArguments {
    @Option(help: "Training examples in the probe batch.")
    var probeSize: Int = 32

    @Option(help: "Seed of the probe batch, the random head and the adapter inits.")
    var probeSeed: UInt64 = 0

    @Option(help: "The probe's head: random (seeded) or fitted (a linear probe trained first, 100 steps).")
    var head: HeadKind = .random

    enum HeadKind: String, ExpressibleByArgument, CaseIterable { case random, fitted }

    func validate() throws {
        guard probeSize > 0 else { throw ValidationError("--probe-size must be positive") }
    }

    /// The probe's head on `task`: drawn, or fitted (which trains).
    func head(backbone: Backbone<Float>, task: some ClassificationTask) throws -> Linear<Float> {
        let kind: Probe.Head = head == .random ? .random(seed: probeSeed)
            : .fitted(TrainingBudget(steps: 100, learningRate: 3e-3, seed: probeSeed, evaluationLimit: 1))
        return try Probe.head(kind, backbone: backbone, task: task)
    }

    /// The probe's head, then the probe pass, on `task`.
    func run(backbone: Backbone<Float>, task: some ClassificationTask) throws -> EngineProbe {
        run(backbone: backbone, task: task, head: try head(backbone: backbone, task: task))
    }

    /// The probe pass on `task` with `head`, served as the engine's probe services.
    func run(backbone: Backbone<Float>, task: some ClassificationTask, head: Linear<Float>) -> EngineProbe {
        let probe = Probe(backbone: backbone, batch: Probe.batch(of: task, size: probeSize, seed: probeSeed), head: head)
        return EngineProbe(probe: probe, seed: probeSeed,
                           source: .init(backbone: backbone, task: task, probeSeed: probeSeed, probeSize: probeSize))
    }
}

/// The probes as NumPy files, for checking metrics outside the tool: probe
/// 0 in the folder itself, each extra pass's probe p in `probe-p/`.
enum ProbeDump {
    static func write(_ probes: [Probe], to folder: String) throws {
        for (number, probe) in probes.enumerated() {
            try write(probe, to: number == 0 ? folder : folder + "/probe-\(number)")
        }
    }

    /// H_k.npy and D_k.npy per node, S_k.npy where a sequential map read the
    /// node before the maps, head_weight.npy and head_bias.npy.
    static func write(_ probe: Probe, to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func save(_ matrix: Matrix<Float>, _ name: String) throws {
            try NPYFile.write(matrix.values, shape: [matrix.rows, matrix.cols], to: folder + "/" + name + ".npy")
        }
        for k in 0..<probe.nodeCount {
            try save(probe.activations[k], "H_\(k)")
            try save(probe.gradients[k], "D_\(k)")
        }
        for (k, source) in probe.sequentialSources { try save(source, "S_\(k)") }
        try save(probe.head.weight, "head_weight")
        try NPYFile.write(probe.head.bias, shape: [probe.head.bias.count], to: folder + "/head_bias.npy")
    }
}

/// Scores of every edge by each metric.
struct ScoreTable {
    var edges: [Edge]
    var columns: [(id: String, scores: [Double])]

    func text() -> String {
        TextTable.render([["EDGE", "KIND"] + columns.map { $0.id.uppercased() }] + edges.indices.map { row in
            [edges[row].description, edges[row].kind.description] + columns.map { Self.format($0.scores[row]) }
        })
    }

    func csv() -> String {
        (["i,j,kind" + columns.map { "," + $0.id }.joined()] + edges.indices.map { row in
            "\(edges[row].source),\(edges[row].target),\(edges[row].kind)" + columns.map { "," + Self.format($0.scores[row]) }.joined()
        }).joined(separator: "\n") + "\n"
    }

    func json() throws -> String {
        let objects = edges.indices.map { row -> [String: Any] in
            var object: [String: Any] = ["i": edges[row].source, "j": edges[row].target, "kind": edges[row].kind.description]
            for column in columns { object[column.id] = column.scores[row] }
            return object
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys]), as: UTF8.self)
    }

    func heatmap(_ id: String) -> Heatmap {
        let scores = columns.first { $0.id == id }!.scores
        let n = Int(Double(edges.count).squareRoot())
        var grid = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for (edge, score) in zip(edges, scores) { grid[edge.source][edge.target] = score }
        return Heatmap(title: id, values: grid)
    }

    /// Integers as integers, others with 6 significant digits.
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.6g", value)
    }
}
