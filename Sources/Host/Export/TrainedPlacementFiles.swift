import Core
import Foundation

private typealias Format = TrainedPlacementFormat

/// The folder of a trained placement, as `adapter-search train --out` and
/// `search` write it and `adapter-search export` reads it:
/// `adapters.safetensors` (the head's and every adapter's tensors, F32, with
/// the placement text as metadata) and `placement.json` (a `PlacementFile`).
public enum TrainedPlacementFormat {
    /// The weights file in the folder.
    public static let weightsFileName = "adapters.safetensors"
    /// The description file in the folder.
    public static let placementFileName = "placement.json"
    /// The weights file's `__metadata__` key holding the placement text.
    public static let placementMetadataKey = "placement"
    /// The head's weight, [classes, width].
    public static let headWeight = "head.weight"
    /// The head's bias, [classes].
    public static let headBias = "head.bias"

    /// One tensor of an adapter, by its name after the adapter's prefix.
    public enum AdapterTensor: String, CaseIterable, Sendable {
        /// W_down, [rank, width].
        case downWeight = "down.weight"
        /// b_down, [rank].
        case downBias = "down.bias"
        /// W_up, [width, rank].
        case upWeight = "up.weight"
        /// b_up, [width].
        case upBias = "up.bias"
        /// s: [1] for a scalar alpha, [width] for a channel-wise scale.
        case scale
        /// A rational phi's a0 ... a5, [6]; only in adapters with `:rational`.
        case rationalNumerator = "rational.numerator"
        /// A rational phi's b1 ... b4, [4]; only in adapters with `:rational`.
        case rationalDenominator = "rational.denominator"

        /// The tensors an adapter with `options` has in the file, in the
        /// order written: the projections and the scale, then a rational
        /// phi's coefficients.
        public static func present(for options: AdapterOptions) -> [AdapterTensor] {
            let common: [AdapterTensor] = [.downWeight, .downBias, .upWeight, .upBias, .scale]
            return options.activation == .rational ? common + [.rationalNumerator, .rationalDenominator] : common
        }
    }

    /// The name of `tensor` of the adapter on `edge`: `adapters.{source}_{target}.{tensor}`.
    public static func tensorName(_ tensor: AdapterTensor, of edge: Edge) -> String {
        "adapters.\(edge.source)_\(edge.target).\(tensor.rawValue)"
    }

    /// placement.json: the placement, the class names and the graph setting
    /// needed to rebuild the trained state, plus every edge's options spelled
    /// out for readers that do not parse the placement text. Written with
    /// sorted keys and pretty printing.
    public struct PlacementFile: Codable, Equatable, Sendable {
        /// The placement text (`Placement.description`); readers take the
        /// edges and options from it.
        public var placement: String
        /// The class names, in the head's row order.
        public var classes: [String]
        /// Whether gradients stopped at recurrent edges' pass-1 sources.
        public var stopGradientAtRecurrentSources: Bool
        /// Every edge of `placement` with its options, in order; nil when a
        /// file read has none or an unreadable list (readers do not need it).
        public var edges: [EdgeEntry]?

        /// One adapter of the placement, spelled out.
        public struct EdgeEntry: Codable, Equatable, Sendable {
            /// The node the adapter reads.
            public var source: Int
            /// The node the adapter adds into.
            public var target: Int
            /// The edge kind's name (`Edge.Kind.description`).
            public var kind: String
            /// r.
            public var rank: Int
            /// phi's name (`linear`, `gelu`, `rational`).
            public var activation: String
            /// The initialisation's name (`standard`, `houlsby`, `lora`).
            public var initialization: String
            /// s.
            public var scale: Scale

            /// A scale as written: alpha as a number, or the string `channel`.
            public enum Scale: Codable, Equatable, Sendable {
                /// A fixed scalar alpha.
                case alpha(Double)
                /// A learned channel-wise vector.
                case channel

                /// Reads a number or the string `channel`.
                public init(from decoder: any Decoder) throws {
                    let container = try decoder.singleValueContainer()
                    if let alpha = try? container.decode(Double.self) {
                        self = .alpha(alpha)
                    } else if try container.decode(String.self) == "channel" {
                        self = .channel
                    } else {
                        throw DecodingError.dataCorruptedError(in: container, debugDescription: "scale is neither a number nor \"channel\"")
                    }
                }

                /// Writes alpha as a number, or the string `channel`.
                public func encode(to encoder: any Encoder) throws {
                    var container = encoder.singleValueContainer()
                    switch self {
                    case let .alpha(alpha): try container.encode(alpha)
                    case .channel: try container.encode("channel")
                    }
                }
            }

