import Core

/// The space a run searches: which edge kinds are candidates, and the
/// options every adapter gets.
public struct SearchSpace: Codable, Equatable, Sendable {
    /// The candidate edge kinds.
    public var kinds: Set<Edge.Kind>
    /// Every adapter's options, in `AdapterOptions`' text form (`r8`, `r4:gelu`).
    public var adapter: String
    /// Whether gradients stop at recurrent edges' pass-1 sources.
    public var stopGradient: Bool

    /// A space; the defaults are the extended space with rank-8 adapters.
    public init(kinds: Set<Edge.Kind> = Set(Edge.Kind.allCases), adapter: String = "r8", stopGradient: Bool = false) {
        self.kinds = kinds
        self.adapter = adapter
        self.stopGradient = stopGradient
    }

    /// Reads `--kinds`' comma-separated form (`sequential,parallel`).
    public static func kinds(parsing text: String) throws(RunError) -> Set<Edge.Kind> {
        let names = Dictionary(uniqueKeysWithValues: Edge.Kind.allCases.map { ($0.description, $0) })
        var kinds: Set<Edge.Kind> = []
        for name in text.split(separator: ",") {
            guard let kind = names[name.trimmingCharacters(in: .whitespaces)] else {
                throw .invalidSetting("unknown edge kind '\(name)'; kinds are \(Edge.Kind.allCases.map(\.description).joined(separator: ", "))")
            }
            kinds.insert(kind)
        }
        guard !kinds.isEmpty else { throw .invalidSetting("--kinds names no edge kind") }
        return kinds
    }

    /// The options every adapter gets, read from `adapter`.
    public func adapterOptions() throws(RunError) -> AdapterOptions {
        do {
            return try AdapterOptions(parsing: adapter)
        } catch {
            throw .invalidSetting("--adapter: \(error)")
        }
    }

    /// The candidate edges of a backbone of `nodeCount` nodes, in `Edge.all` order.
    public func candidates(nodeCount: Int) -> [Edge] {
        Edge.all(nodeCount: nodeCount).filter { kinds.contains($0.kind) }
    }

    private enum CodingKeys: String, CodingKey { case kinds, adapter, stopGradient }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let names = try container.decode([String].self, forKey: .kinds)
        do {
            kinds = try Self.kinds(parsing: names.joined(separator: ","))
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .kinds, in: container, debugDescription: error.description)
        }
        adapter = try container.decode(String.self, forKey: .adapter)
        stopGradient = try container.decode(Bool.self, forKey: .stopGradient)
    }

    /// Kinds in `Edge.Kind.allCases` order, by name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Edge.Kind.allCases.filter(kinds.contains).map(\.description), forKey: .kinds)
        try container.encode(adapter, forKey: .adapter)
        try container.encode(stopGradient, forKey: .stopGradient)
    }
}
