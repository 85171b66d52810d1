import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The worker side of plugin isolation (`adapter-search plugin-worker`): one
/// plugin instance, driven by the host's `HostMessage`s, whose host services
/// are `WorkerServices` requests back to the host.
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
            guard case let .create(request) = try channel.receive(HostMessage.self) else {
                throw WireError.malformed("expected create first")
            }
            var instance: PluginInstance?
            try answer {
                instance = try create(request)
                return .done
            }
            guard instance != nil else { return 0 }  // create failed: the host was told why
            while true {
                switch try channel.receive(HostMessage.self) {
                case let .score(edges):
                    try answer { .scores(try instance!.score(edges)) }
                case let .select(k):
                    try answer { .placement(try instance!.select(k: k)) }
                case .destroy:
                    instance = nil
                    try channel.send(WorkerMessage.outcome(.done))
                    return 0
                case .create, .reply:
                    throw WireError.malformed("a create or a reply between calls")
                }
            }
        } catch WireError.closed {
            return 0  // the host went away: nothing left to do
        } catch {
            printError("adapter-search plugin-worker: \(error)")
            return 70
        }
    }

    /// Runs a call and sends its outcome: what `body` returned, or the error
    /// it threw as a failure (a `PluginCallError`'s message and status, or
    /// any other error's description). A `WireError` is not the plugin's: it
    /// is rethrown.
    private func answer(_ body: () throws -> CallOutcome) throws {
        let outcome: CallOutcome
        do {
            outcome = try body()
        } catch let error as WireError {
            throw error
        } catch {
            let failure = error as? PluginCallError
            outcome = .failure(message: failure?.message ?? String(describing: error), status: failure?.status)
        }
        try channel.send(WorkerMessage.outcome(outcome))
    }

    /// Loads the library (or manifest, or Python script: what the host loaded it from),
    /// finds the plugin and creates it over proxy services.
    private func create(_ request: CreateRequest) throws -> PluginInstance {
        guard let plugin = try PluginDiscovery.loadFile(request.library).first(where: { $0.id == request.plugin }) else {
            throw PluginCallError(plugin: request.plugin, message: "is not in \(request.library) any more")
        }
        let services = WorkerServices(channel: channel)
        let environment = PluginEnvironment(
            seed: request.seed, nodeCount: request.nodeCount, candidates: request.candidates,
            probe: request.hasProbe ? services : nil, search: request.hasSearch ? services : nil,
            checkpoints: request.hasCheckpoints ? services : nil, findings: request.hasFindings ? services : nil,
            log: { _, level, message in services.notify(.log(level: level, message: message)) },
            progress: { _, fraction, message in services.notify(.progress(fraction: fraction, message: message)) },
            shouldStop: { services.shouldStop() })
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
