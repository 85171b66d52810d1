import Core
import Foundation

extension ProbeDump {
    /// probe.json: what a dumped probe holds besides its matrices.
    public struct Summary: Codable, Equatable, Sendable {
        /// The probe batch's mean loss.
        public var loss: Double
        /// Examples in the probe batch.
        public var examples: Int
        /// n, the residual nodes (H_0 ... H_{n-1}).
        public var nodes: Int
        /// d, the hidden width.
        public var width: Int
        /// N, the real tokens (the matrices' rows).
        public var tokens: Int
        /// The head's classes.
        public var classes: Int

        /// The summary of `probe`.
        public init(_ probe: Probe) {
            loss = probe.loss
            examples = probe.examples
            nodes = probe.nodeCount
            width = probe.width
            tokens = probe.tokens
            classes = probe.classes
        }
    }

    /// Why a folder cannot be read as a dumped probe.
    public struct ReadError: Error, CustomStringConvertible {
        /// The folder.
        public var folder: String
        /// What is wrong with it.
        public var problem: String

        /// The error as one line, naming the folder.
        public var description: String {
            "\(folder) is not a probe dumped by `adapter-search score --dump-probe`: \(problem)"
        }
    }

    /// Reads probe 0 of a folder `write(_:to:)` wrote: H_k.npy and D_k.npy
    /// for k = 0, 1, ... while both exist (an odd number of nodes, n = 2L + 1),
    /// S_k.npy where present, head_weight.npy and head_bias.npy, and
    /// probe.json. A dump made before probe.json existed reads with loss NaN
    /// and 0 examples (`summaryFound` false). Extra passes' probes
    /// (`probe-P/`) are not read.
    public static func read(from folder: String) throws -> (probe: Probe, summaryFound: Bool) {
        func fail(_ problem: String) -> ReadError { ReadError(folder: folder, problem: problem) }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw fail("no such folder")
        }
        func path(_ name: String) -> String { folder + "/" + name + ".npy" }
        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }
        func array(_ name: String) throws -> NumericArray {
            do {
                return try NPYFile.read(path(name))
            } catch {
                throw fail("\(name).npy: \(error)")
            }
        }
        func matrix(_ name: String) throws -> Matrix<Float> {
            let read = try array(name)
            guard read.shape.count == 2 else { throw fail("\(name).npy has shape \(read.shape); a matrix has two dimensions") }
            return Matrix(rows: read.shape[0], cols: read.shape[1], values: read.values)
        }
        var nodes = 0
        while exists("H_\(nodes)") && exists("D_\(nodes)") { nodes += 1 }
        guard nodes > 0 else { throw fail("H_0.npy and D_0.npy are missing") }
        if exists("H_\(nodes)") || exists("D_\(nodes)") {
            throw fail("node \(nodes) has only one of H_\(nodes).npy and D_\(nodes).npy")
        }
        guard nodes % 2 == 1 else { throw fail("\(nodes) nodes; a backbone of L blocks has n = 2L + 1") }
        let activations = try (0..<nodes).map { try matrix("H_\($0)") }
        let gradients = try (0..<nodes).map { try matrix("D_\($0)") }
        var sources: [Int: Matrix<Float>] = [:]
        for node in 0..<nodes where exists("S_\(node)") { sources[node] = try matrix("S_\(node)") }
        guard exists("head_weight"), exists("head_bias") else { throw fail("head_weight.npy or head_bias.npy is missing") }
        let weight = try matrix("head_weight"), bias = try array("head_bias")
        guard bias.shape.count == 1 else { throw fail("head_bias.npy has shape \(bias.shape); it must be a vector") }
        var summary: Summary?
        let summaryPath = folder + "/probe.json"
        if FileManager.default.fileExists(atPath: summaryPath) {
            do {
                summary = try JSONDecoder().decode(Summary.self, from: Data(contentsOf: URL(fileURLWithPath: summaryPath)))
            } catch {
                throw fail("probe.json: \(error)")
            }
        }
        let probe: Probe
        do {
            probe = try Probe(activations: activations, gradients: gradients, sequentialSources: sources,
                              head: Linear(weight: weight, bias: bias.values), loss: summary?.loss ?? .nan,
                              examples: summary?.examples ?? 0)
        } catch {
            throw fail(error.description)
        }
        if let summary, summary.nodes != nodes || summary.width != probe.width || summary.tokens != probe.tokens
            || summary.classes != probe.classes {
            throw fail("probe.json says \(summary.nodes) nodes, width \(summary.width), \(summary.tokens) tokens and "
                       + "\(summary.classes) classes; the matrices have \(nodes), \(probe.width), \(probe.tokens) and \(probe.classes)")
        }
        return (probe, summary != nil)
    }
}
