import Synchronization

/// How many passes through a whole backbone this process has run: a forward
/// pass ends at the readout, a backward pass starts there, whatever segment a
/// pass starts from. Tests read it to check that one probe pass serves every
/// edge and every metric.
public enum PassCount {
    private static let forwardPasses = Atomic<Int>(0)
    private static let backwardPasses = Atomic<Int>(0)

    /// Forward passes so far.
    public static var forward: Int { forwardPasses.load(ordering: .relaxed) }
    /// Backward passes so far.
    public static var backward: Int { backwardPasses.load(ordering: .relaxed) }

    static func countForward() { forwardPasses.add(1, ordering: .relaxed) }
    static func countBackward() { backwardPasses.add(1, ordering: .relaxed) }
}
