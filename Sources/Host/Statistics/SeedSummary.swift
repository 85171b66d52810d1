/// The mean over seeds of one figure (a strategy's accuracy at one budget)
/// with its Student-t interval: mean ± t_{(1+level)/2, n−1} · s / √n, s the
/// sample standard deviation (n − 1 in the denominator), as
/// scipy.stats.t.interval(level, n − 1, loc: mean, scale: sem) gives it.
///
/// Values that are NaN or infinite (a training that diverged) are left out
/// and counted in `excluded`. With no value left every figure is nil; with
/// one the mean is defined and the deviation and interval are nil.
public struct SeedSummary: Codable, Equatable, Sendable {
    /// How many values were summarized (the finite ones): n.
    public var count: Int
    /// How many values were NaN or infinite, left out.
    public var excluded: Int
    /// The mean of the n values (summed in order); nil when n = 0.
    @ExplicitNull public var mean: Double? = nil
    /// The sample standard deviation s; nil when n < 2.
    @ExplicitNull public var standardDeviation: Double? = nil
    /// The lower end of the interval; nil when n < 2.
    @ExplicitNull public var low: Double? = nil
    /// The upper end of the interval; nil when n < 2.
    @ExplicitNull public var high: Double? = nil
    /// The interval's nominal coverage, 0.95 by default.
    public var level: Double

    /// The summary of `values`, one per seed, with a `level` interval
    /// (0 < level < 1).
    public init(_ values: [Double], level: Double = 0.95) {
        precondition(level > 0 && level < 1, "seed summary: level \(level) outside (0, 1)")
        let kept = values.filter(\.isFinite)
        count = kept.count
        excluded = values.count - kept.count
        self.level = level
        guard count >= 1 else { return }
        let n = Double(count), mean = kept.reduce(0, +) / n
        self.mean = mean
        guard count >= 2 else { return }
        let deviation = (kept.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        let halfWidth = StudentT(degreesOfFreedom: n - 1).quantile((1 + level) / 2) * deviation / n.squareRoot()
        standardDeviation = deviation
        low = mean - halfWidth
        high = mean + halfWidth
    }

    private enum CodingKeys: String, CodingKey {
        case count, excluded, mean, standardDeviation = "standard_deviation", low, high, level
    }
}
