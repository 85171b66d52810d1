import CAdapterSearch
import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plugin run in a child process (PLUGIN_ABI.md rule 12): the host starts
/// `adapter-search plugin-worker` (a `WorkerProcess`), which loads the library and creates the
/// plugin there; every service the plugin asks for comes back to this
/// process and is served from `environment`'s real providers. A plugin that
/// crashes, exits or (with a timeout) hangs costs only its child: the call
/// throws a `PluginCallError` saying what happened, the child is reaped, and
/// the host carries on.
///
/// Calls are serialised: one call at a time per instance, from any thread.
final class IsolatedPlugin: PluginRunner, @unchecked Sendable {
    // @unchecked: mutable state (`worker`'s, `ending`) is touched only under `lock` (and in deinit).

    /// What runs in the child.
    let plugin: PluginDescriptor
    /// The services the child's requests are served from.
    let environment: PluginEnvironment
    /// Seconds a call may run in the child (time spent here serving its
    /// requests does not count); nil: no limit.
    let timeout: Double?
    /// The child, and the socket to it; owned here.
    private let worker: WorkerProcess
    /// Why the child is gone, once it is.
    private var ending: String?
    private let lock = NSLock()

    /// The child's process id (reaped once the child is gone).
    var processID: pid_t { worker.processID }

