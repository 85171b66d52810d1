import Foundation

/// The HTML of a `study` run's outcome: the table of rows (accuracy with
/// intervals, size, cost, paired differences against the baselines, the
/// Pareto mark), the claims with their verdicts, and two charts: test
/// accuracy against trainable parameters with the Pareto front, and test
/// accuracy bars with their intervals per strategy, grouped by k. Every
/// text from the study (strategy labels, statements) is escaped.
public enum StudySection {
    /// The three sections, their ids prefixed by `prefix` (unique within a
    /// page of several runs): `study`, `claims` and `study-charts`.
    public static func html(_ study: Study, prefix: String = "") -> [String] {
        [table(study, prefix: prefix), claims(study, prefix: prefix), charts(study, prefix: prefix)]
    }

    /// The study in one line for a page's header: strategies, sizes, seeds, budget.
    public static func facts(_ study: Study) -> String {
        let strategies = Set(study.rows.map(\.strategy)).count
        return "study: \(strategies) strateg\(strategies == 1 ? "y" : "ies") at k = "
            + study.ks.map(String.init).joined(separator: ", ")
            + " over \(study.seeds.count) seed\(study.seeds.count == 1 ? "" : "s"); \(study.steps) steps of batch \(study.batchSize), "
            + "learning rate \(study.learningRate)" + study.trainingSettings
            + (study.diverged > 0 ? "; \(study.diverged) training\(study.diverged == 1 ? "" : "s") diverged" : "")
    }

