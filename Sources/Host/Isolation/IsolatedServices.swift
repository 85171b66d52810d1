import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// The two ends of a host-service call made by an isolated plugin. In the
// worker, `WorkerServices` implements the provider protocols by sending each
// call as a `ServiceRequest`; in the host, `PluginEnvironment.serve` calls
// the real provider and returns its `ServiceReply`. The provider protocols
// (EngineServices.swift) stay the one service interface: the in-process C
// tables (HostServices.swift) call them directly, and in a worker the same
// tables call them on `WorkerServices`.

extension PluginEnvironment {
    /// Serves one request of plugin `plugin` from this environment's
    /// providers and callbacks: the host side of every isolated service
    /// call. An error the provider throws, or a missing provider, becomes a
    /// `.failure` with the status and message the plugin would see in-process;
    /// log and progress return `.done` (their senders expect no reply).
    func serve(_ request: ServiceRequest, for plugin: String) -> ServiceReply {
        do {
            switch request {
            case let .info(probe):
                return .summary(try requireProbe().info(probe: probe))
            case let .activations(probe, node):
                return .matrix(try requireProbe().activations(probe: probe, node: node))
            case let .gradients(probe, node):
                return .matrix(try requireProbe().gradients(probe: probe, node: node))
            case let .edgeGradient(probe, edge):
                return .matrix(try requireProbe().edgeGradient(probe: probe, edge: edge))
            case let .singularValues(probe, edge):
                return .values(try requireProbe().singularValues(probe: probe, edge: edge))
            case let .rank(probe, edge, relativeTolerance):
                return .number(try requireProbe().rank(probe: probe, edge: edge, relativeTolerance: relativeTolerance))
            case let .adapterInit(edge, rank):
                let matrices = try requireProbe().adapterInit(edge: edge, rank: rank)
                return .matrices(down: matrices.down, up: matrices.up)
            case let .runPass(pass):
                return .number(try requireProbe().runPass(pass))
            case let .scores(metric, edges):
                let result = try requireSearch().scores(metric: metric, edges: edges)
                return .scores(result.scores, direction: result.direction)
            case let .evaluate(placements, budget):
                return .evaluations(try requireSearch().evaluate(placements, budget: budget))
            case let .trainGated(edges, budget):
                return .gated(try requireSearch().trainGated(edges, budget: budget))
            case let .finding(name, value):
                try requireFindings().report(name, value)
                return .done
            case let .saveState(state):
                try requireCheckpoints().save(plugin: plugin, state: state)
                return .done
            case .loadState:
                return .state(try requireCheckpoints().load(plugin: plugin))
            case .shouldStop:
                return .flag(shouldStop())
            case let .log(level, message):
                log(plugin, level, message)
                return .done
            case let .progress(fraction, message):
                progress(plugin, fraction, message)
                return .done
            }
        } catch {
            return .failure(ServiceError(error))
        }
    }
}

/// The worker's stand-ins for the engine: every provider method sends its
/// call as a `ServiceRequest` to the host, which answers from its real
/// `ProbeProvider`, `SearchProvider`, `CheckpointStore` and `FindingsSink`
/// (`PluginEnvironment.serve`). An error the host's provider threw arrives
/// as the same `ServiceError`, status and message, as in-process.
final class WorkerServices: ProbeProvider, SearchProvider, CheckpointStore, FindingsSink, @unchecked Sendable {
    // @unchecked: requests that await a reply come only from the thread inside
    // a call into the plugin (the header's rule); `notify` may come from any
    // thread, and the channel serialises its writes.
    private let channel: WireChannel

    /// Services over `channel`.
    init(channel: WireChannel) { self.channel = channel }

    /// Sends `request` and returns the host's reply, with `expected` picking
    /// the reply's value out (nil: the wrong kind of reply). A `.failure`
    /// reply is thrown as its `ServiceError`. If the host is gone there is
    /// nobody to answer, so the worker exits (0); if the conversation is
    /// broken (a malformed or wrong reply) it exits with status 70.
    func call<Value>(_ request: ServiceRequest, _ expected: (ServiceReply) -> Value?) throws -> Value {
        do {
            try channel.send(WorkerMessage.request(request))
            guard case let .reply(reply) = try channel.receive(HostMessage.self) else {
                throw WireError.malformed("a call from the host while it owed a reply")
            }
            if case let .failure(error) = reply { throw error }
            guard let value = expected(reply) else { throw WireError.malformed("a reply of the wrong kind") }
            return value
        } catch WireError.closed {
            _exit(0)
        } catch let error as WireError {
            printError("adapter-search plugin-worker: \(error)")
            _exit(70)
        }
    }

