import Core

/// Why a trained placement cannot be exported, each with what to do about it.
public enum ExportError: Error, CustomStringConvertible, Equatable {
    /// A file the trained folder must hold is absent.
    case missingFile(path: String)
    /// placement.json is not what `train --out` writes.
    case malformedPlacementFile(path: String, reason: String)
    /// The placement does not fit the backbone (a node beyond its 2L + 1).
    case placementDoesNotFit(folder: String, reason: String)
    /// adapters.safetensors lacks a tensor the placement needs.
    case missingTensor(file: String, tensor: String)
    /// The trained tensors are for a backbone of another width.
    case widthMismatch(folder: String, trainedWidth: Int, model: String, modelWidth: Int)
    /// A tensor has a shape the placement's options do not give.
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    /// The backbone's config.json cannot be used.
    case modelConfig(reason: String)
    /// adapters.safetensors cannot be read.
    case unreadableWeights(reason: String)
    /// The export folder cannot be written.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .missingFile(path):
            "\(path) does not exist: --placement-dir must be a folder written by 'adapter-search train --out DIR' "
                + "(it holds adapters.safetensors and placement.json)"
        case let .malformedPlacementFile(path, reason):
            "\(path) is not a placement.json written by 'adapter-search train --out': \(reason)"
        case let .placementDoesNotFit(folder, reason):
            "the placement in \(folder) does not fit this backbone (\(reason)); pass the --model it was trained on"
        case let .missingTensor(file, tensor):
            "\(file) has no tensor '\(tensor)': the weights do not belong to the placement in placement.json; train again with --out"
        case let .widthMismatch(folder, trainedWidth, model, modelWidth):
            "\(folder) was trained on a backbone of width \(trainedWidth), but \(model) has width \(modelWidth): "
                + "pass the --model it was trained on"
        case let .shapeMismatch(file, tensor, expected, found):
            "\(file): tensor '\(tensor)' has shape \(found), the placement needs \(expected); the weights do not match placement.json"
        case let .modelConfig(reason): "cannot read the backbone's config: \(reason)"
        case let .unreadableWeights(reason): "cannot read the trained weights: \(reason)"
        case let .unwritable(path, reason): "cannot write \(path): \(reason)"
        }
    }
}
