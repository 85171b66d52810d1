import Foundation

/// Bars in groups drawn as SVG, each with its interval as a whisker: one
/// colour per series (the same series in every group), group names under
/// the axis, a legend of the series under them. The vertical axis covers
/// the bars' values and intervals with round ticks; bars rise from its
/// lowest tick, which need not be 0 (the subtitle should say so).
public struct BarChart {
    /// One bar.
    public struct Bar {
        /// An index into `series`: its colour and legend entry.
        public var series: Int
        /// Its height; a bar whose value is not finite is drawn as a grey `n/a`.
        public var value: Double
        /// The interval's lower end, when there is one.
        public var low: Double?
        /// The interval's upper end.
        public var high: Double?
        /// The tooltip.
        public var label: String

        /// A bar of series `series`.
        public init(series: Int, value: Double, low: Double? = nil, high: Double? = nil, label: String) {
            self.series = series
            self.value = value
            self.low = low
            self.high = high
            self.label = label
        }
    }

    /// Bars side by side under one name.
    public struct Group {
        /// The name under the group.
        public var name: String
        /// Its bars, left to right.
        public var bars: [Bar]

        /// A group named `name`.
        public init(name: String, bars: [Bar]) {
            self.name = name
            self.bars = bars
        }
    }

    /// Colours of the series, in order, repeated past the tenth (Tableau 10).
    public static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                 "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    /// The colour of series `index`.
    public static func colour(_ index: Int) -> String { palette[index % palette.count] }

    /// The title above the chart.
    public var title: String
    /// A second line under the title.
    public var subtitle: String?
    /// The vertical axis' name.
    public var yLabel: String
    /// The groups, left to right.
    public var groups: [Group]
    /// The series' names, in legend order.
    public var series: [String]

    /// A chart of `groups`.
    public init(title: String, subtitle: String? = nil, yLabel: String, groups: [Group], series: [String]) {
        self.title = title
        self.subtitle = subtitle
        self.yLabel = yLabel
        self.groups = groups
        self.series = series
    }

    /// The vertical axis' ticks: covering every finite value and interval end.
    public var yTicks: AxisTicks {
        let bars = groups.flatMap(\.bars).filter(\.value.isFinite)
        let values = bars.flatMap { [$0.value, $0.low, $0.high].compactMap { $0 }.filter(\.isFinite) }
        return AxisTicks(low: values.min() ?? 0, high: values.max() ?? 1)
    }

    /// The SVG, `plotHeight` pixels of plot; as wide as the bars need (at
    /// least `minimumWidth`). Every bar is a `<rect class="bar">`, every
    /// interval a `<path class="whisker">`.
    public func svg(plotHeight: Double = 240, minimumWidth: Double = 420) -> String {
        let number = PlotArea.number
        let barWidth = 16.0, barGap = 3.0, groupGap = 26.0, left = 58.0, right = 16.0
        let groupWidths = groups.map { Double(max($0.bars.count, 1)) * (barWidth + barGap) - barGap }
        let plotWidth = max(groupWidths.reduce(0, +) + groupGap * Double(groups.count + 1) - groupGap, minimumWidth - left - right)
        let width = left + plotWidth + right
        let top = subtitle == nil ? 30.0 : 46.0

        // The legend, wrapped into rows under the group names.
        var legend: [(x: Double, row: Int, name: String, index: Int)] = []
        var x = 4.0, row = 0
        for (index, name) in series.enumerated() {
            let entry = 16 + PlotArea.textWidth(name) + 14
            if x + entry > width - 4, x > 4 { (x, row) = (4, row + 1) }
            legend.append((x, row, name, index))
            x += entry
        }
        let legendTop = top + plotHeight + 40
        let height = Int((legendTop + (legend.isEmpty ? -17 : Double(row) * 17) + 8).rounded(.up))

        let area = PlotArea(left: left, top: top, width: plotWidth, height: plotHeight, xTicks: nil, yTicks: yTicks)
        var parts = [##"<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="\##(Int(width.rounded(.up)))" height="\##(height)" viewBox="0 0 \##(Int(width.rounded(.up))) \##(height)" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="11">"##,
                     ##"<text x="4" y="15" font-size="13" font-weight="bold">\##(HTMLText.escape(title))</text>"##]
        if let subtitle { parts.append(##"<text x="4" y="31" fill="#555">\##(HTMLText.escape(subtitle))</text>"##) }
        parts += area.frame(xLabel: nil, yLabel: yLabel)

        let base = area.bottom, ticks = area.yTicks
        var groupX = left + (plotWidth - (groupWidths.reduce(0, +) + groupGap * Double(max(groups.count - 1, 0)))) / 2
        for (group, groupWidth) in zip(groups, groupWidths) {
            for (index, bar) in group.bars.enumerated() {
                let barX = groupX + Double(index) * (barWidth + barGap)
                guard bar.value.isFinite else {
                    parts.append(##"<text x="\##(number(barX + barWidth / 2))" y="\##(number(base - 4))" text-anchor="middle" font-size="9" fill="#888">n/a<title>\##(HTMLText.escape(bar.label))</title></text>"##)
                    continue
                }
                let value = min(max(bar.value, ticks.low), ticks.high), y = area.y(value)
                parts.append(##"<rect class="bar" x="\##(number(barX))" y="\##(number(y))" width="\##(number(barWidth))" height="\##(number(max(base - y, 0)))" fill="\##(Self.colour(bar.series))"><title>\##(HTMLText.escape(bar.label))</title></rect>"##)
                if let low = bar.low, let high = bar.high, low.isFinite, high.isFinite {
                    let middle = number(barX + barWidth / 2), from = number(barX + 4), to = number(barX + barWidth - 4)
                    let lowY = number(area.y(max(low, ticks.low))), highY = number(area.y(min(high, ticks.high)))
                    parts.append(##"<path class="whisker" d="M\##(middle) \##(lowY)V\##(highY)M\##(from) \##(lowY)H\##(to)M\##(from) \##(highY)H\##(to)" stroke="#222" stroke-width="1.2" fill="none"/>"##)
                }
            }
            parts.append(##"<text x="\##(number(groupX + groupWidth / 2))" y="\##(number(base + 17))" text-anchor="middle" font-weight="bold" fill="#333">\##(HTMLText.escape(group.name))</text>"##)
            groupX += groupWidth + groupGap
        }
        for entry in legend {
            let y = legendTop + Double(entry.row) * 17
            parts.append(##"<rect x="\##(number(entry.x))" y="\##(number(y - 9))" width="11" height="11" fill="\##(Self.colour(entry.index))"/>"##)
            parts.append(##"<text x="\##(number(entry.x + 16))" y="\##(number(y))" fill="#333">\##(HTMLText.escape(entry.name))</text>"##)
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }
}
