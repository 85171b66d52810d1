/// The version of the engine's numbers: bumped whenever a change alters
/// what training computes (an op's arithmetic, the optimiser, the data
/// order, a precision). Stored evaluations are reused across runs only
/// under the same engine version.
///
/// History: 2, exp (softmax, GELU) rounds k with rintf; under version 1 the
/// AVX2 and portable kernels computed e^x wrong by up to 2x (AVX-512 ones
/// were right), so evaluations stored on such machines are not reused.
public enum EngineVersion {
    /// The current version.
    public static let current = "2"
}
