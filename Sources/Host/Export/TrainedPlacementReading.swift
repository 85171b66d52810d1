import Core
import Foundation

extension TrainedPlacement {
    /// Reads back a folder `adapter-search train --out` wrote
    /// (adapters.safetensors and placement.json) for the backbone `config`
    /// (of the checkpoint folder `model`, named in messages). Throws when a
    /// file is missing or malformed, the placement does not fit the backbone,
    /// or the tensors are of another width or shape than the placement says.
    public static func read(from folder: String, config: BackboneConfig, model: String) throws(ExportError) -> TrainedPlacement {
        let placementPath = folder + "/placement.json", weightsPath = folder + "/adapters.safetensors"
        for path in [placementPath, weightsPath] where !FileManager.default.fileExists(atPath: path) {
            throw .missingFile(path: path)
        }
        guard let data = FileManager.default.contents(atPath: placementPath),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .malformedPlacementFile(path: placementPath, reason: "not a JSON object")
        }
        guard let text = json["placement"] as? String else {
            throw .malformedPlacementFile(path: placementPath, reason: "no string 'placement'")
        }
        guard let classes = json["classes"] as? [String] else {
            throw .malformedPlacementFile(path: placementPath, reason: "no list of strings 'classes'")
        }
        let placement: Placement
        do {
            placement = try Placement(parsing: text, nodeCount: config.nodeCount)
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
        guard let headInfo = file["head.weight"], headInfo.shape.count == 2 else {
            throw .missingTensor(file: weightsPath, tensor: "head.weight")
        }
        guard headInfo.shape[1] == d else {
            throw .widthMismatch(folder: folder, trainedWidth: headInfo.shape[1], model: model, modelWidth: d)
        }
        guard headInfo.shape[0] == classes.count else {
            throw .shapeMismatch(file: weightsPath, tensor: "head.weight", expected: [classes.count, d], found: headInfo.shape)
        }
        let head = Linear<Float>(weight: Matrix(rows: classes.count, cols: d, values: try tensor("head.weight", [classes.count, d])),
                                 bias: try tensor("head.bias", [classes.count]))
        var adapters: [Adapter<Float>] = []
        for entry in placement.entries {
            let name = "adapters.\(entry.edge.source)_\(entry.edge.target).", r = entry.options.rank
            if let down = file[name + "down.weight"], down.shape.count == 2, down.shape[1] != d {
                throw .widthMismatch(folder: folder, trainedWidth: down.shape[1], model: model, modelWidth: d)
            }
            let scaleCount: Int
            switch entry.options.scale {
            case .scalar: scaleCount = 1
            case .channel: scaleCount = d
            }
            adapters.append(Adapter(
                down: Linear(weight: Matrix(rows: r, cols: d, values: try tensor(name + "down.weight", [r, d])),
                             bias: try tensor(name + "down.bias", [r])),
                up: Linear(weight: Matrix(rows: d, cols: r, values: try tensor(name + "up.weight", [d, r])),
                           bias: try tensor(name + "up.bias", [d])),
                scale: try tensor(name + "scale", [scaleCount]), activation: entry.options.activation))
        }
        let stops = json["stop_gradient_at_recurrent_sources"] as? Bool ?? false
        return TrainedPlacement(state: TrainableState(graph: AdapterGraph(placement: placement, adapters: adapters,
                                                                          stopsGradientAtRecurrentSources: stops),
                                                      head: head),
                                classes: classes)
    }
}
