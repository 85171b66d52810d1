import Core
import Foundation

/// The work of a `search` run (the main job): a strategy plugin, guided by a
/// metric, picks a placement through the engine's search services; the host
/// trains it, tests it and writes it out. Every score and evaluation is
/// committed to the store as it is made, so a resumed run redoes none.
public struct SearchRun {
    /// The run's configuration; its `search` settings must be present.
    public let configuration: RunConfiguration
    /// Whether training shows a progress bar on standard error.
    public let showsProgress: Bool
    /// Stop where the Slurm executor would submit its first job, printing its script.
    public let dryRun: Bool

    public init(_ configuration: RunConfiguration, showsProgress: Bool, dryRun: Bool = false) {
        self.configuration = configuration
        self.showsProgress = showsProgress
        self.dryRun = dryRun
    }

    /// Selects, trains and writes out, for run `run` of `results`.
    public func work(in results: ResultsStore, run: String) throws -> SearchOutcome {
        guard let settings = configuration.search else { throw RunError.invalidSetting("run \(run) has no search settings") }
        let start = Date(), budget = configuration.budget
        let context = try RunContext(store: results, run: run, configuration: configuration, dryRun: dryRun)
        try settings.check(candidates: context.candidates.count)
        let strategy = try PluginSources.find(settings.strategy, kind: .strategy, in: context.plugins)
        if settings.metric != nil, !strategy.parameters.contains(where: { $0.name == "metric" }) {
            throw RunError.strategyTakesNoMetric(strategy: settings.strategy)
        }
        let engine = context.search
        let environment = PluginEnvironment(seed: budget.seed, nodeCount: context.backbone.nodeCount, candidates: context.candidates,
                                            search: engine, checkpoints: try results.checkpoints(run: run),
                                            progress: { id, fraction, message in
                                                printError(String(format: "%@: %3.0f%% %@", id, 100 * fraction, message))
                                            },
                                            shouldStop: { Interruption.requested })
        let chosen: [Edge]
        do {
            chosen = try context.makeRunner(strategy, environment, settings.strategyConfiguration).select(k: settings.k)
        } catch {
            throw engine.dryRunStop ?? error  // the strategy saw a cancelled evaluation
        }
        let placement = try engine.placement(chosen)
        printError("\(settings.strategy) chose \(placement); training it (\(budget.steps) steps)")

        let progress = ProgressBar(total: budget.steps, enabled: showsProgress)
        let trained = try engine.evaluator.train(placement, budget: budget, examples: 0, evaluatesTest: true, progress: progress.update)
        progress.finish()
        let key = PlacementEvaluator.key(budget, examples: 0)
        switch try results.evaluation(run: run, placement: placement.description, budget: key) {
        case nil:
            try results.saveEvaluation(EvaluationRecord(
                run: run, placement: placement.description, budget: key, validationAccuracy: trained.validation.accuracy,
                validationLoss: trained.validation.loss, testAccuracy: trained.test?.accuracy, parameters: trained.state.parameterCount,
                seconds: trained.seconds, cacheKey: engine.evaluator.cacheKey(placement.description, budget: key)))
        case let stored? where stored.testAccuracy == nil:
            try results.saveTestAccuracy(trained.test!.accuracy, run: run, placement: placement.description, budget: key)
        default:
            break  // a resumed run that had already tested it
        }
        let folder = settings.out ?? URL(fileURLWithPath: results.path).deletingLastPathComponent().appendingPathComponent(run).path
        let written = TrainedPlacement(state: trained.state, classes: context.task.classes)
        try written.write(to: folder)
        try results.addArtefact(run: run, name: "placement", path: folder + "/placement.json")
        try results.addArtefact(run: run, name: "adapters", path: folder + "/adapters.safetensors")
        let model = configuration.task.model
        _ = try AdapterHubExport.write(written, model: model, config: AdapterHubExport.config(of: model), to: folder + "/adapterhub")
        try results.addArtefact(run: run, name: "adapterhub", path: folder + "/adapterhub")
        let (trainedCount, fromStore, fromCache) = engine.counts
        printError("the strategy's evaluations: \(trainedCount) trained now, \(fromStore) answered from the run's store, \(fromCache) "
                   + "reused from other runs (the evaluation cache); then the chosen placement was trained and tested")
        return SearchOutcome(placement: placement.description, val_acc: trained.validation.accuracy, test_acc: trained.test!.accuracy,
                             params: trained.state.parameterCount, seconds: Date().timeIntervalSince(start), run: run, folder: folder)
    }
}

/// What a search found: the keys are the JSON `--json` prints.
public struct SearchOutcome: Codable, Sendable {
    public var placement: String
    public var val_acc: Double
    public var test_acc: Double
    public var params: Int
    public var seconds: Double
    public var run: String
    /// Where the adapters were written (not in the JSON).
    public var folder: String = ""

    enum CodingKeys: String, CodingKey { case placement, val_acc, test_acc, params, seconds, run }

    /// The outcome for a person, one figure a line.
    public var summary: String {
        """
        run              \(run)
        placement        \(placement)
        validation acc   \(String(format: "%.4f", val_acc))
        test acc         \(String(format: "%.4f", test_acc))
        trainable params \(params)
        time             \(String(format: "%.1f", seconds)) s
        written to       \(folder)

        """
    }
}