    /// The baselines the rows are compared with: the strategy of each row
    /// some pairing names (the label itself when no row has it), in order
    /// of first mention.
    public static func baselines(_ study: Study) -> [String] {
        var names: [String] = []
        for pairing in study.rows.flatMap(\.versus) {
            let name = baseline(of: pairing, in: study)
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// The strategy of the row `pairing` compares with.
    static func baseline(of pairing: StudyPairing, in study: Study) -> String {
        study.rows.first { $0.label == pairing.baseline }?.strategy ?? pairing.baseline
    }

    /// The table: one row per strategy and k.
    public static func table(_ study: Study, prefix: String = "") -> String {
        let baselines = baselines(study)
        let header = "<tr><th class=\"text\">strategy</th><th>k</th><th>test acc [95%]</th><th>val acc [95%]</th>"
            + "<th>trainable parameters</th><th class=\"text\">search cost (mean per seed)</th><th>train s</th>"
            + baselines.map { "<th>Δ test vs \(HTMLText.escape($0)), Wilcoxon p [95%]</th>" }.joined()
            + "<th title=\"on the Pareto front of test accuracy against trainable parameters\">Pareto</th></tr>"
        let rows = study.rows.map { row in
            let choices = row.choices.map { choice in
                "seed \(choice.seed): \(choice.placement) (" + (choice.testAccuracy.map { String(format: "test %.4f", $0) } ?? "diverged") + ")"
            }.joined(separator: "\n")
            let differences = baselines.map { name -> String in
                guard let pairing = row.versus.first(where: { baseline(of: $0, in: study) == name }) else {
                    return "<td class=\"note\">–</td>"
                }
                return "<td title=\"\(HTMLText.escape("\(row.label) − \(pairing.baseline), paired by seed"))\">\(difference(pairing.comparison))</td>"
            }
            return "<tr\(row.onParetoFront ? " class=\"pareto\"" : "")><td class=\"text\" title=\"\(HTMLText.escape(choices))\">"
                + "<code>\(HTMLText.escape(row.strategy))</code></td><td>\(row.k.map(String.init) ?? "all k")</td>"
                + "<td>\(accuracy(row.test))</td><td>\(accuracy(row.validation))</td>"
                + "<td>\(ReportPage.grouped(Int(row.parameters.rounded())))</td><td class=\"text wrap\">\(HTMLText.escape(row.search.summary))</td>"
                + "<td>\(String(format: "%.0f", row.trainingSeconds))</td>" + differences.joined()
                + "<td class=\"mark\">\(row.onParetoFront ? "●" : "")</td></tr>"
        }
        let seeds = study.seeds.map(String.init).joined(separator: ", ")
        return """
            <section id="\(prefix)study"><h2>Study</h2>
            <p class="note">Every strategy chose a placement at each k on \(study.seeds.count) seed\(study.seeds.count == 1 ? "" : "s")
            (training seeds \(seeds)); every chosen placement was trained for \(study.steps) steps of batch \(study.batchSize) at
            learning rate \(study.learningRate)\(study.trainingSettings) and tested. Accuracy: mean over seeds [95% Student t interval]; “all k”: the strategy
            chose the same placement at every k. Δ: the mean paired difference of test accuracy against the baseline's row at the
            same k (an “all k” row: at the smallest k) with the two-sided Wilcoxon signed-rank p, and its 95% bootstrap interval. ● on the Pareto front of test accuracy against
            trainable parameters. Hover a strategy for its placement on each seed.\(study.diverged > 0
                ? " \(study.diverged) training\(study.diverged == 1 ? "" : "s") diverged and \(study.diverged == 1 ? "is" : "are") left out of \(study.diverged == 1 ? "its row's" : "their rows'") figures." : "")</p>
            <table class="study">\(header)
            \(rows.joined(separator: "\n"))</table>
            <p class="note">Pareto front: \(study.paretoFront.isEmpty ? "none (no row has a test accuracy)"
                : study.paretoFront.map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: ", ")).</p></section>
            """
    }

    /// The claims, one row per claim and k, each verdict marked by colour and sign.
    public static func claims(_ study: Study, prefix: String = "") -> String {
        guard !study.claims.isEmpty else {
            return "<section id=\"\(prefix)claims\"><h2>Claims</h2><p class=\"note\">The study judged no claim.</p></section>"
        }
        let counts = Verdict.allCases.compactMap { verdict -> String? in
            let count = study.claims.filter { Verdict($0.verdict) == verdict }.count
            return count == 0 ? nil : "\(count) \(verdict.counted(count))"
        }
        let rows = study.claims.map { claim in
            let verdict = Verdict(claim.verdict)
            return "<tr><td class=\"text\">(\(HTMLText.escape(claim.claim)))</td><td>\(claim.k.map(String.init) ?? "–")</td>"
                + "<td class=\"text\">\(HTMLText.escape(claim.statement))</td>"
                + "<td class=\"text\"><span class=\"verdict \(verdict.rawValue)\">\(verdict.marker) \(HTMLText.escape(claim.verdict))</span></td>"
                + "<td class=\"text note\">\(HTMLText.escape(claim.explanation))</td></tr>"
        }
        return """
            <section id="\(prefix)claims"><h2>Claims</h2>
            <p class="note">The paper's claims, judged on paired test accuracies at each k: a claim holds when the whole 95% interval
            of the mean difference is on its side, does not hold when the whole interval is on the other side, and is undecided
            otherwise; it is not judged when the study lacks a strategy it needs. \(counts.joined(separator: ", ")).</p>
            <table class="claims"><tr><th class="text">claim</th><th>k</th><th class="text">statement</th><th class="text">verdict</th>
            <th class="text">why</th></tr>
            \(rows.joined(separator: "\n"))</table></section>
            """
    }

    /// The Pareto plot and the accuracy bars.
    public static func charts(_ study: Study, prefix: String = "") -> String {
        """
        <section id="\(prefix)study-charts"><h2>Study charts</h2>
        <p class="note">Left: each row's mean test accuracy against its trainable parameters; the front's rows (no other row is both
        more accurate and smaller) are labelled and joined. Right: mean test accuracy with its 95% interval per strategy, grouped by k;
        “all k” holds the strategies that chose the same placement at every k.</p>
        <div class="charts">
        <div class="chart">\(paretoPlot(study).svg())</div>
        <div class="chart">\(barChart(study).svg())</div>
        </div></section>
        """
    }

    /// Test accuracy against trainable parameters, one point per row.
    public static func paretoPlot(_ study: Study) -> ParetoPlot {
        ParetoPlot(title: "Test accuracy against size", xLabel: "trainable parameters", yLabel: "test accuracy",
                   points: study.rows.map { row in
                       ParetoPlot.Point(label: row.label, parameters: row.parameters, accuracy: row.test.mean ?? .nan,
                                        low: row.test.low, high: row.test.high, onFront: row.onParetoFront)
                   })
    }

    /// Test accuracy bars with 95% whiskers: a group "all k" for the rows
    /// that stand for every k, then a group per k; one series per strategy.
    public static func barChart(_ study: Study) -> BarChart {
        var series: [String] = []
        for row in study.rows where !series.contains(row.strategy) { series.append(row.strategy) }
        func bars(_ rows: [StudyRow]) -> [BarChart.Bar] {
            rows.map { row in
                BarChart.Bar(series: series.firstIndex(of: row.strategy) ?? 0, value: row.test.mean ?? .nan, low: row.test.low,
                             high: row.test.high, label: "\(row.label): \(accuracyText(row.test))")
            }
        }
        var groups: [BarChart.Group] = []
        let everyK = study.rows.filter { $0.k == nil }
        if !everyK.isEmpty { groups.append(BarChart.Group(name: "all k", bars: bars(everyK))) }
        for k in study.ks {
            let rows = study.rows.filter { $0.k == k }
            if !rows.isEmpty { groups.append(BarChart.Group(name: "k = \(k)", bars: bars(rows))) }
        }
        let chart = BarChart(title: "Test accuracy by strategy and k", yLabel: "test accuracy", groups: groups, series: series)
        let low = chart.yTicks.low
        return BarChart(title: chart.title, subtitle: low == 0 ? "whiskers: 95% interval over seeds"
                            : "whiskers: 95% interval over seeds; bars rise from \(chart.yTicks.label(low)), not 0",
                        yLabel: chart.yLabel, groups: groups, series: series)
    }

    /// A verdict as the page marks it: a CSS class, a sign and a colour.
    public enum Verdict: String, CaseIterable {
        /// The claim holds: green, ✓.
        case holds
        /// It does not hold: red, ✗.
        case fails
        /// The seeds cannot tell: amber, ?.
        case undecided
        /// The study could not judge it (or the verdict is one this page does not know): grey, –.
        case unjudged

        /// The verdict of `text` (`StudyClaim.verdict`); any other text is `unjudged`.
        public init(_ text: String) {
            switch text {
            case ClaimVerdict.holds.rawValue: self = .holds
            case ClaimVerdict.doesNotHold.rawValue: self = .fails
            case ClaimVerdict.undecided.rawValue: self = .undecided
            default: self = .unjudged
            }
        }

        /// The sign before the verdict: ✓, ✗, ? or –.
        public var marker: String {
            switch self {
            case .holds: "✓"
            case .fails: "✗"
            case .undecided: "?"
            case .unjudged: "–"
            }
        }

        /// The verdict after a count: `2 hold`, `1 does not hold`.
        func counted(_ count: Int) -> String {
            switch self {
            case .holds: count == 1 ? "holds" : "hold"
            case .fails: count == 1 ? "does not hold" : "do not hold"
            case .undecided: "undecided"
            case .unjudged: "not judged"
            }
        }
    }

    /// An accuracy cell: the mean and its interval; `(n diverged)` when trainings were left out.
    static func accuracy(_ summary: SeedSummary) -> String {
        figures(summary) + (summary.excluded > 0 ? "<br><span class=\"note\">(\(summary.excluded) diverged)</span>" : "")
    }

    /// An accuracy as text: `0.6104 [0.5980, 0.6228]`, then `(n diverged)` when trainings were left out.
    static func accuracyText(_ summary: SeedSummary) -> String {
        figures(summary) + (summary.excluded > 0 ? " (\(summary.excluded) diverged)" : "")
    }

    /// The mean and its interval, `0.6104 [0.5980, 0.6228]`; the mean alone
    /// for one seed; `n/a` without a mean.
    static func figures(_ summary: SeedSummary) -> String {
        guard let mean = summary.mean else { return "n/a" }
        let interval = summary.low.flatMap { low in summary.high.map { String(format: " [%.4f, %.4f]", low, $0) } } ?? ""
        return String(format: "%.4f", mean) + interval
    }

    /// A paired difference cell: the mean difference (red when negative)
    /// and the Wilcoxon p, its interval on a second line.
    static func difference(_ comparison: PairedComparison) -> String {
        guard let estimate = comparison.meanDifference, let point = estimate.point else { return "n/a" }
        let interval = estimate.low.flatMap { low in estimate.high.map { String(format: "<br>[%+.4f, %+.4f]", low, $0) } } ?? ""
        let p = comparison.wilcoxon.pValue.map { String(format: "p = %.2f", $0) } ?? "p n/a"
        return "<span\(point < 0 ? " class=\"neg\"" : "")>\(String(format: "%+.4f", point))</span> <span class=\"note\">\(p)</span>\(interval)"
    }
}