    /// Sends `request`, which gets no reply (log, progress); a host that is
    /// gone is ignored here (the next call that awaits a reply notices).
    func notify(_ request: ServiceRequest) {
        try? channel.send(WorkerMessage.request(request))
    }

    func info(probe: Int) throws -> ProbeSummary {
        try call(.info(probe: probe), \.summary)
    }

    func activations(probe: Int, node: Int) throws -> Matrix<Float> {
        try call(.activations(probe: probe, node: node), \.matrix)
    }

    func gradients(probe: Int, node: Int) throws -> Matrix<Float> {
        try call(.gradients(probe: probe, node: node), \.matrix)
    }

    func edgeGradient(probe: Int, edge: Edge) throws -> Matrix<Float> {
        try call(.edgeGradient(probe: probe, edge: edge), \.matrix)
    }

    func singularValues(probe: Int, edge: Edge) throws -> [Double] {
        try call(.singularValues(probe: probe, edge: edge), \.values)
    }

    func rank(probe: Int, edge: Edge, relativeTolerance: Double) throws -> Int {
        try call(.rank(probe: probe, edge: edge, relativeTolerance: relativeTolerance), \.number)
    }

    func adapterInit(edge: Edge, rank: Int) throws -> (down: Matrix<Float>, up: Matrix<Float>) {
        try call(.adapterInit(edge: edge, rank: rank), \.matrices)
    }

    func runPass(_ request: PassRequest) throws -> Int {
        try call(.runPass(request), \.number)
    }

    func scores(metric: String, edges: [Edge]) throws -> (scores: [Double], direction: Int32) {
        try call(.scores(metric: metric, edges: edges), \.scores)
    }

    func evaluate(_ placements: [[Edge]], budget: Budget) throws -> [EvaluationResult] {
        try call(.evaluate(placements: placements, budget: budget), \.evaluations)
    }

    func trainGated(_ edges: [Edge], budget: GatedRequest) throws -> GatedResult {
        try call(.trainGated(edges: edges, budget: budget), \.gated)
    }

    func report(_ name: String, _ value: FindingValue) throws {
        try call(.finding(name: name, value: value), \.done)
    }

    /// Saves the state of the plugin this worker runs (the host supplies its id; `plugin` is not sent).
    func save(plugin: String, state: [UInt8]) throws {
        try call(.saveState(state), \.done)
    }

    /// Loads the state of the plugin this worker runs (the host supplies its id; `plugin` is not sent).
    func load(plugin: String) throws -> [UInt8]? {
        try call(.loadState, \.state)
    }

    /// Asks the host whether the user asked to stop; a host that cannot say is asked to stop.
    func shouldStop() -> Bool {
        (try? call(.shouldStop, \.flag)) ?? true
    }
}

/// The value of each kind of reply, nil for any other kind: what
/// `WorkerServices.call` expects of the reply to each request.
private extension ServiceReply {
    var done: Void? { if case .done = self { () } else { nil } }
    var flag: Bool? { if case let .flag(flag) = self { flag } else { nil } }
    var number: Int? { if case let .number(number) = self { number } else { nil } }
    var summary: ProbeSummary? { if case let .summary(summary) = self { summary } else { nil } }
    var matrix: Matrix<Float>? { if case let .matrix(matrix) = self { matrix } else { nil } }
    var matrices: (down: Matrix<Float>, up: Matrix<Float>)? { if case let .matrices(down, up) = self { (down, up) } else { nil } }
    var values: [Double]? { if case let .values(values) = self { values } else { nil } }
    var scores: (scores: [Double], direction: Int32)? {
        if case let .scores(scores, direction) = self { (scores, direction) } else { nil }
    }
    var evaluations: [EvaluationResult]? { if case let .evaluations(results) = self { results } else { nil } }
    var gated: GatedResult? { if case let .gated(result) = self { result } else { nil } }
    var state: [UInt8]?? { if case let .state(state) = self { .some(state) } else { .none } }
}
