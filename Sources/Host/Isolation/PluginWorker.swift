import CAdapterSearch
import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The worker side of plugin isolation: one plugin instance, driven by
/// create / score / select / destroy frames from the host.
public final class PluginWorker {
    /// The socket to the host.
    let channel: WireChannel

    /// A worker talking to its host over `channel`.
    init(channel: WireChannel) { self.channel = channel }

    /// Serves a host over the socket `descriptor` this process inherited
    /// until it destroys the plugin or goes away; returns the process's exit
    /// status. A descriptor that is not a socket is an error: workers are
    /// started by the host, not by hand.
    public static func serve(socket descriptor: Int32) throws(RunError) -> Int32 {
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK else {
            throw .invalidSetting("descriptor \(descriptor) is not a socket: plugin-worker is started by adapter-search "
                                  + "for --isolate, not by hand")
        }
        return PluginWorker(channel: WireChannel(descriptor: descriptor)).run()
    }

    /// Runs until destroy or until the host closes the socket; returns the
    /// process's exit status (0, or 70 when the host sent something unreadable).
    func run() -> Int32 {
        exitWhenTheHostGoesAway()
        do {
            let (kind, reader) = try channel.receive()
            guard kind == .create else { throw WireError.malformed("expected create first, got \(kind)") }
            var instance: PluginInstance?
            do {
                instance = try create(reader)
                try channel.send(.result)
            } catch let error as WireError {
                throw error
            } catch {
                try sendFailure(error)
                return 0
            }
            while true {
                var (kind, reader) = try channel.receive()
                switch kind {
                case .score:
                    let edges = try reader.getEdges()
                    try answer { var out = WireWriter(); out.putArray(try instance!.score(edges)); return out }
                case .select:
                    let k = Int(try reader.get(UInt32.self))
                    try answer { var out = WireWriter(); out.put(try instance!.select(k: k)); return out }
                case .destroy:
                    instance = nil
                    try channel.send(.result)
                    return 0
                default:
                    throw WireError.malformed("unexpected \(kind) between calls")
                }
            }
        } catch WireError.closed {
            return 0  // the host went away: nothing left to do
        } catch {
            printError("adapter-search plugin-worker: \(error)")
            return 70
        }
    }

    /// Runs a call and sends its result, or its error as a failure frame.
    private func answer(_ body: () throws -> WireWriter) throws {
        let payload: WireWriter
        do {
            payload = try body()
        } catch let error as WireError {
            throw error
        } catch {
            return try sendFailure(error)
        }
        try channel.send(.result, payload)
    }

    /// Sends `error` as the current call's failure: a `PluginCallError`'s
    /// message and status, or any other error's description.
    private func sendFailure(_ error: any Error) throws {
        var out = WireWriter()
        if let error = error as? PluginCallError {
            out.put(error.message)
            out.put(error.status ?? -1)
        } else {
            out.put(String(describing: error))
            out.put(Int32(-1))
        }
        try channel.send(.failure, out)
    }

    /// Loads the library, finds the plugin and creates it over proxy services.
    private func create(_ reader: WireReader) throws -> PluginInstance {
        var reader = reader
        let request = try CreateRequest(reading: &reader)
        guard let plugin = try PluginLoader.load(request.library).first(where: { $0.id == request.plugin }) else {
            throw PluginCallError(plugin: request.plugin, message: "is not in \(request.library) any more")
        }
        let services = WorkerServices(channel: channel)
        let channel = self.channel
        let environment = PluginEnvironment(
            seed: request.seed, nodeCount: request.nodeCount, candidates: request.candidates,
            probe: request.hasProbe ? services : nil, search: request.hasSearch ? services : nil,
            checkpoints: request.hasCheckpoints ? services : nil,
            log: { _, level, message in
                var out = WireWriter()
                out.put(level)
                out.put(message)
                try? channel.send(.log, out)
            },
            progress: { _, fraction, message in
                var out = WireWriter()
                out.put(fraction)
                out.put(message)
                try? channel.send(.progress, out)
            },
            shouldStop: {
                // A host that cannot say is asked to stop.
                guard var reply = try? services.call(.shouldStop) else { return true }
                return (try? reply.getBool()) ?? true
            })
        return try PluginInstance(plugin, environment: environment, configuration: request.configuration)
    }