            /// The entry of one adapter of a placement.
            public init(_ entry: Placement.Entry) {
                source = entry.edge.source
                target = entry.edge.target
                kind = entry.edge.kind.description
                rank = entry.options.rank
                activation = entry.options.activation.rawValue
                initialization = entry.options.initialization.rawValue
                switch entry.options.scale {
                case let .scalar(alpha): scale = .alpha(alpha)
                case .channel: scale = .channel
                }
            }

            /// The JSON keys.
            enum CodingKeys: String, CodingKey {
                case source, target, kind, rank, activation, initialization = "init", scale
            }
        }

        /// The file of `graph`'s placement and setting, with `classes`.
        public init(graph: AdapterGraph<Float>, classes: [String]) {
            placement = graph.placement.description
            self.classes = classes
            stopGradientAtRecurrentSources = graph.stopsGradientAtRecurrentSources
            edges = graph.placement.entries.map(EdgeEntry.init)
        }

        /// The JSON keys.
        enum CodingKeys: String, CodingKey {
            case placement, classes, stopGradientAtRecurrentSources = "stop_gradient_at_recurrent_sources", edges
        }

        /// Reads the file as earlier versions' JSONSerialization reader did:
        /// `placement` and `classes` are required; a stop-gradient flag that
        /// is missing or not a boolean is false, except the number 1 (true).
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            placement = try container.decode(String.self, forKey: .placement)
            classes = try container.decode([String].self, forKey: .classes)
            if let stops = try? container.decode(Bool.self, forKey: .stopGradientAtRecurrentSources) {
                stopGradientAtRecurrentSources = stops
            } else {
                stopGradientAtRecurrentSources = (try? container.decode(Double.self, forKey: .stopGradientAtRecurrentSources)) == 1
            }
            edges = try? container.decode([EdgeEntry].self, forKey: .edges)
        }

        /// The file's bytes: pretty-printed JSON with sorted keys, no final newline.
        public func encoded() throws -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return try encoder.encode(self)
        }

        /// Reads the bytes of the file at `path` (named in the error, whose
        /// reason says what is missing).
        public static func decoded(from data: Data, path: String) throws(ExportError) -> PlacementFile {
            do {
                return try JSONDecoder().decode(PlacementFile.self, from: data)
            } catch {
                let key: (any CodingKey)?
                switch error as? DecodingError {
                case let .keyNotFound(missing, context)?: key = context.codingPath.first ?? missing
                case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?, let .dataCorrupted(context)?: key = context.codingPath.first
                default: key = nil
                }
                let reason = switch key.flatMap({ CodingKeys(stringValue: $0.stringValue) }) {
                case .placement?: "no string 'placement'"
                case .classes?: "no list of strings 'classes'"
                default: "not a JSON object"
                }
                throw .malformedPlacementFile(path: path, reason: reason)
            }
        }
    }
}

/// The trained adapters and head, as files PyTorch users can read
/// (`TrainedPlacementFormat`).
public struct TrainedPlacement {
    /// The adapters and the classifier head.
    public var state: TrainableState<Float>
    /// The class names, in the head's row order.
    public var classes: [String]

