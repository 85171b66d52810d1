import Core
import Foundation

/// The report of one run as a single self-contained HTML file: inline CSS and
/// inline SVG only, no scripts, fonts or images from anywhere (a Content
/// Security Policy forbids fetching anything), so it opens offline.
public enum ReportPage {
    /// The colours of the four edge kinds in the scatter plots, in
    /// `Edge.Kind.allCases` order (sequential, parallel, long-range, recurrent).
    public static let kindColours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a"]

    /// The whole page of one run. Sections: the run (task, n, parameter
    /// counts, the configuration), a table of the metrics' comparison
    /// statistics, an n x n heatmap per metric and of the truth, a scatter
    /// of score against true accuracy per metric, and the best placements
    /// by each strategy; for a study, the study's table, claims and charts,
    /// then the configuration. `scale` colours the heatmaps by value or by rank.
    public static func html(_ data: ReportData, scale: HeatmapScale = .linear) -> String {
        let title = "AdapterSearch report: \(data.runID)"
        return page(title: title, body: [header(data, heading: HTMLText.escape(title), prefix: "")]
                        + sections(data, prefix: "", scale: scale),
                    runs: [data])
    }

    /// The page of several runs: a list of them, then one article per run,
    /// titled with its task, holding what its own page would (ids prefixed
    /// `runN-` so that they stay unique). One run gives `html(_:)`'s page.
    public static func html(_ runs: [ReportData], scale: HeatmapScale = .linear) -> String {
        if runs.count == 1 { return html(runs[0], scale: scale) }
        let title = "AdapterSearch report: " + runs.map(\.runID).joined(separator: ", ")
        let list = runs.enumerated().map { index, data in
            "<li><a href=\"#run\(index + 1)\">\(HTMLText.escape(data.taskTitle ?? data.task))</a> "
                + "<span class=\"note\">run \(HTMLText.escape(data.runID))\(data.study == nil ? "" : ", study")</span></li>"
        }
        var body = ["<header><h1>\(HTMLText.escape(title))</h1>",
                    "<p class=\"facts\">\(runs.count) runs, one section each:</p>",
                    "<ol class=\"runs\">\(list.joined())</ol></header>"]
        for (index, data) in runs.enumerated() {
            let prefix = "run\(index + 1)-"
            body.append("<article class=\"run\" id=\"run\(index + 1)\">")
            body.append(header(data, heading: HTMLText.escape(data.taskTitle ?? data.task), prefix: prefix, run: true))
            body += sections(data, prefix: prefix, scale: scale)
            body.append("</article>")
        }
        return page(title: title, body: body, runs: runs)
    }

