import Foundation

/// Accuracy against trainable parameters drawn as SVG: one point per
/// candidate with its interval as a whisker, the Pareto front's points
/// larger, dark, labelled and joined by a line, the others grey with their
/// label as a tooltip (and beside them where a point stands alone). The parameter axis is logarithmic when the counts
/// span a factor of 10 or more, else linear.
public struct ParetoPlot {
    /// One candidate (a strategy at some k).
    public struct Point {
        /// Its name, shown beside a point on the front and as every point's tooltip.
        public var label: String
        /// Its trainable parameters.
        public var parameters: Double
        /// Its accuracy; a point whose accuracy or parameters are not finite is left out.
        public var accuracy: Double
        /// The interval of the accuracy, when there is one.
        public var low: Double?
        /// The interval's upper end.
        public var high: Double?
        /// Whether it is on the Pareto front.
        public var onFront: Bool

        /// A point named `label`.
        public init(label: String, parameters: Double, accuracy: Double, low: Double? = nil, high: Double? = nil, onFront: Bool) {
            self.label = label
            self.parameters = parameters
            self.accuracy = accuracy
            self.low = low
            self.high = high
            self.onFront = onFront
        }
    }

    /// The colour of the front's points, line and labels.
    public static let frontColour = "#08519c"
    /// The colour of the other points.
    public static let otherColour = "#9a9a9a"

    /// The title above the plot.
    public var title: String
    /// The horizontal axis' name (the parameters).
    public var xLabel: String
    /// The vertical axis' name (the accuracy).
    public var yLabel: String
    /// The candidates.
    public var points: [Point]

    /// A plot of `points`.
    public init(title: String, xLabel: String, yLabel: String, points: [Point]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
    }

    /// The points drawn: those with finite coordinates (and, on a
    /// logarithmic axis, positive parameters).
    var shown: [Point] {
        let finite = points.filter { $0.parameters.isFinite && $0.accuracy.isFinite }
        return Self.isLogarithmic(finite.map(\.parameters)) ? finite.filter { $0.parameters > 0 } : finite
    }

    /// Whether parameter counts `values` call for a logarithmic axis: all
    /// positive ones span a factor of 10 or more.
    public static func isLogarithmic(_ values: [Double]) -> Bool {
        let positive = values.filter { $0 > 0 }
        guard let low = positive.min(), let high = positive.max() else { return false }
        return high / low >= 10
    }

