import Core
import Foundation

/// Scores of every edge by each metric.
public struct ScoreTable {
    public var edges: [Edge]
    public var columns: [(id: String, scores: [Double])]

    public func text() -> String {
        TextTable.render([["EDGE", "KIND"] + columns.map { $0.id.uppercased() }] + edges.indices.map { row in
            [edges[row].description, edges[row].kind.description] + columns.map { Self.format($0.scores[row]) }
        })
    }

    public func csv() -> String {
        (["i,j,kind" + columns.map { "," + $0.id }.joined()] + edges.indices.map { row in
            "\(edges[row].source),\(edges[row].target),\(edges[row].kind)" + columns.map { "," + Self.format($0.scores[row]) }.joined()
        }).joined(separator: "\n") + "\n"
    }

    public func json() throws -> String {
        let objects = edges.indices.map { row -> [String: Any] in
            var object: [String: Any] = ["i": edges[row].source, "j": edges[row].target, "kind": edges[row].kind.description]
            for column in columns { object[column.id] = column.scores[row] }
            return object
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys]), as: UTF8.self)
    }

    public func heatmap(_ id: String) -> Heatmap {
        let scores = columns.first { $0.id == id }!.scores
        let n = Int(Double(edges.count).squareRoot())
        var grid = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for (edge, score) in zip(edges, scores) { grid[edge.source][edge.target] = score }
        return Heatmap(title: id, values: grid)
    }

    /// Integers as integers, others with 6 significant digits.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.6g", value)
    }
}
