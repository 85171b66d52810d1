/// Ranks with ties shared: scipy.stats.rankdata's "average" method.
public enum AverageRanks {
    /// The 1-based rank of each value in ascending order; a group of equal
    /// values all get the mean of the ranks they occupy (1, 2.5, 2.5, 4).
    /// The values must not be NaN.
    public static func of(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
            // Positions start...end hold ranks start+1 ... end+1.
            let shared = Double(start + end + 2) / 2
            for position in start...end { ranks[order[position]] = shared }
            start = end + 1
        }
        return ranks
    }
}
