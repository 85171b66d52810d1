import ArgumentParser
import Host

/// The options of every command whose runs are kept in the store: the
/// search space, the task, the budget, the probe, the plugins, isolation,
/// the executor, the store, and `--resume`.
struct RunOptions: ParsableArguments {
    @OptionGroup var space: SearchSpaceOptions
    @OptionGroup var task: TaskOptions
    @OptionGroup var budget: BudgetOptions
    @OptionGroup var probe: ProbeOptions
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var parameters: ParameterOptions
    @OptionGroup var isolation: IsolationOptions
    @OptionGroup var executor: ExecutorOptions
    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("Continue this run of the store where it stopped; its own options are used.", valueName: "run"))
    var resume: String?

    @Flag(help: "Train every placement, even one another run of the store already evaluated under the same task, options and budget.")
    var noCache = false

    /// A new run's configuration of `command`: these options, the task's
    /// identity (its files' digests, read now), and the command's settings;
    /// a search's strategy takes the `--set` parameters meant for it.
    func configuration(_ command: RunConfiguration.Command, search: SearchSettings? = nil,
                       compare: CompareSettings? = nil, study: StudySettings? = nil) throws -> RunConfiguration {
        if command != .compare { _ = try probe.single(for: "\(command)") }
        let task = task.specification
        let (strategyParameters, pluginParameters) = try parameters.split(strategy: search?.strategy)
        var search = search
        search?.parameters.merge(strategyParameters) { _, given in given }
        var sources = plugins.sources
        sources.metricParameters = pluginParameters
        return RunConfiguration(
            command: command, task: task, taskIdentity: try TaskIdentity(of: task), space: try space.space(), budget: budget.budget,
            probe: probe.settings, plugins: sources,
            execution: try executor.execution(ExecutionSettings(isolation: try isolation.isolation(), cacheMemory: budget.cacheMemory,
                                                                reusesEvaluations: !noCache)),
            search: search, compare: compare, study: study)
    }
}
