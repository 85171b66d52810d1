/// What a `study` run compares and how: strategies at every k, each on
/// several seeds, every chosen placement trained and tested under the run's
/// one budget (METHOD.md section 8).
public struct StudySettings: Codable, Equatable, Sendable {
    /// The strategies, in the order the tables list them.
    public var strategies: [StrategySpecification]
    /// The placement sizes each strategy is asked for.
    public var ks: [Int]
    /// Seeds 0..<seeds, offsets to the run's training and probe seeds: seed
    /// i draws the probe batch from probe seed + i, and trains (the
    /// adapters' initialisation, the data order) and seeds the strategy's
    /// random stream from training seed + i.
    public var seeds: Int
    /// Bootstrap resamples of each paired comparison.
    public var resamples: Int
    /// δ of claim (a), "matches or beats": how much lower a mean accuracy may be.
    public var tolerance: Double

    public init(strategies: [StrategySpecification], ks: [Int] = [1, 3, 6], seeds: Int = 3,
                resamples: Int = SeedBootstrap.defaultResamples, tolerance: Double = Claim.defaultTolerance) {
        self.strategies = strategies
        self.ks = ks
        self.seeds = seeds
        self.resamples = resamples
        self.tolerance = tolerance
    }

    /// The strategies a study compares when none is named: the baselines
    /// (no adapters, parallel-every, the first and last k parallel edges),
    /// random placements over the run's space and over sequential and
    /// parallel edges only, top-k and GGA on gradient-rank, and successive
    /// halving over 9 random placements with the run's `steps` as its full
    /// budget.
    public static func defaultStrategies(steps: Int) -> [StrategySpecification] {
        ["none", "parallel-every", "first-k", "last-k", "random", "random:kinds=sequential,parallel",
         "top-k:metric=gradient-rank", "gga:metric=gradient-rank", "successive-halving:n=9:steps=\(steps)"]
            .map { try! StrategySpecification(parsing: $0) }  // literals known to parse
    }

    /// Throws unless the settings hold together: a strategy, each named
    /// once; k values positive and distinct; at least one seed.
    public func check() throws(RunError) {
        guard !strategies.isEmpty else { throw .invalidSetting("a study needs at least one --strategy") }
        if let twice = strategies.first(where: { strategy in strategies.filter { $0 == strategy }.count > 1 }) {
            throw .invalidSetting("--strategy \(twice) is named twice")
        }
        guard !ks.isEmpty, ks.allSatisfy({ $0 > 0 }), Set(ks).count == ks.count else {
            throw .invalidSetting("--k must list distinct positive sizes, such as 1,3,6")
        }
        guard seeds >= 1, seeds <= 10_000 else { throw .invalidSetting("--seeds must be between 1 and 10000") }
        guard resamples > 0 else { throw .invalidSetting("--resamples must be positive") }
        guard tolerance >= 0, tolerance.isFinite else { throw .invalidSetting("--tolerance must be a finite number ≥ 0") }
    }
}
