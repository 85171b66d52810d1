import Foundation

/// How far two runs' evaluations of the same placements agree: the
/// `compare` truth trained in bfloat16 against the float32 one, on another
/// machine, with length-grouped batches, or by another engine version
/// (METHOD.md section 8, "Agreement of two runs").
///
/// Evaluations pair by placement and training seed. A run that evaluated a
/// placement at one seed under several step budgets (successive halving's
/// rungs, say) takes part with the one of the most steps. A pair in which
/// either training diverged has no difference: it is counted and left out
/// of every figure. The figures are on validation accuracy, which every
/// evaluation has (a `compare` truth measures no test accuracy).
public struct RunAgreement: Codable, Equatable, Sendable {
    /// One placement at one seed as both runs evaluated it.
    public struct Pair: Codable, Equatable, Sendable {
        public private(set) var placement: String
        public private(set) var seed: UInt64
        /// Validation accuracy in the first and the second run; nil where that training diverged.
        @ExplicitNull public private(set) var first: Double?
        @ExplicitNull public private(set) var second: Double?
        /// second − first, when both are defined.
        @ExplicitNull public private(set) var difference: Double?

        public init(placement: String, seed: UInt64, first: Double?, second: Double?) {
            self.placement = placement
            self.seed = seed
            self.first = first
            self.second = second
            difference = first.flatMap { first in second.map { $0 - first } }
        }
    }

    /// The two runs' ids.
    public private(set) var firstRun: String
    public private(set) var secondRun: String
    /// What the runs were told to do differently, one `PATH: FIRST → SECOND`
    /// each (`budget.precision: float32 → bfloat16`), from their stored
    /// configurations' task, budget and space and their versions; empty when
    /// they were the same (or not known). `settingDifferences` finds them.
    public private(set) var differences: [String]
    /// Every pair, the largest |difference| first (then by placement and
    /// seed); pairs without a difference last.
    public private(set) var pairs: [Pair]
    /// Placements (at a seed) only one of the runs evaluated.
    public private(set) var onlyInFirst: Int
    public private(set) var onlyInSecond: Int
    /// How far an accuracy may move and still count as unchanged.
    public private(set) var threshold: Double
    /// The pairs with a difference.
    public private(set) var compared: Int
    /// The pairs left out because a training diverged.
    public private(set) var diverged: Int
    /// The mean of the differences, the mean of their absolute values, the
    /// largest absolute one; nil without a compared pair.
    @ExplicitNull public private(set) var meanDifference: Double?
    @ExplicitNull public private(set) var meanAbsoluteDifference: Double?
    @ExplicitNull public private(set) var largestAbsoluteDifference: Double?
    /// The compared pairs whose |difference| exceeds `threshold` (by more than
    /// rounding: a move of exactly the threshold is not beyond it).
    public private(set) var beyondThreshold: Int
    /// Spearman's rho and Kendall's tau-b of the two runs' accuracies over
    /// the compared pairs; nil where undefined (fewer than two pairs, or a
    /// run whose accuracies are all tied).
    @ExplicitNull public private(set) var spearman: Double?
    @ExplicitNull public private(set) var kendall: Double?

    /// The agreement of `first`'s and `second`'s evaluations (run ids
    /// `firstRun`, `secondRun`, told to do what `differences` lists
    /// differently), an accuracy moving by more than `threshold` counted.
    public init(first: [EvaluationRecord], second: [EvaluationRecord], firstRun: String, secondRun: String,
                differences: [String] = [], threshold: Double = 0.01) {
        let a = Self.finalEvaluations(first), b = Self.finalEvaluations(second)
        self.firstRun = firstRun
        self.secondRun = secondRun
        self.differences = differences
        self.threshold = threshold
        onlyInFirst = a.keys.filter { b[$0] == nil }.count
        onlyInSecond = b.keys.filter { a[$0] == nil }.count
        func accuracy(_ record: EvaluationRecord) -> Double? {
            record.failure == nil && record.validationAccuracy.isFinite ? record.validationAccuracy : nil
        }
        let unordered = a.compactMap { key, record in
            b[key].map { Pair(placement: key.placement, seed: key.seed, first: accuracy(record), second: accuracy($0)) }
        }
        pairs = unordered.sorted { x, y in
            switch (x.difference.map(abs), y.difference.map(abs)) {
            case let (p?, q?) where p != q: return p > q
            case (.some, nil): return true
            case (nil, .some): return false
            default: return (x.placement, x.seed) < (y.placement, y.seed)
            }
        }
        let defined = pairs.filter { $0.difference != nil }
        let differences = defined.compactMap(\.difference)
        compared = defined.count
        diverged = pairs.count - defined.count
        meanDifference = differences.isEmpty ? nil : differences.reduce(0, +) / Double(differences.count)
        meanAbsoluteDifference = differences.isEmpty ? nil : differences.map(abs).reduce(0, +) / Double(differences.count)
        largestAbsoluteDifference = differences.map(abs).max()
        beyondThreshold = differences.filter { abs($0) > threshold + Self.countingSlack }.count
        let x = defined.compactMap(\.first), y = defined.compactMap(\.second)
        spearman = RankCorrelation.spearman(x, y)
        kendall = RankCorrelation.kendallTauB(x, y)
    }

    /// The agreement of stored runs `first` and `second` in `store`, with
    /// the settings they differ in. Throws `RunError.nothingInCommon` when
    /// they evaluated no placement at the same training seed, and the
    /// store's error for an unknown run.
    public init(comparing first: String, with second: String, in store: ResultsStore, threshold: Double = 0.01) throws {
        self.init(first: try store.evaluations(run: first), second: try store.evaluations(run: second), firstRun: first, secondRun: second,
                  differences: Self.settingDifferences(try store.run(first), try store.run(second)), threshold: threshold)
        guard !pairs.isEmpty else { throw RunError.nothingInCommon(first: first, second: second) }
    }

