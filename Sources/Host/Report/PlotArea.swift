import Foundation

/// The plotting area of an SVG chart: where it lies, the ticks of its axes,
/// and what is drawn around it: grid lines, tick labels, the axes and their
/// names. Shared by the charts so that they look alike.
public struct PlotArea {
    /// The area's left edge, in pixels from the SVG's.
    public var left: Double
    /// Its top edge.
    public var top: Double
    /// Its width.
    public var width: Double
    /// Its height.
    public var height: Double
    /// The horizontal axis' ticks; nil for a chart whose horizontal axis is
    /// not numeric (bars in groups).
    public var xTicks: AxisTicks?
    /// The vertical axis' ticks.
    public var yTicks: AxisTicks

    /// An area with its edges and ticks.
    public init(left: Double, top: Double, width: Double, height: Double, xTicks: AxisTicks?, yTicks: AxisTicks) {
        self.left = left
        self.top = top
        self.width = width
        self.height = height
        self.xTicks = xTicks
        self.yTicks = yTicks
    }

    /// The horizontal pixel of the value `x` (the left edge without x ticks).
    public func x(_ value: Double) -> Double {
        guard let xTicks else { return left }
        return left + xTicks.fraction(value) * width
    }

    /// The vertical pixel of the value `y`.
    public func y(_ value: Double) -> Double { top + height - yTicks.fraction(value) * height }

    /// The bottom edge.
    public var bottom: Double { top + height }

    /// The SVG elements around the area: a light grid line and a label at
    /// every tick, the left and bottom axes, and the axes' names (`xLabel`
    /// under the horizontal axis, `yLabel` turned along the vertical one).
    public func frame(xLabel: String?, yLabel: String) -> [String] {
        var parts: [String] = []
        if let xTicks {
            for tick in xTicks.values {
                let x = Self.number(x(tick))
                parts.append(##"<path d="M\##(x) \##(Self.number(top))V\##(Self.number(top + height + 4))" stroke="#e3e3e3"/>"##)
                parts.append(##"<text x="\##(x)" y="\##(Self.number(top + height + 16))" text-anchor="middle">\##(xTicks.label(tick))</text>"##)
            }
        }
        for tick in yTicks.values {
            let y = Self.number(y(tick))
            parts.append(##"<path d="M\##(Self.number(left - 4)) \##(y)H\##(Self.number(left + width))" stroke="#e3e3e3"/>"##)
            parts.append(##"<text x="\##(Self.number(left - 7))" y="\##(Self.number(self.y(tick) + 4))" text-anchor="end">\##(yTicks.label(tick))</text>"##)
        }
        parts.append(##"<path d="M\##(Self.number(left)) \##(Self.number(top))V\##(Self.number(top + height))H\##(Self.number(left + width))" fill="none" stroke="#444"/>"##)
        if let xLabel {
            parts.append(##"<text x="\##(Self.number(left + width / 2))" y="\##(Self.number(top + height + 34))" text-anchor="middle" fill="#333">\##(HTMLText.escape(xLabel))</text>"##)
        }
        parts.append(##"<text transform="translate(14 \##(Self.number(top + height / 2))) rotate(-90)" text-anchor="middle" fill="#333">\##(HTMLText.escape(yLabel))</text>"##)
        return parts
    }

    /// A coordinate in SVG text: one decimal.
    public static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    /// About how wide `text` is in pixels at `fontSize` (DejaVu Sans and
    /// its kin: 0.6 em a character on average), for laying out labels.
    public static func textWidth(_ text: String, fontSize: Double = 11) -> Double { Double(text.count) * fontSize * 0.6 }
}
