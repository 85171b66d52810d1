import Core

/// What a stored run works with: its plugins, backbone, task and candidate
/// edges, and the engine's services over the results store (scores and
/// evaluations, each committed as it is made).
struct RunContext {
    let plugins: [PluginDescriptor]
    let backbone: Backbone<Float>
    let task: any ClassificationTask
    let candidates: [Edge]
    /// Makes plugin runners, isolated or not as the run asks.
    let makeRunner: PluginRunnerFactory
    let scores: RunScores
    let search: EngineSearch

    /// Loads everything `configuration` names, for run `run` of `store`, and
    /// collects what workers of an earlier coordinator of the run left;
    /// `dryRun` stops where a first Slurm job would be submitted;
    /// `showsProgress` shows a bar while the serial executor trains a chosen placement.
    init(store: ResultsStore, run: String, configuration: RunConfiguration, dryRun: Bool = false, showsProgress: Bool = false) throws {
        plugins = try configuration.plugins.load()
        (backbone, task) = try configuration.task.load()
        candidates = configuration.space.candidates(nodeCount: backbone.nodeCount)
        let isolation = configuration.execution.isolation
        makeRunner = { plugin, environment, configuration in
            try isolation.makeRunner(plugin, environment: environment, configuration: configuration)
        }
        scores = RunScores(store: store, run: run, plugins: plugins, parameters: configuration.plugins, probe: configuration.probe,
                           backbone: backbone, task: task,
                           makeRunner: makeRunner)
        let evaluator = try PlacementEvaluator(configuration, backbone: backbone, task: task)
        _ = try LeftoverWork.collect(store: store, run: run)
        search = EngineSearch(scores: scores, evaluator: evaluator,
                              execution: configuration.execution.execution(evaluator: evaluator, store: store, run: run,
                                                                           showsProgress: showsProgress, dryRun: dryRun),
                              reusesEvaluations: configuration.execution.reusesEvaluations)
    }
}
