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
        let context = try RunContext(store: results, run: run, configuration: configuration, dryRun: dryRun, showsProgress: showsProgress)
        try settings.check(candidates: context.candidates.count)
        let strategy = try PluginSources.find(settings.strategy, kind: .strategy, in: context.plugins)
        if settings.metric != nil, !strategy.parameters.contains(where: { $0.name == "metric" }) {
            throw RunError.strategyTakesNoMetric(strategy: settings.strategy)
        }
        let engine = context.search, findings = FindingsRecorder()
        let environment = PluginEnvironment(seed: budget.seed, nodeCount: context.backbone.nodeCount, candidates: context.candidates,
                                            search: engine, checkpoints: try results.checkpoints(run: run), findings: findings,
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
        let found = findings.findings
        printError("\(settings.strategy) chose \(placement)" + (found.isEmpty ? "" : " (\(found.summary))")
                   + "; training and testing it (\(budget.steps) steps)")

        // The chosen placement is one more unit for the executor: trained, validated, tested, written out.
        let folder = settings.out ?? URL(fileURLWithPath: results.path).deletingLastPathComponent().appendingPathComponent(run).path
        let (trainedBefore, fromStoreBefore, fromCacheBefore) = engine.counts
        let unit = WorkUnit(placement: placement.description, steps: budget.steps, examples: 0, tests: true, out: folder)
        let record = try engine.make([unit])[0]
        guard record.failure == nil, let test = record.testAccuracy else {
            throw RunError.invalidSetting("the chosen placement \(placement) did not train: \(record.failure ?? "it has no test accuracy"); "
                                          + "lower the learning rate")
        }
        let model = configuration.task.model
        let written = try TrainedPlacement.read(from: folder, config: try AdapterHubExport.config(of: model), model: model)
        try results.addArtefact(run: run, name: "placement", path: folder + "/placement.json")
        try results.addArtefact(run: run, name: "adapters", path: folder + "/adapters.safetensors")
        _ = try AdapterHubExport.write(written, model: model, config: AdapterHubExport.config(of: model), to: folder + "/adapterhub")
        try results.addArtefact(run: run, name: "adapterhub", path: folder + "/adapterhub")
        let asked = trainedBefore + fromStoreBefore + fromCacheBefore
        printError((asked == 0 ? "the strategy trained nothing itself; "
                        : "the strategy's \(asked) evaluations: \(trainedBefore) trained now, \(fromStoreBefore) answered from the run's "
                          + "store, \(fromCacheBefore) reused from other runs (the evaluation cache); ")
                   + "the chosen placement was "
                   + (engine.counts.trained > trainedBefore ? "trained and tested now" : "found trained and tested in the run's store"))
        return SearchOutcome(placement: placement.description, val_acc: record.validationAccuracy, test_acc: test, params: record.parameters,
                             seconds: Date().timeIntervalSince(start), run: run, findings: found.isEmpty ? nil : found,
                             folder: folder)
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
    /// What the strategy reported about its choice (`asp.findings/1`), e.g.
    /// the metric calibrated-gga settled on and its rho; nil when nothing.
    public var findings: Findings?
    /// Where the adapters were written (not in the JSON).
    public var folder: String = ""

    enum CodingKeys: String, CodingKey { case placement, val_acc, test_acc, params, seconds, run, findings }

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
        \(findings.map { "findings         \($0.summary)\n" } ?? "")
        """
    }
}
