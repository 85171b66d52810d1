import Core
import Foundation

/// A trained placement as AdapterHub (the `adapters` library) bottleneck
/// adapters: which edges AdapterHub computes exactly, under which names and
/// configs, and which it cannot, each with its reason.
///
/// Per edge (i, j) of METHOD.md (h'_j = h_j + A(h_i), added after node j's
/// LayerNorm in post-LN blocks), reading AdapterHub's `Adapter`,
/// `ParallelAdapter` and `BottleneckLayer` forward code:
/// - sequential (j, j), j >= 1, post-LN and pre-LN: a sequential adapter at
///   layer (j-1)/2, `mh_adapter` for odd j, `output_adapter` for even j, with
///   original_ln_before = true, residual_before_ln = false,
///   original_ln_after = false: AdapterHub computes h = LN(x + F(x)) (pre-LN:
///   x + F(x)), then h + A(h). Exact.
/// - parallel (j-1, j), j >= 1, pre-LN (ViT): a parallel adapter there with
///   original_ln_after = true: x + F(x) + A(x), x the sub-layer's input
///   (h'_{j-1}). Exact.
/// - parallel in post-LN blocks: AdapterHub adds A(x) before the block's
///   LayerNorm; not the same function, so listed.
/// - into node 0, long-range and recurrent edges: listed.
/// - a `:rational` adapter (a learned activation, which AdapterHub does not
///   have): listed, whatever its edge (under the edge's own reason when it has one).
/// - two exported edges in one sub-layer (pre-LN: (j, j) and (j-1, j)):
///   AdapterHub's Stack would not add both, so the sequential one is kept
///   and the parallel one listed.
/// Edges agreeing in kind, activation and scale share one adapter name
/// (one config for all its layers, `leave_out` for the rest); attention and
/// MLP edges share a name when they use the same layers with the same ranks.
/// All names are activated together as a `Stack`; each sub-layer holds at
/// most one of them, so the order does not matter.
public struct AdapterHubExport {
    /// The `adapters` library version whose forward code this mapping follows
    /// (written as the configs' "version").
    public static let libraryVersion = "adapters.1.3.0"

    /// The backbone.
    public var config: BackboneConfig
    /// The checkpoint's name (its config.json `_name_or_path`, else its folder name).
    public var modelName: String
    /// The placement exported.
    public var placement: Placement
    /// The named adapters, by name.
    public var adapters: [AdapterHubAdapter]
    /// The edges left out, in the placement's order.
    public var unexpressed: [UnexpressedEdge]
    /// The linear head and its class names.
    public var head: Linear<Float>
    public var classes: [String]

    /// Maps `state`'s placement onto AdapterHub for the backbone `config`.
    public init(state: TrainableState<Float>, config: BackboneConfig, classes: [String], modelName: String) {
        self.config = config
        self.modelName = modelName
        self.placement = state.graph.placement
        self.head = state.head
        self.classes = classes
        let preNorm = config.family == .vit
        var unexpressed: [UnexpressedEdge] = []
        var candidates: [AdapterHubAdapter.Member] = []
        var parallelFlags: [Edge: Bool] = [:]
        for (entry, adapter) in zip(state.graph.placement.entries, state.graph.adapters) {
            let edge = entry.edge
            let reason: UnexpressedEdge.Reason?
            switch edge.kind {
            case _ where edge.target == 0: reason = .embeddingTarget
            case .sequential: reason = nil
            case .parallel: reason = preNorm ? nil : .parallelBeforeNorm
            case .longRange: reason = .longRange
            case .recurrent: reason = .recurrent
            }
            if let reason {
                unexpressed.append(UnexpressedEdge(edge: edge, reason: reason))
            } else if entry.options.activation == .rational {
                unexpressed.append(UnexpressedEdge(edge: edge, reason: .rationalActivation))
            } else if AdapterHubAdapter.reductionFactor(width: config.width, rank: entry.options.rank) == nil {
                unexpressed.append(UnexpressedEdge(edge: edge, reason: .rank(rank: entry.options.rank, width: config.width)))
            } else {
                candidates.append(AdapterHubAdapter.Member(entry: entry, adapter: adapter, layer: (edge.target - 1) / 2,
                                                           location: AdapterHubAdapter.Location(node: edge.target)))
                parallelFlags[edge] = edge.kind == .parallel
            }
        }
        // One adapter per sub-layer: a sequential edge wins over a parallel one into the same node.
        var kept: [AdapterHubAdapter.Member] = []
        for member in candidates {
            if let other = candidates.first(where: { $0.entry.edge != member.entry.edge && $0.entry.edge.target == member.entry.edge.target }),
               member.entry.edge.kind == .parallel {
                unexpressed.append(UnexpressedEdge(edge: member.entry.edge, reason: .sharedSubLayer(kept: other.entry.edge)))
            } else {
                kept.append(member)
            }
        }
        let order = Dictionary(uniqueKeysWithValues: state.graph.placement.edges.enumerated().map { ($1, $0) })
        self.unexpressed = unexpressed.sorted { order[$0.edge]! < order[$1.edge]! }
        self.adapters = Self.group(kept, width: config.width)
    }

