import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plugin run in a child process (PLUGIN_ABI.md rule 12): the host starts
/// `adapter-search plugin-worker` (a `WorkerProcess`), which loads the
/// library and creates the plugin there; every service the plugin asks for
/// comes back to this process as a `ServiceRequest` and is served from
/// `environment`'s real providers (`PluginEnvironment.serve`). A plugin that
/// crashes, exits or (with a timeout) hangs costs only its child: the call
/// throws a `PluginCallError` saying what happened, the child is reaped, and
/// the host carries on.
///
/// Calls are serialised: one call at a time per instance, from any thread.
final class IsolatedPlugin: PluginRunner, @unchecked Sendable {
    // @unchecked: mutable state (`worker`'s, `goneBecause`) is touched only under `lock` (and in deinit).

    /// What runs in the child.
    let plugin: PluginDescriptor
    /// The services the child's requests are served from.
    let environment: PluginEnvironment
    /// Seconds a call may run in the child (time spent here serving its
    /// requests does not count); nil: no limit.
    let timeout: Double?
    /// The child, and the socket to it; owned here.
    private let worker: WorkerProcess
    /// Why the child is gone, once it is: the message of the call that ended it.
    private var goneBecause: String?
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
        try lock.withLock { try call("create", .create(request), budget: timeout, \.done) }
    }

    deinit {
        // destroy: the plugin gets the call timeout (10 s without one) to clean up, then the child is stopped.
        try? call("destroy", .destroy, budget: timeout ?? 10, \.done)
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
        let scores = try lock.withLock { try call("score", .score(edges), budget: timeout, \.scores) }
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
        let chosen = try lock.withLock { try call("select", .select(k: k), budget: timeout, \.placement) }
        let nodes = environment.nodeCount
        if let outside = chosen.first(where: { !$0.isInside(nodeCount: nodes) }) {
            throw PluginCallError(plugin: plugin.id, message: "chose edge \(outside), outside nodes 0...\(nodes - 1)")
        }
        guard Set(chosen).count == chosen.count else {
            throw PluginCallError(plugin: plugin.id, message: "chose an edge twice: \(chosen)")
        }
        return chosen
    }

    // MARK: - The conversation

    /// Sends call `name` (`message`) and serves the child's service requests
    /// until it reports the call's outcome; returns the value `expected`
    /// picks out of it. The clock of `budget` (seconds, nil: none) runs only
    /// while the child holds the turn. The plugin's failure is thrown as its
    /// `PluginCallError`; a crash, a timeout, a broken conversation or an
    /// outcome `expected` rejects ends the child (`end`) and throws what happened.
    private func call<Value>(_ name: String, _ message: HostMessage, budget: Double?,
                             _ expected: (CallOutcome) -> Value?) throws -> Value {
        guard let channel = worker.channel else {
            throw PluginCallError(plugin: plugin.id, message: "cannot \(name): its isolated process is gone (\(goneBecause ?? "ended"))")
        }
        var remaining = budget
        /// Runs `body` with the deadline the remaining budget gives, and charges its time to the child.
        func childTime<T>(_ body: (Double?) throws -> T) throws -> T {
            let start = WireChannel.now()
            defer { if let left = remaining { remaining = left - (WireChannel.now() - start) } }
            return try body(remaining.map { start + $0 })
        }
        do {
            try childTime { try channel.send(message, deadline: $0) }
            while true {
                switch try childTime({ try channel.receive(WorkerMessage.self, deadline: $0) }) {
                case let .request(request):
                    let reply = environment.serve(request, for: plugin.id)  // the host's time: not charged to the plugin
                    if request.awaitsReply { try childTime { try channel.send(HostMessage.reply(reply), deadline: $0) } }
                case let .outcome(.failure(message, status)):
                    throw PluginCallError(plugin: plugin.id, message: message, status: status)
                case let .outcome(outcome):
                    guard let value = expected(outcome) else { throw WireError.malformed("an outcome of the wrong kind for \(name)") }
                    return value
                }
            }
        } catch let error as WireError {
            throw end(during: name, because: error)
        }
    }

    /// Stops and reaps the child after `error` in call `name`, remembers why
    /// it is gone, and returns the error saying what happened.
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
            let log = worker.nonEmptyLog.map { "; its output and backtrace are in \($0)" } ?? ""
            message = "\(ending == .exited(0) ? "exited (status 0) without answering" : ending.description) during \(name)\(log); "
                + "\(unaffected). Run it without --isolate under a debugger, or report the crash to its author"
        default:
            worker.stop(grace: 0)
            message = "its isolated process broke the protocol during \(name) (\(error)), so the host stopped it; \(unaffected)"
        }
        goneBecause = message
        return PluginCallError(plugin: plugin.id, message: message)
    }
}

/// The value of each kind of successful outcome, nil for any other kind:
/// what `IsolatedPlugin.call` expects of the outcome of each call.
private extension CallOutcome {
    var done: Void? { if case .done = self { () } else { nil } }
    var scores: [Double]? { if case let .scores(scores) = self { scores } else { nil } }
    var placement: [Edge]? { if case let .placement(edges) = self { edges } else { nil } }
}