    /// The HTML document around `body`: the style sheet (with the rules of
    /// studies and of several runs when `runs` needs them) and a footer
    /// saying what the intervals are.
    static func page(title: String, body: [String], runs: [ReportData]) -> String {
        let studies = runs.contains { $0.study != nil }, metrics = runs.contains { $0.study == nil }
        let sheet = style + (studies ? "\n" + studyStyle : "") + (runs.count > 1 ? "\n" + runsStyle : "")
        let footer = switch (metrics, studies) {
        case (true, false): "Correlations are signed as measured; intervals are\npercentile bootstrap intervals over probe seeds."
        case (false, _): "Accuracy intervals are Student t intervals over training seeds;\n"
            + "paired differences have percentile bootstrap intervals over seeds."
        case (true, true): "Metric correlations are signed as measured, with percentile bootstrap intervals over probe\n"
            + "seeds; a study's accuracy intervals are Student t intervals over training seeds."
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLText.escape(title))</title>
            <style>\(sheet)</style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            <footer>Written by adapter-search. \(footer)</footer>
            </body>
            </html>

            """
    }

    /// A run's header: `heading` (HTML) as its title, the task, its facts
    /// and links to its sections. In an article of a page of several runs
    /// (`run`), the task line names the run.
    static func header(_ data: ReportData, heading: String, prefix: String, run: Bool = false) -> String {
        let facts: String, links: [(String, String)]
        if let study = data.study {
            facts = HTMLText.escape(StudySection.facts(study))
            links = [("study", "study"), ("claims", "claims"), ("study-charts", "study charts"), ("configuration", "configuration")]
        } else {
            facts = "\(data.nodeCount) nodes, \(data.nodeCount * data.nodeCount) single edges, "
                + "\(data.metrics.count) metric\(data.metrics.count == 1 ? "" : "s"), "
                + (data.truth.map { truth in "truth: \(HTMLText.escape(data.truthName)) of \(truth.filter(\.isFinite).count) edges" }
                   ?? "no ground truth trained")
            links = [("configuration", "configuration"), ("statistics", "metric statistics"), ("heatmaps", "heatmaps"),
                     ("scatters", "scatter plots"), ("placements", "best placements")]
        }
        return [
            "<header><h1>\(heading)</h1>",
            "<p class=\"task\">\(run ? "run \(HTMLText.escape(data.runID)): " : "")\(HTMLText.escape(data.task))</p>",
            "<p class=\"facts\">\(facts)</p>",
            "<nav>" + links.map { "<a href=\"#\(prefix)\($0.0)\">\($0.1)</a>" }.joined(separator: " · ") + "</nav></header>",
        ].joined(separator: "\n")
    }

    /// A run's sections, their ids prefixed by `prefix`, its heatmaps on `scale`.
    static func sections(_ data: ReportData, prefix: String, scale: HeatmapScale = .linear) -> [String] {
        if let study = data.study { return StudySection.html(study, prefix: prefix) + [configuration(data, prefix: prefix)] }
        return [configuration(data, prefix: prefix), statistics(data, prefix: prefix), heatmaps(data, prefix: prefix, scale: scale),
                scatters(data, prefix: prefix), placements(data, prefix: prefix)]
    }

    /// The page's style sheet.
    public static let style = """
        body{font-family:"DejaVu Sans","Liberation Sans",Arial,sans-serif;font-size:14px;color:#222;margin:24px 32px;max-width:1340px}
        h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid #ccc;padding-bottom:4px}
        p{margin:4px 0}.task{font-size:15px}.facts,.note{color:#555}nav{margin-top:8px;font-size:13px}
        a{color:#2171b5}table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #d4d4d4;padding:3px 8px;text-align:right}
        th{background:#f0f3f7}td.text,th.text{text-align:left}tr.best td{font-weight:bold;background:#eef5fb}
        .neg{color:#b2182b}p.warning{color:#8a4b00}tr.saturated td{background:#fff4e5}.charts{display:flex;flex-wrap:wrap;gap:14px 22px;align-items:flex-start}
        .chart{border:1px solid #e2e2e2;padding:6px;background:#fff}
        pre{background:#f6f6f6;border:1px solid #e2e2e2;padding:8px;max-height:220px;overflow:auto;font-size:12px;margin:6px 0}
        .columns{display:flex;gap:32px;flex-wrap:wrap;align-items:flex-start}
        footer{margin-top:30px;color:#777;font-size:12px}
        """

    /// The style of a study's sections: the Pareto rows, the verdicts' colours.
    public static let studyStyle = """
        table.study{font-size:12px}table.claims{font-size:13px}table.study td,table.claims td{vertical-align:top}code{font-size:12px}
        table.study th,table.study td{padding:3px 6px}table.study td{white-space:nowrap}table.study td.wrap{white-space:normal;min-width:110px}
        tr.pareto td{background:#eef5fb}td.mark{text-align:center;color:#08519c}
        .verdict{display:inline-block;padding:1px 8px;border-radius:9px;font-weight:bold;white-space:nowrap}
        .verdict.holds{background:#dcf2e2;color:#17692f;border:1px solid #8fcf9f}
        .verdict.fails{background:#fbe0e0;color:#a3161f;border:1px solid #eb9a9a}
        .verdict.undecided{background:#fdf0cf;color:#7a5000;border:1px solid #e8c56a}
        .verdict.unjudged{background:#ececec;color:#555;border:1px solid #c8c8c8}
        """

    /// The style of a page of several runs: each run's article set apart.
    public static let runsStyle = """
        ol.runs{margin:6px 0;padding-left:22px}ol.runs li{margin:2px 0}
        article.run>header h1{font-size:20px;margin:40px 0 6px;padding-top:14px;border-top:3px solid #2171b5}
        """

    /// The run: parameter counts and the configuration JSON as written.
    /// `prefix` goes before the section's id (and every id of the sections
    /// below), keeping them unique on a page of several runs.
    public static func configuration(_ data: ReportData, prefix: String = "") -> String {
        var rows = data.parameterCounts.map { "<tr><td class=\"text\">\(HTMLText.escape($0.item))</td><td>\(grouped($0.count))</td></tr>" }
        if rows.isEmpty { rows = ["<tr><td class=\"text\" colspan=\"2\">none recorded</td></tr>"] }
        return """
            <section id="\(prefix)configuration"><h2>Configuration</h2><div class="columns">
            <div><h3 class="note">Parameter counts</h3><table class="parameters"><tr><th class="text">item</th><th>parameters</th></tr>
            \(rows.joined(separator: "\n"))</table></div>
            <div style="flex:1;min-width:420px"><h3 class="note">Run configuration</h3><pre>\(HTMLText.escape(data.configurationJSON))</pre></div>
            </div></section>
            """
    }

    /// The table of comparison statistics, one row per metric, then the
    /// metrics' resolution; `prefix` as in `configuration`.
    public static func statistics(_ data: ReportData, prefix: String = "") -> String {
        let compared = data.metrics.compactMap { metric in metric.comparison.map { (metric, $0) } }
        guard !compared.isEmpty else {
            return "<section id=\"\(prefix)statistics\"><h2>Metric statistics</h2><p class=\"note\">No ground truth: the metrics are not compared.</p>"
                + resolution(data) + "</section>"
        }
        let first = compared[0].1
        let header = "<tr><th class=\"text\">metric</th><th class=\"text\">direction</th><th>edges</th><th>seeds</th>"
            + "<th>Spearman ρ [95% CI]</th><th>Kendall τ-b [95% CI]</th><th>top-k overlap [95% CI]</th><th>regret [95% CI]</th></tr>"
        let rows = compared.map { metric, comparison in
            "<tr><td class=\"text\">\(HTMLText.escape(metric.id))</td><td class=\"text\">\(metric.direction.rawValue)</td>"
                + "<td>\(comparison.edges)</td><td>\(comparison.seeds)</td>"
                + "<td>\(estimate(comparison.spearman))</td><td>\(estimate(comparison.kendallTauB))</td>"
                + "<td>\(estimate(comparison.topKOverlap)) <span class=\"note\">k = \(comparison.k)</span></td>"
                + "<td>\(estimate(comparison.regret))</td></tr>"
        }
        return """
            <section id="\(prefix)statistics"><h2>Metric statistics</h2>
            <p class="note">Each metric's scores against the \(HTMLText.escape(data.truthName)) of single-edge placements.
            Point: the mean over probe seeds of the statistic of each seed's scores; interval: \(Int((first.spearman.level * 100).rounded()))% percentile
            bootstrap over the seeds (\(first.spearman.resamples) resamples). Regret: true best accuracy minus the true accuracy of the
            metric's best edge. n/a: undefined (constant scores); seeds with undefined values are left out of the means.</p>
            <table class="statistics">\(header)
            \(rows.joined(separator: "\n"))</table>\(resolution(data))</section>
            """
    }

    /// The metrics' resolution (METHOD.md section 8, "Resolution"): distinct
    /// values, the share tied at the best, the share at the rank ceiling,
    /// and a warning per saturated metric; empty when no metric has one.
    public static func resolution(_ data: ReportData) -> String {
        let measured = data.metrics.compactMap { metric in metric.resolution.map { (metric.id, $0) } }
        guard !measured.isEmpty else { return "" }
        let rows = measured.map { id, resolution in
            let ceiling = resolution.atRankCeiling.map { share in
                ScoreResolution.percent(share) + (resolution.rankCeiling.map { " of \($0)" } ?? "")
            } ?? "–"
            let missing = resolution.missing > 0 ? " <span class=\"note\">(\(ScoreResolution.number(resolution.missing)) missing)</span>" : ""
            return "<tr\(resolution.saturated ? " class=\"saturated\"" : "")><td class=\"text\">\(HTMLText.escape(id))</td>"
                + "<td>\(ScoreResolution.number(resolution.distinctValues)) / \(ScoreResolution.number(resolution.scoredEdges))\(missing)</td>"
                + "<td>\(ScoreResolution.percent(resolution.tiedAtBest))</td><td>\(ceiling)</td>"
                + "<td class=\"text\">\(resolution.saturated ? "<span class=\"neg\">saturated</span>" : "no")</td></tr>"
        }
        let warnings = measured.compactMap { id, resolution in resolution.warning(label: id) }
            .map { "<p class=\"warning\">\(HTMLText.escape($0))</p>" }
        return """

            <h3 class="note">Resolution</h3>
            <p class="note">How finely each metric's scores tell the edges apart, the mean over probe seeds of each seed's figures:
            distinct values over the scored edges, the share tied at the best score (by the metric's direction), and for a rank
            metric the share at the rank ceiling min(d, tokens) (known from a finished compare run). Saturated: at least half the
            edges tied at the best, or distinct values fewer than a tenth of the edges.</p>
            <table class="resolution"><tr><th class="text">metric</th><th>distinct / edges</th><th>tied at best</th>
            <th>at rank ceiling</th><th class="text">saturated</th></tr>
            \(rows.joined(separator: "\n"))</table>\(warnings.joined(separator: "\n"))
            """
    }

    /// One estimate as `0.512 [0.401, 0.610]`, negative values marked.
    public static func estimate(_ value: BootstrapEstimate) -> String {
        guard let point = value.point else { return "n/a" }
        let interval = value.low.flatMap { low in value.high.map { " [\(fixed(low)), \(fixed($0))]" } } ?? ""
        return "<span\(point < 0 ? " class=\"neg\"" : "")>\(fixed(point))</span>\(interval)"
    }

    /// The side of a heatmap square for n nodes: smaller squares for more nodes.
    public static func cellSize(nodeCount n: Int) -> Int { max(10, min(30, 330 / max(n, 1))) }

    /// A heatmap per metric and one of the truth, coloured on `scale`;
    /// `prefix` as in `configuration` (the colour bars' ids too).
    public static func heatmaps(_ data: ReportData, prefix: String = "", scale: HeatmapScale = .linear) -> String {
        let n = data.nodeCount, cell = cellSize(nodeCount: n)
        var charts: [String] = []
        if let truth = data.truth {
            charts.append(chart(heatmap: truth, n: n, title: "truth: \(data.truthName)",
                                subtitle: "single-edge placements trained", cell: cell, id: "\(prefix)heatmap-truth", scale: scale))
        }
        for (index, metric) in data.metrics.enumerated() {
            charts.append(chart(heatmap: metric.scores, n: n, title: metric.id,
                                subtitle: metric.direction == .higherIsBetter ? "higher is better" : "lower is better",
                                cell: cell, id: "\(prefix)heatmap-\(index)", scale: scale))
        }
        return """
            <section id="\(prefix)heatmaps"><h2>Heatmaps</h2>
            <p class="note">Rows: source node i; columns: target node j; the square at (i, j) is edge i&gt;j. Darker is a higher value
            (whatever the metric's direction)\(scale == .rank ? ", coloured by its rank among the edges' values (ties share their average rank), not by its size" : ""); grey squares have no value.</p>
            <div class="charts">
            \(charts.joined(separator: "\n"))</div></section>
            """
    }

    /// One heatmap chart on `scale`, or a note when the values do not cover n² edges.
    public static func chart(heatmap values: [Double], n: Int, title: String, subtitle: String, cell: Int, id: String,
                             scale: HeatmapScale = .linear) -> String {
        guard values.count == n * n else {
            return "<div class=\"chart\"><p class=\"note\">\(HTMLText.escape(title)): \(values.count) values, expected \(n * n)</p></div>"
        }
        let grid = (0..<n).map { i in Array(values[(i * n)..<(i * n + n)]) }
        return "<div class=\"chart\">" + Heatmap(title: title, values: grid, subtitle: subtitle, scale: scale).svg(cellSize: cell, id: id) + "</div>"
    }

    /// A scatter of score against true accuracy per metric, points coloured
    /// by edge kind; `prefix` as in `configuration`.
    public static func scatters(_ data: ReportData, prefix: String = "") -> String {
        guard let truth = data.truth, truth.count == data.nodeCount * data.nodeCount else {
            return "<section id=\"\(prefix)scatters\"><h2>Scatter plots</h2><p class=\"note\">No ground truth to plot against.</p></section>"
        }
        let edges = Edge.all(nodeCount: data.nodeCount)
        let groups = zip(Edge.Kind.allCases, kindColours).map { (name: $0.description, colour: $1) }
        let charts = data.metrics.filter { $0.scores.count == truth.count }.map { metric in
            let rho = metric.comparison.map { "ρ = " + (($0.spearman.point).map(fixed) ?? "n/a") } ?? "ρ not computed"
            let points = edges.indices.map { index in
                ScatterPlot.Point(x: metric.scores[index], y: truth[index], label: edges[index].description,
                                  group: Edge.Kind.allCases.firstIndex(of: edges[index].kind) ?? 0)
            }
            let plot = ScatterPlot(title: "\(metric.id): \(rho)", xLabel: "\(metric.id) score (\(metric.direction.rawValue))",
                                   yLabel: data.truthName, points: points, groups: groups)
            return "<div class=\"chart\">" + plot.svg() + "</div>"
        }
        return """
            <section id="\(prefix)scatters"><h2>Scatter plots</h2>
            <p class="note">One point per single-edge placement: the metric's score across, the true \(HTMLText.escape(data.truthName))
            up (scores averaged over probe seeds); ρ is the mean over seeds of Spearman's rank correlation, as measured (see the
            table above).</p>
            <div class="charts">
            \(charts.joined(separator: "\n"))</div></section>
            """
    }

    /// The table of the placements each strategy chose; the row with the
    /// best validation accuracy is marked; `prefix` as in `configuration`.
    public static func placements(_ data: ReportData, prefix: String = "") -> String {
        guard !data.strategies.isEmpty else {
            return "<section id=\"\(prefix)placements\"><h2>Best placements</h2><p class=\"note\">No strategy was run on this task.</p></section>"
        }
        let best = data.strategies.map(\.validationAccuracy).max()
        let rows = data.strategies.map { result in
            "<tr\(result.validationAccuracy == best ? " class=\"best\"" : "")><td class=\"text\">\(HTMLText.escape(result.strategy))</td>"
                + "<td class=\"text\">\(HTMLText.escape(result.metric ?? "–"))</td><td>\(result.k)</td>"
                + "<td class=\"text\"><code>\(HTMLText.escape(result.placement))</code></td>"
                + "<td>\(percent(result.validationAccuracy))</td><td>\(percent(result.testAccuracy))</td>"
                + "<td>\(grouped(result.parameters))</td></tr>"
        }
        return """
            <section id="\(prefix)placements"><h2>Best placements</h2>
            <p class="note">The placement each strategy chose, trained; strategies choose by validation accuracy, test accuracy is
            reported only. Bold: the best validation accuracy.</p>
            <table class="placements"><tr><th class="text">strategy</th><th class="text">metric</th><th>k</th>
            <th class="text">placement</th><th>val acc</th><th>test acc</th><th>trainable parameters</th></tr>
            \(rows.joined(separator: "\n"))</table></section>
            """
    }

    /// Three decimals; NaN as n/a.
    public static func fixed(_ value: Double) -> String { value.isFinite ? String(format: "%.3f", value) : "n/a" }

    /// An accuracy as a percentage with two decimals.
    public static func percent(_ value: Double) -> String { value.isFinite ? String(format: "%.2f%%", value * 100) : "n/a" }

    /// An integer with thin-space thousands groups (22 713 216).
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "\u{2009}" }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }
}