    /// Writes `adapters.safetensors` and `placement.json` into `folder`,
    /// creating it if needed.
    public func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var tensors: [(name: String, shape: [Int], values: [Float])] = [
            (Format.headWeight, [state.head.weight.rows, state.head.weight.cols], state.head.weight.values),
            (Format.headBias, [state.head.bias.count], state.head.bias),
        ]
        for (entry, adapter) in zip(state.graph.placement.entries, state.graph.adapters) {
            for tensor in Format.AdapterTensor.present(for: entry.options) {
                let (shape, values) = Self.contents(tensor, of: adapter)
                tensors.append((Format.tensorName(tensor, of: entry.edge), shape, values))
            }
        }
        try SafeTensorsWriter.write(tensors, metadata: [Format.placementMetadataKey: state.graph.placement.description],
                                    to: folder + "/" + Format.weightsFileName)
        try Format.PlacementFile(graph: state.graph, classes: classes).encoded()
            .write(to: URL(fileURLWithPath: folder + "/" + Format.placementFileName))
    }

    /// The shape and values of `tensor` in `adapter`.
    private static func contents(_ tensor: Format.AdapterTensor, of adapter: Adapter<Float>) -> (shape: [Int], values: [Float]) {
        switch tensor {
        case .downWeight: return ([adapter.down.weight.rows, adapter.down.weight.cols], adapter.down.weight.values)
        case .downBias: return ([adapter.down.bias.count], adapter.down.bias)
        case .upWeight: return ([adapter.up.weight.rows, adapter.up.weight.cols], adapter.up.weight.values)
        case .upBias: return ([adapter.up.bias.count], adapter.up.bias)
        case .scale: return ([adapter.scale.count], adapter.scale)
        case .rationalNumerator, .rationalDenominator:
            guard case let .rational(function) = adapter.phi else {
                preconditionFailure("a \(adapter.activation) adapter has no rational coefficients")
            }
            let values = tensor == .rationalNumerator ? function.numerator : function.denominator
            return ([values.count], values)
        }
    }

    /// Whether `folder` holds both files `write(to:)` writes.
    public static func isWritten(in folder: String) -> Bool {
        [Format.placementFileName, Format.weightsFileName].allSatisfy { FileManager.default.fileExists(atPath: folder + "/" + $0) }
    }

    /// Reads back a folder `write(to:)` wrote for the backbone `config` (of
    /// the checkpoint folder `model`, named in messages). Throws when a file
    /// is missing or malformed, the placement does not fit the backbone, or
    /// the tensors (a `:rational` adapter's coefficients among them) are
    /// missing or of another width or shape than the placement says.
    public static func read(from folder: String, config: BackboneConfig, model: String) throws(ExportError) -> TrainedPlacement {
        let placementPath = folder + "/" + Format.placementFileName, weightsPath = folder + "/" + Format.weightsFileName
        for path in [placementPath, weightsPath] where !FileManager.default.fileExists(atPath: path) {
            throw .missingFile(path: path)
        }
        guard let data = FileManager.default.contents(atPath: placementPath) else {
            throw .malformedPlacementFile(path: placementPath, reason: "not a JSON object")
        }
        let placementFile = try Format.PlacementFile.decoded(from: data, path: placementPath)
        let classes = placementFile.classes
        let placement: Placement
        do {
            placement = try Placement(parsing: placementFile.placement, nodeCount: config.nodeCount)
        } catch {
            throw .placementDoesNotFit(folder: folder, reason: error.description)
        }

        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(contentsOf: weightsPath)
        } catch {
            throw .unreadableWeights(reason: error.description)
        }
        func tensor(_ name: String, _ shape: [Int]) throws(ExportError) -> [Float] {
            guard let info = file[name] else { throw .missingTensor(file: weightsPath, tensor: name) }
            guard info.shape == shape else { throw .shapeMismatch(file: weightsPath, tensor: name, expected: shape, found: info.shape) }
            do {
                return try file.floats(name)
            } catch {
                throw .unreadableWeights(reason: error.description)
            }
        }
        let d = config.width
        guard let headInfo = file[Format.headWeight], headInfo.shape.count == 2 else {
            throw .missingTensor(file: weightsPath, tensor: Format.headWeight)
        }
        guard headInfo.shape[1] == d else {
            throw .widthMismatch(folder: folder, trainedWidth: headInfo.shape[1], model: model, modelWidth: d)
        }
        guard headInfo.shape[0] == classes.count else {
            throw .shapeMismatch(file: weightsPath, tensor: Format.headWeight, expected: [classes.count, d], found: headInfo.shape)
        }
        let head = Linear<Float>(weight: Matrix(rows: classes.count, cols: d, values: try tensor(Format.headWeight, [classes.count, d])),
                                 bias: try tensor(Format.headBias, [classes.count]))
        var adapters: [Adapter<Float>] = []
        for entry in placement.entries {
            func name(_ tensor: Format.AdapterTensor) -> String { Format.tensorName(tensor, of: entry.edge) }
            let r = entry.options.rank
            if let down = file[name(.downWeight)], down.shape.count == 2, down.shape[1] != d {
                throw .widthMismatch(folder: folder, trainedWidth: down.shape[1], model: model, modelWidth: d)
            }
            let scaleCount: Int
            switch entry.options.scale {
            case .scalar: scaleCount = 1
            case .channel: scaleCount = d
            }
            let phi: Adapter<Float>.Phi
            switch entry.options.activation {
            case .linear: phi = .linear
            case .gelu: phi = .gelu
            case .rational:
                phi = .rational(RationalActivation(
                    numerator: try tensor(name(.rationalNumerator), [RationalActivation<Float>.numeratorCount]),
                    denominator: try tensor(name(.rationalDenominator), [RationalActivation<Float>.denominatorCount])))
            }
            adapters.append(Adapter(
                down: Linear(weight: Matrix(rows: r, cols: d, values: try tensor(name(.downWeight), [r, d])),
                             bias: try tensor(name(.downBias), [r])),
                up: Linear(weight: Matrix(rows: d, cols: r, values: try tensor(name(.upWeight), [d, r])),
                           bias: try tensor(name(.upBias), [d])),
                scale: try tensor(name(.scale), [scaleCount]), phi: phi))
        }
        return TrainedPlacement(state: TrainableState(graph: AdapterGraph(placement: placement, adapters: adapters,
                                                                          stopsGradientAtRecurrentSources: placementFile.stopGradientAtRecurrentSources),
                                                      head: head),
                                classes: classes)
    }
}