    /// The SVG, `width` x `height` pixels. Every point is a `<circle
    /// class="point">` (`class="point front"` on the front), the front's
    /// line a `<path class="front-line">`, each front label a `<text
    /// class="label">` (a dominated point's `class="label dominated"`).
    public func svg(width: Int = 620, height: Int = 400) -> String {
        let shown = self.shown, number = PlotArea.number
        let logarithmic = Self.isLogarithmic(shown.map(\.parameters))
        let lows = shown.map { $0.low ?? $0.accuracy }, highs = shown.map { $0.high ?? $0.accuracy }
        let xTicks = logarithmic ? AxisTicks(logarithmicLow: shown.map(\.parameters).min() ?? 1, high: shown.map(\.parameters).max() ?? 10)
            : AxisTicks(low: shown.map(\.parameters).min() ?? 0, high: shown.map(\.parameters).max() ?? 1)
        let area = PlotArea(left: 58, top: 46, width: Double(width) - 58 - 20, height: Double(height) - 46 - 48,
                            xTicks: xTicks, yTicks: AxisTicks(low: lows.min() ?? 0, high: highs.max() ?? 1))

        var parts = [##"<svg xmlns="http://www.w3.org/2000/svg" class="pareto" width="\##(width)" height="\##(height)" viewBox="0 0 \##(width) \##(height)" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="11">"##,
                     ##"<text x="4" y="15" font-size="13" font-weight="bold">\##(HTMLText.escape(title))</text>"##]
        parts += area.frame(xLabel: xLabel + (logarithmic ? " (log scale)" : ""), yLabel: yLabel)
        // The legend, in one row under the title.
        parts.append(##"<circle cx="8" cy="30" r="5" fill="\##(Self.frontColour)"/><text x="17" y="34" fill="#333">on the Pareto front</text>"##)
        parts.append(##"<circle cx="148" cy="30" r="3.5" fill="#fff" stroke="\##(Self.otherColour)" stroke-width="1.5"/><text x="157" y="34" fill="#333">dominated (hover for its name)</text>"##)
        parts.append(##"<path d="M340 30h14" stroke="#bbb" stroke-width="1.5"/><text x="359" y="34" fill="#333">95% interval</text>"##)

        // Whiskers first, then the front's line, then the points over them.
        for point in shown {
            guard let low = point.low, let high = point.high else { continue }
            let x = number(area.x(point.parameters))
            parts.append(##"<path class="whisker" d="M\##(x) \##(number(area.y(low)))V\##(number(area.y(high)))" stroke="\##(point.onFront ? "#6a9ecf" : "#cfcfcf")" stroke-width="1.5"/>"##)
        }
        let front = shown.filter(\.onFront).sorted { ($0.parameters, $0.accuracy) < ($1.parameters, $1.accuracy) }
        if front.count > 1 {
            let path = front.enumerated().map { index, point in
                "\(index == 0 ? "M" : "L")\(number(area.x(point.parameters))) \(number(area.y(point.accuracy)))"
            }.joined()
            parts.append(##"<path class="front-line" d="\##(path)" fill="none" stroke="\##(Self.frontColour)" stroke-width="1.5" stroke-opacity="0.7"/>"##)
        }
        for point in shown where !point.onFront {
            parts.append(##"<circle class="point" cx="\##(number(area.x(point.parameters)))" cy="\##(number(area.y(point.accuracy)))" r="3.5" fill="#fff" stroke="\##(Self.otherColour)" stroke-width="1.5"><title>\##(HTMLText.escape(tooltip(point)))</title></circle>"##)
        }
        for point in front {
            parts.append(##"<circle class="point front" cx="\##(number(area.x(point.parameters)))" cy="\##(number(area.y(point.accuracy)))" r="5" fill="\##(Self.frontColour)" stroke="#fff" stroke-width="1"><title>\##(HTMLText.escape(tooltip(point)))</title></circle>"##)
        }
        // Labels: every front point's; a dominated point's where it stands alone and its label fits.
        let positions = shown.map { (x: area.x($0.parameters), y: area.y($0.accuracy)) }
        let alone = shown.indices.filter { index in
            !shown[index].onFront && !positions.indices.contains { other in
                other != index && hypot(positions[other].x - positions[index].x, positions[other].y - positions[index].y) < 16
            }
        }
        let labels = front.map { Label(text: $0.label, x: area.x($0.parameters), y: area.y($0.accuracy)) }
            + alone.map { Label(text: shown[$0].label, x: positions[$0].x, y: positions[$0].y, required: false) }
        for label in Self.layOut(labels, points: positions, within: (4, Double(width) - 4), top: area.top + 8, bottom: area.bottom - 4) {
            let colour = label.required ? Self.frontColour : "#666"
            parts.append(##"<text class="label\##(label.required ? "" : " dominated")" x="\##(number(label.x))" y="\##(number(label.y))" text-anchor="\##(label.anchor)" fill="\##(colour)" stroke="#fff" stroke-width="3" paint-order="stroke">\##(HTMLText.escape(label.text))</text>"##)
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }

    /// A point's tooltip: its label, accuracy with interval, parameters.
    func tooltip(_ point: Point) -> String {
        let interval = point.low.flatMap { low in point.high.map { String(format: " [%.4f, %.4f]", low, $0) } } ?? ""
        return "\(point.label): " + String(format: "%.4f", point.accuracy) + interval + ", \(Int(point.parameters.rounded())) parameters"
    }

    /// A label to place beside its point, at (x, y) in pixels.
    struct Label {
        var text: String
        var x: Double
        var y: Double
        /// Whether it must be shown (a front point's); a label that is not
        /// is shown only where it fits as it is.
        var required = true
    }

    /// A placed label: its text's anchor point and side.
    struct PlacedLabel {
        var text: String
        var x: Double
        var y: Double
        /// `start` (right of the point) or `end` (left of it).
        var anchor: String
        var required: Bool
        /// The horizontal extent of the text.
        var from: Double, to: Double
    }

    /// Where labels go, so that none overlaps another: each to the right of
    /// its point, or to the left when that would cross the right edge. The
    /// required ones are placed top to bottom, each moved down or up by
    /// whole lines (the nearest first) until clear of those placed before
    /// it and inside `top ... bottom`; then each other one beside its point
    /// if it clashes with no label and covers none of `points`, else not at all.
    static func layOut(_ labels: [Label], points: [(x: Double, y: Double)] = [], within edges: (left: Double, right: Double),
                       top: Double, bottom: Double) -> [PlacedLabel] {
        let line = 13.0
        var placed: [PlacedLabel] = []
        let ordered = labels.filter(\.required).sorted { $0.y < $1.y } + labels.filter { !$0.required }.sorted { $0.y < $1.y }
        for label in ordered {
            let width = PlotArea.textWidth(label.text)
            let right = label.x + 8 + width <= edges.right || label.x - 8 - width < edges.left
            let from = right ? label.x + 8 : label.x - 8 - width, to = from + width
            func clashes(_ y: Double) -> Bool {
                placed.contains { abs($0.y - y) < line && $0.from < to + 4 && from < $0.to + 4 }
            }
            let start = min(max(label.y + 4, top), bottom)
            let y: Double
            if label.required {
                let offsets = [0.0] + (1...20).flatMap { [Double($0), -Double($0)] }
                y = offsets.map { start + $0 * line }.first { $0 >= top && $0 <= bottom && !clashes($0) } ?? start
            } else {
                let covers = points.contains { $0.x > from - 4 && $0.x < to + 4 && $0.y > start - 14 && $0.y < start + 5 }
                guard start == label.y + 4, !clashes(start), !covers else { continue }
                y = start
            }
            placed.append(PlacedLabel(text: label.text, x: right ? label.x + 8 : label.x - 8, y: y, anchor: right ? "start" : "end",
                                      required: label.required, from: from, to: to))
        }
        return placed
    }
}
