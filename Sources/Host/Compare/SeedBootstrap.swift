import Core

/// A seeded percentile bootstrap over probe seeds.
///
/// A metric scored on S probe batches (each drawn with a different seed)
/// gives S score vectors over the same edges. The estimate of a statistic
/// (rho, tau, overlap, regret against the truth) is:
///
/// - point: the statistic of the **mean-over-seeds scores** (project choice).
///   The mean of S batches is the score the tool would act on given S
///   batches, it has less noise than any one batch, and it breaks the
///   heavy ties of integer metrics (gradient-rank) by averaging. The
///   resamples below apply the same estimator to resampled seeds, so the
///   interval describes the same quantity as the point. (The other choice,
///   the mean of per-seed statistics, describes a single-batch metric and
///   is biased towards 0 by per-batch noise.)
/// - interval: the (1 - level)/2 and (1 + level)/2 percentiles (2.5 and 97.5
///   for 0.95) of the statistic over B resamples; each resample draws S seeds
///   with replacement and takes the mean of their score vectors. Percentiles
///   interpolate linearly between order statistics (numpy's default).
///   Resamples whose statistic is undefined are counted and left out.
///
/// The draws come from `SeededRandom(seed:stream: "compare.bootstrap")`, a
/// seed index is the high 64 bits of S × a 64-bit draw; the same seed gives
/// the same resamples, whatever the statistics are.
enum SeedBootstrap {
    /// B when not given.
    static let defaultResamples = 1000

    /// For each of `resamples` resamples, how many times each of `seeds`
    /// seeds is drawn (the counts add up to `seeds`).
    static func resampleCounts(seeds: Int, resamples: Int, seed: UInt64) -> [[Int]] {
        precondition(seeds >= 1 && resamples >= 0)
        var random = SeededRandom(seed: seed, stream: "compare.bootstrap")
        return (0..<resamples).map { _ in
            var counts = [Int](repeating: 0, count: seeds)
            for _ in 0..<seeds {
                counts[Int(UInt64(seeds).multipliedFullWidth(by: random.next()).high)] += 1
            }
            return counts
        }
    }

    /// The weighted mean of the seeds' score vectors: seed s counts
    /// `counts[s]` times (all 1 for the plain mean). Sums run in seed order.
    static func meanScores(_ seedScores: [[Double]], counts: [Int]) -> [Double] {
        let total = Double(counts.reduce(0, +))
        var mean = [Double](repeating: 0, count: seedScores[0].count)
        for (scores, count) in zip(seedScores, counts) where count > 0 {
            for edge in mean.indices { mean[edge] += Double(count) * scores[edge] }
        }
        return mean.map { $0 / total }
    }

    /// The linearly interpolated `fraction` percentile (0 ... 1) of sorted
    /// values; nil when there are none.
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let position = fraction * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
        return sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
    }

    /// Estimates of each of `statistics` (each maps a mean score vector to a
    /// value, or nil where undefined), all over the same resamples.
    /// `seedScores` holds one score vector per probe seed, all of one length.
    static func estimate(seedScores: [[Double]], resamples: Int = defaultResamples, seed: UInt64 = 0,
                         level: Double = 0.95, statistics: [([Double]) -> Double?]) -> [BootstrapEstimate] {
        precondition(!seedScores.isEmpty, "bootstrap: no seeds")
        precondition(seedScores.allSatisfy { $0.count == seedScores[0].count }, "bootstrap: seeds score different edge counts")
        precondition(level > 0 && level < 1, "bootstrap: level \(level) outside (0, 1)")
        let mean = meanScores(seedScores, counts: [Int](repeating: 1, count: seedScores.count))
        let points = statistics.map { $0(mean) }
        var drawn = [[Double]](repeating: [], count: statistics.count)
        for counts in resampleCounts(seeds: seedScores.count, resamples: resamples, seed: seed) {
            let scores = meanScores(seedScores, counts: counts)
            for (index, statistic) in statistics.enumerated() {
                if let value = statistic(scores) { drawn[index].append(value) }
            }
        }
        return statistics.indices.map { index in
            let sorted = drawn[index].sorted()
            return BootstrapEstimate(point: points[index], low: percentile(sorted, (1 - level) / 2),
                                     high: percentile(sorted, (1 + level) / 2), level: level,
                                     resamples: resamples, undefined: resamples - sorted.count)
        }
    }

    /// The estimate of one statistic; see `estimate(seedScores:resamples:seed:level:statistics:)`.
    static func estimate(seedScores: [[Double]], resamples: Int = defaultResamples, seed: UInt64 = 0,
                         level: Double = 0.95, statistic: @escaping ([Double]) -> Double?) -> BootstrapEstimate {
        estimate(seedScores: seedScores, resamples: resamples, seed: seed, level: level, statistics: [statistic])[0]
    }
}
