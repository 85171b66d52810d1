import Foundation

/// One probe pass of a run (METHOD.md section 4): what it ran on and its loss.
struct ProbeRecord: Equatable, Sendable {
    /// The probe's number, unique in the store.
    var id: Int64
    /// The run's id.
    var run: String
    /// The seed that drew the probe batch.
    var seed: UInt64
    /// Examples in the probe batch.
    var examples: Int
    /// How the task head was set up (`random`, `linear-probe`, ...).
    var head: String
    /// The cross-entropy loss of the pass.
    var loss: Double
    /// Time the pass took.
    var seconds: Double
    var createdAt: Date
}

/// The scores one metric gave on one probe, without the scores themselves.
struct ScoreSetRecord: Equatable, Sendable {
    /// The probe's number.
    var probe: Int64
    /// The metric's plugin id.
    var metric: String
    /// +1 when higher is better, -1 when lower is better.
    var direction: Int32
    /// How many edges were scored.
    var count: Int
}

/// One edge's score.
typealias EdgeScore = (source: Int, target: Int, value: Double)
