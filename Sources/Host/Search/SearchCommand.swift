import ArgumentParser
import Core
import Foundation

/// `adapter-search search`: the main job. A strategy plugin, guided by a
/// metric, picks a placement; the host trains it and reports its accuracy.
/// Every score and evaluation is committed to the results store as it is
/// made, so `--resume RUN` continues a killed run without redoing any.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Choose a placement with a strategy plugin, train it, and report validation and test accuracy.")

    @Option(help: ArgumentHelp("The strategy plugin id.", valueName: "id"))
    var strategy: String = "gga"

    @Option(help: ArgumentHelp("The metric guiding the strategy (its `metric` parameter), for strategies that take one.", valueName: "id"))
    var metric: String?

    @Option(help: "Edges in the placement (strategies with a size of their own, like parallel-every, ignore it).")
    var k: Int = 3

    @Option(name: .customLong("set"), help: ArgumentHelp("A strategy parameter, NAME=VALUE (repeatable).", valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: ArgumentHelp("The edge kinds to search over, comma-separated: sequential, parallel, long-range, recurrent.",
                               valueName: "kinds"))
    var kinds: String = "sequential,parallel,long-range,recurrent"

    @Option(help: ArgumentHelp("Options of every adapter, in the placement text form after the edge (e.g. r8, r4:gelu, r8:channel).",
                               valueName: "options"))
    var adapter: String = "r8"

    @Flag(help: "Stop gradients at recurrent edges' pass-1 sources.")
    var stopGradient = false

    @OptionGroup var task: TaskOptions
    @OptionGroup var budget: BudgetOptions
    @OptionGroup var probe: ProbeOptions
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var isolation: PluginIsolation
    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("Continue this run of the store where it stopped; its own options are used.", valueName: "run"))
    var resume: String?

    @Option(help: ArgumentHelp("Write placement.json and adapters.safetensors here (default: a folder named after the run beside the store).",
                               valueName: "dir"))
    var out: String?

    @Flag(help: "Print {\"placement\", \"val_acc\", \"test_acc\", \"params\", \"seconds\", \"run\"} as JSON.")
    var json = false

    func validate() throws {
        guard k > 0 else { throw ValidationError("--k must be at least 1") }
        _ = try edgeKinds()
        _ = try adapterOptions()
        _ = try strategyConfiguration()
    }

    /// The enabled edge kinds.
    func edgeKinds() throws -> Set<Edge.Kind> {
        let names = Dictionary(uniqueKeysWithValues: Edge.Kind.allCases.map { ($0.description, $0) })
        let kinds = try kinds.split(separator: ",").map { name -> Edge.Kind in
            guard let kind = names[name.trimmingCharacters(in: .whitespaces)] else {
                throw ValidationError("unknown edge kind '\(name)'; kinds are \(Edge.Kind.allCases.map(\.description).joined(separator: ", "))")
            }
            return kind
        }
        guard !kinds.isEmpty else { throw ValidationError("--kinds names no edge kind") }
        return Set(kinds)
    }

    /// The options every adapter gets, read with the placement text form's rules.
    func adapterOptions() throws -> AdapterOptions {
        do {
            return try Placement(parsing: "0>0:" + adapter, nodeCount: 1).entries[0].options
        } catch {
            throw ValidationError("--adapter '\(adapter)': \(error)")
        }
    }

    /// `--set` pairs as a configuration, with `--metric` as the `metric` parameter.
    func strategyConfiguration() throws -> [String: String] {
        var configuration: [String: String] = [:]
        for pair in parameters {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--set '\(pair)' is not NAME=VALUE")
            }
            configuration[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        return configuration
    }

    func run() throws {
        let results = try store.open(create: true)
        if let resume {
            let record = try results.run(resume)
            guard record.command.hasPrefix("adapter-search search") else {
                throw ValidationError("run \(resume) is a `\(record.command)` run, not a search")
            }
            if record.status == .finished, let outcome = record.outcome {
                printError("run \(resume) has finished; its result:")
                print(outcome)
                return
            }
            var original = try SearchCommand.parse(try SearchArguments.stored(in: record))
            original.json = json
            try original.execute(in: results, run: record)
        } else {
            let arguments = SearchArguments.reusable(SearchArguments.current())
            let record = try results.createRun(command: (["adapter-search", "search"] + arguments).joined(separator: " "),
                                               configuration: try SearchArguments.configuration(arguments),
                                               versions: "{}", seed: budget.seed)
            try execute(in: results, run: record)
        }
    }

    /// Runs (or continues) `run`: marks it failed with the error if anything throws.
    func execute(in results: ResultsStore, run: RunRecord) throws {
        do {
            try results.setStatus(run: run.id, .running)
            let outcome = try search(in: results, run: run.id)
            try results.setStatus(run: run.id, .finished, outcome: try outcome.json())
            if json {
                print(try outcome.json())
            } else {
                outcome.printSummary()
            }
        } catch {
            let message = String(describing: error)
            let outcome = (try? JSONSerialization.data(withJSONObject: ["error": message])).map { String(decoding: $0, as: UTF8.self) }
            try? results.setStatus(run: run.id, .failed, outcome: outcome)
            throw error
        }
    }

    /// Selects, trains and writes out; returns what `--json` prints.
    private func search(in results: ResultsStore, run: String) throws -> SearchOutcome {
        let start = Date()
        let found = try plugins.load()
        guard let chosenStrategy = found.first(where: { $0.id == strategy }) else {
            throw ValidationError("no strategy plugin '\(strategy)'; `adapter-search plugins list` shows what there is")
        }
        guard chosenStrategy.kind == .strategy else { throw ValidationError("plugin '\(strategy)' is a metric, not a strategy") }
        var configuration = try strategyConfiguration()
        if let metric {
            guard chosenStrategy.parameters.contains(where: { $0.name == "metric" }) else {
                throw ValidationError("strategy '\(strategy)' takes no metric; leave out --metric")
            }
            configuration["metric"] = metric
        }
        let (backbone, loaded) = try task.load()
        let kinds = try edgeKinds()
        let candidates = Edge.all(nodeCount: backbone.nodeCount).filter { kinds.contains($0.kind) }
        let makeRunner: PluginRunnerFactory = { plugin, environment, configuration in
            try isolation.makeRunner(plugin, environment: environment, configuration: configuration)
        }
        let scores = RunScores(store: results, run: run, plugins: found, probeOptions: probe, backbone: backbone, task: loaded,
                               makeRunner: makeRunner)
        let engine = EngineSearch(scores: scores, backbone: backbone, task: loaded, budget: budget.budget, adapter: try adapterOptions(),
                                  stopsGradientAtRecurrentSources: stopGradient, prefixes: budget.prefixCache(for: backbone))
        let environment = PluginEnvironment(seed: budget.seed, nodeCount: backbone.nodeCount, candidates: candidates, search: engine,
                                            checkpoints: try results.checkpoints(run: run),
                                            progress: { id, fraction, message in
                                                printError(String(format: "%@: %3.0f%% %@", id, 100 * fraction, message))
                                            })
        let chosen = try makeRunner(chosenStrategy, environment, configuration).select(k: k)
        let placement = try engine.placement(chosen)
        printError("\(strategy) chose \(placement); training it (\(budget.steps) steps)")

        let progress = ProgressBar(total: budget.steps, enabled: !json)
        let trained = try engine.train(placement, budget: budget.budget, examples: 0, evaluatesTest: true, progress: progress.update)
        progress.finish()
        let key = EngineSearch.key(budget.budget, examples: 0)
        switch try results.evaluation(run: run, placement: placement.description, budget: key) {
        case nil:
            try results.saveEvaluation(EvaluationRecord(
                run: run, placement: placement.description, budget: key, validationAccuracy: trained.validation.accuracy,
                validationLoss: trained.validation.loss, testAccuracy: trained.test?.accuracy, parameters: trained.state.parameterCount,
                seconds: trained.seconds))
        case let stored? where stored.testAccuracy == nil:
            try results.saveTestAccuracy(trained.test!.accuracy, run: run, placement: placement.description, budget: key)
        default:
            break  // a resumed run that had already tested it
        }
        let folder = out ?? URL(fileURLWithPath: results.path).deletingLastPathComponent().appendingPathComponent(run).path
        try TrainedPlacement(state: trained.state, classes: loaded.classes).write(to: folder)
        try results.addArtefact(run: run, name: "placement", path: folder + "/placement.json")
        try results.addArtefact(run: run, name: "adapters", path: folder + "/adapters.safetensors")
        let (trainedCount, fromStore) = engine.counts
        printError("evaluations: \(trainedCount) trained now, \(fromStore) answered from the store")
        return SearchOutcome(placement: placement.description, val_acc: trained.validation.accuracy, test_acc: trained.test!.accuracy,
                             params: trained.state.parameterCount, seconds: Date().timeIntervalSince(start), run: run, folder: folder)
    }
}

