#if canImport(Glibc)
import Glibc
#endif

/// Ranks, rank correlation and rank aggregation over metric scores: the
/// helpers score-guided plugins share (`rank-ensemble` aggregates ranks,
/// `calibrated-gga` correlates them with accuracies), in one place.
public enum Ranking {
    /// `scores` turned so that higher is better: lower-is-better scores negated.
    public static func oriented(_ scores: [Double], direction: Direction) -> [Double] {
        direction == .higherIsBetter ? scores : scores.map { -$0 }
    }

    /// The rank of each score, 1 for the best under `direction`; scores that
    /// tie share the mean of the ranks they span (fractional ranking: two
    /// scores tied for the best both get 1.5).
    public static func ranks(_ scores: [Double], direction: Direction = .higherIsBetter) -> [Double] {
        let values = oriented(scores, direction: direction)
        let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
            let shared = Double(start + end) / 2 + 1  // the mean of ranks start + 1 ... end + 1
            for position in start...end { ranks[order[position]] = shared }
            start = end + 1
        }
        return ranks
    }

    /// Spearman's rho of `x` and `y` (the same length): the Pearson
    /// correlation of their fractional ranks, in [-1, 1]. 0 when there are
    /// fewer than two pairs or either side is constant (no evidence either way).
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "spearman needs two vectors of one length")
        guard x.count >= 2 else { return 0 }
        let (a, b) = (ranks(x), ranks(y))
        let mean = Double(x.count + 1) / 2  // the mean of fractional ranks is always (n + 1) / 2
        var product = 0.0, squaresA = 0.0, squaresB = 0.0
        for index in a.indices {
            let (da, db) = (a[index] - mean, b[index] - mean)
            product += da * db
            squaresA += da * da
            squaresB += db * db
        }
        guard squaresA > 0, squaresB > 0 else { return 0 }
        return max(-1, min(1, product / (squaresA * squaresB).squareRoot()))
    }

    /// Rank aggregation by the mean of log-ranks: for each position, the
    /// mean over `columns` of ln(rank), each column ranked under its own
    /// direction (`ranks`). Lower is better; 0 means ranked first by every
    /// column. Every column must be as long as the first.
    public static func meanLogRanks(_ columns: [(scores: [Double], direction: Direction)]) -> [Double] {
        guard let count = columns.first?.scores.count else { return [] }
        var sums = [Double](repeating: 0, count: count)
        for column in columns {
            precondition(column.scores.count == count, "meanLogRanks needs columns of one length")
            for (index, rank) in ranks(column.scores, direction: column.direction).enumerated() { sums[index] += log(rank) }
        }
        return sums.map { $0 / Double(columns.count) }
    }

    /// Of `candidates` (score vectors oriented so that higher is better, each
    /// as long as `accuracies`), the one whose Spearman rho with `accuracies`
    /// is the highest, and that rho; ties go to the earlier candidate. Nil
    /// when there are no candidates.
    public static func bestCorrelated(_ candidates: [[Double]], with accuracies: [Double]) -> (index: Int, rho: Double)? {
        var best: (index: Int, rho: Double)?
        for (index, scores) in candidates.enumerated() {
            let rho = spearman(scores, accuracies)
            if best == nil || rho > best!.rho { best = (index, rho) }
        }
        return best
    }
}
