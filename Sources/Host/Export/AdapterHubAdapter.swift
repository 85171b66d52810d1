import Core
import Foundation

/// One named AdapterHub bottleneck adapter (a `BnConfig`): edges of a
/// placement that share sequential-or-parallel, activation and scale, placed
/// at the same sub-layers (attention output, MLP output, or both) of the
/// layers they use; `leave_out` names the other layers, and
/// `reduction_factor` is one number, or a per-layer mapping when ranks differ.
public struct AdapterHubAdapter {
    /// Where in a layer AdapterHub runs a bottleneck adapter: its config keys.
    public enum Location: String, CaseIterable, Comparable {
        /// After the attention sub-layer (node 2k-1 for layer k-1).
        case attention = "mh_adapter"
        /// After the MLP sub-layer (node 2k for layer k-1).
        case output = "output_adapter"

        /// Attention before output.
        public static func < (lhs: Location, rhs: Location) -> Bool { lhs == .attention && rhs == .output }

        /// The location of node `node` (1...2L): odd nodes follow attention, even ones the MLP.
        public init(node: Int) { self = node % 2 == 1 ? .attention : .output }
    }

    /// One edge of the placement, where AdapterHub runs it.
    public struct Member {
        public var entry: Placement.Entry
        public var adapter: Adapter<Float>
        /// AdapterHub's layer index, from 0: node j is in layer (j - 1) / 2.
        public var layer: Int
        public var location: Location
    }

    /// The adapter's name (its subfolder, and the key in the weight names).
    public var name: String
    /// A parallel adapter (is_parallel), else sequential.
    public var isParallel: Bool
    public var activation: Adapter<Float>.Activation
    public var scale: AdapterOptions.Scale
    /// The edges, by layer then location.
    public var members: [Member]

    /// The sub-layer locations the adapter uses (every used layer has each).
    public var locations: Set<Location> { Set(members.map(\.location)) }
    /// The layers the adapter uses, ascending.
    public var layers: [Int] { Array(Set(members.map(\.layer))).sorted() }

    /// AdapterHub's reduction factor for rank `rank` at width `width`, which
    /// AdapterHub turns back into a rank as Python's `int(d // factor)`: the
    /// integer d / r when r divides d; else the float d / r when that gives r
    /// back (5 // (5 / 3) is 2.0, so it often does not), else d / (r + 1/2),
    /// whose quotient lies mid-way between r and r + 1; nil when neither does.
    public static func reductionFactor(width: Int, rank: Int) -> ExportJSON? {
        if width % rank == 0 { return .int(width / rank) }
        for factor in [Double(width) / Double(rank), Double(width) / (Double(rank) + 0.5)]
        where pythonFloorDivide(Double(width), factor) == Double(rank) {
            return .float(factor)
        }
        return nil
    }

    /// Python's float `a // b` (CPython's float_floor_div), for b > 0.
    public static func pythonFloorDivide(_ a: Double, _ b: Double) -> Double {
        let remainder = fmod(a, b)
        var quotient = (a - remainder) / b
        if remainder != 0, (b < 0) != (remainder < 0) { quotient -= 1 }
        var floored = quotient.rounded(.down)
        if quotient - floored > 0.5 { floored += 1 }
        return floored
    }

    /// `reduction_factor`: one value when every member has the same rank,
    /// else a mapping from layer index (as a string) to its value.
    public func reductionFactor(width: Int) -> ExportJSON {
        let byLayer = Dictionary(members.map { ($0.layer, $0.entry.options.rank) }, uniquingKeysWith: { first, _ in first })
        let ranks = Set(byLayer.values)
        if ranks.count == 1 { return Self.reductionFactor(width: width, rank: ranks.first!)! }
        return .object(byLayer.keys.sorted().map { (String($0), Self.reductionFactor(width: width, rank: byLayer[$0]!)!) })
    }

