import PluginSDK

/// Trains every k-edge placement when there are at most max-sets of them,
/// otherwise every single edge, keeping the k best by validation accuracy.
final class Exhaustive: Strategy {
    static let info = PluginInfo(
        id: "exhaustive", name: "Exhaustive", version: "1.0.0",
        summary: "Trains every k-set of candidates (or, past max-sets, every single edge) and picks by validation accuracy.",
        parameters: [.int("max-sets", default: 2000, atLeast: 1,
                          help: "train all k-sets only when there are at most this many"),
                     stepsParameter])
    private let maxSets: Int
    private let steps: Int

    init(configuration: Configuration) throws {
        maxSets = try configuration.int("max-sets")
        steps = try configuration.int("steps")
    }

    func select(k: Int, host: PluginHost) throws -> [Edge] {
        let edges = try host.candidates(atLeast: k)
        let search = try host.search()
        if k == 1 || binomial(edges.count, k, cap: maxSets + 1) <= maxSets {
            return try search.best(of: combinations(of: edges, size: k), steps: steps, host: host)
        }
        host.log(.info, "exhaustive: more than \(maxSets) \(k)-sets; training single edges and keeping the \(k) best")
        let singles = edges.map { [$0] }
        let results = try search.evaluateAll(singles, steps: steps, host: host)
        return results.bestFirst().prefix(k).map { edges[$0] }
    }
}

/// C(n, k), stopping at `cap` so it never overflows.
func binomial(_ n: Int, _ k: Int, cap: Int) -> Int {
    var result = 1
    for step in 0..<min(k, n - k) {
        result = result * (n - step) / (step + 1)
        if result >= cap { return cap }
    }
    return result
}

/// Every `size`-subset of `items` in lexicographic order of positions.
func combinations<T>(of items: [T], size: Int) -> [[T]] {
    guard size > 0, size <= items.count else { return size == 0 ? [[]] : [] }
    var result: [[T]] = []
    var positions = Array(0..<size)
    while true {
        result.append(positions.map { items[$0] })
        var slot = size - 1
        while slot >= 0 && positions[slot] == items.count - size + slot { slot -= 1 }
        if slot < 0 { return result }
        positions[slot] += 1
        for next in (slot + 1)..<size { positions[next] = positions[next - 1] + 1 }
    }
}
