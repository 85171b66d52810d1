import Core

/// What a `study` reports: one row per strategy and k with its figures over
/// the seeds, the Pareto front of test accuracy against trainable
/// parameters, and the paper's claims (and whether calibrating the metric
/// on the task pays) with their verdicts. The keys are its JSON.
public struct Study: Codable, Equatable, Sendable {
    /// A strategy of a study as the statistics see it: its label, plugin
    /// id, own candidate kinds and the metric it follows.
    public struct Entrant: Equatable, Sendable {
        public var label: String
        public var id: String
        /// Its own candidate kinds, when it has them.
        public var kinds: Set<Edge.Kind>?
        /// The metric guiding it (its `metric` parameter, defaults filled in), if it takes one.
        public var metric: String?

        public init(label: String, id: String, kinds: Set<Edge.Kind>? = nil, metric: String? = nil) {
            self.label = label
            self.id = id
            self.kinds = kinds
            self.metric = metric
        }
    }

    public var run: String
    /// The training budget every placement got.
    public var steps: Int
    public var learningRate: Double
    public var batchSize: Int
    /// What the backbone's weight products computed in, when not float32
    /// (nil: float32, and the JSON of a float32 study is as before precisions).
    public var precision: Precision?
    /// The order training visited its examples in, when not shuffled (nil:
    /// shuffled, as every study before batch orders).
    public var batchOrder: BatchOrder?
    /// The sizes asked for.
    public var ks: [Int]
    /// The training seeds, in order (probe seeds are offset alike).
    public var seeds: [UInt64]
    public var rows: [StudyRow]
    /// The rows on the Pareto front, by trainable parameters ascending.
    public var paretoFront: [String]
    public var claims: [StudyClaim]
    /// Trainings of chosen placements that diverged: left out of their rows' figures.
    public var diverged: Int

    /// The metric the claims call gradient-guided.
    public static let guidingMetric = "gradient-rank"

    /// The study of `choices` (each entrant at each k on each seed, any
    /// order): rows, paired comparisons (bootstrap of `resamples` resamples
    /// from `seed`), the Pareto front and the claims, "matches" within `tolerance`.
    public init(run: String, budget: TrainingBudget, ks: [Int], seeds: [UInt64], entrants: [Entrant], choices: [StudyChoice],
                resamples: Int = SeedBootstrap.defaultResamples, tolerance: Double = Claim.defaultTolerance) {
        self.run = run
        steps = budget.steps
        learningRate = budget.learningRate
        batchSize = budget.batchSize
        precision = budget.precision == .float32 ? nil : budget.precision
        batchOrder = budget.batchOrder == .shuffled ? nil : budget.batchOrder
        self.ks = ks
        self.seeds = seeds
        diverged = choices.filter { $0.failure != nil }.count

        // One row per entrant and k, or one for all k when the choice never depended on k.
        var rows: [StudyRow] = []
        for entrant in entrants {
            let mine = choices.filter { $0.strategy == entrant.label }
            let byK = ks.map { k in seeds.compactMap { seed in mine.first { $0.k == k && $0.seed == seed } } }
            let sameEverywhere = byK.allSatisfy { $0.map(\.placement) == byK[0].map(\.placement) }
            if sameEverywhere, ks.count > 1 {
                rows.append(StudyRow(strategy: entrant.label, k: nil, choices: byK[0]))
            } else {
                rows += zip(ks, byK).map { StudyRow(strategy: entrant.label, k: $0, choices: $1) }
            }
        }

        // Paired comparisons against the baselines.
        let parallelEvery = entrants.first { $0.id == "parallel-every" }
        let random = entrants.first { $0.id == "random" && $0.kinds == nil }
        func row(_ entrant: Entrant?, k: Int?) -> StudyRow? {
            guard let entrant else { return nil }
            return rows.first { $0.strategy == entrant.label && ($0.k == k || $0.k == nil) }
        }
        for index in rows.indices {
            for baseline in [parallelEvery, random].compactMap({ $0 }) where baseline.label != rows[index].strategy {
                guard let other = row(baseline, k: rows[index].k ?? ks.first) else { continue }
                rows[index].versus.append(StudyPairing(
                    baseline: other.label,
                    comparison: PairedComparison(strategy: rows[index].testAccuracies, baseline: other.testAccuracies,
                                                 resamples: resamples, seed: budget.seed)))
            }
        }

        // The Pareto front.
        let points = rows.map { ParetoFront.Point(label: $0.label, accuracy: $0.test.mean ?? .nan, parameters: Int($0.parameters.rounded())) }
        paretoFront = ParetoFront.front(points).map(\.label)
        for index in rows.indices { rows[index].onParetoFront = paretoFront.contains(rows[index].label) }
        self.rows = rows

        // The claims.
        let gga = entrants.first { $0.id == "gga" && $0.metric == Self.guidingMetric }
        let restricted = entrants.first { $0.id == "random" && $0.kinds == [.sequential, .parallel] }
        let guided = entrants.filter { $0.metric == Self.guidingMetric && $0.id != "random" }
        func judge(_ letter: String, _ strategy: Entrant?, _ baseline: Entrant?, _ claim: Claim, missing: String) -> [StudyClaim] {
            guard let strategy, let baseline else {
                return [StudyClaim(claim: letter, statement: missing, k: nil, verdict: StudyClaim.notJudged,
                                   explanation: "not judged: the study has no such row (add the strategy with --strategy)")]
            }
            return ks.compactMap { k in
                guard let a = row(strategy, k: k), let b = row(baseline, k: k) else { return nil }
                let comparison = PairedComparison(strategy: a.testAccuracies, baseline: b.testAccuracies, resamples: resamples,
                                                  seed: budget.seed)
                let judgement = claim.judge(comparison)
                return StudyClaim(claim: letter, statement: "\(a.strategy) at k = \(k) \(claim) \(b.label)", k: k,
                                  verdict: judgement.verdict.rawValue, explanation: judgement.explanation,
                                  meanDifference: comparison.meanDifference)
            }
        }
        let calibrated = entrants.filter { $0.id == Self.calibratingStrategy }
        claims = judge("a", gga, parallelEvery, .matchesOrBeats(tolerance: tolerance),
                       missing: "GGA on \(Self.guidingMetric) with k adapters matches or beats parallel-every")
            + judge("b", random, restricted, .beats,
                    missing: "random placements from the extended space beat random sequential/parallel placements")
            + (guided.isEmpty ? judge("c", nil, random, .beats, missing: "a \(Self.guidingMetric)-guided choice beats a random one")
                              : guided.flatMap { judge("c", $0, random, .beats,
                                                       missing: "a \(Self.guidingMetric)-guided choice beats a random one") })
            + (calibrated.isEmpty ? judge("d", nil, gga, .beats, missing: Self.calibrationClaim)
                                  : calibrated.flatMap { judge("d", $0, gga, .beats, missing: Self.calibrationClaim) })
    }