    /// Starts the worker from `executable` (default: `workerExecutable()`)
    /// and creates `plugin` in it with `configuration`, checked here first.
    /// `timeout` (seconds, positive) applies to every call, create included.
    /// Throws a `PluginCallError` if the worker cannot start or the plugin
    /// cannot be created, crashes or times out while being created.
    init(_ plugin: PluginDescriptor, environment: PluginEnvironment, configuration: [String: String] = [:],
         timeout: Double?, executable: URL? = nil) throws {
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw PluginCallError(plugin: plugin.id, message: "cannot run isolated with a timeout of \(timeout) s: give a positive number of seconds")
        }
        _ = try plugin.configuration(configuration)  // a user's mistake is reported before any process starts
        let executable = try executable ?? Self.workerExecutable(plugin: plugin.id)
        self.plugin = plugin
        self.environment = environment
        self.timeout = timeout
        do {
            worker = try WorkerProcess(executable: executable)
        } catch {
            throw PluginCallError(plugin: plugin.id, message: "cannot run isolated: \(error)")
        }
        let request = CreateRequest(plugin: plugin, configuration: configuration, environment: environment)
        _ = try lock.withLock { try exchange("create", .create, request.write()) }
    }

    deinit {
        guard let channel = worker.channel else { return }
        // destroy: the plugin gets the call timeout (10 s without one) to clean up, then the child is stopped.
        let deadline = WireChannel.now() + (timeout ?? 10)
        if (try? channel.send(.destroy, deadline: deadline)) != nil {
            while let (kind, frame) = try? channel.receive(deadline: deadline), kind != .result, kind != .failure {
                var reader = frame
                if kind == .log, let level = try? reader.get(Int32.self), let message = try? reader.getString() {
                    environment.log(plugin.id, level, message)
                }
            }
        }
        worker.stop(grace: 2)
    }

    /// The `adapter-search` executable that runs workers: this process's own
    /// when it is `adapter-search`, else one beside it (a test runner in the
    /// build folder).
    static func workerExecutable(plugin: String = "") throws -> URL {
        let own = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                      ?? CommandLine.arguments[0])
        if own.lastPathComponent == "adapter-search" { return own }
        let sibling = own.deletingLastPathComponent().appendingPathComponent("adapter-search")
        guard FileManager.default.isExecutableFile(atPath: sibling.path) else {
            throw PluginCallError(plugin: plugin, message: "cannot run isolated: this process (\(own.path)) is not "
                                  + "adapter-search and there is no adapter-search beside it to run the plugin in")
        }
        return sibling
    }

    /// Scores `edges` in the child (a metric). A crash, a timeout, an error
    /// of the plugin, or non-finite or missing scores throw a `PluginCallError`.
    func score(_ edges: [Edge]) throws -> [Double] {
        guard plugin.kind == .metric else { throw PluginCallError(plugin: plugin.id, message: "is not a metric") }
        var out = WireWriter()
        out.put(edges)
        var reply = try lock.withLock { try exchange("score", .score, out) }
        let scores = try decoded("score") { try reply.getArray(Double.self) }
        // The worker checked these already; checked again in case the plugin corrupted its process.
        guard scores.count == edges.count else {
            throw PluginCallError(plugin: plugin.id, message: "returned \(scores.count) scores for \(edges.count) edges")
        }
        if let bad = scores.indices.first(where: { !scores[$0].isFinite }) {
            throw PluginCallError(plugin: plugin.id, message: "returned a non-finite score (\(scores[bad])) for edge \(edges[bad])")
        }
        return scores
    }

    /// Selects a placement of `k` edges in the child (a strategy). A crash, a
    /// timeout, an error of the plugin, or edges outside the graph or
    /// repeated throw a `PluginCallError`.
    func select(k: Int) throws -> [Edge] {
        guard plugin.kind == .strategy else { throw PluginCallError(plugin: plugin.id, message: "is not a strategy") }
        var out = WireWriter()
        out.put(UInt32(k))
        var reply = try lock.withLock { try exchange("select", .select, out) }
        let chosen = try decoded("select") { try reply.getEdges() }
        let nodes = environment.nodeCount
        if let outside = chosen.first(where: { !$0.isInside(nodeCount: nodes) }) {
            throw PluginCallError(plugin: plugin.id, message: "chose edge \(outside), outside nodes 0...\(nodes - 1)")
        }
        guard Set(chosen).count == chosen.count else {
            throw PluginCallError(plugin: plugin.id, message: "chose an edge twice: \(chosen)")
        }
        return chosen
    }

    /// Runs `body`, reading call `call`'s answer; an unreadable answer is the plugin's error.
    private func decoded<T>(_ call: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw PluginCallError(plugin: plugin.id, message: "its worker answered \(call) with \(error)")
        }
    }

    // MARK: - The conversation

    /// Sends call `name` and serves the child's requests until it answers;
    /// returns the answer's payload. The clock of `timeout` runs only while
    /// the child holds the turn.
    private func exchange(_ name: String, _ kind: WireKind, _ payload: WireWriter) throws -> WireReader {
        guard let channel = worker.channel else {
            throw PluginCallError(plugin: plugin.id, message: "cannot \(name): its isolated process is gone (\(ending ?? "ended"))")
        }
        var remaining = timeout
        /// Runs `body` with the deadline the remaining budget gives, and charges its time to the child.
        func childTime<T>(_ body: (Double?) throws -> T) throws -> T {
            let start = WireChannel.now()
            defer { if let left = remaining { remaining = left - (WireChannel.now() - start) } }
            return try body(remaining.map { start + $0 })
        }
        do {
            try childTime { try channel.send(kind, payload, deadline: $0) }
            while true {
                var (kind, reader) = try childTime { try channel.receive(deadline: $0) }
                switch kind {
                case .result:
                    return reader
                case .failure:
                    let message = try reader.getString(), status = try reader.get(Int32.self)
                    throw PluginCallError(plugin: plugin.id, message: message, status: status == -1 ? nil : status)
                case .log:
                    let level = try reader.get(Int32.self)
                    environment.log(plugin.id, level, try reader.getString())
                case .progress:
                    let fraction = try reader.getDouble()
                    environment.progress(plugin.id, fraction, try reader.getString())
                case .request:
                    let reply = serve(&reader)  // the host's time: not charged to the plugin
                    try childTime { try channel.send(.reply, reply, deadline: $0) }
                default:
                    throw WireError.malformed("unexpected \(kind) during \(name)")
                }
            }
        } catch let error as WireError {
            throw end(during: name, because: error)
        }
    }

    /// Stops and reaps the child after `error` in call `name`, and says what happened.
    private func end(during name: String, because error: WireError) -> PluginCallError {
        let unaffected = "it ran isolated, so the host and every result stored so far are unaffected"
        let message: String
        switch error {
        case .timedOut:
            worker.stop(grace: 0)
            let seconds = timeout.map { String(format: "%g", $0) } ?? "?"
            message = "did not finish \(name) within \(seconds) s (--plugin-timeout \(seconds)), so the host stopped it (SIGKILL); "
                + "\(unaffected). Raise --plugin-timeout if it needs longer, or report the hang to its author"
        case .closed:
            let ending = worker.stop(grace: 2)
            message = "\(ending == .exited(0) ? "exited (status 0) without answering" : ending.description) during \(name); \(unaffected). "
                + "Run it without --isolate under a debugger, or report the crash to its author"
        default:
            worker.stop(grace: 0)
            message = "its isolated process broke the protocol during \(name) (\(error)), so the host stopped it; \(unaffected)"
        }
        ending = message
        return PluginCallError(plugin: plugin.id, message: message)
    }

    // MARK: - Serving the child's requests

    /// Serves one request from the environment's real providers; the reply
    /// is a status, then the result or an error message.
    private func serve(_ reader: inout WireReader) -> WireWriter {
        var out = WireWriter()
        do {
            let result = try answer(&reader)
            out.put(Int32(ASP_OK))
            out.append(result)
        } catch let error as ServiceError {
            out = WireWriter()
            out.put(error.status)
            out.put(error.description)
        } catch {
            out = WireWriter()
            out.put(Int32(ASP_ERR_ENGINE))
            out.put(String(describing: error))
        }
        return out
    }

    /// Reads one request (a `WireService` byte and its arguments), calls the
    /// provider it names and returns the result's payload; throws what the provider threw.
    private func answer(_ reader: inout WireReader) throws -> WireWriter {
        let code = try reader.get(UInt8.self)
        guard let service = WireService(rawValue: code) else {
            throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "unknown service \(code)")
        }
        var out = WireWriter()
        switch service {
        case .info:
            let info = try probe().info(probe: Int(try reader.get(UInt32.self)))
            [info.width, info.tokens, info.examples, info.classes].forEach { out.put(UInt32($0)) }
            out.put(info.loss)
        case .activations:
            let probe = Int(try reader.get(UInt32.self)), node = Int(try reader.get(Int32.self))
            out.put(try self.probe().activations(probe: probe, node: node))
        case .gradients:
            let probe = Int(try reader.get(UInt32.self)), node = Int(try reader.get(Int32.self))
            out.put(try self.probe().gradients(probe: probe, node: node))
        case .edgeGradient:
            let probe = Int(try reader.get(UInt32.self)), edge = try oneEdge(&reader)
            out.put(try self.probe().edgeGradient(probe: probe, edge: edge))
        case .singularValues:
            let probe = Int(try reader.get(UInt32.self)), edge = try oneEdge(&reader)
            out.putArray(try self.probe().singularValues(probe: probe, edge: edge))
        case .rank:
            let probe = Int(try reader.get(UInt32.self)), edge = try oneEdge(&reader), tolerance = try reader.getDouble()
            out.put(UInt32(try self.probe().rank(probe: probe, edge: edge, relativeTolerance: tolerance)))
        case .adapterInit:
            let edge = try oneEdge(&reader), rank = Int(try reader.get(UInt32.self))
            let matrices = try probe().adapterInit(edge: edge, rank: rank)
            out.put(matrices.down)
            out.put(matrices.up)
        case .runPass:
            let batchSeed = try reader.get(UInt64.self), examples = Int(try reader.get(UInt32.self))
            guard let input = PassRequest.Input(rawValue: try reader.get(Int32.self)),
                  let weights = PassRequest.Weights(rawValue: try reader.get(Int32.self)),
                  let loss = PassRequest.Loss(rawValue: try reader.get(Int32.self)) else {
                throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "unknown input, weights or loss in asp_pass_request")
            }
            let edges = try reader.getEdges()
            let perturbations = try edges.map { (edge: $0, map: try reader.getMatrix()) }
            out.put(UInt32(try probe().runPass(PassRequest(batchSeed: batchSeed, examples: examples, input: input, weights: weights,
                                                           loss: loss, perturbations: perturbations))))
        case .scores:
            let metric = try reader.getString(), edges = try reader.getEdges()
            let result = try search().scores(metric: metric, edges: edges)
            out.putArray(result.scores)
            out.put(result.direction)
        case .evaluate:
            let placements = try (0..<Int(try reader.get(UInt32.self))).map { _ in try reader.getEdges() }
            let budget = Budget(steps: Int(try reader.get(UInt64.self)), examples: Int(try reader.get(UInt64.self)))
            let results = try search().evaluate(placements, budget: budget)
            out.put(UInt32(results.count))
            for result in results {
                out.put(result.accuracy)
                out.put(result.loss)
                out.put(UInt64(result.parameters))
                out.put(result.seconds)
            }
        case .saveState:
            try checkpoints().save(plugin: plugin.id, state: try reader.getBytes())
        case .loadState:
            if let state = try checkpoints().load(plugin: plugin.id) {
                out.put(true)
                out.put(state)
            } else {
                out.put(false)
            }
        case .shouldStop:
            out.put(environment.shouldStop())
        }
        return out
    }

    /// Reads an edge sent as a one-element edge array.
    private func oneEdge(_ reader: inout WireReader) throws -> Edge {
        let edges = try reader.getEdges()
        guard edges.count == 1 else { throw WireError.malformed("expected one edge, got \(edges.count)") }
        return edges[0]
    }

    /// The environment's probe, or the error a plugin sees in-process when there is none.
    private func probe() throws -> ProbeProvider {
        guard let probe = environment.probe else { throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "this run has no probe") }
        return probe
    }

    /// The environment's search services, or the error a plugin sees in-process when there are none.
    private func search() throws -> SearchProvider {
        guard let search = environment.search else {
            throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "this run offers no search services")
        }
        return search
    }

    /// The environment's checkpoint store, or the error a plugin sees in-process when there is none.
    private func checkpoints() throws -> CheckpointStore {
        guard let store = environment.checkpoints else {
            throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "this run offers no checkpointing")
        }
        return store
    }
}
