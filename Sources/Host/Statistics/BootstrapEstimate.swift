/// A statistic's point estimate with a percentile bootstrap interval.
public struct BootstrapEstimate: Equatable, Sendable {
    /// The mean over seeds of the per-seed statistic; nil where undefined
    /// for every seed.
    @ExplicitNull public var point: Double?
    /// The lower end of the interval (the (1 - level)/2 percentile of the
    /// resampled statistics); nil when no resample had a defined statistic.
    @ExplicitNull public var low: Double?
    /// The upper end of the interval (the (1 + level)/2 percentile).
    @ExplicitNull public var high: Double?
    /// The interval's nominal coverage, 0.95 by default.
    public var level: Double
    /// How many resamples were drawn (B).
    public var resamples: Int
    /// How many resamples had no seed with a defined statistic (left out of
    /// the percentiles).
    public var undefined: Int
    /// How many seeds gave an undefined statistic (e.g. constant scores),
    /// left out of the means.
    public var undefinedSeeds: Int = 0
}

extension BootstrapEstimate: Codable {
    private enum CodingKeys: String, CodingKey {
        case point, low, high, level, resamples, undefined, undefinedSeeds = "undefined_seeds"
    }

    /// Reads what the encoding writes; null or a missing key is nil, and
    /// a missing `undefined_seeds` (stores made before it existed) is 0.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        point = try container.decodeIfPresent(Double.self, forKey: .point)
        low = try container.decodeIfPresent(Double.self, forKey: .low)
        high = try container.decodeIfPresent(Double.self, forKey: .high)
        level = try container.decode(Double.self, forKey: .level)
        resamples = try container.decode(Int.self, forKey: .resamples)
        undefined = try container.decode(Int.self, forKey: .undefined)
        undefinedSeeds = try container.decodeIfPresent(Int.self, forKey: .undefinedSeeds) ?? 0
    }
}
