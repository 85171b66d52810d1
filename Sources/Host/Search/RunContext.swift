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

    /// Loads everything the options name, for run `run` of `store`.
    init(store: ResultsStore, run: String, task: TaskOptions, budget: BudgetOptions, probe: ProbeOptions,
         plugins: PluginOptions, isolation: PluginIsolation, space: SearchSpaceOptions) throws {
        self.plugins = try plugins.load()
        (backbone, self.task) = try task.load()
        candidates = try space.candidates(nodeCount: backbone.nodeCount)
        makeRunner = { plugin, environment, configuration in
            try isolation.makeRunner(plugin, environment: environment, configuration: configuration)
        }
        scores = RunScores(store: store, run: run, plugins: self.plugins, probeOptions: probe, backbone: backbone, task: self.task,
                           makeRunner: makeRunner)
        search = EngineSearch(scores: scores, backbone: backbone, task: self.task, budget: budget.budget,
                              adapter: try space.adapterOptions(), stopsGradientAtRecurrentSources: space.stopGradient,
                              prefixes: budget.prefixCache(for: backbone))
    }
}