    /// A thread that ends this process when the host's end of the socket
    /// closes, so a plugin hanging in a call never outlives its host.
    private func exitWhenTheHostGoesAway() {
        let descriptor = channel.descriptor
        let thread = Thread {
            // POLLRDHUP (0x2000): the peer closed; data arriving does not wake this poll.
            var entry = pollfd(fd: descriptor, events: Int16(0x2000), revents: 0)
            while true {
                if poll(&entry, 1, -1) > 0, entry.revents != 0 { _exit(0) }
            }
        }
        thread.start()
    }
}

/// What the host sends to create an isolated plugin.
struct CreateRequest {
    /// The library file to load.
    var library: String
    /// The plugin's id in it.
    var plugin: String
    /// The user's configuration (checked by the host, defaults filled in by the worker).
    var configuration: [String: String]
    /// The run's seed (the plugin's random stream derives from it and its id).
    var seed: UInt64
    /// Residual nodes n.
    var nodeCount: Int
    /// The edges the run searches over.
    var candidates: [Edge]
    /// Which extensions the host's environment offers.
    var hasProbe: Bool, hasSearch: Bool, hasCheckpoints: Bool

    /// The request for `plugin` in `environment`.
    init(plugin: PluginDescriptor, configuration: [String: String], environment: PluginEnvironment) {
        library = plugin.library.path
        self.plugin = plugin.id
        self.configuration = configuration
        seed = environment.seed
        nodeCount = environment.nodeCount
        candidates = environment.candidates
        hasProbe = environment.probe != nil
        hasSearch = environment.search != nil
        hasCheckpoints = environment.checkpoints != nil
    }

    /// Reads a request written by `write`.
    init(reading reader: inout WireReader) throws {
        library = try reader.getString()
        plugin = try reader.getString()
        configuration = [:]
        for _ in 0..<(try reader.get(UInt32.self)) {
            let key = try reader.getString()
            configuration[key] = try reader.getString()
        }
        seed = try reader.get(UInt64.self)
        nodeCount = Int(try reader.get(UInt32.self))
        candidates = try reader.getEdges()
        hasProbe = try reader.getBool()
        hasSearch = try reader.getBool()
        hasCheckpoints = try reader.getBool()
    }

    /// The request as a create payload.
    func write() -> WireWriter {
        var out = WireWriter()
        out.put(library)
        out.put(plugin)
        out.put(UInt32(configuration.count))
        for (key, value) in configuration.sorted(by: { $0.key < $1.key }) {
            out.put(key)
            out.put(value)
        }
        out.put(seed)
        out.put(UInt32(nodeCount))
        out.put(candidates)
        out.put(hasProbe)
        out.put(hasSearch)
        out.put(hasCheckpoints)
        return out
    }
}

/// The worker's stand-ins for the engine: every method is a request to the
/// host, which answers from its real `ProbeProvider`, `SearchProvider` and
/// `CheckpointStore`. An error the host's provider threw arrives as a
/// `ServiceError` with its status and message, as in-process.
final class WorkerServices: ProbeProvider, SearchProvider, CheckpointStore, @unchecked Sendable {
    // @unchecked: used only from the thread inside a call into the plugin (the header's rule).
    private let channel: WireChannel

    /// Services over `channel`.
    init(channel: WireChannel) { self.channel = channel }

    /// Sends request `service` with `arguments` and returns the reply's
    /// payload. If the host is gone there is nobody to answer, so the worker exits.
    func call(_ service: WireService, _ arguments: (inout WireWriter) -> Void = { _ in }) throws -> WireReader {
        var out = WireWriter()
        out.put(service.rawValue)
        arguments(&out)
        do {
            try channel.send(.request, out)
            let (kind, reader) = try channel.receive()
            guard kind == .reply else { throw WireError.malformed("expected a reply to \(service), got \(kind)") }
            var reply = reader
            let status = try reply.get(Int32.self)
            if status != ASP_OK { throw ServiceError(status: status, description: try reply.getString()) }
            return reply
        } catch WireError.closed {
            _exit(0)
        } catch let error as WireError {
            printError("adapter-search plugin-worker: \(error)")
            _exit(70)
        }
    }

