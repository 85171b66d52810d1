import ArgumentParser
import Host

/// `adapter-search study`: the paper's experiment. Strategies choose
/// placements at every k on several seeds; every chosen placement is
/// trained and tested under one budget; the figures come with intervals,
/// paired comparisons against the baselines, the Pareto front and the
/// paper's claims with verdicts. Stored and resumable like every run.
struct StudyCommand: StoredRunCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Compare strategies at equal budget over seeds: accuracy with intervals, paired differences, Pareto front, claims.")

    @Option(name: .customLong("strategy"),
            help: ArgumentHelp("A strategy plugin and its parameters, ID[:NAME=VALUE...] (repeatable); kinds=LIST gives it its own "
                               + "candidate kinds. Default: none, parallel-every, first-k, last-k, random, "
                               + "random:kinds=sequential,parallel, top-k and gga on gradient-rank, successive-halving:n=9:steps=STEPS.",
                               valueName: "spec"))
    var strategies: [String] = []

    @Option(help: ArgumentHelp("The placement sizes, comma-separated.", valueName: "list"))
    var k: String = "1,3,6"

    @Option(help: "Seeds per strategy and k: seed i trains from --seed + i and probes from --probe-seed + i.")
    var seeds: Int = 3

    @Option(help: "Bootstrap resamples of each paired comparison.")
    var resamples: Int = SeedBootstrap.defaultResamples

    @Option(help: "How much lower a mean test accuracy may be and still 'match' (claim a).")
    var tolerance: Double = Claim.defaultTolerance

    @OptionGroup var options: RunOptions

    @Flag(help: "Print the study as JSON: every row with its choices per seed, the Pareto front and the claims.")
    var json = false

    func validate() throws {
        _ = try settings()
    }

    /// The study's settings from the options.
    func settings() throws -> StudySettings {
        var ks: [Int] = []
        for part in k.split(separator: ",", omittingEmptySubsequences: false) {
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--k '\(k)' is not a comma-separated list of sizes, such as 1,3,6")
            }
            ks.append(value)
        }
        let specified = strategies.isEmpty ? StudySettings.defaultStrategies(steps: options.budget.budget.steps)
            : try strategies.map { try StrategySpecification(parsing: $0) }
        let settings = StudySettings(strategies: specified, ks: ks, seeds: seeds, resamples: resamples, tolerance: tolerance)
        try settings.check()
        return settings
    }

    static let command = RunConfiguration.Command.study

    func configuration() throws -> RunConfiguration {
        try options.configuration(.study, study: try settings())
    }

    func work(_ configuration: RunConfiguration, in results: ResultsStore, run: String) throws -> Study {
        try StudyRun(configuration, dryRun: options.executor.dryRun).work(in: results, run: run)
    }

    func text(_ outcome: Study) -> String { outcome.table() }
}
