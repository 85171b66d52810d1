/// One `--metric` as the user names it: `ID[:NAME=V1,V2,...]...`, a metric
/// plugin's id and, after colons, parameters each with one value or a
/// comma-separated list of values to sweep. It expands into one `MetricRow`
/// per combination of values (the first parameter varying slowest), each
/// scored with those parameters as if set with `--set ID.NAME=VALUE`.
/// A plain id is one row with the metric's `--set` parameters or defaults.
public struct MetricSweep: Equatable, Sendable, CustomStringConvertible {
    /// The metric plugin's id.
    public let metric: String
    /// Each parameter swept, in the order given, with its values in order.
    public let parameters: [(name: String, values: [String])]

    /// Reads `text`; an empty id, a part that is not NAME=VALUES, a
    /// parameter named twice, an empty value list or an empty value is an
    /// error quoting the text.
    public init(parsing text: String) throws(RunError) {
        let argument = try PluginArgument(parsing: text, option: "--metric", kind: "metric", form: "ID[:NAME=V1,V2,...]...")
        var parameters: [(name: String, values: [String])] = []
        for (name, list) in argument.parameters {
            guard !list.isEmpty else {
                throw .invalidSetting("--metric '\(text)': '\(name)' has no values; give one or more, comma-separated (\(name)=V1,V2)")
            }
            let values = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !values.contains(where: \.isEmpty) else {
                throw .invalidSetting("--metric '\(text)': '\(name)=\(list)' has an empty value; separate values by single commas")
            }
            parameters.append((name, values))
        }
        metric = argument.id
        self.parameters = parameters
    }

    /// A sweep of one metric with no parameters of its own: one row.
    public init(metric: String) {
        self.metric = metric
        parameters = []
    }

    /// The text form: the id, then each parameter as `:NAME=V1,V2`.
    public var description: String {
        ([metric] + parameters.map { "\($0.name)=\($0.values.joined(separator: ","))" }).joined(separator: ":")
    }

    /// The rows this sweep expands into, at probe size `probeSize` (nil:
    /// the run's): one per combination of the parameters' values.
    public func rows(probeSize: Int? = nil) -> [MetricRow] {
        var combinations: [[(name: String, value: String)]] = [[]]
        for parameter in parameters {
            combinations = combinations.flatMap { chosen in parameter.values.map { chosen + [(parameter.name, $0)] } }
        }
        return combinations.map { MetricRow(metric: metric, parameters: $0, probeSize: probeSize) }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.description == rhs.description }
}
