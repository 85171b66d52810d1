import Core
import Foundation
@testable import Host

/// The built-in plugin libraries, loaded from the .so files the package builds
/// next to the test bundle.
enum BuiltIns {
    /// The folder holding the built products.
    static let productsFolder: String = {
        let bundle = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                         ?? CommandLine.arguments[0])
        var folder = bundle.deletingLastPathComponent()
        // swift test runs <products>/AdapterSearchPackageTests.xctest
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("libAdapterSearchMetrics.so").path),
              folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.path
    }()

    /// Every built-in plugin, by id.
    static let plugins: [String: PluginDescriptor] = {
        let metrics = try! PluginLoader.load(productsFolder + "/libAdapterSearchMetrics.so")
        let strategies = try! PluginLoader.load(productsFolder + "/libAdapterSearchStrategies.so")
        return Dictionary(uniqueKeysWithValues: (metrics + strategies).map { ($0.id, $0) })
    }()

    /// A new instance of built-in plugin `id`.
    static func instance(_ id: String, _ environment: PluginEnvironment,
                         _ configuration: [String: String] = [:]) throws -> PluginInstance {
        try PluginInstance(plugins[id]!, environment: environment, configuration: configuration)
    }
}

/// A probe that serves fixed edge gradients and adapter inits instead of
/// running a backbone: what issue 2's tests drive the metrics with.
final class FixedProbe: ProbeProvider {
    let width: Int
    var gradients: [Edge: Matrix<Float>]
    var initialisation: (down: Matrix<Float>, up: Matrix<Float>)?

    init(width: Int, gradients: [Edge: Matrix<Float>], initialisation: (down: Matrix<Float>, up: Matrix<Float>)? = nil) {
        self.width = width
        self.gradients = gradients
        self.initialisation = initialisation
    }

    func info(probe: Int) throws -> ProbeSummary {
        ProbeSummary(width: width, tokens: 4, examples: 2, classes: 3, loss: 1)
    }

    func activations(probe: Int, node: Int) throws -> Matrix<Float> { Matrix(zeros: 4, width) }
    func gradients(probe: Int, node: Int) throws -> Matrix<Float> { Matrix(zeros: 4, width) }

    func edgeGradient(probe: Int, edge: Edge) throws -> Matrix<Float> {
        guard let gradient = gradients[edge] else { throw ServiceError(status: 6, description: "no gradient for \(edge)") }
        return gradient
    }

    func adapterInit(edge: Edge, rank: Int) throws -> (down: Matrix<Float>, up: Matrix<Float>) {
        guard let initialisation, initialisation.down.rows == rank else {
            throw ServiceError(status: 1, description: "no init of rank \(rank)")
        }
        return initialisation
    }

    func runPass(_ request: PassRequest) throws -> Int {
        throw ServiceError(status: 2, description: "fixed probes run no passes")
    }
}

/// A search host that serves fixed score tables and a fixed accuracy table,
/// and records every batch (evaluate call) it was asked for.
final class FixedSearch: SearchProvider {
    var scoreTables: [String: (scores: [Edge: Double], direction: Int32)]
    /// The validation accuracy of a placement trained for a number of steps
    /// (0: the run's budget); NaN makes the training diverge.
    var accuracy: ([Edge], Int) -> Double
    /// Every evaluate call: its placements and the steps it asked for.
    private(set) var batches: [(placements: [[Edge]], steps: Int)] = []

    /// A table whose accuracies do not depend on the steps.
    convenience init(scoreTables: [String: (scores: [Edge: Double], direction: Int32)] = [:],
                     accuracy: @escaping ([Edge]) -> Double = { _ in 0.5 }) {
        self.init(scoreTables: scoreTables, accuracyAtSteps: { placement, _ in accuracy(placement) })
    }

    init(scoreTables: [String: (scores: [Edge: Double], direction: Int32)] = [:],
         accuracyAtSteps: @escaping ([Edge], Int) -> Double) {
        self.scoreTables = scoreTables
        self.accuracy = accuracyAtSteps
    }

    /// The gate probability each edge ends with in a gated training (0.5
    /// when absent); a NaN makes the training diverge.
    var gates: [Edge: Double] = [:]
    /// Every gated training asked for: its edges and budget.
    private(set) var gatedTrainings: [(edges: [Edge], budget: GatedRequest)] = []

    /// Every placement evaluated, in order.
    var evaluated: [[Edge]] { batches.flatMap(\.placements) }

    func scores(metric: String, edges: [Edge]) throws -> (scores: [Double], direction: Int32) {
        guard let table = scoreTables[metric] else {
            throw ServiceError(status: 6, description: "unknown metric '\(metric)'")
        }
        return (edges.map { table.scores[$0] ?? 0 }, table.direction)
    }

    func trainGated(_ edges: [Edge], budget: GatedRequest) throws -> GatedResult {
        try budget.check()
        gatedTrainings.append((edges, budget))
        let probabilities = edges.map { gates[$0] ?? 0.5 }
        let diverged = probabilities.contains { $0.isNaN }
        return GatedResult(probabilities: probabilities, accuracy: diverged ? .nan : 0.6, loss: diverged ? .nan : 0.4, seconds: 0,
                           diverged: diverged)
    }

    func evaluate(_ placements: [[Edge]], budget: Budget) throws -> [EvaluationResult] {
        batches.append((placements, budget.steps))
        return placements.map {
            let accuracy = accuracy($0, budget.steps)
            return EvaluationResult(accuracy: accuracy, loss: 1 - accuracy, parameters: 100, seconds: 0, diverged: accuracy.isNaN)
        }
    }
}

/// What a plugin reported to the host (progress), and a stop request the
/// test can raise; safe to use from any thread.
final class HostReports: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var reports: [String] = []
    private var stop = false

    /// Progress reports as "fraction message".
    var progress: [String] { lock.withLock { reports } }

    /// Makes the environment's shouldStop answer true from now on.
    func requestStop() { lock.withLock { stop = true } }

    /// `environment` with its progress and stop requests going through here.
    func wired(_ environment: PluginEnvironment) -> PluginEnvironment {
        var wired = environment
        wired.progress = { _, fraction, message in self.lock.withLock { self.reports.append("\(fraction) \(message)") } }
        wired.shouldStop = { self.lock.withLock { self.stop } }
        return wired
    }
}

extension PluginEnvironment {
    /// A run over `nodeCount` nodes whose candidates are every edge.
    static func fixed(nodeCount: Int, seed: UInt64 = 0, probe: ProbeProvider? = nil,
                      search: SearchProvider? = nil) -> PluginEnvironment {
        PluginEnvironment(seed: seed, nodeCount: nodeCount, candidates: Edge.all(nodeCount: nodeCount),
                          probe: probe, search: search)
    }
}

extension Matrix where Scalar == Float {
    /// A square diagonal matrix.
    static func diagonal(_ values: [Float]) -> Matrix<Float> {
        var matrix = Matrix(zeros: values.count, values.count)
        for (index, value) in values.enumerated() { matrix[index, index] = value }
        return matrix
    }
}