/// What a search found: the keys are the JSON `--json` prints.
struct SearchOutcome: Codable {
    var placement: String
    var val_acc: Double
    var test_acc: Double
    var params: Int
    var seconds: Double
    var run: String
    /// Where the adapters were written (not in the JSON).
    var folder: String = ""

    enum CodingKeys: String, CodingKey { case placement, val_acc, test_acc, params, seconds, run }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func printSummary() {
        print("run              \(run)")
        print("placement        \(placement)")
        print("validation acc   \(String(format: "%.4f", val_acc))")
        print("test acc         \(String(format: "%.4f", test_acc))")
        print("trainable params \(params)")
        print("time             \(String(format: "%.1f", seconds)) s")
        print("written to       \(folder)")
    }
}

/// The arguments a search run is stored with, so that `--resume` can parse
/// them again: everything but `--resume` and `--store`, which name the
/// store rather than the run.
enum SearchArguments {
    /// This process's arguments after the `search` subcommand.
    static func current() -> [String] {
        let all = CommandLine.arguments
        guard let position = all.firstIndex(of: "search") else { return [] }
        return Array(all[(position + 1)...])
    }

    /// `arguments` without `--resume`/`--store` and their values.
    static func reusable(_ arguments: [String]) -> [String] {
        var kept: [String] = [], skipNext = false
        for argument in arguments {
            if skipNext { skipNext = false; continue }
            if argument == "--resume" || argument == "--store" { skipNext = true; continue }
            if argument.hasPrefix("--resume=") || argument.hasPrefix("--store=") { continue }
            kept.append(argument)
        }
        return kept
    }

    /// The configuration JSON a run is created with.
    static func configuration(_ arguments: [String]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: ["arguments": arguments], options: [.sortedKeys]), as: UTF8.self)
    }

    /// The arguments stored in `run`'s configuration.
    static func stored(in run: RunRecord) throws -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(run.configuration.utf8)) as? [String: Any],
              let arguments = object["arguments"] as? [String] else {
            throw ValidationError("run \(run.id) has no stored arguments to resume with")
        }
        return arguments
    }
}
