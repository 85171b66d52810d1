/// How one adapter of a placement is built (METHOD.md section 3).
public struct AdapterOptions: Hashable, Sendable {
    /// s: a fixed scalar alpha, or a learned channel-wise vector initialised to ones (Adapter+).
    public enum Scale: Hashable, Sendable {
        case scalar(Double)
        case channel
    }

    /// How the projections start.
    public enum Initialization: String, Hashable, Sendable, CaseIterable {
        /// W_down truncated normal (std 0.01, cut at 2 std), W_up = 0: the network is unchanged at step 0.
        case standard
        /// Both projections truncated normal, std 0.01.
        case houlsby
        /// W_down Kaiming-uniform, W_up = 0.
        case lora
    }

    /// r.
    public var rank: Int = 8
    /// phi.
    public var activation: Adapter<Float>.Activation = .linear
    /// s.
    public var scale: Scale = .scalar(1)
    /// How the projections start.
    public var initialization: Initialization = .standard

    /// The defaults: rank 8, linear, alpha 1, standard init.
    public init(rank: Int = 8, activation: Adapter<Float>.Activation = .linear, scale: Scale = .scalar(1),
                initialization: Initialization = .standard) {
        self.rank = rank
        self.activation = activation
        self.scale = scale
        self.initialization = initialization
    }
}

extension AdapterOptions: CustomStringConvertible {
    /// Parses the options text form, the part of a placement entry after the
    /// edge: colon-separated `rR` (rank), an activation (`linear`, `gelu`, `rational`),
    /// `alpha=A` or `channel` (scale) and `init=NAME`, in any order, each
    /// unnamed option keeping its default (`r8`, `r4:gelu`, `r8:rational`, `r8:channel`).
    /// Throws `PlacementError.malformedOptions` naming `text`.
    public init(parsing text: String) throws(PlacementError) {
        do throws(OptionError) {
            self = try Self(options: text.split(separator: ":", omittingEmptySubsequences: false))
        } catch {
            switch error {
            case .rankZero: throw .malformedOptions(text: text, reason: "rank 0: an adapter needs rank 1 or more")
            case let .unknown(option): throw .malformedOptions(text: text, reason: "unknown option '\(option)'")
            case let .repeated(setting, first, second):
                throw .malformedOptions(text: text, reason: "'\(first)' and '\(second)' both set the \(setting)")
            }
        }
    }

    /// Why one option of the text form cannot be used.
    enum OptionError: Error {
        case rankZero
        case unknown(option: String)
        /// Two options set the same thing (`r8:r4`, `channel:alpha=2`).
        case repeated(setting: String, first: String, second: String)
    }

    /// The largest rank taken: far beyond any backbone's width, small enough to allocate.
    static let largestRank = 65_536

    /// The options named by `options`, each an option of the text form
    /// (surrounding whitespace ignored), applied in order to the defaults.
    init(options: some Sequence<some StringProtocol>) throws(OptionError) {
        self.init()
        var given: [String: String] = [:]  // setting -> the option that set it
        func setting(_ name: String, by option: String) throws(OptionError) {
            if let first = given[name] { throw .repeated(setting: name, first: first, second: option) }
            given[name] = option
        }
        for option in options.map(\.trimmingWhitespace) {
            if option.hasPrefix("r"), let rank = Int(option.dropFirst()) {
                guard rank > 0 else { throw .rankZero }
                guard rank <= Self.largestRank else { throw .unknown(option: option + " (ranks go up to \(Self.largestRank))") }
                try setting("rank", by: option)
                self.rank = rank
            } else if let activation = Adapter<Float>.Activation(rawValue: option) {
                try setting("activation", by: option)
                self.activation = activation
            } else if option == "channel" {
                try setting("scale", by: option)
                scale = .channel
            } else if option.hasPrefix("alpha="), let alpha = Double(option.dropFirst(6)), alpha.isFinite {
                try setting("scale", by: option)
                scale = .scalar(alpha)
            } else if option.hasPrefix("init="), let initialization = Initialization(rawValue: String(option.dropFirst(5))) {
                try setting("initialization", by: option)
                self.initialization = initialization
            } else {
                throw .unknown(option: option)
            }
        }
    }

    /// The canonical text form: the rank always, other options when not the
    /// default (`r8`, `r4:gelu:alpha=0.5`, `r8:channel:init=lora`).
    public var description: String {
        var text = "r\(rank)"
        if activation != .linear { text += ":\(activation.rawValue)" }
        switch scale {
        case .scalar(1): break
        case let .scalar(alpha): text += ":alpha=\(alpha)"
        case .channel: text += ":channel"
        }
        if initialization != .standard { text += ":init=\(initialization.rawValue)" }
        return text
    }
}

