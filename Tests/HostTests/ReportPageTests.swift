import Foundation
import Testing
@testable import Host

/// The HTML report: its structure, its escaping, and how headless Chromium
/// renders it.
@Suite struct ReportPageTests {
    /// The SVG elements of `html` whose opening tag has `class="<kind>"`.
    static func charts(_ html: String, _ kind: String) -> [String] {
        html.components(separatedBy: "<svg").dropFirst().filter { $0.hasPrefix(#" xmlns="http://www.w3.org/2000/svg" class="\#(kind)""#) }
    }

    @Test func hasAHeatmapPerMetricAndTheTruthAndAScatterPerMetric() {
        let data = SampleReport.make(), html = ReportPage.html(data)
        let n = SampleReport.nodeCount
        #expect(html.components(separatedBy: "<svg").count - 1 == 4 + 3)
        let heatmaps = Self.charts(html, "heatmap"), scatters = Self.charts(html, "scatter")
        #expect(heatmaps.count == 4 && scatters.count == 3)
        for heatmap in heatmaps {
            #expect(heatmap.components(separatedBy: "<rect").count - 1 == n * n)
        }
        // Every edge with a truth is a point; the untrained one is not.
        for scatter in scatters {
            #expect(scatter.components(separatedBy: #"class="point""#).count - 1 == n * n - 1)
        }
        #expect(heatmaps[0].contains("missing") && heatmaps[0].contains("no value") && heatmaps[0].contains("rgb(224,224,224)"))
        for id in ["gradient-rank", "gradient-norm", "loss-proxy"] {
            #expect(html.contains(">\(id)</td>") && html.contains("\(id): ρ = "))
        }
        #expect(html.contains("lower-is-better") && html.contains("k = 3"))
        #expect(html.components(separatedBy: "<tr class=\"best\">").count == 2)   // gga, the best val acc
        #expect(html.contains("1\u{2009}234\u{2009}567"))
    }

    @Test func isSelfContainedAndEscapesText() {
        let html = ReportPage.html(SampleReport.make())
        for forbidden in ["<script", "<link", "src=", "@import", "url(http", "href=\"http"] {
            #expect(!html.contains(forbidden), "the page contains \(forbidden)")
        }
        #expect(html.contains("demo &lt;run&gt; &amp; &quot;quotes&quot;") && !html.contains("<run>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("Content-Security-Policy"))
    }

    @Test func aMetricWithoutTruthOrWithTheWrongCountStillRenders() {
        var data = SampleReport.make()
        data.truth = nil
        data.metrics = data.metrics.map { ReportData.Metric(id: $0.id, direction: $0.direction, scores: $0.scores, comparison: nil) }
        data.metrics[1].scores.removeLast()
        data.strategies = []
        let html = ReportPage.html(data)
        #expect(Self.charts(html, "heatmap").count == 2 && Self.charts(html, "scatter").isEmpty)
        #expect(html.contains("24 values, expected 25") && html.contains("No ground truth"))
    }

    @Test func theRankScaleColoursByOrderWhereValuesCrowd() {
        // Three values crowd near 0 beside one far above: linear puts them all at the light end, rank spreads them.
        let values: [[Double]] = [[0, 0.001], [0.002, 1000]]
        let linear = Heatmap(title: "crowded", values: values), rank = Heatmap(title: "crowded", values: values, scale: .rank)
        #expect(linear.level(0.002) < 0.001 && linear.level(1000) == 1)
        #expect(rank.level(0) == 0 && abs(rank.level(0.001) - 1.0 / 3) < 1e-12 && abs(rank.level(0.002) - 2.0 / 3) < 1e-12)
        #expect(rank.level(1000) == 1)
        // Ties share their average rank; NaN is left out; all equal is the middle.
        let tied = Heatmap(title: "t", values: [[1, 1], [2, .nan]], scale: .rank)
        #expect(tied.level(1) == 0.25 && tied.level(2) == 1)
        #expect(Heatmap(title: "flat", values: [[3, 3]], scale: .rank).level(3) == 0.5)
        let svg = rank.svg()
        #expect(svg.contains("colour: rank among the values") && svg.contains(ColourRamp.css(1.0 / 3)))
        #expect(!linear.svg().contains("rank among"))
        let page = ReportPage.html(SampleReport.make(), scale: .rank)
        #expect(page.contains("coloured by its rank") && Self.charts(page, "heatmap").count == 4)
        #expect(ReportPage.html(SampleReport.make()) == ReportPage.html(SampleReport.make(), scale: .linear))
    }

    @Test func theStatisticsShowEachMetricsResolutionAndWarnWhenSaturated() {
        var data = SampleReport.make()
        data.metrics[0].resolution = ScoreResolution(scores: [Double](repeating: 16, count: 20) + [3, 4, 5, 6, 7],
                                                     direction: .higherIsBetter, rankCeiling: 16)
        data.metrics[1].resolution = ScoreResolution(scores: (0..<25).map(Double.init), direction: .higherIsBetter)
        let html = ReportPage.html(data)
        #expect(html.contains("<table class=\"resolution\">") && html.contains("6 / 25") && html.contains("80.0% of 16"))
        #expect(html.components(separatedBy: "<tr class=\"saturated\">").count == 2)
        #expect(html.contains("<p class=\"warning\">warning: \(data.metrics[0].id) is saturated"))
        // Without a truth the resolution is still shown.
        data.truth = nil
        data.metrics = data.metrics.map { var metric = $0; metric.comparison = nil; return metric }
        #expect(ReportPage.html(data).contains("<table class=\"resolution\">"))
    }

    /// The report coloured by rank renders in headless Chromium as the linear one does.
    @Test(.enabled(if: Chromium.path != nil, "chromium is not installed (scripts/setup installs it)"))
    func rendersOnTheRankScaleInHeadlessChromium() throws {
        try withTemporaryDirectory { folder in
            let page = folder.appendingPathComponent("report-rank.html"), png = folder.appendingPathComponent("report-rank.png")
            var data = SampleReport.make()
            data.metrics[0].resolution = ScoreResolution(scores: data.metrics[0].scores, direction: data.metrics[0].direction)
            try ReportPage.html(data, scale: .rank).write(to: page, atomically: true, encoding: .utf8)
            let dom = try Chromium.run(["--dump-dom", page.absoluteString], profile: folder.appendingPathComponent("profile-dom"))
            #expect(dom.status == 0, "\(dom.stderr)")
            let n = SampleReport.nodeCount
            #expect(dom.stdout.components(separatedBy: "<rect").count - 1 == 4 * n * n)
            #expect(dom.stdout.contains("class=\"resolution\""))
            let complaints = dom.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Refused to") }
            #expect(complaints.isEmpty, "\(complaints)")
            let census = try Chromium.screenshot(page, into: png, height: 2600)
            #expect(census.pixels(8, 48, 107) >= 4 * 400, "darkest ramp colour: \(census.pixels(8, 48, 107)) pixels")
            #expect(census.blueAreas >= 20, "\(census.blueAreas) heatmap-like colours")
        }
    }

    @Test func ticksAreRoundAndCoverTheData() {
        let ticks = AxisTicks(low: 0.613, high: 0.871)
        #expect(ticks.step == 0.1 && ticks.low <= 0.613 && ticks.high >= 0.871)
        #expect(ticks.values.map(ticks.label) == ["0.6", "0.7", "0.8", "0.9"])
        #expect(AxisTicks(low: 0.613, high: 0.871, count: 8).values.count == 7)
        let flat = AxisTicks(low: 3, high: 3)
        #expect(flat.low < 3 && flat.high > 3)
        #expect(AxisTicks(low: 1e-5, high: 4e-5).label(2e-5) == "2e-05")
    }

    @Test func theRampRunsFromLightToDarkBlue() {
        #expect(ColourRamp.css(0) == "rgb(247,251,255)" && ColourRamp.css(1) == "rgb(8,48,107)")
        #expect(ColourRamp.css(0.5) == "rgb(107,174,214)" && ColourRamp.css(-1) == ColourRamp.css(0))
        let dark = (0...10).map { ColourRamp.colour(Double($0) / 10) }.map { $0.red + $0.green + $0.blue }
        #expect(dark == dark.sorted(by: >))
    }

    /// Renders the sample report (5 nodes, and 13 as MiniLM has) in headless
    /// Chromium and checks the PNG. Set ADAPTER_SEARCH_REPORT_PNG to a folder
    /// to keep report-N.html and report-N.png there.
    @Test(.enabled(if: Chromium.path != nil, "chromium is not installed (scripts/setup installs it)"), arguments: [5, 13])
    func rendersInHeadlessChromium(nodeCount n: Int) throws {
        try withTemporaryDirectory { folder in
            let page = folder.appendingPathComponent("report-\(n).html"), png = folder.appendingPathComponent("report-\(n).png")
            try ReportPage.html(SampleReport.make(nodeCount: n)).write(to: page, atomically: true, encoding: .utf8)
            let dom = try Chromium.run(["--dump-dom", page.absoluteString], profile: folder.appendingPathComponent("profile-dom"))
            #expect(dom.status == 0, "\(dom.stderr)")
            // The browser's own parse: the charts are elements, and it loaded without console errors or blocked fetches.
            #expect(dom.stdout.components(separatedBy: "<svg").count - 1 == 7)
            #expect(dom.stdout.components(separatedBy: "<rect").count - 1 == 4 * n * n)
            #expect(dom.stdout.components(separatedBy: #"class="point""#).count - 1 == 3 * (n * n - 1))
            let complaints = dom.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Refused to") }
            #expect(complaints.isEmpty, "\(complaints)")

            let census = try Chromium.screenshot(page, into: png, height: 2600)
            #expect(census.width == 1400 && census.height == 2600)
            #expect(census.counts.count > 300, "only \(census.counts.count) distinct colours")
            #expect(census.nonWhiteFraction > 0.04, "non-white fraction \(census.nonWhiteFraction)")
            // The ramp's darkest colour fills each heatmap's highest square
            // (at least 20 x 20 pixels at these sizes), and intermediate ramp
            // colours appear; so do the opaque legend dots of the scatters.
            #expect(census.pixels(8, 48, 107) >= 4 * 400, "darkest ramp colour: \(census.pixels(8, 48, 107)) pixels")
            #expect(census.blueAreas >= 20, "\(census.blueAreas) heatmap-like colours")
            #expect(census.pixels(27, 158, 119) > 0 && census.pixels(231, 41, 138) > 0, "scatter kind colours missing")
        }
    }
}

/// How often each colour occurs in a picture.
struct ColourCensus {
    var width: Int
    var height: Int
    /// Pixel counts by colour, 0xRRGGBB.
    var counts: [UInt32: Int] = [:]
    /// The fraction of pixels darker than near-white.
    var nonWhiteFraction: Double

    init(_ image: PNGImage) {
        (width, height) = (image.width, image.height)
        var counts: [UInt32: Int] = [:], nonWhite = 0
        for index in 0..<(image.width * image.height) {
            let (r, g, b) = (image.rgb[index * 3], image.rgb[index * 3 + 1], image.rgb[index * 3 + 2])
            counts[UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b), default: 0] += 1
            if Int(r) + Int(g) + Int(b) < 3 * 240 { nonWhite += 1 }
        }
        self.counts = counts
        nonWhiteFraction = Double(nonWhite) / Double(max(image.width * image.height, 1))
    }

    /// How many pixels have exactly this colour.
    func pixels(_ r: Int, _ g: Int, _ b: Int) -> Int { counts[UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b)] ?? 0 }

