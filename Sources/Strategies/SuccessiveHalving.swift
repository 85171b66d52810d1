import PluginSDK

/// Successive halving (multi-fidelity, as in Hyperband and ASHA): n distinct
/// random k-sets trained for a few steps, the best 1/eta of them trained eta
/// times longer, and so on until one placement survives.
final class SuccessiveHalving: Strategy {
    static let info = PluginInfo(
        id: "successive-halving", name: "Successive halving", version: "1.0.0",
        summary: "Trains n random k-edge placements briefly, keeps the best 1/eta at eta times the steps, until one is left.",
        parameters: [
            .int("n", default: 27, in: 1...100_000, help: "distinct random placements the first rung trains"),
            .int("eta", default: 3, in: 2...100, help: "each rung keeps the best 1/eta, the next trains eta times longer"),
            .int("min-steps", default: 0, atLeast: 0,
                 help: "training steps of the first rung; 0 takes steps / eta^(rungs - 1), at least 1"),
            .int("steps", default: 300, atLeast: 1,
                 help: "the full budget, the most steps a rung trains; set it to the run's --steps (a plugin cannot read it)"),
        ])
    private let count: Int
    private let eta: Int
    private let minSteps: Int
    private let fullSteps: Int

    init(configuration: Configuration) throws {
        count = try configuration.int("n")
        eta = try configuration.int("eta")
        minSteps = try configuration.int("min-steps")
        fullSteps = try configuration.int("steps")
    }

    func select(k: Int, host: PluginHost) throws -> [Edge] {
        let edges = try host.candidates(atLeast: k)
        let drawn = binomial(edges.count, k, cap: count)
        if drawn < count {
            host.log(.info, "successive-halving: only \(drawn) distinct \(k)-sets of \(edges.count) candidates; the first rung trains them all")
        }
        var survivors = try host.randomPlacements(drawn, k: k, from: edges, distinct: true)
        let rungs = HalvingSchedule(count: drawn, eta: eta, minSteps: minSteps, fullSteps: fullSteps).rungs
        let search = try host.search()
        for (index, rung) in rungs.enumerated() {
            let results = try search.evaluateBatch(survivors, steps: rung.steps, host: host)
            let name = "rung \(index + 1) of \(rungs.count) (\(rung.steps) steps)"
            try results.requireSomeTrained("the \(rung.size) placements of \(name)")
            survivors = results.bestFirst().prefix(rung.keep).sorted().map { survivors[$0] }
            host.progress(Double(index + 1) / Double(rungs.count), "\(name): kept \(rung.keep) of \(rung.size) placements")
        }
        return survivors[0]
    }
}

/// The rungs of successive halving over `count` placements: rung r trains
/// count_r placements (count_0 = count, count_{r+1} = ceil(count_r / eta)) for
/// min(first * eta^r, full) steps, while count_r > 1. There are
/// R = ceil(log_eta(count)) rungs (none for one placement), and first is
/// min-steps, or max(floor(full / eta^(R - 1)), 1) when min-steps is 0.
struct HalvingSchedule {
    /// One rung: how many placements it trains, for how many steps, and how many it keeps.
    struct Rung: Equatable {
        /// Placements trained.
        var size: Int
        /// Training steps of each.
        var steps: Int
        /// Placements kept for the next rung: ceil(size / eta).
        var keep: Int
    }

    /// The rungs in order.
    let rungs: [Rung]

    init(count: Int, eta: Int, minSteps: Int, fullSteps: Int) {
        var sizes: [Int] = []
        var remaining = count
        while remaining > 1 {
            sizes.append(remaining)
            remaining = (remaining + eta - 1) / eta
        }
        // eta^r < count for every rung r, so the powers never overflow.
        let powers = sizes.indices.map { power(eta, $0) }
        let first = minSteps > 0 ? minSteps : max(fullSteps / (powers.last ?? 1), 1)
        rungs = zip(sizes, powers).map { size, power in
            let (steps, overflow) = first.multipliedReportingOverflow(by: power)
            return Rung(size: size, steps: overflow ? fullSteps : min(steps, fullSteps), keep: (size + eta - 1) / eta)
        }
    }
}

/// base^exponent, for exponents ≥ 0 whose result fits in an Int.
func power(_ base: Int, _ exponent: Int) -> Int {
    (0..<exponent).reduce(1) { result, _ in result * base }
}
