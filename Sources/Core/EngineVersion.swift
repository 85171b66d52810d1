/// The version of the engine's numbers: bumped whenever a change alters
/// what training computes (an op's arithmetic, the optimiser, the data
/// order, a precision). Stored evaluations are reused across runs only
/// under the same engine version.
public enum EngineVersion {
    /// The current version.
    public static let current = "1"
}