    /// Groups members by (parallel, activation, scale, location), then merges
    /// a group's attention and output halves when their layers and ranks agree.
    public static func group(_ members: [AdapterHubAdapter.Member], width: Int) -> [AdapterHubAdapter] {
        struct Key: Hashable {
            public var parallel: Bool
            public var activation: Adapter<Float>.Activation
            public var scale: AdapterOptions.Scale
        }
        func key(_ member: AdapterHubAdapter.Member) -> Key {
            Key(parallel: member.entry.edge.kind == .parallel, activation: member.entry.options.activation, scale: member.entry.options.scale)
        }
        var result: [AdapterHubAdapter] = []
        for (key, group) in Dictionary(grouping: members, by: key) {
            let attention = group.filter { $0.location == .attention }, output = group.filter { $0.location == .output }
            func ranks(_ list: [AdapterHubAdapter.Member]) -> [Int: Int] {
                Dictionary(list.map { ($0.layer, $0.entry.options.rank) }, uniquingKeysWith: { first, _ in first })
            }
            let parts: [(String?, [AdapterHubAdapter.Member])] =
                !attention.isEmpty && !output.isEmpty && ranks(attention) == ranks(output)
                    ? [(nil, group)] : [("attention", attention), ("output", output)].filter { !$0.1.isEmpty }
            for (suffix, list) in parts {
                var name = key.parallel ? "parallel" : "sequential"
                if let suffix { name += "_" + suffix }
                if key.activation == .gelu { name += "_gelu" }
                switch key.scale {
                case .scalar(1): break
                case let .scalar(alpha):
                    name += "_alpha" + ExportJSON.floatText(alpha).map { $0 == "." ? "p" : $0 == "-" ? "m" : $0 == "+" ? "" : String($0) }.joined()
                case .channel: name += "_channel"
                }
                result.append(AdapterHubAdapter(name: name, isParallel: key.parallel, activation: key.activation, scale: key.scale,
                                                members: list.sorted { ($0.layer, $0.location) < ($1.layer, $1.location) }))
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The edges exported, in the placement's order: the placement the
    /// exported model computes (the trained one minus `unexpressed`).
    public var exportedPlacement: Placement {
        let left = Set(unexpressed.map(\.edge))
        return Placement(placement.entries.filter { !left.contains($0.edge) })
    }

    /// How the backbone's last node becomes the head's input.
    public var pooling: String {
        config.family == .vit
            ? "the final LayerNorm (model.layernorm) of the last hidden state, then its first (CLS) token"
            : "the mean of the last hidden state over the non-padding tokens (attention_mask = 1); no pooler"
    }

    /// The export summary (export.json).
    public var summary: ExportJSON {
        .object([
            ("format", .string("adapterhub-bottleneck")),
            ("adapters_version", .string(Self.libraryVersion)),
            ("model_name", .string(modelName)),
            ("model_type", .string(config.family.rawValue)),
            ("placement", .string(placement.description)),
            ("exported_placement", .string(exportedPlacement.description)),
            ("adapters", .array(adapters.map { adapter in
                .object([("name", .string(adapter.name)), ("folder", .string(adapter.name)),
                         ("edges", .array(adapter.members.map { .string($0.entry.edge.description) }))])
            })),
            ("active_setup", .string("Stack(" + adapters.map { "\"\($0.name)\"" }.joined(separator: ", ") + ")")),
            ("head", .object([("file", .string("head.safetensors")), ("classes", .array(classes.map(ExportJSON.string))),
                              ("pooling", .string(pooling))])),
            ("unexpressed_edges", .array(unexpressed.map(\.json))),
        ])
    }

    /// Writes the export into `folder` (created if needed): one subfolder per
    /// adapter name with adapter_config.json and adapter.safetensors,
    /// head.safetensors (`weight` C x d, `bias` C: a torch.nn.Linear state
    /// dict), unexpressed_edges.json (always; `[]` when every edge is
    /// exported), export.json and README.md.
    public func write(to folder: String) throws(ExportError) {
        func writeText(_ text: String, _ path: String) throws(ExportError) {
            do {
                try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw .unwritable(path: path, reason: error.localizedDescription)
            }
        }
        func writeTensors(_ tensors: [(name: String, shape: [Int], values: [Float])], _ path: String) throws(ExportError) {
            do {
                try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: path)
            } catch {
                throw .unwritable(path: path, reason: error.description)
            }
        }
        func makeFolder(_ path: String) throws(ExportError) {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw .unwritable(path: path, reason: error.localizedDescription)
            }
        }
        try makeFolder(folder)
        for adapter in adapters {
            let sub = folder + "/" + adapter.name
            try makeFolder(sub)
            try writeText(adapter.adapterConfigFile(config: config, modelName: modelName).text(), sub + "/adapter_config.json")
            try writeTensors(adapter.tensors(family: config.family), sub + "/adapter.safetensors")
        }
        try writeTensors([("weight", [head.weight.rows, head.weight.cols], head.weight.values), ("bias", [head.bias.count], head.bias)],
                         folder + "/head.safetensors")
        try writeText(ExportJSON.array(unexpressed.map(\.json)).text(), folder + "/unexpressed_edges.json")
        try writeText(summary.text(), folder + "/export.json")
        try writeText(readme, folder + "/README.md")
    }

    /// The export folder's README: what is in it, how to load it, what was checked.
    public var readme: String {
        let modelClass = AdapterHubAdapter.modelClass(config.family)
        let baseClass = config.family == .vit ? "ViTModel" : config.family == .roberta ? "RobertaModel" : "BertModel"
        var lines = [
            "# AdapterHub export of placement `\(placement)`",
            "",
            "Written by `adapter-search export` for `\(modelName)` (\(config.family.rawValue), \(config.layers) layers, d = \(config.width)).",
            "Exported edges: `\(exportedPlacement)`.",
            "",
            "## Load",
            "",
            "```python",
            "import adapters, torch",
            "from adapters import Stack",
            "from safetensors.torch import load_file",
            "from transformers import \(baseClass)",
            "model = \(baseClass).from_pretrained(\"\(modelName)\")",
            "adapters.init(model)",
            "export = \".\"  # the path of this folder",
        ]
        for adapter in adapters {
            lines.append("model.load_adapter(f\"{export}/\(adapter.name)\", use_safetensors=True)")
        }
        lines += [
            adapters.isEmpty ? "# no adapter was exported" : "model.set_active_adapters(Stack(\(adapters.map { "\"\($0.name)\"" }.joined(separator: ", "))))",
            "head = torch.nn.Linear(\(config.width), \(classes.count))",
            "head.load_state_dict(load_file(f\"{export}/head.safetensors\"))",
            "```",
            "",
            "`use_safetensors=True` is required: the weights are `adapter.safetensors`, there is no `pytorch_adapter.bin`.",
            "AdapterHub's own prediction heads (`\(modelClass)`) are not used: they cannot pool as AdapterSearch does.",
            "The head reads \(pooling); class names in order: \(classes.joined(separator: ", ")).",
            "",
            "## Adapters",
            "",
        ]
        for adapter in adapters {
            lines.append("- `\(adapter.name)`: edges \(adapter.members.map { "`\($0.entry.edge)` (layer \($0.layer), \($0.location.rawValue))" }.joined(separator: ", "))")
        }
        if adapters.isEmpty { lines.append("None.") }
        lines += ["", "## Edges not exported", ""]
        if unexpressed.isEmpty {
            lines.append("None: the exported model computes the whole trained placement.")
        } else {
            lines.append("The exported model computes the placement WITHOUT these edges, so its accuracy differs from the trained one:")
            lines.append("")
            lines += unexpressed.map { "- `\($0.edge)` (\($0.edge.kind)): \($0.reason)" }
        }
        lines += [
            "",
            "## How the mapping was checked",
            "",
            "The mapping follows the forward code of `\(Self.libraryVersion)` (`Adapter`, `ParallelAdapter`, `BottleneckLayer`, ",
            "and the BERT and ViT layers it patches). For tiny post-LN BERT models, AdapterSearch's test suite loads such an",
            "export into that library and matches its hidden states and logits to AdapterSearch's own forward pass",
            "(tools/golden/adapterhub_export.py). The pre-LN (ViT) mapping, sequential and parallel, is checked by reasoning",
            "through that code only.",
        ]
        return lines.joined(separator: "\n")
    }
}

extension AdapterHubExport {
    /// The backbone config of the checkpoint folder `model`.
    public static func config(of model: String) throws(ExportError) -> BackboneConfig {
        do {
            return try BackboneConfig(contentsOf: model + "/config.json")
        } catch {
            throw ExportError.modelConfig(reason: "\(error)")
        }
    }

    /// Writes `trained` as AdapterHub adapters into `folder`, warning on
    /// standard error about each edge AdapterHub cannot express.
    public static func write(_ trained: TrainedPlacement, model: String, config: BackboneConfig, to folder: String) throws -> AdapterHubExport {
        let export = AdapterHubExport(state: trained.state, config: config, classes: trained.classes, modelName: modelName(of: model))
        try export.write(to: folder)
        for item in export.unexpressed {
            printError("warning: edge \(item.edge) (\(item.edge.kind)) not exported to AdapterHub: \(item.reason)")
        }
        return export
    }

    /// The checkpoint's name: config.json's `_name_or_path` when set, else the folder's name.
    public static func modelName(of folder: String) -> String {
        if let data = FileManager.default.contents(atPath: folder + "/config.json"),
           let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let name = json["_name_or_path"] as? String, !name.isEmpty {
            return name
        }
        return URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent
    }
}
