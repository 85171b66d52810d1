/// How a heatmap maps values to colours (`report --scale`).
public enum HeatmapScale: String, Sendable, CaseIterable, CustomStringConvertible {
    /// By value, linearly from the lowest (lightest) to the highest (darkest).
    case linear
    /// By rank among the finite values (ties share their average rank), so a
    /// metric whose values crowd at one end still shows its order.
    case rank

    public var description: String { rawValue }
}

/// Levels 0 ... 1 of values on a heatmap scale: where each value lies among
/// the finite values given.
struct ScaleLevels {
    /// The finite values, ascending.
    private let sorted: [Double]
    private let scale: HeatmapScale

    /// The levels of `values` (NaN and infinities left out) on `scale`.
    init(_ values: [Double], scale: HeatmapScale) {
        sorted = values.filter(\.isFinite).sorted()
        self.scale = scale
    }

    /// Where `value` lies, 0 ... 1: linearly between the lowest and highest
    /// value, or as (average rank − 1) / (m − 1) among the m values; 0.5
    /// when all are equal.
    func level(_ value: Double) -> Double {
        guard let low = sorted.first, let high = sorted.last, high > low else { return 0.5 }
        switch scale {
        case .linear:
            return (value - low) / (high - low)
        case .rank:
            let below = firstIndex { $0 >= value }, through = firstIndex { $0 > value }
            let averageRank = Double(below + through + 1) / 2    // ranks below + 1 ... through, averaged
            return (averageRank - 1) / Double(sorted.count - 1)
        }
    }

    /// The first index of `sorted` where `predicate` holds (it must hold from there on).
    private func firstIndex(where predicate: (Double) -> Bool) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if predicate(sorted[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
