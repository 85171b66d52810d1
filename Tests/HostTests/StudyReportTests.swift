import Core
import Foundation
@testable import Host
import Testing

/// The report of `study` runs: the study's table, claims and charts, its
/// escaping, pages of several runs, the error for a study not finished,
/// and how headless Chromium renders it.
@Suite struct StudyReportTests {
    /// The parts of `html` between `open` and the next `close`.
    static func parts(_ html: String, _ open: String, _ close: String) -> [String] {
        html.components(separatedBy: open).dropFirst().map { $0.components(separatedBy: close)[0] }
    }

    /// How often `text` occurs in `html`.
    static func count(_ html: String, _ text: String) -> Int { html.components(separatedBy: text).count - 1 }

    /// Every `id="..."` of `html`.
    static func ids(_ html: String) -> [String] { parts(html, #" id=""#, #"""#) }

    @Test func aStudyPageHasTheTableTheClaimsAndTheCharts() throws {
        let study = SampleStudy.make(), html = ReportPage.html(SampleStudy.report(study))
        for id in ["study", "claims", "study-charts", "configuration"] { #expect(html.contains(#"<section id="\#(id)">"#), "\(id)") }
        for id in ["statistics", "heatmaps", "scatters", "placements"] { #expect(!html.contains(#"id="\#(id)""#), "\(id)") }
        #expect(html.contains("study: 9 strategies at k = 1, 3, 6 over 3 seeds; 400 steps of batch 32, learning rate 0.003; 1 training diverged"))

        // The table: a row per study row, "all k" for the two that are the same at every k.
        let table = try #require(Self.parts(html, #"<table class="study">"#, "</table>").first)
        #expect(study.rows.count == 2 + 7 * 3)
        #expect(Self.count(table, "<tr") == 1 + study.rows.count)
        #expect(Self.count(table, "<td>all k</td>") == 2)
        for header in ["test acc [95%]", "val acc [95%]", "trainable parameters", "search cost", "train s",
                       "Δ test vs parallel-every, Wilcoxon p [95%]", "Δ test vs random, Wilcoxon p [95%]", "Pareto"] {
            #expect(table.contains(header), "\(header)")
        }
        let gga3 = try #require(study.rows.first { $0.strategy == "gga:metric=gradient-rank" && $0.k == 3 })
        let mean = try #require(gga3.test.mean), low = try #require(gga3.test.low), high = try #require(gga3.test.high)
        #expect(table.contains(String(format: "%.4f [%.4f, %.4f]", mean, low, high)))
        let versus = try #require(gga3.versus.first { $0.baseline == "parallel-every" }?.comparison)
        let p = try #require(versus.wilcoxon.pValue)
        #expect(table.contains(String(format: "%+.4f", try #require(versus.meanDifference?.point))) && table.contains(String(format: "p = %.2f", p)))
        #expect(table.contains("1 probe, 9 evals, 900 steps, 123 s") && table.contains("1 diverged"))
        #expect(table.contains("seed 2: 9&gt;4,8&gt;5,7&gt;6 (test "), "the choices per seed as the strategy's tooltip")
        #expect(Self.count(table, #"<tr class="pareto">"#) == study.paretoFront.count && study.paretoFront.count >= 2)
        #expect(Self.count(table, "●") == study.paretoFront.count)
        #expect(html.contains("Pareto front: " + study.paretoFront.map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: ", ")))

        // The claims: a row each, every verdict marked.
        let claims = try #require(Self.parts(html, #"<table class="claims">"#, "</table>").first)
        #expect(Self.count(claims, "<tr>") == 1 + study.claims.count)
        let verdicts = Set(study.claims.map(\.verdict))
        #expect(verdicts == ["holds", "does not hold", "undecided", "not judged"], "the sample has every verdict: \(verdicts)")
        for (verdict, mark) in [("holds", "✓ holds"), ("fails", "✗ does not hold"), ("undecided", "? undecided"), ("unjudged", "– not judged")] {
            #expect(claims.contains(#"<span class="verdict \#(verdict)">\#(mark)</span>"#), "\(verdict)")
        }

        // The charts: the Pareto plot (a point per row, the front's joined and labelled) and the bars.
        #expect(Self.count(html, "<svg") == 2)
        let pareto = try #require(ReportPageTests.charts(html, "pareto").first)
        #expect(Self.count(pareto, #"<circle class="point"#) == study.rows.count)
        #expect(Self.count(pareto, #"<circle class="point front""#) == study.paretoFront.count)
        #expect(Self.count(pareto, #"<text class="label""#) == study.paretoFront.count)
        #expect(pareto.contains(#"<text class="label dominated""#) && pareto.contains(">parallel-every</text>"), "a point alone is labelled")
        #expect(Self.count(pareto, #"class="front-line""#) == 1 && pareto.contains("trainable parameters (log scale)"))
        for label in study.paretoFront { #expect(pareto.contains(">\(HTMLText.escape(label))</text>"), "\(label)") }
        let bars = try #require(ReportPageTests.charts(html, "bars").first)
        #expect(Self.count(bars, #"<rect class="bar""#) == study.rows.count)
        #expect(Self.count(bars, #"class="whisker""#) == study.rows.filter { $0.test.low != nil }.count)
        for group in ["all k", "k = 1", "k = 3", "k = 6"] { #expect(bars.contains(">\(group)</text>"), "\(group)") }
        #expect(bars.contains("bars rise from 0."), "the axis does not start at 0 and says so")
    }

    @Test func aHostileStrategyLabelIsEscapedEverywhere() throws {
        let label = #"evil:x="><script>alert('x')</script>&amp;<b>"#
        let study = SampleStudy.make(extra: (label, "evil"))
        #expect(study.rows.contains { $0.strategy == label })
        let html = ReportPage.html(SampleStudy.report(study))
        #expect(!html.contains("<script") && !html.contains("<b>") && !html.contains(#"x=">"#))
        let escaped = HTMLText.escape(label)
        #expect(escaped == "evil:x=&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;&lt;b&gt;")
        #expect(Self.count(html, "<code>\(escaped)</code>") >= 3, "the table's rows")
        let bars = try #require(ReportPageTests.charts(html, "bars").first)
        #expect(bars.contains(">\(escaped)</text>"), "the legend")
        let pareto = try #require(ReportPageTests.charts(html, "pareto").first)
        #expect(pareto.contains("<title>\(escaped) k=3: "), "the tooltips")
        #expect(Self.ids(html).count == Set(Self.ids(html)).count)
    }

    @Test func severalRunsGetASectionEachTitledWithTheirTask() throws {
        let verbs = SampleStudy.report(SampleStudy.make(run: "rverbs01"))
        let nouns = SampleStudy.report(SampleStudy.make(run: "rnouns01", shift: 0.1), data: "WordNet noun supersenses")
        let html = ReportPage.html([verbs, nouns])
        #expect(html.contains("<title>AdapterSearch report: rverbs01, rnouns01</title>"))
        #expect(Self.count(html, #"<article class="run""#) == 2 && Self.count(html, "</article>") == 2)
        #expect(html.contains(##"<li><a href="#run1">all-MiniLM-L6-v2 on WordNet verb supersenses</a>"##))
        #expect(html.contains("<header><h1>all-MiniLM-L6-v2 on WordNet noun supersenses</h1>"))
        #expect(html.contains("run rnouns01: all-MiniLM-L6-v2 (6 blocks"))
        #expect(html.contains(#"<section id="run2-claims">"#) && html.contains(##"<a href="#run2-study-charts">"##))
        #expect(Self.count(html, "<svg") == 4 && Self.ids(html).count == Set(Self.ids(html)).count)
        #expect(html.firstRange(of: "rverbs01")!.lowerBound < html.firstRange(of: "rnouns01")!.lowerBound)

        // One run is its own page, as before.
        #expect(ReportPage.html([verbs]) == ReportPage.html(verbs))
        let compare = SampleReport.make()
        #expect(ReportPage.html([compare]) == ReportPage.html(compare))
    }

    @Test func aStudyAndACompareRunShareAPageEachWithItsOwnSections() throws {
        let html = ReportPage.html([SampleStudy.report(), SampleReport.make()])
        #expect(Self.count(html, #"<article class="run""#) == 2)
        for id in ["run1-study", "run1-claims", "run1-study-charts", "run1-configuration",
                   "run2-configuration", "run2-statistics", "run2-heatmaps", "run2-scatters", "run2-placements"] {
            #expect(html.contains(#"<section id="\#(id)">"#), "\(id)")
        }
        #expect(!html.contains(#"id="run1-heatmaps""#) && !html.contains(#"id="run2-study""#))
        // The heatmaps' colour bars refer to gradients of their own run.
        #expect(html.contains(#"id="run2-heatmap-truth-ramp""#) && html.contains("url(#run2-heatmap-truth-ramp)"))
        #expect(Self.ids(html).count == Set(Self.ids(html)).count, "every id once")
        #expect(html.contains("Metric correlations are signed as measured") && html.contains("Student t intervals over training seeds"))
    }

    @Test func logarithmicTicksAreRoundAndLabelledCompactly() {
        let ticks = AxisTicks(logarithmicLow: 5_775, high: 84_207)
        #expect(ticks.isLogarithmic && ticks.values == [5_000, 10_000, 20_000, 50_000, 100_000])
        #expect(ticks.values.map(ticks.label) == ["5k", "10k", "20k", "50k", "100k"])
        #expect(abs(ticks.fraction(10_000) - log(2) / log(20)) < 1e-12 && ticks.fraction(100_000) == 1)
        let wide = AxisTicks(logarithmicLow: 5_775, high: 2_400_000)
        #expect(wide.values == [5_000, 10_000, 100_000, 1_000_000, 5_000_000] && wide.label(1_000_000) == "1M")
        #expect(!AxisTicks(low: 0, high: 1).isLogarithmic && AxisTicks.compact(1_500_000) == "1.5M" && AxisTicks.compact(512) == "512")
        #expect(ParetoPlot.isLogarithmic([5_775, 84_207]) && !ParetoPlot.isLogarithmic([5_775, 30_000]))
    }

    @Test func pointsAndBarsWithoutAFigureAreLeftOutNotDrawnAtZero() throws {
        let plot = ParetoPlot(title: "t", xLabel: "x", yLabel: "y", points: [
            .init(label: "a", parameters: 1_000, accuracy: 0.5, onFront: true), .init(label: "b", parameters: 2_000, accuracy: .nan, onFront: false),
            .init(label: "c", parameters: 3_000, accuracy: 0.6, low: 0.55, high: 0.65, onFront: true),
        ])
        let svg = plot.svg()
        #expect(Self.count(svg, #"<circle class="point"#) == 2 && Self.count(svg, #"class="whisker""#) == 1 && !svg.contains("(log scale)"))
        let chart = BarChart(title: "t", yLabel: "y", groups: [.init(name: "g", bars: [
            .init(series: 0, value: 0.6, low: 0.5, high: 0.7, label: "a"), .init(series: 1, value: .nan, label: "b"),
        ])], series: ["a", "b"])
        let bars = chart.svg()
        #expect(Self.count(bars, #"<rect class="bar""#) == 1 && bars.contains(">n/a<title>b</title>"))
        // A study without rows still renders: its claims are not judged, its charts empty.
        let empty = Study(run: "r", budget: TrainingBudget(), ks: [1], seeds: [0], entrants: [], choices: [])
        let html = StudySection.html(empty).joined()
        #expect(Self.count(html, "<svg") == 2 && Self.count(html, "– not judged") == 4 && html.contains("Pareto front: none"))
        // Labels close together are moved apart.
        let placed = ParetoPlot.layOut([.init(text: "first", x: 100, y: 100), .init(text: "second", x: 102, y: 103),
                                        .init(text: "third", x: 101, y: 101, required: false)], within: (0, 600), top: 0, bottom: 400)
        #expect(placed.count == 2 && abs(placed[0].y - placed[1].y) >= 13, "the third, not required, does not fit")
        let edge = ParetoPlot.layOut([.init(text: "near the right edge", x: 590, y: 100)], within: (0, 600), top: 0, bottom: 400)
        #expect(edge[0].anchor == "end" && edge[0].to <= 582)
    }

    /// A store holding a finished study on the tiny task (`study` its outcome)
    /// and an interrupted one, made by hand.
    func store(in folder: URL) throws -> (path: String, finished: String, interrupted: String, study: Study) {
        let (model, _) = try TinyTextTask.write(in: folder)
        let path = folder.appendingPathComponent("results.sqlite").path
        let store = try ResultsStore(path: path)
        let configuration = RunConfiguration(command: .study, task: TaskSpecification(model: model, data: .wordNetVerbs),
                                             taskIdentity: .unrecorded,
                                             study: StudySettings(strategies: [try StrategySpecification(parsing: "none")]))
        let finished = try store.createRun(command: "adapter-search study", configuration: try configuration.json(), versions: "{}", seed: 0).id
        let study = SampleStudy.make(run: finished)
        try store.setStatus(run: finished, .finished, outcome: try jsonText(study))
        let interrupted = try store.createRun(command: "adapter-search study", configuration: try configuration.json(), versions: "{}", seed: 0).id
        try store.setStatus(run: interrupted, .interrupted)
        return (path, finished, interrupted, study)
    }

    @Test func aStoredStudyIsReportedAndAnUnfinishedOneIsAnErrorSayingHowToFinishIt() throws {
        try withTemporaryDirectory { folder in
            let (path, finished, interrupted, study) = try store(in: folder)
            let results = try ResultsStore(path: path, create: false)
            let data = try ReportData(run: finished, store: results)
            #expect(data.study == study && data.taskTitle == "model on WordNet verb supersenses")
            #expect(throws: ReportError.unfinishedStudy(run: interrupted, status: .interrupted)) {
                try ReportData(run: interrupted, store: results)
            }

            let out = folder.appendingPathComponent("report").path
            let one = try runAdapterSearch(["report", finished, "--out", out, "--store", path])
            #expect(one.status == 0, "\(one.stderr)")
            let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
            #expect(html.contains(#"<section id="study">"#) && ReportPageTests.charts(html, "pareto").count == 1)

            let two = try runAdapterSearch(["report", finished, finished, "--out", out, "--store", path])
            #expect(two.status == 0, "\(two.stderr)")
            let both = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
            #expect(Self.count(both, #"<article class="run""#) == 2 && both.contains("<header><h1>model on WordNet verb supersenses</h1>"))

            let unfinished = try runAdapterSearch(["report", finished, interrupted, "--out", out, "--store", path])
            #expect(unfinished.status != 0)
            #expect(unfinished.stderr.contains("run \(interrupted) is a study that was interrupted"), "\(unfinished.stderr)")
            #expect(unfinished.stderr.contains("`adapter-search study --resume \(interrupted)`"), "\(unfinished.stderr)")

            let none = try runAdapterSearch(["report", "--out", out, "--store", path])
            #expect(none.status != 0 && none.stderr.contains("run"), "\(none.stderr)")
        }
    }

    /// Renders a study's page and a page of a study and a compare run in
    /// headless Chromium and checks the PNG. Set ADAPTER_SEARCH_REPORT_PNG to
    /// a folder to keep study-N.html and study-N.png there.
    @Test(.enabled(if: Chromium.path != nil, "chromium is not installed (scripts/setup installs it)"), arguments: [1, 2])
    func rendersInHeadlessChromium(runs: Int) throws {
        try withTemporaryDirectory { folder in
            let page = folder.appendingPathComponent("study-\(runs).html"), png = folder.appendingPathComponent("study-\(runs).png")
            let study = SampleStudy.make()
            let data = runs == 1 ? [SampleStudy.report(study)] : [SampleStudy.report(study), SampleReport.make(nodeCount: 13)]
            try ReportPage.html(data).write(to: page, atomically: true, encoding: .utf8)
            let dom = try Chromium.run(["--dump-dom", page.absoluteString], profile: folder.appendingPathComponent("profile-dom"))
            #expect(dom.status == 0, "\(dom.stderr)")
            // The browser's own parse: the charts are elements, and it loaded without console errors or blocked fetches.
            #expect(ReportPageTests.charts(dom.stdout, "pareto").count == 1 && ReportPageTests.charts(dom.stdout, "bars").count == 1)
            #expect(Self.count(dom.stdout, "<svg") == (runs == 1 ? 2 : 2 + 7))
            #expect(Self.count(dom.stdout, #"<rect class="bar""#) == study.rows.count)
            #expect(Self.count(dom.stdout, #"<circle class="point front""#) == study.paretoFront.count)
            #expect(Self.count(dom.stdout, #"<span class="verdict "#) == study.claims.count)
            let complaints = dom.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Refused to") }
            #expect(complaints.isEmpty, "\(complaints)")

            let height = runs == 1 ? 2600 : 5600
            let census = try Chromium.screenshot(page, into: png, height: height)
            #expect(census.width == 1400 && census.height == height)
            #expect(census.counts.count > 300, "only \(census.counts.count) distinct colours")
            #expect(census.nonWhiteFraction > 0.04, "non-white fraction \(census.nonWhiteFraction)")
            // Each bar colour fills its bars (at least 16 x 40 pixels for one series' bars), the
            // front's points are drawn, and each verdict's colour fills its badges.
            for (index, hex) in BarChart.palette.prefix(9).enumerated() {
                let value = Int(hex.dropFirst(), radix: 16)!, pixels = census.pixels(value >> 16, value >> 8 & 0xFF, value & 0xFF)
                #expect(pixels >= 640, "series \(index) (\(hex)): \(pixels) pixels")
            }
            #expect(census.pixels(8, 81, 156) >= 50, "front points: \(census.pixels(8, 81, 156)) pixels")
            for (name, rgb) in [("holds", (220, 242, 226)), ("fails", (251, 224, 224)), ("undecided", (253, 240, 207)), ("unjudged", (236, 236, 236))] {
                #expect(census.pixels(rgb.0, rgb.1, rgb.2) >= 300, "\(name) badges: \(census.pixels(rgb.0, rgb.1, rgb.2)) pixels")
            }
        }
    }
}