    /// How far past the threshold a difference must be to count as beyond
    /// it: accuracies are ratios of counts, and 0.81 − 0.80 is
    /// 0.01000000000000009 in binary, a move of exactly the threshold.
    static let countingSlack = 1e-9

    /// The settings `first` and `second` differ in that decide what an
    /// evaluation measures: their configurations' `task`, `budget` and
    /// `space` and their `versions`, compared leaf by leaf.
    public static func settingDifferences(_ first: RunRecord, _ second: RunRecord) -> [String] {
        func settings(_ run: RunRecord) -> [String: String] {
            leaves(of: run.configuration, keeping: ["task", "budget", "space"])
                .merging(leaves(of: run.versions, under: "versions")) { $1 }
        }
        let a = settings(first), b = settings(second)
        return Set(a.keys).union(b.keys).sorted().compactMap { path in
            a[path] == b[path] ? nil : "\(path): \(a[path] ?? "none") → \(b[path] ?? "none")"
        }
    }

    /// The leaves of JSON object `json` (those of its `keeping` members, or
    /// all) by dotted path below `root`, each as its JSON text.
    static func leaves(of json: String, keeping keys: Set<String>? = nil, under root: String = "") -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [:] }
        var flat: [String: String] = [:]
        func visit(_ value: Any, _ path: String) {
            if let object = value as? [String: Any] {
                for (key, value) in object { visit(value, path.isEmpty ? key : path + "." + key) }
            } else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
                flat[path] = String(decoding: data, as: UTF8.self)
            }
        }
        for (key, value) in object where keys?.contains(key) ?? true { visit(value, root.isEmpty ? key : root + "." + key) }
        return flat
    }

    /// A placement at a training seed.
    struct Key: Hashable {
        var placement: String
        var seed: UInt64
    }

    /// Each placement's evaluation at each seed under the most steps (the
    /// first saved among equals).
    static func finalEvaluations(_ records: [EvaluationRecord]) -> [Key: EvaluationRecord] {
        var kept: [Key: (steps: Int, record: EvaluationRecord)] = [:]
        for record in records {
            let fields = BudgetFields(record.budget)
            let key = Key(placement: record.placement, seed: fields.seed)
            if let present = kept[key], present.steps >= fields.steps { continue }
            kept[key] = (fields.steps, record)
        }
        return kept.mapValues(\.record)
    }

    /// The steps and seed of a stored budget key (`steps=100,...,seed=0,...`);
    /// 0 for a field the key lacks.
    struct BudgetFields {
        var steps = 0
        var seed: UInt64 = 0

        init(_ key: String) {
            for field in key.split(separator: ",") {
                let parts = field.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                switch parts[0] {
                case "steps": steps = Int(parts[1]) ?? 0
                case "seed": seed = UInt64(parts[1]) ?? 0
                default: break
                }
            }
        }
    }

    private enum CodingKeys: String, CodingKey {
        case firstRun = "first_run", secondRun = "second_run", differences, pairs, onlyInFirst = "only_in_first", onlyInSecond = "only_in_second",
             threshold, compared, diverged, meanDifference = "mean_difference", meanAbsoluteDifference = "mean_absolute_difference",
             largestAbsoluteDifference = "largest_absolute_difference", beyondThreshold = "beyond_threshold", spearman, kendall
    }
}

extension RunAgreement {
    /// The agreement for a person: what was paired, the differences (second
    /// − first), the rank correlations, and the `rows` pairs that moved most.
    public func text(rows: Int) -> String {
        func signed(_ value: Double?) -> String { value.map { String(format: "%+.4f", $0) } ?? "undefined" }
        func plain(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "undefined" }
        var text = "runs \(firstRun) (first) and \(secondRun) (second): \(pairs.count) placement\(pairs.count == 1 ? "" : "s") "
            + "evaluated by both (pairs by placement and training seed), \(onlyInFirst) only by the first, \(onlyInSecond) only by the second"
            + (diverged > 0 ? "; \(diverged) left out because a training diverged" : "") + "\n"
        text += differences.isEmpty ? "their tasks, budgets, spaces and versions are the same\n"
            : "they differ in " + differences.joined(separator: "; ") + "\n"
        text += "validation accuracy, second − first, over \(compared): mean \(signed(meanDifference)), mean |Δ| \(plain(meanAbsoluteDifference)), "
            + "largest |Δ| \(plain(largestAbsoluteDifference))"
            + (pairs.first.flatMap { pair in pair.difference.map { _ in " (\(pair.placement) seed \(pair.seed))" } } ?? "") + "\n"
        text += "\(beyondThreshold) of \(compared) moved by more than \(plain(threshold)); Spearman rho \(plain(spearman)), Kendall tau-b \(plain(kendall))"
            + (spearman == nil ? " (undefined: fewer than two pairs, or one run's accuracies all tied)" : "") + "\n"
        let shown = pairs.prefix(rows)
        if !shown.isEmpty {
            let header = ["PLACEMENT", "SEED", "FIRST VAL ACC", "SECOND VAL ACC", "Δ"]
            let body = shown.map { pair in
                [pair.placement, String(pair.seed), pair.first.map { String(format: "%.4f", $0) } ?? "diverged",
                 pair.second.map { String(format: "%.4f", $0) } ?? "diverged", signed(pair.difference)]
            }
            text += "the \(shown.count) that moved most:\n" + TextTable.render([header] + body)
        }
        return text
    }
}
