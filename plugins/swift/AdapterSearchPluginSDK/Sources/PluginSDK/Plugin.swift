import CAdapterSearch

/// What a plugin says about itself: the self-description of PLUGIN_ABI.md rule 10.
public struct PluginInfo: Sendable {
    /// Unique id, short (`gga`) or reverse-domain (`org.example.metric`).
    public var id: String
    /// Display name.
    public var name: String
    /// The plugin's own version.
    public var version: String
    /// A sentence or two on what it does.
    public var summary: String
    /// The parameters it accepts.
    public var parameters: [Parameter]

    /// Creates a self-description.
    public init(id: String, name: String, version: String, summary: String, parameters: [Parameter] = []) {
        self.id = id
        self.name = name
        self.version = version
        self.summary = summary
        self.parameters = parameters
    }
}

/// What a metric needs from the host. The SDK refuses to create a metric on
/// a host that lacks what it needs, with a message naming the missing service.
public struct MetricNeeds: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The probe pass: H_k, D_k and G_ij.
    public static let probe = MetricNeeds(rawValue: ASP_NEEDS_PROBE)
    /// Singular values of G_ij.
    public static let spectrum = MetricNeeds(rawValue: ASP_NEEDS_SPECTRUM)
    /// A seeded non-zero adapter init.
    public static let adapterInit = MetricNeeds(rawValue: ASP_NEEDS_ADAPTER_INIT)
    /// Passes beyond the probe.
    public static let extraPasses = MetricNeeds(rawValue: ASP_NEEDS_EXTRA_PASSES)
}

/// A plugin type: its self-description and how to create an instance from
/// parameter values. Conform through `Metric`, `EdgeMetric` or `Strategy`.
public protocol Plugin: AnyObject {
    /// The self-description the host lists and checks configs against.
    static var info: PluginInfo { get }
    /// Creates an instance with parsed parameter values.
    init(configuration: Configuration) throws
}

/// A metric: scores edges; higher or lower is better as `direction` says.
public protocol Metric: Plugin {
    /// Whether a larger score means a more promising edge.
    static var direction: Direction { get }
    /// What the metric needs from the host.
    static var needs: MetricNeeds { get }
    /// One finite score per edge, in order.
    func score(_ edges: [Edge], host: PluginHost) throws -> [Double]
}

/// A metric that scores one edge at a time from the probe.
public protocol EdgeMetric: Metric {
    /// The score of one edge.
    func score(edge: Edge, probe: ProbeServices) throws -> Double
}

extension EdgeMetric {
    /// Scores each edge in turn, stopping early if the user asks to.
    public func score(_ edges: [Edge], host: PluginHost) throws -> [Double] {
        let probe = try host.probe()
        return try edges.map { edge in
            try host.checkCancellation()
            return try score(edge: edge, probe: probe)
        }
    }
}

/// A strategy: chooses a placement of about `k` edges.
public protocol Strategy: Plugin {
    /// The chosen edges, distinct.
    func select(k: Int, host: PluginHost) throws -> [Edge]
}