    // Each method below sends its arguments and reads the host's answer,
    // in the order `IsolatedPlugin.answer` reads and writes them.

    func info(probe: Int) throws -> ProbeSummary {
        var reply = try call(.info) { $0.put(UInt32(probe)) }
        return ProbeSummary(width: Int(try reply.get(UInt32.self)), tokens: Int(try reply.get(UInt32.self)),
                            examples: Int(try reply.get(UInt32.self)), classes: Int(try reply.get(UInt32.self)),
                            loss: try reply.getDouble())
    }

    func activations(probe: Int, node: Int) throws -> Matrix<Float> {
        var reply = try call(.activations) { $0.put(UInt32(probe)); $0.put(Int32(node)) }
        return try reply.getMatrix()
    }

    func gradients(probe: Int, node: Int) throws -> Matrix<Float> {
        var reply = try call(.gradients) { $0.put(UInt32(probe)); $0.put(Int32(node)) }
        return try reply.getMatrix()
    }

    func edgeGradient(probe: Int, edge: Edge) throws -> Matrix<Float> {
        var reply = try call(.edgeGradient) { $0.put(UInt32(probe)); $0.put([edge]) }
        return try reply.getMatrix()
    }

    func singularValues(probe: Int, edge: Edge) throws -> [Double] {
        var reply = try call(.singularValues) { $0.put(UInt32(probe)); $0.put([edge]) }
        return try reply.getArray(Double.self)
    }

    func rank(probe: Int, edge: Edge, relativeTolerance: Double) throws -> Int {
        var reply = try call(.rank) { $0.put(UInt32(probe)); $0.put([edge]); $0.put(relativeTolerance) }
        return Int(try reply.get(UInt32.self))
    }

    func adapterInit(edge: Edge, rank: Int) throws -> (down: Matrix<Float>, up: Matrix<Float>) {
        var reply = try call(.adapterInit) { $0.put([edge]); $0.put(UInt32(rank)) }
        return (try reply.getMatrix(), try reply.getMatrix())
    }

    func runPass(_ request: PassRequest) throws -> Int {
        var reply = try call(.runPass) { out in
            out.put(request.batchSeed)
            out.put(UInt32(request.examples))
            out.put(request.input.rawValue)
            out.put(request.weights.rawValue)
            out.put(request.loss.rawValue)
            out.put(request.perturbations.map(\.edge))
            for perturbation in request.perturbations { out.put(perturbation.map) }
        }
        return Int(try reply.get(UInt32.self))
    }

    func scores(metric: String, edges: [Edge]) throws -> (scores: [Double], direction: Int32) {
        var reply = try call(.scores) { $0.put(metric); $0.put(edges) }
        return (try reply.getArray(Double.self), try reply.get(Int32.self))
    }

    func evaluate(_ placements: [[Edge]], budget: Budget) throws -> [EvaluationResult] {
        var reply = try call(.evaluate) { out in
            out.put(UInt32(placements.count))
            placements.forEach { out.put($0) }
            out.put(UInt64(budget.steps))
            out.put(UInt64(budget.examples))
        }
        return try (0..<Int(try reply.get(UInt32.self))).map { _ in
            EvaluationResult(accuracy: try reply.getDouble(), loss: try reply.getDouble(),
                             parameters: Int(try reply.get(UInt64.self)), seconds: try reply.getDouble())
        }
    }

    func save(plugin: String, state: [UInt8]) throws {
        _ = try call(.saveState) { $0.put(state) }
    }

    func load(plugin: String) throws -> [UInt8]? {
        var reply = try call(.loadState)
        return try reply.getBool() ? try reply.getBytes() : nil
    }
}
