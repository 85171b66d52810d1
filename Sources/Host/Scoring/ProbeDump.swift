import Core
import Foundation

/// The probes as NumPy files, for checking metrics outside the tool: probe
/// 0 in the folder itself, each extra pass's probe p in `probe-p/`.
public enum ProbeDump {
    public static func write(_ probes: [Probe], to folder: String) throws {
        for (number, probe) in probes.enumerated() {
            try write(probe, to: number == 0 ? folder : folder + "/probe-\(number)")
        }
    }

    /// H_k.npy and D_k.npy per node, S_k.npy where a sequential map read the
    /// node before the maps, head_weight.npy and head_bias.npy, and
    /// probe.json (the loss and the number of examples, which no matrix
    /// holds). `ProbeDump.read` reads it back.
    public static func write(_ probe: Probe, to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func save(_ matrix: Matrix<Float>, _ name: String) throws {
            try NPYFile.write(matrix.values, shape: [matrix.rows, matrix.cols], to: folder + "/" + name + ".npy")
        }
        for k in 0..<probe.nodeCount {
            try save(probe.activations[k], "H_\(k)")
            try save(probe.gradients[k], "D_\(k)")
        }
        for (k, source) in probe.sequentialSources { try save(source, "S_\(k)") }
        try save(probe.head.weight, "head_weight")
        try NPYFile.write(probe.head.bias, shape: [probe.head.bias.count], to: folder + "/head_bias.npy")
        try jsonText(Summary(probe)).write(toFile: folder + "/probe.json", atomically: true, encoding: .utf8)
    }
}
