import Core
import Foundation

/// The trained adapters and head, as files PyTorch users can read.
public struct TrainedPlacement {
    public var state: TrainableState<Float>
    public var classes: [String]

    public func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var tensors: [(name: String, shape: [Int], values: [Float])] = [
            ("head.weight", [state.head.weight.rows, state.head.weight.cols], state.head.weight.values),
            ("head.bias", [state.head.bias.count], state.head.bias),
        ]
        for (entry, adapter) in zip(state.graph.placement.entries, state.graph.adapters) {
            let name = "adapters.\(entry.edge.source)_\(entry.edge.target)."
            tensors += [(name + "down.weight", [adapter.down.weight.rows, adapter.down.weight.cols], adapter.down.weight.values),
                        (name + "down.bias", [adapter.down.bias.count], adapter.down.bias),
                        (name + "up.weight", [adapter.up.weight.rows, adapter.up.weight.cols], adapter.up.weight.values),
                        (name + "up.bias", [adapter.up.bias.count], adapter.up.bias),
                        (name + "scale", [adapter.scale.count], adapter.scale)]
        }
        try SafeTensorsWriter.write(tensors, metadata: ["placement": state.graph.placement.description], to: folder + "/adapters.safetensors")
        let description: [String: Any] = [
            "placement": state.graph.placement.description,
            "classes": classes,
            "stop_gradient_at_recurrent_sources": state.graph.stopsGradientAtRecurrentSources,
            "edges": state.graph.placement.entries.map { entry -> [String: Any] in
                var options: [String: Any] = ["source": entry.edge.source, "target": entry.edge.target, "kind": entry.edge.kind.description,
                                              "rank": entry.options.rank, "activation": entry.options.activation.rawValue,
                                              "init": entry.options.initialization.rawValue]
                switch entry.options.scale {
                case let .scalar(alpha): options["scale"] = alpha
                case .channel: options["scale"] = "channel"
                }
                return options
            },
        ]
        try JSONSerialization.data(withJSONObject: description, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: folder + "/placement.json"))
    }
}
