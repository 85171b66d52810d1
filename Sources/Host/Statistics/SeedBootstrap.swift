import Core

/// A seeded percentile bootstrap over probe seeds.
///
/// A metric scored on S probe batches (each drawn with a different seed)
/// gives S score vectors over the same edges. The estimate of a statistic
/// (rho, tau, overlap, regret against the truth) is:
///
/// - point: the **mean over seeds of the per-seed statistic** (project
///   choice). The tool scores edges from one probe batch (METHOD.md
///   section 4), so the quantity of interest is how well a metric computed
///   from one batch ranks the edges; its expectation over batches is what
///   the mean of per-seed statistics estimates. The other choice, the
///   statistic of the mean-over-seeds scores, describes an S-batch average
///   the tool never computes, and its percentile bootstrap is biased: a
///   resample repeats seeds, so it averages fewer distinct batches, is
///   noisier, and the point ends up at the interval's upper edge (seen on
///   the sample report: rho 0.943 [0.890, 0.943]).
/// - interval: the (1 - level)/2 and (1 + level)/2 percentiles (2.5 and 97.5
///   for 0.95) over B resamples of the mean statistic; each resample draws S
///   seeds with replacement. Percentiles interpolate linearly between order
///   statistics (numpy's default).
/// - undefined: a seed whose statistic is undefined (e.g. constant scores)
///   is left out of every mean that would include it, and counted; a
///   resample that drew only such seeds is undefined, counted and left out
///   of the percentiles. The point is nil when every seed is undefined.
///
/// The draws come from `SeededRandom(seed:stream:)`, stream
/// "compare.bootstrap" unless a caller names its own (`PairedComparison`
/// does); a seed index is the high 64 bits of S × a 64-bit draw; the same
/// seed gives the same resamples, whatever the statistics are. The statistic runs once
/// per seed (S times), not once per resample.
public enum SeedBootstrap {
    /// B when not given.
    public static let defaultResamples = 1000

    /// The random stream of the draws when not given: compare's.
    public static let defaultStream = "compare.bootstrap"

    /// For each of `resamples` resamples, how many times each of `seeds`
    /// seeds is drawn (the counts add up to `seeds`), from the random
    /// stream `stream` under `seed`.
    public static func resampleCounts(seeds: Int, resamples: Int, seed: UInt64,
                                      stream: String = defaultStream) -> [[Int]] {
        precondition(seeds >= 1 && resamples >= 0)
        var random = SeededRandom(seed: seed, stream: stream)
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
    /// (The scores a report draws when there are several seeds.)
    public static func meanScores(_ seedScores: [[Double]], counts: [Int]) -> [Double] {
        let total = Double(counts.reduce(0, +))
        var mean = [Double](repeating: 0, count: seedScores[0].count)
        for (scores, count) in zip(seedScores, counts) where count > 0 {
            for edge in mean.indices { mean[edge] += Double(count) * scores[edge] }
        }
        return mean.map { $0 / total }
    }

    /// The linearly interpolated `fraction` percentile (0 ... 1) of sorted
    /// values; nil when there are none.
    public static func percentile(_ sorted: [Double], _ fraction: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let position = fraction * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
        return sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
    }

    /// Estimates of each of `statistics` (each maps one seed's score
    /// vector to a value, or nil where undefined), all over the same
    /// resamples. `seedScores` holds one score vector per probe seed, all of
    /// one length; `stream` names the random stream of the resamples.
    public static func estimate(seedScores: [[Double]], resamples: Int = defaultResamples, seed: UInt64 = 0,
                         level: Double = 0.95, stream: String = defaultStream,
                         statistics: [([Double]) -> Double?]) -> [BootstrapEstimate] {
        precondition(!seedScores.isEmpty, "bootstrap: no seeds")
        precondition(seedScores.allSatisfy { $0.count == seedScores[0].count }, "bootstrap: seeds score different edge counts")
        precondition(level > 0 && level < 1, "bootstrap: level \(level) outside (0, 1)")
        // perSeed[statistic][seed]
        let perSeed = statistics.map { statistic in seedScores.map(statistic) }
        let draws = resampleCounts(seeds: seedScores.count, resamples: resamples, seed: seed, stream: stream)
        return perSeed.map { values in
            let all = [Int](repeating: 1, count: values.count)
            let resampled = draws.compactMap { weightedMean(values, counts: $0) }.sorted()
            return BootstrapEstimate(point: weightedMean(values, counts: all), low: percentile(resampled, (1 - level) / 2),
                                     high: percentile(resampled, (1 + level) / 2), level: level, resamples: resamples,
                                     undefined: resamples - resampled.count,
                                     undefinedSeeds: values.filter { $0 == nil }.count)
        }
    }

    /// The mean of the defined `values`, value s counted `counts[s]` times;
    /// nil when no counted value is defined. Sums run in seed order.
    public static func weightedMean(_ values: [Double?], counts: [Int]) -> Double? {
        var sum = 0.0, weight = 0
        for (value, count) in zip(values, counts) where count > 0 {
            guard let value else { continue }
            sum += Double(count) * value
            weight += count
        }
        return weight > 0 ? sum / Double(weight) : nil
    }

    /// The estimate of one statistic; see `estimate(seedScores:resamples:seed:level:stream:statistics:)`.
    public static func estimate(seedScores: [[Double]], resamples: Int = defaultResamples, seed: UInt64 = 0,
                         level: Double = 0.95, stream: String = defaultStream,
                         statistic: @escaping ([Double]) -> Double?) -> BootstrapEstimate {
        estimate(seedScores: seedScores, resamples: resamples, seed: seed, level: level, stream: stream,
                 statistics: [statistic])[0]
    }
}
