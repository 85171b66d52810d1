import Foundation

/// An n x n grid of one metric's scores (source node down, target node
/// across), drawn in the terminal or as SVG.
struct Heatmap {
    /// The title: the metric id.
    var title: String
    /// values[i][j] is the score of edge i>j.
    var values: [[Double]]

    private var range: (low: Double, high: Double) {
        let all = values.flatMap { $0 }
        return (all.min() ?? 0, all.max() ?? 0)
    }

    /// Where `value` lies between the lowest and highest score, 0 ... 1.
    private func level(_ value: Double) -> Double {
        let (low, high) = range
        return high > low ? (value - low) / (high - low) : 0.5
    }

    /// Rows of shade characters, darker for higher scores, with node labels.
    var terminal: String {
        let shades = Array(" .:-=+*#%@")
        let n = values.count
        var lines = [String(format: "%@ (low %.4g, high %.4g; rows: source, columns: target)", title, range.low, range.high)]
        lines.append("    " + (0..<n).map { String(format: "%2d", $0) }.joined())
        for (i, row) in values.enumerated() {
            let cells = row.map { value -> String in
                let shade = shades[min(Int(level(value) * Double(shades.count - 1) + 0.5), shades.count - 1)]
                return String(repeating: shade, count: 2)
            }
            lines.append(String(format: "%3d ", i) + cells.joined())
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A self-contained SVG: one square per edge, coloured from light to dark
    /// blue by score, with node labels and each score as a tooltip.
    var svg: String {
        let n = values.count, cell = 28, margin = 40
        let size = margin + n * cell + 10
        var parts = [#"<svg xmlns="http://www.w3.org/2000/svg" width="\#(size)" height="\#(size + 30)" font-family="sans-serif" font-size="11">"#,
                     #"<text x="\#(margin)" y="16" font-size="14">\#(escaped(title)) (rows: source node, columns: target node)</text>"#]
        for index in 0..<n {
            let offset = margin + index * cell + cell / 2
            parts.append(#"<text x="\#(offset)" y="\#(margin + 10)" text-anchor="middle">\#(index)</text>"#)
            parts.append(#"<text x="\#(margin - 6)" y="\#(margin + 20 + index * cell + cell / 2 + 4)" text-anchor="end">\#(index)</text>"#)
        }
        for (i, row) in values.enumerated() {
            for (j, value) in row.enumerated() {
                let t = level(value)
                let colour = String(format: "rgb(%d,%d,%d)", Int(247 - 239 * t), Int(251 - 203 * t), Int(255 - 148 * t))
                parts.append(#"<rect x="\#(margin + j * cell)" y="\#(margin + 20 + i * cell)" width="\#(cell - 1)" height="\#(cell - 1)" fill="\#(colour)"><title>\#(i)&gt;\#(j): \#(value)</title></rect>"#)
            }
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }

    private func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
