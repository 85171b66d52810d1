import ArgumentParser
import Core
import Foundation

/// `adapter-search search`: the main job. A strategy plugin, guided by a
/// metric, picks a placement; the host trains it and reports its accuracy.
/// Every score and evaluation is committed to the results store as it is
/// made, so `--resume RUN` continues a killed run without redoing any.
struct SearchCommand: StoredRunCommand {
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

    @OptionGroup var space: SearchSpaceOptions
    @OptionGroup var task: TaskOptions
    @OptionGroup var budget: BudgetOptions
    @OptionGroup var probe: ProbeOptions
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var isolation: PluginIsolation
    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("Continue this run of the store where it stopped; its own options are used.", valueName: "run"))
    var resume: String?

    @Option(help: ArgumentHelp("Write placement.json, adapters.safetensors and the AdapterHub export (adapterhub/) here (default: a folder named after the run beside the store).",
                               valueName: "dir"))
    var out: String?

    @Flag(help: "Print {\"placement\", \"val_acc\", \"test_acc\", \"params\", \"seconds\", \"run\"} as JSON.")
    var json = false

    func validate() throws {
        guard k > 0 else { throw ValidationError("--k must be at least 1") }
        _ = try strategyConfiguration()
    }

    /// The `--set` pairs as a strategy configuration.
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

    static let subcommand = "search"
    var seed: UInt64 { budget.seed }

    func printText(_ outcome: SearchOutcome) { outcome.printSummary() }

    /// Selects, trains and writes out; returns what `--json` prints.
    func work(in results: ResultsStore, run: String) throws -> SearchOutcome {
        let start = Date()
        let context = try RunContext(store: results, run: run, task: task, budget: budget, probe: probe, plugins: plugins,
                                     isolation: isolation, space: space)
        guard let chosenStrategy = context.plugins.first(where: { $0.id == strategy }) else {
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
        let engine = context.search
        let environment = PluginEnvironment(seed: budget.seed, nodeCount: context.backbone.nodeCount, candidates: context.candidates,
                                            search: engine, checkpoints: try results.checkpoints(run: run),
                                            progress: { id, fraction, message in
                                                printError(String(format: "%@: %3.0f%% %@", id, 100 * fraction, message))
                                            },
                                            shouldStop: { Interruption.requested })
        let chosen = try context.makeRunner(chosenStrategy, environment, configuration).select(k: k)
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
        let written = TrainedPlacement(state: trained.state, classes: context.task.classes)
        try written.write(to: folder)
        try results.addArtefact(run: run, name: "placement", path: folder + "/placement.json")
        try results.addArtefact(run: run, name: "adapters", path: folder + "/adapters.safetensors")
        _ = try ExportCommand.export(written, model: task.model, config: ExportCommand.config(of: task.model),
                                     to: folder + "/adapterhub")
        try results.addArtefact(run: run, name: "adapterhub", path: folder + "/adapterhub")
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
