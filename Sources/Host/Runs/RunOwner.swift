import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The process that is carrying out a run: its host, process id and the
/// process's start time (which tells a live process from a later one that
/// got the same id). A run records its owner while it works and refreshes a
/// heartbeat, so that a run whose process died (SIGKILL, a crash, a double
/// Ctrl-C) is seen as crashed or stale instead of running forever.
public struct RunOwner: Codable, Equatable, Sendable, CustomStringConvertible {
    /// The host name.
    public var host: String
    /// The process id on that host.
    public var pid: Int32
    /// The process's start time, in clock ticks since boot (/proc/PID/stat field 22).
    public var started: UInt64

    /// How often a working run refreshes its heartbeat.
    public static let heartbeatInterval: TimeInterval = 10
    /// A run on another host whose heartbeat is older than this is stale.
    public static let staleAfter: TimeInterval = 60

    /// This process.
    public static let current = RunOwner(host: ProcessInfo.processInfo.hostName, pid: getpid(),
                                         started: startTime(of: getpid()) ?? 0)

    public var description: String { "process \(pid) on \(host)" }

    /// Whether this process is still alive: on this host, known exactly
    /// (the process exists and started when it did); elsewhere, unknown (nil).
    public var isAlive: Bool? {
        guard host == ProcessInfo.processInfo.hostName else { return nil }
        guard let now = Self.startTime(of: pid) else { return false }
        return now == started
    }

    /// Field 22 of /proc/PID/stat, or nil when there is no such process.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm)" come fields 3, 4, ...; the start time is field 22.
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}

/// Where a run stands as seen now: its stored status, unless it says
/// running while the process carrying it out is gone.
public enum ObservedStatus: Equatable, Sendable, CustomStringConvertible {
    /// The stored status, believed.
    case stored(RunStatus)
    /// Marked running, but its process on this host is gone: killed or crashed. Resumable.
    case crashed
    /// Marked running on another host, with no heartbeat since `since`. Resumable once it is surely dead.
    case stale(since: Date)

    public var description: String {
        switch self {
        case let .stored(status): status.rawValue
        case .crashed: "crashed"
        case .stale: "stale"
        }
    }

    /// True when the run is being carried out by a live process.
    public var isLive: Bool { self == .stored(.running) }
}

extension RunRecord {
    /// The run's status as seen now (`ObservedStatus`).
    public func observedStatus(now: Date = Date()) -> ObservedStatus {
        guard status == .running else { return .stored(status) }
        guard let owner else { return .crashed }  // running, but no process ever claimed it (0.6.0) or it was released
        switch owner.isAlive {
        case true?: return .stored(.running)
        case false?: return .crashed
        case nil:
            let beat = heartbeatAt ?? createdAt
            return now.timeIntervalSince(beat) > RunOwner.staleAfter ? .stale(since: beat) : .stored(.running)
        }
    }
}