/// Why a placement's text cannot be used.
public enum PlacementError: Error, CustomStringConvertible, Equatable {
    /// The placement `text` does not follow the text form.
    case malformed(text: String, reason: String)
    /// An edge names a node the backbone does not have.
    case unknownNode(edge: Edge, nodeCount: Int)
    /// An edge asks for rank 0.
    case rankZero(edge: Edge)
    /// An edge appears twice.
    case duplicateEdge(edge: Edge)
    /// Adapter options `text`, given without an edge, do not follow the text form.
    case malformedOptions(text: String, reason: String)

    /// A message a user can act on, showing the text form.
    public var description: String {
        switch self {
        case let .malformed(text, reason):
            "malformed placement '\(text)': \(reason). Write edges as source>target[:rR][:gelu|:rational][:alpha=A|:channel][:init=NAME], "
                + "comma-separated, e.g. 12>0:r8,3>4:r4:gelu (or 'none')"
        case let .unknownNode(edge, nodeCount):
            "edge \(edge) names a node outside 0...\(nodeCount - 1): this backbone has \(nodeCount) nodes"
        case let .rankZero(edge): "edge \(edge) has rank 0: an adapter needs rank 1 or more"
        case let .duplicateEdge(edge): "edge \(edge) appears twice in the placement"
        case let .malformedOptions(text, reason):
            "malformed adapter options '\(text)': \(reason). Write them as [rR][:gelu|:rational][:alpha=A|:channel][:init=NAME], "
                + "e.g. r8, r4:gelu, r8:rational or r8:channel:init=lora"
        }
    }
}

/// A set of adapter edges with their options: the thing strategies choose,
/// written as text like `12>0:r8,3>4:r4:gelu` (`none` for no adapter).
public struct Placement: Hashable, Sendable, CustomStringConvertible {
    /// One adapter of the placement.
    public struct Entry: Hashable, Sendable {
        public var edge: Edge
        public var options: AdapterOptions

        public init(edge: Edge, options: AdapterOptions = AdapterOptions()) {
            self.edge = edge
            self.options = options
        }
    }

    /// The adapters, in the order given.
    public var entries: [Entry]

    /// A placement of `entries`.
    public init(_ entries: [Entry]) {
        self.entries = entries
    }

    /// A placement of `edges` with the same options each.
    public init(edges: [Edge], options: AdapterOptions = AdapterOptions()) {
        self.init(edges.map { Entry(edge: $0, options: options) })
    }

    /// The edges, in order.
    public var edges: [Edge] { entries.map(\.edge) }

    /// Parses the text form and checks it against a backbone of `nodeCount` nodes.
    public init(parsing text: String, nodeCount: Int) throws(PlacementError) {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty else { throw .malformed(text: text, reason: "it is empty (write 'none' to train the head alone)") }
        guard trimmed != "none" else {
            self.init([])
            return
        }
        var entries: [Entry] = []
        var seen: Set<Edge> = []
        for item in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false).map(\.trimmingWhitespace)
            let ends = parts[0].split(separator: ">", omittingEmptySubsequences: false).map(\.trimmingWhitespace)
            guard ends.count == 2, let source = Int(ends[0]), let target = Int(ends[1]) else {
                throw .malformed(text: text, reason: "'\(item)' does not start with source>target")
            }
            let edge = Edge(source, target)
            guard edge.isInside(nodeCount: nodeCount) else {
                throw .unknownNode(edge: edge, nodeCount: nodeCount)
            }
            let options: AdapterOptions
            do throws(AdapterOptions.OptionError) {
                options = try AdapterOptions(options: parts.dropFirst())
            } catch {
                switch error {
                case .rankZero: throw .rankZero(edge: edge)
                case let .unknown(option): throw .malformed(text: text, reason: "unknown option '\(option)' on \(edge)")
                case let .repeated(setting, first, second):
                    throw .malformed(text: text, reason: "'\(first)' and '\(second)' both set the \(setting) of \(edge)")
                }
            }
            guard seen.insert(edge).inserted else { throw .duplicateEdge(edge: edge) }
            entries.append(Entry(edge: edge, options: options))
        }
        self.init(entries)
    }

    /// The canonical text form: the rank always, other options when not the default.
    public var description: String {
        guard !entries.isEmpty else { return "none" }
        return entries.map { "\($0.edge):\($0.options)" }.joined(separator: ",")
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
