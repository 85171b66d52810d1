import Foundation

/// A scatter plot drawn as SVG: one circle per point, coloured by group,
/// framed by axes with round ticks, tick labels and axis names.
public struct ScatterPlot {
    /// One point, with the tooltip shown on hover.
    public struct Point {
        public var x: Double
        public var y: Double
        /// The tooltip (e.g. the edge `3>5`).
        public var label: String
        /// An index into `groups`.
        public var group: Int
    }

    /// The title above the plot.
    public var title: String
    /// The horizontal axis' name.
    public var xLabel: String
    /// The vertical axis' name.
    public var yLabel: String
    /// The points; those with a non-finite coordinate are left out.
    public var points: [Point]
    /// Group names and their colours (CSS), shown as a legend.
    public var groups: [(name: String, colour: String)]

    /// The SVG, `width` x `height` pixels. Every point is a
    /// `<circle class="point">`.
    public func svg(width: Int = 380, height: Int = 320) -> String {
        let left = 58.0, right = 26.0, top = 46.0, bottom = 64.0
        let shown = points.filter { $0.x.isFinite && $0.y.isFinite }
        let area = PlotArea(left: left, top: top, width: Double(width) - left - right, height: Double(height) - top - bottom,
                            xTicks: AxisTicks(low: shown.map(\.x).min() ?? 0, high: shown.map(\.x).max() ?? 1),
                            yTicks: AxisTicks(low: shown.map(\.y).min() ?? 0, high: shown.map(\.y).max() ?? 1))
        let number = PlotArea.number

        var parts = [##"<svg xmlns="http://www.w3.org/2000/svg" class="scatter" width="\##(width)" height="\##(height)" viewBox="0 0 \##(width) \##(height)" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="11">"##,
                     ##"<text x="4" y="15" font-size="13" font-weight="bold">\##(HTMLText.escape(title))</text>"##]
        // Grid lines, tick labels, axes and their names.
        parts += area.frame(xLabel: xLabel, yLabel: yLabel)
        // The legend, in one row under the title.
        var legendX = 4.0
        for group in groups {
            parts.append(##"<circle cx="\##(number(legendX + 4))" cy="30" r="4" fill="\##(group.colour)"/>"##)
            parts.append(##"<text x="\##(number(legendX + 11))" y="34" fill="#333">\##(HTMLText.escape(group.name))</text>"##)
            legendX += 18 + Double(group.name.count) * 6.5
        }
        for point in shown {
            let colour = groups.indices.contains(point.group) ? groups[point.group].colour : "#333"
            parts.append(##"<circle class="point" cx="\##(number(area.x(point.x)))" cy="\##(number(area.y(point.y)))" r="3.5" fill="\##(colour)" fill-opacity="0.75" stroke="#fff" stroke-width="0.5"><title>\##(HTMLText.escape(point.label)): \##(point.x), \##(point.y)</title></circle>"##)
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }
}
