/// A list of metric ids in a string parameter (`metrics=` of rank-ensemble
/// and calibrated-gga): ids separated by `,` or `+`. The `+` form lets a
/// list be one value of a `compare --metric ID:NAME=V1,V2` sweep, whose
/// commas separate the values: `rank-ensemble:metrics=gradient-rank+snip,nuclear-norm+synflow`
/// is two ensembles.
public enum MetricList {
    /// The ids of `text`, in order, spaces dropped. `plugin` names the
    /// plugin in errors. At least one id, none twice.
    public static func ids(_ text: String, of plugin: String) throws(PluginError) -> [String] {
        let ids = text.split(whereSeparator: { $0 == "," || $0 == "+" })
            .map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
        guard !ids.isEmpty else {
            throw .invalidArgument("\(plugin) needs at least one metric id in 'metrics' (separated by , or +)")
        }
        if let repeated = ids.first(where: { id in ids.filter { $0 == id }.count > 1 }) {
            throw .invalidArgument("\(plugin) names metric '\(repeated)' twice in 'metrics' (\(text))")
        }
        return ids
    }
}
