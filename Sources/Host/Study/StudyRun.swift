import Core
import Foundation

/// The work of a `study` run: every strategy chooses a placement at every k
/// on every seed, and every chosen placement is trained and tested under
/// the run's one budget (METHOD.md section 8). A strategy's own evaluations
/// and the chosen placements' trainings are evaluations in the store, made
/// through the run's executor; a resumed study asks its strategies again
/// (their scores and evaluations come from the store) and trains only what
/// is missing.
public struct StudyRun {
    /// The run's configuration; its `study` settings must be present.
    public let configuration: RunConfiguration
    /// Stop where the Slurm executor would submit its first job, printing its script.
    public let dryRun: Bool

    public init(_ configuration: RunConfiguration, dryRun: Bool = false) {
        self.configuration = configuration
        self.dryRun = dryRun
    }

    /// Chooses, trains, tests and compares, for run `run` of `results`.
    public func work(in results: ResultsStore, run: String) throws -> Study {
        guard let settings = configuration.study else { throw RunError.invalidSetting("run \(run) has no study settings") }
        try settings.check()
        let context = try RunContext(store: results, run: run, configuration: configuration, dryRun: dryRun)
        let budget = configuration.budget, nodes = context.backbone.nodeCount
        let entrants = try settings.strategies.map { try entrant($0, plugins: context.plugins) }
        let seeds = (0..<UInt64(settings.seeds)).map { (training: budget.seed + $0, probe: configuration.probe.seed + $0) }

        // Every strategy chooses, at every k, on every seed.
        var chosen: [(choice: StudyChoice, unit: WorkUnit)] = []
        for (index, seed) in seeds.enumerated() {
            for strategy in settings.strategies {
                let plugin = try PluginSources.find(strategy.id, kind: .strategy, in: context.plugins)
                let candidates = try strategy.kinds.map { SearchSpace(kinds: $0).candidates(nodeCount: nodes) } ?? context.candidates
                for k in settings.ks {
                    let engine = context.search.seeded(seed.training, probeSeed: seed.probe), findings = FindingsRecorder()
                    let environment = PluginEnvironment(
                        seed: seed.training, nodeCount: nodes, candidates: candidates, search: engine,
                        checkpoints: try results.checkpoints(run: run, scope: "\(strategy) k=\(k) seed=\(seed.training)"),
                        findings: findings,
                        progress: { id, fraction, message in printError(String(format: "%@: %3.0f%% %@", id, 100 * fraction, message)) },
                        shouldStop: { Interruption.requested })
                    let edges: [Edge]
                    do {
                        edges = try context.makeRunner(plugin, environment, strategy.pluginConfiguration).select(k: k)
                    } catch {
                        throw engine.dryRunStop ?? error
                    }
                    let placement = try engine.placement(edges)
                    let found = findings.findings
                    printError("seed \(index + 1) of \(seeds.count): \(strategy) at k = \(k) chose \(placement)"
                               + (found.isEmpty ? "" : " (\(found.summary))"))
                    let choice = StudyChoice(strategy: strategy.description, k: k, seed: seed.training, probeSeed: seed.probe,
                                             placement: placement.description, validationAccuracy: nil, testAccuracy: nil,
                                             parameters: 0, trainingSeconds: 0,
                                             search: try cost(of: engine, probeSeed: seed.probe, in: results, run: run),
                                             findings: found.isEmpty ? nil : found)
                    chosen.append((choice, WorkUnit(placement: placement.description, steps: budget.steps, examples: 0,
                                                    seed: seed.training, tests: true)))
                }
            }
        }

        // Every chosen placement, trained and tested as one batch.
        let units = chosen.map(\.unit)
        printError("training and testing the \(Set(units).count) distinct placements chosen (\(units.count) choices)")
        let records = try context.search.make(units)
        let (trained, fromStore, fromCache) = context.search.counts
        printError("chosen placements: \(trained) newly trained, \(fromStore) from the run's store, \(fromCache) reused from other runs")
        let choices = zip(chosen, records).map { pair, record -> StudyChoice in
            var choice = pair.choice
            if record.failure == nil {
                (choice.validationAccuracy, choice.testAccuracy) = (record.validationAccuracy, record.testAccuracy)
            }
            (choice.parameters, choice.trainingSeconds, choice.failure) = (record.parameters, record.seconds, record.failure)
            return choice
        }
        return Study(run: run, budget: budget, ks: settings.ks, seeds: seeds.map(\.training), entrants: entrants, choices: choices,
                     resamples: settings.resamples, tolerance: settings.tolerance)
    }

    /// How the statistics see `strategy`: its label, id, kinds and the metric it follows.
    private func entrant(_ strategy: StrategySpecification, plugins: [PluginDescriptor]) throws -> Study.Entrant {
        let plugin = try PluginSources.find(strategy.id, kind: .strategy, in: plugins)
        let configuration = try plugin.configuration(strategy.pluginConfiguration)
        return Study.Entrant(label: strategy.description, id: strategy.id, kinds: try strategy.kinds,
                             metric: configuration.first { $0.0 == "metric" }?.1)
    }

    /// What `engine`'s strategy asked for, with the stored seconds of each
    /// evaluation and of the probe pass its scores came from.
    private func cost(of engine: EngineSearch, probeSeed: UInt64, in results: ResultsStore, run: String) throws -> SearchCost {
        let asked = engine.asked
        var seconds = 0.0
        for unit in asked.units {
            seconds += try results.evaluation(run: run, placement: unit.placement, budget: engine.evaluator.budgetKey(unit))?.seconds ?? 0
        }
        if asked.scores { seconds += try results.probes(run: run).first { $0.seed == probeSeed }?.seconds ?? 0 }
        return SearchCost(probePasses: asked.scores ? 1 : 0, evaluations: Double(asked.units.count),
                          steps: Double(asked.units.map(\.steps).reduce(0, +)), seconds: seconds)
    }
}
