import Core
import Foundation
import Testing
@testable import Host

/// The learned switch through the ABI's `asp.gated/1` service on the real
/// engine: on a backbone where one planted edge alone can carry the input
/// to the head, it chooses that edge, in process and isolated, and a
/// resumed run reads its gates from the checkpoint instead of training them again.
@Suite struct LearnedSwitchTests {
    /// The planted edge 0>4 and every edge out of the blind nodes 2, 3, 4.
    static let candidates = [Edge(0, 4)] + Edge.all(nodeCount: 5).filter { $0.source >= 2 }

    static func strategy() throws -> PluginDescriptor {
        let library = Locations.products.appendingPathComponent(BuiltInPlugins.strategiesLibrary).path
        return try #require(try PluginLoader.load(library).first { $0.id == "learned-switch" })
    }

    @Test func thePlantedEdgeIsChosenInProcessAndIsolated() throws {
        try withTemporaryDirectory { folder in
            let run = try TinySearchRun(in: folder, metrics: [], blind: true)
            let checkpoints = MemoryCheckpoints()
            var environment = run.environment(checkpoints: checkpoints)
            environment.candidates = Self.candidates
            let plugin = try Self.strategy()
            let configuration = ["gate-steps": "150", "sparsity": "0.2"]
            let inProcess = try PluginInstance(plugin, environment: environment, configuration: configuration).select(k: 1)
            #expect(inProcess == [Edge(0, 4)])
            let saved = try #require(try checkpoints.load(plugin: "learned-switch"))
            #expect(saved.count == 8 * Self.candidates.count, "one probability per candidate is checkpointed")

            // Isolated, with no checkpoint: the same gates, bit for bit, through the socket.
            var fresh = environment
            fresh.checkpoints = MemoryCheckpoints()
            let isolated = try IsolatedPlugin(plugin, environment: fresh, configuration: configuration, timeout: 300,
                                              executable: Locations.executable)
            #expect(try isolated.select(k: 1) == [Edge(0, 4)])
            #expect(try fresh.checkpoints!.load(plugin: "learned-switch") == saved)
        }
    }

    @Test func aResumedChoiceReadsItsGatesFromTheCheckpoint() throws {
        try withTemporaryDirectory { folder in
            let run = try TinySearchRun(in: folder, metrics: [])
            let checkpoints = MemoryCheckpoints()
            // Gates that say 2>3 then 1>1, saved as a crashed run would have left them.
            var probabilities = [Double](repeating: 0.1, count: 25)
            probabilities[Edge.all(nodeCount: 5).firstIndex(of: Edge(2, 3))!] = 0.9
            probabilities[Edge.all(nodeCount: 5).firstIndex(of: Edge(1, 1))!] = 0.8
            try checkpoints.save(plugin: "learned-switch", state: probabilities.flatMap { value in
                (0..<8).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) }
            })
            let environment = run.environment(checkpoints: checkpoints, search: FailingGates())
            let chosen = try PluginInstance(try Self.strategy(), environment: environment, configuration: [:]).select(k: 2)
            #expect(chosen == [Edge(2, 3), Edge(1, 1)])
        }
    }

    @Test func aBadGatedBudgetIsRefusedWithItsField() throws {
        #expect(throws: ServiceError.self) { try GatedRequest(gateLearningRate: 0).check() }
        #expect(throws: ServiceError.self) { try GatedRequest(sparsity: -1).check() }
        #expect(throws: ServiceError.self) { try GatedRequest(finalTemperature: .nan).check() }
        #expect(throws: Never.self) { try GatedRequest().check() }
    }
}

/// Search services whose gated training must not be asked for.
final class FailingGates: SearchProvider, @unchecked Sendable {
    func scores(metric: String, edges: [Edge]) throws -> (scores: [Double], direction: Int32) {
        throw ServiceError(status: 5, description: "no scores here")
    }

    func evaluate(_ placements: [[Edge]], budget: Budget) throws -> [EvaluationResult] {
        throw ServiceError(status: 5, description: "no evaluations here")
    }

    func trainGated(_ edges: [Edge], budget: GatedRequest) throws -> GatedResult {
        Issue.record("the gates were trained again")
        throw ServiceError(status: 5, description: "no gated training here")
    }
}