    /// The strategy claim (d) judges: it picks its metric on the task before running GGA.
    public static let calibratingStrategy = "calibrated-gga"
    /// Claim (d) as a study that cannot judge it states it.
    static let calibrationClaim = "\(calibratingStrategy) beats GGA on \(guidingMetric) at the same k"

    private enum CodingKeys: String, CodingKey {
        case run, steps, learningRate = "learning_rate", batchSize = "batch_size", precision, batchOrder = "batch_order", ks = "k", seeds, rows,
             paretoFront = "pareto_front", claims, diverged
    }
}

extension Study {
    /// The training settings that differ from the defaults, each after ", "
    /// (", bfloat16 weight products, batches length-grouped:32"), or "".
    public var trainingSettings: String {
        (precision.map { ", \($0) weight products" } ?? "") + (batchOrder.map { ", batches \($0.name)" } ?? "")
    }

    /// The study for a person: the table (test and validation accuracy with
    /// their intervals, size, cost, and the paired differences), the Pareto
    /// front, the claims, and what strategies reported about their choices
    /// (`asp.findings/1`, e.g. calibrated-gga's metric and rho), one line per choice.
    public func table() -> String {
        func accuracy(_ summary: SeedSummary) -> String {
            guard let mean = summary.mean else { return "undefined" }
            let interval = summary.low.flatMap { low in summary.high.map { String(format: " [%.4f, %.4f]", low, $0) } } ?? ""
            return String(format: "%.4f", mean) + interval + (summary.excluded > 0 ? " (\(summary.excluded) diverged)" : "")
        }
        func difference(_ pairing: StudyPairing?) -> String {
            guard let pairing else { return "" }
            guard let estimate = pairing.comparison.meanDifference, let point = estimate.point else { return "undefined" }
            let interval = estimate.low.flatMap { low in estimate.high.map { String(format: " [%+.4f, %+.4f]", low, $0) } } ?? ""
            let p = pairing.comparison.wilcoxon.pValue.map { String(format: " p=%.2f", $0) } ?? ""
            return String(format: "%+.4f", point) + interval + p
        }
        let baselines = Array(Set(rows.flatMap { $0.versus.map { $0.baseline.split(separator: " ")[0] } })).sorted()
        let header = ["STRATEGY", "K", "TEST ACC [95%]", "VAL ACC [95%]", "PARAMS", "SEARCH COST", "TRAIN S"]
            + baselines.map { "Δ TEST VS \($0.uppercased()) [95%]" }
        let body = rows.map { row -> [String] in
            [row.strategy + (row.onParetoFront ? " *" : ""), row.k.map(String.init) ?? "all", accuracy(row.test), accuracy(row.validation),
             SearchCost.count(row.parameters), row.search.summary, String(format: "%.0f", row.trainingSeconds)]
                + baselines.map { name in difference(row.versus.first { $0.baseline.split(separator: " ")[0] == name }) }
        }
        var text = TextTable.render([header] + body)
        text += "\(seeds.count) seeds (training seeds \(seeds.map(String.init).joined(separator: ", "))), \(steps) steps of batch "
            + "\(batchSize), learning rate \(learningRate)" + trainingSettings + "; intervals 95% (Student t over seeds; paired differences: bootstrap, "
            + "Wilcoxon p); * on the Pareto front of test accuracy against parameters (run \(run))\n"
        if diverged > 0 { text += "\(diverged) training\(diverged == 1 ? "" : "s") diverged, left out of their rows' figures\n" }
        text += "Pareto front: " + paretoFront.joined(separator: ", ") + "\n"
        text += "claims (test accuracy):\n" + claims.map { "  " + $0.line + "\n" }.joined()
        let reported = rows.flatMap { row in row.choices.compactMap { choice in
            choice.findings.map { "  \(row.strategy) k=\(row.k.map(String.init) ?? "all") seed \(choice.seed): \($0.summary)\n" }
        } }
        if !reported.isEmpty { text += "findings (what the strategies reported about their choices):\n" + reported.joined() }
        return text
    }
}