    /// How many distinct blue colours (like the heatmap ramp's) fill an area
    /// of 300 pixels or more.
    var blueAreas: Int {
        counts.filter { colour, count in
            let (r, g, b) = (Int(colour >> 16), Int(colour >> 8 & 0xFF), Int(colour & 0xFF))
            return count >= 300 && b > r + 40 && b >= g && r < 200
        }.count
    }
}

/// Headless Chromium, Debian's `chromium` package.
enum Chromium {
    /// The browser's path, or nil when it is not installed.
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Runs the browser headless on `arguments` with its own profile folder,
    /// stopped after 120 s. The flags: no sandbox (tests may run as root),
    /// no GPU, one device pixel per CSS pixel, no scrollbars, logging to
    /// standard error (console messages appear there).
    static func run(_ arguments: [String], profile: URL) throws -> ProcessResult {
        try runProcess(URL(fileURLWithPath: "/usr/bin/timeout"),
                       ["120", path!, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--force-device-scale-factor=1", "--no-first-run", "--disable-extensions",
                        "--enable-logging=stderr", "--v=0", "--user-data-dir=\(profile.path)"] + arguments)
    }

    /// Screenshots `page` at 1400 x `height` into `png` (a fresh profile
    /// beside it), copies both into $ADAPTER_SEARCH_REPORT_PNG when set (to
    /// look at them), and returns the picture's colours.
    static func screenshot(_ page: URL, into png: URL, height: Int,
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> ColourCensus {
        let shot = try run(["--screenshot=\(png.path)", "--window-size=1400,\(height)", page.absoluteString],
                           profile: png.deletingLastPathComponent().appendingPathComponent("profile-shot"))
        #expect(shot.status == 0, "\(shot.stderr)", sourceLocation: sourceLocation)
        if let keep = ProcessInfo.processInfo.environment["ADAPTER_SEARCH_REPORT_PNG"] {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            for file in [page, png] {
                let target = URL(fileURLWithPath: keep).appendingPathComponent(file.lastPathComponent)
                try? FileManager.default.removeItem(at: target)
                try FileManager.default.copyItem(at: file, to: target)
            }
        }
        return ColourCensus(try PNGImage(contentsOf: png.path))
    }
}
