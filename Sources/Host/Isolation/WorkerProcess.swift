import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process running `adapter-search plugin-worker --socket 3`, and
/// the host's end of the socket it talks over. Its owner (`IsolatedPlugin`)
/// uses it from one thread at a time. `stop` closes the socket, waits,
/// kills and reaps the child and records how it ended; a worker still
/// running when this object goes away is killed and reaped then, so no
/// child outlives it as a zombie.
final class WorkerProcess {
    /// How a worker process ended.
    enum Ending: Equatable, CustomStringConvertible {
        /// It exited with this status.
        case exited(Int32)
        /// A signal ended it.
        case signalled(Int32)
        /// Its wait status could not be collected.
        case unknown

        /// The ending a `waitpid` status describes.
        init(waitStatus status: Int32) {
            let signal = status & 0x7F
            self = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
        }

        /// "exited with status 3", "crashed (signal 11, SIGSEGV: segmentation fault)".
        var description: String {
            switch self {
            case let .exited(code):
                return "exited with status \(code)"
            case let .signalled(signal):
                let what = strsignal(signal).map { ": " + String(cString: $0).lowercased() } ?? ""
                return "crashed (signal \(signal), \(Self.signalNames[signal] ?? "SIG?")\(what))"
            case .unknown:
                return "ended (its exit status is unknown)"
            }
        }

        /// The names of the signals that end processes.
        private static let signalNames: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGILL: "SIGILL", SIGFPE: "SIGFPE",
            SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGTRAP: "SIGTRAP", SIGINT: "SIGINT", SIGPIPE: "SIGPIPE",
            SIGSYS: "SIGSYS",
        ]
    }

    /// Why a worker could not be started.
    enum StartError: Error, CustomStringConvertible {
        /// socketpair failed with this errno.
        case socket(Int32)
        /// posix_spawn of this executable failed with this error.
        case spawn(String, Int32)
        /// The log file could not be created.
        case log(String, Int32)

        var description: String {
            switch self {
            case let .socket(code): "socketpair failed: \(String(cString: strerror(code)))"
            case let .spawn(path, code):
                "starting \(path) failed: \(String(cString: strerror(code))); build adapter-search or run without --isolate"
            case let .log(path, code): "cannot create the worker's log \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    /// The child's process id (not reused until the child is reaped).
    let processID: pid_t
    /// The file the child's standard output and error go to: a crash's
    /// backtrace lands here, not in the host's output.
    let logPath: String
    /// The host's end of the socket; nil once `stop` closed it.
    private(set) var channel: WireChannel?
    /// How the child ended, once reaped.
    private(set) var ending: Ending?

    /// Starts `executable plugin-worker --socket 3` with one end of a new
    /// socket pair as its descriptor 3, standard input from /dev/null,
    /// standard output and error into a new log file (`logPath`; the host's
    /// output stays its own), SIGPIPE at its default and no signals
    /// blocked; keeps the other end as `channel`. Throws a `StartError`.
    init(executable: URL) throws(StartError) {
        logPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("adapter-search-worker-\(getpid())-\(UInt32.random(in: 0 ... .max)).log").path
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard log >= 0 else { throw .log(logPath, errno) }
        defer { close(log) }
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw .socket(errno)
        }
        // The child's end must not already be 3: dup2 onto itself would keep close-on-exec set.
        var childEnd = ends[1]
        if childEnd == 3 {
            childEnd = fcntl(ends[1], F_DUPFD_CLOEXEC, 10)
            close(ends[1])
        }
        defer { close(childEnd) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, childEnd, 3)
        posix_spawn_file_actions_adddup2(&actions, log, 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), defaults = sigset_t()
        sigemptyset(&noSignals)
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let words: [String] = [executable.path, "plugin-worker", "--socket", "3"]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { word in strdup(word) } + [nil]
        defer { arguments.forEach { free($0) } }
        // A crash in the worker prints Swift's backtrace (naming the plugin's
        // function), but must never wait at an interactive prompt.
        var environment = ProcessInfo.processInfo.environment
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "interactive=no" }
        let variables: [UnsafeMutablePointer<CChar>?] = environment.map { entry in strdup("\(entry.key)=\(entry.value)") } + [nil]
        defer { variables.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable.path, &actions, &attributes, arguments, variables)
        guard result == 0 else {
            close(ends[0])
            throw .spawn(executable.path, result)
        }
        processID = pid
        channel = WireChannel(descriptor: ends[0])
    }

    deinit {
        if ending == nil { stop(grace: 0) }
        removeEmptyLog()
    }

    /// The log file's path when the child wrote anything to it, else nil.
    var nonEmptyLog: String? {
        let size = (try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int) ?? 0
        return size > 0 ? logPath : nil
    }

    /// Deletes the log file if the child wrote nothing to it.
    func removeEmptyLog() {
        if nonEmptyLog == nil { unlink(logPath) }
    }

    /// Ends the child: closes the socket (a worker whose host is gone exits
    /// on its own), waits at most `grace` seconds for it to exit, then kills
    /// it (SIGKILL) and waits for that; reaps it and returns how it ended.
    /// Once reaped, returns the recorded ending without doing anything.
    @discardableResult
    func stop(grace: Double) -> Ending {
        channel = nil
        if let ending = wait(until: WireChannel.now() + grace) { return ending }
        kill(processID, SIGKILL)
        return wait(until: nil) ?? .unknown
    }

    /// Waits for the child to exit until `deadline` (monotonic seconds, nil:
    /// as long as it takes) and reaps it; nil if it is still running then.
    /// The socket stays open: a worker waiting for its host is still running.
    func wait(until deadline: Double?) -> Ending? {
        if let ending { return ending }
        var status: Int32 = 0
        while true {
            let result = waitpid(processID, &status, deadline == nil ? 0 : WNOHANG)
            if result == processID {
                ending = Ending(waitStatus: status)
                return ending
            }
            if result < 0 && errno != EINTR {
                ending = .unknown
                return ending
            }
            if result == 0 {
                if let deadline, WireChannel.now() >= deadline { return nil }
                usleep(5_000)
            }
        }
    }
}
