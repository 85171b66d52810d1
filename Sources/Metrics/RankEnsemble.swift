import PluginSDK

/// Rank aggregation of other metrics (the zero-cost proxy literature's
/// ensemble): each edge's score is the mean over the member metrics of
/// ln(rank), each member ranking the edges it is asked to score under its
/// own direction (1 = best, ties sharing their mean rank). Lower is better.
/// The members' scores come from the host (`asp.search/1`'s `scores`, ABI
/// 1.3) on the probe this metric scores from, with their configured parameters.
final class RankEnsemble: Metric {
    /// This metric's id, which its own member list may not name.
    static let id = "rank-ensemble"
    /// The members when `metrics` is not given (METHOD.md section 5 says why these).
    static let defaultMembers = "gradient-rank,nuclear-norm,effective-rank"

    static let info = PluginInfo(
        id: id, name: "Rank ensemble", version: "1.0.0",
        summary: "Mean log-rank of each edge under the member metrics (rank aggregation); lower is better.",
        parameters: [.string("metrics", default: defaultMembers,
                             help: "ids of the metrics whose ranks are averaged, separated by , or + (+ inside a compare sweep); at least one, not rank-ensemble")])
    static let direction = Direction.lowerIsBetter
    /// Nothing of the probe itself: its members read it, each with its own needs.
    static let needs: MetricNeeds = []

    /// The member metrics' ids, in the order given.
    let members: [String]

    init(configuration: Configuration) throws {
        members = try RankEnsemble.members(try configuration.string("metrics"))
    }

    /// The ids of the list (MetricList: `,` or `+` between ids), checked:
    /// at least one, none twice, not this metric itself.
    static func members(_ list: String) throws(PluginError) -> [String] {
        let ids = try MetricList.ids(list, of: id)
        if ids.contains(id) { throw .invalidArgument("rank-ensemble cannot name itself in 'metrics' (\(list))") }
        return ids
    }

    func score(_ edges: [Edge], host: PluginHost) throws -> [Double] {
        let search: SearchServices
        do {
            search = try host.search()
        } catch {
            throw PluginError.unsupported("rank-ensemble reads its members' scores through asp.search/1, which this host "
                                          + "does not offer to metrics (it needs ABI 1.3)")
        }
        let columns = try members.map { member -> (scores: [Double], direction: Direction) in
            try host.checkCancellation()
            return try search.scores(metric: member, edges: edges)
        }
        return Ranking.meanLogRanks(columns)
    }
}

private extension Substring {
    /// The text without leading and trailing `character`s.
    func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
