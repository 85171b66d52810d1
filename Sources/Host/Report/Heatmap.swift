import Foundation

/// An n x n grid of one metric's scores, or of the true accuracies (source
/// node down, target node across), drawn in the terminal or as SVG. A NaN
/// value is a missing cell (e.g. an edge not trained yet): grey and crossed
/// in SVG, `--` in the terminal, and left out of the colour range.
public struct Heatmap {
    /// The title: the metric id.
    public var title: String
    /// values[i][j] is the score of edge i>j.
    public var values: [[Double]]
    /// A second line under the title (e.g. the metric's direction); the
    /// axis roles when nil.
    public var subtitle: String? = nil
    /// How values map to colours: by value (linear) or by rank.
    public var scale: HeatmapScale = .linear

    /// The lowest and highest finite value (0, 0 when there is none).
    public var range: (low: Double, high: Double) {
        let all = values.flatMap { $0 }.filter(\.isFinite)
        return (all.min() ?? 0, all.max() ?? 0)
    }

    /// Where `value` lies among the scores on `scale`, 0 ... 1: between
    /// the lowest and highest score (linear), or by its average rank among
    /// the finite scores (rank); 0.5 when all are equal.
    public func level(_ value: Double) -> Double { levels.level(value) }

    /// The levels of this heatmap's values on its scale.
    private var levels: ScaleLevels { ScaleLevels(values.flatMap { $0 }, scale: scale) }

    /// Rows of shade characters, darker for higher scores, with node labels.
    public var terminal: String {
        let shades = Array(" .:-=+*#%@")
        let n = values.count, levels = self.levels
        var lines = [String(format: "%@ (low %.4g, high %.4g; rows: source, columns: target)", title, range.low, range.high)]
        lines.append("    " + (0..<n).map { String(format: "%2d", $0) }.joined())
        for (i, row) in values.enumerated() {
            let cells = row.map { value -> String in
                guard value.isFinite else { return "--" }
                let shade = shades[min(Int(levels.level(value) * Double(shades.count - 1) + 0.5), shades.count - 1)]
                return String(repeating: shade, count: 2)
            }
            lines.append(String(format: "%3d ", i) + cells.joined())
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A self-contained SVG with the default cell size.
    public var svg: String { svg() }

    /// A self-contained SVG: one square (`<rect>`) per edge and no other
    /// rect, coloured by `ColourRamp` from the lowest score (lightest) to the
    /// highest (darkest), by value or by rank (`scale`), each score as a tooltip; node numbers and axis
    /// names; under the grid a colour bar labelled with the lowest and
    /// highest score. `cellSize` is the side of a square in pixels; `id`
    /// names the colour bar's gradient, unique within an HTML page.
    public func svg(cellSize cell: Int = 28, id: String = "heatmap") -> String {
        let n = values.count, left = 46, top = 62
        let grid = n * cell
        let missing = values.contains { $0.contains { !$0.isFinite } }
        let width = max(left + grid + 12, scale == .rank && missing ? 360 : 270), height = top + grid + (missing || scale == .rank ? 70 : 56)
        let labelSize = max(8, min(11, cell - 3)), labelEvery = cell >= 12 ? 1 : 2
        let (low, high) = range, levels = self.levels
        let gradient = "\(id)-ramp"
        var parts = [##"<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" width="\##(width)" height="\##(height)" viewBox="0 0 \##(width) \##(height)" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="11">"##,
                     "<defs><linearGradient id=\"\(gradient)\">"
                        + ColourRamp.stops.indices.map { index in
                            "<stop offset=\"\(Double(index) / Double(ColourRamp.stops.count - 1))\" stop-color=\"\(ColourRamp.css(Double(index) / Double(ColourRamp.stops.count - 1)))\"/>"
                        }.joined() + "</linearGradient></defs>",
                     ##"<text x="4" y="15" font-size="13" font-weight="bold">\##(HTMLText.escape(title))</text>"##,
                     ##"<text x="4" y="30" fill="#555">\##(HTMLText.escape(subtitle ?? "rows: source node, columns: target node"))</text>"##,
                     ##"<text x="\##(left + grid / 2)" y="\##(top - 18)" text-anchor="middle" fill="#555">target node →</text>"##,
                     ##"<text transform="translate(12 \##(top + grid / 2)) rotate(-90)" text-anchor="middle" fill="#555">← source node</text>"##]
        for index in stride(from: 0, to: n, by: labelEvery) {
            let offset = index * cell + cell / 2
            parts.append(##"<text x="\##(left + offset)" y="\##(top - 4)" text-anchor="middle" font-size="\##(labelSize)">\##(index)</text>"##)
            parts.append(##"<text x="\##(left - 5)" y="\##(top + offset + labelSize / 3)" text-anchor="end" font-size="\##(labelSize)">\##(index)</text>"##)
        }
        for (i, row) in values.enumerated() {
            for (j, value) in row.enumerated() {
                let x = left + j * cell, y = top + i * cell
                guard value.isFinite else {
                    parts.append(##"<rect x="\##(x)" y="\##(y)" width="\##(cell - 1)" height="\##(cell - 1)" fill="rgb(224,224,224)"><title>\##(i)&gt;\##(j): missing</title></rect>"##)
                    parts.append(##"<path d="M\##(x + 3) \##(y + 3)L\##(x + cell - 4) \##(y + cell - 4)M\##(x + cell - 4) \##(y + 3)L\##(x + 3) \##(y + cell - 4)" stroke="#aaa" stroke-width="1"/>"##)
                    continue
                }
                parts.append(##"<rect x="\##(x)" y="\##(y)" width="\##(cell - 1)" height="\##(cell - 1)" fill="\##(ColourRamp.css(levels.level(value)))"><title>\##(i)&gt;\##(j): \##(value)</title></rect>"##)
            }
        }
        // The colour bar: a path, so that the squares are the only rects.
        let barTop = top + grid + 14, barWidth = min(max(grid, 160), width - left - 8)
        parts.append(##"<path d="M\##(left) \##(barTop)h\##(barWidth)v10h-\##(barWidth)z" fill="url(#\##(gradient))" stroke="#999" stroke-width="0.5"/>"##)
        parts.append(##"<text x="\##(left)" y="\##(barTop + 24)" fill="#333">\##(Self.format(low))</text>"##)
        parts.append(##"<text x="\##(left + barWidth)" y="\##(barTop + 24)" text-anchor="end" fill="#333">\##(Self.format(high))</text>"##)
        var notes: [String] = []
        if scale == .rank { notes.append("colour: rank among the values") }
        if missing { notes.append("grey, crossed: no value") }
        if !notes.isEmpty {
            parts.append(##"<text x="\##(left)" y="\##(barTop + 39)" fill="#777">\##(notes.joined(separator: "; "))</text>"##)
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }

    /// A score for a label: 4 significant digits.
    public static func format(_ value: Double) -> String { String(format: "%.4g", value) }
}