    /// The `config` object: every `BnConfig` field, keys sorted as
    /// AdapterHub saves them. Sequential: the block's own LayerNorm and
    /// residual first (original_ln_before), the adapter's residual taken after
    /// that norm (residual_before_ln false), nothing after
    /// (original_ln_after false): h + A(h). Parallel (pre-LN only): the
    /// adapter reads the sub-layer's input and its output is added to the
    /// sub-layer's output and residual (original_ln_after true).
    public func config(width: Int, totalLayers: Int) -> ExportJSON {
        let used = Set(layers)
        let initialization: String
        switch members.first!.entry.options.initialization {
        case .standard: initialization = "bert"
        case .houlsby: initialization = "houlsby"
        case .lora: initialization = "mam_adapter"
        }
        let nonLinearity: String
        switch activation {
        case .linear, .gelu: nonLinearity = activation.rawValue
        case .rational: preconditionFailure("a :rational adapter is never exported (UnexpressedEdge.Reason.rationalActivation)")
        }
        let scaling: ExportJSON
        switch scale {
        case let .scalar(alpha): scaling = .float(alpha)
        case .channel: scaling = .string("channel")
        }
        let fields: [(String, ExportJSON)] = [
            ("adapter_residual_before_ln", .bool(false)),
            ("cross_adapter", .bool(false)),
            ("dropout", .float(0)),
            ("factorized_phm_W", .bool(true)),
            ("factorized_phm_rule", .bool(false)),
            ("hypercomplex_nonlinearity", .string("glorot-uniform")),
            ("init_weights", .string(initialization)),
            ("init_weights_seed", .null),
            ("inv_adapter", .null),
            ("inv_adapter_reduction_factor", .null),
            ("is_parallel", .bool(isParallel)),
            ("learn_phm", .bool(true)),
            ("leave_out", .array((0..<totalLayers).filter { !used.contains($0) }.map(ExportJSON.int))),
            ("ln_after", .bool(false)),
            ("ln_before", .bool(false)),
            ("mh_adapter", .bool(locations.contains(.attention))),
            ("non_linearity", .string(nonLinearity)),
            ("original_ln_after", .bool(isParallel)),
            ("original_ln_before", .bool(!isParallel)),
            ("output_adapter", .bool(locations.contains(.output))),
            ("phm_bias", .bool(true)),
            ("phm_c_init", .string("normal")),
            ("phm_dim", .int(4)),
            ("phm_init_range", .float(0.0001)),
            ("phm_layer", .bool(false)),
            ("phm_rank", .int(1)),
            ("reduction_factor", reductionFactor(width: width)),
            ("residual_before_ln", .bool(isParallel)),
            ("scaling", scaling),
            ("shared_W_phm", .bool(false)),
            ("shared_phm_rule", .bool(true)),
            ("stochastic_depth", .float(0)),
            ("use_gating", .bool(false)),
        ]
        return .object(fields)
    }

    /// The whole adapter_config.json, as `model.load_adapter(DIR)` reads it.
    /// "version" must be there: without it AdapterHub renames "gelu" to the
    /// tanh approximation "gelu_new".
    public func adapterConfigFile(config: BackboneConfig, modelName: String) -> ExportJSON {
        .object([
            ("config", self.config(width: config.width, totalLayers: config.layers)),
            ("hidden_size", .int(config.width)),
            ("model_class", .string(Self.modelClass(config.family))),
            ("model_name", .string(modelName)),
            ("model_type", .string(config.family.rawValue)),
            ("name", .string(name)),
            ("version", .string(AdapterHubExport.libraryVersion)),
        ])
    }

    /// AdapterHub's model class with flexible heads for a family.
    public static func modelClass(_ family: BackboneConfig.Family) -> String {
        switch family {
        case .bert: "BertAdapterModel"
        case .roberta: "RobertaAdapterModel"
        case .vit: "ViTAdapterModel"
        }
    }

    /// The prefix of the weight names of this adapter at `layer`/`location`,
    /// as AdapterHub's model state dict names them.
    public func weightPrefix(family: BackboneConfig.Family, layer: Int, location: Location) -> String {
        switch (family, location) {
        case (.bert, .attention), (.roberta, .attention):
            "\(family.rawValue).encoder.layer.\(layer).attention.output.adapters.\(name)."
        case (.bert, .output), (.roberta, .output):
            "\(family.rawValue).encoder.layer.\(layer).output.adapters.\(name)."
        case (.vit, .attention): "vit.encoder.layer.\(layer).attention_adapters.adapters.\(name)."
        case (.vit, .output): "vit.encoder.layer.\(layer).output.output_adapters.adapters.\(name)."
        }
    }

    /// The tensors of adapter.safetensors: per member adapter_down.0 (W_down,
    /// r x d, and b_down), adapter_up (W_up, d x r, and b_up): PyTorch's
    /// nn.Linear keeps weights as out x in, as the engine does, so none is
    /// transposed; and `scaling` (d) for a channel scale. A scalar alpha is
    /// the config's `scaling`, not a tensor.
    public func tensors(family: BackboneConfig.Family) -> [(name: String, shape: [Int], values: [Float])] {
        members.flatMap { member -> [(name: String, shape: [Int], values: [Float])] in
            let prefix = weightPrefix(family: family, layer: member.layer, location: member.location)
            let adapter = member.adapter
            var list: [(name: String, shape: [Int], values: [Float])] = [
                (prefix + "adapter_down.0.weight", [adapter.down.weight.rows, adapter.down.weight.cols], adapter.down.weight.values),
                (prefix + "adapter_down.0.bias", [adapter.down.bias.count], adapter.down.bias),
                (prefix + "adapter_up.weight", [adapter.up.weight.rows, adapter.up.weight.cols], adapter.up.weight.values),
                (prefix + "adapter_up.bias", [adapter.up.bias.count], adapter.up.bias),
            ]
            if case .channel = scale { list.append((prefix + "scaling", [adapter.scale.count], adapter.scale)) }
            return list
        }
    }
}
