import Foundation

/// Where a run stands.
public enum RunStatus: String, CaseIterable, Codable, Sendable {
    /// Started and not known to have ended (a killed run stays here until resumed).
    case running
    /// Ended with an outcome.
    case finished
    /// Ended with an error.
    case failed
    /// Stopped by the user (Ctrl-C) before it finished; it can be resumed.
    case interrupted
}

/// One run of a command that writes results: what was asked, with which
/// software, and how it ended.
public struct RunRecord: Equatable, Sendable {
    /// Short unique id, "r" and six base-36 characters (`r4k2x9a`).
    public var id: String
    /// The command line that started the run.
    public var command: String
    /// When the run was created.
    public var createdAt: Date
    public var status: RunStatus
    /// The run's whole configuration, JSON.
    public var configuration: String
    /// Versions of the host, plugins, backbone and data, JSON.
    public var versions: String
    /// The run's seed.
    public var seed: UInt64
    /// The result (e.g. the chosen placement), JSON; nil until there is one.
    public var outcome: String?
    /// The process carrying the run out, while it does.
    public var owner: RunOwner?
    /// When that process last said it was alive.
    public var heartbeatAt: Date?
}

/// A run with counts of what it holds, for `runs list`.
public struct RunSummary: Equatable, Sendable {
    public var run: RunRecord
    /// Probe passes recorded.
    public var probes: Int
    /// Placements evaluated.
    public var evaluations: Int
    /// The highest validation accuracy among them, nil when there is none.
    public var bestValidationAccuracy: Double?
}
