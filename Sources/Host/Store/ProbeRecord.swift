import Foundation

/// One probe pass of a run (METHOD.md section 4): what it ran on and its loss.
public struct ProbeRecord: Equatable, Sendable {
    /// The probe's number, unique in the store.
    public var id: Int64
    /// The run's id.
    public var run: String
    /// The seed that drew the probe batch.
    public var seed: UInt64
    /// Examples in the probe batch.
    public var examples: Int
    /// How the task head was set up (`random`, `linear-probe`, ...).
    public var head: String
    /// The cross-entropy loss of the pass.
    public var loss: Double
    /// Time the pass took.
    public var seconds: Double
    public var createdAt: Date
}

/// The scores one metric gave on one probe, without the scores themselves.
public struct ScoreSetRecord: Equatable, Sendable {
    /// The probe's number.
    public var probe: Int64
    /// The metric's plugin id.
    public var metric: String
    /// +1 when higher is better, -1 when lower is better.
    public var direction: Int32
    /// How many edges were scored.
    public var count: Int
}

/// One edge's score.
public typealias EdgeScore = (source: Int, target: Int, value: Double)
