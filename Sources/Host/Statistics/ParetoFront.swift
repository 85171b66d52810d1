/// The strategies worth considering when accuracy and size both matter:
/// the points no other point beats on both (higher accuracy, fewer
/// trainable parameters).
public enum ParetoFront {
    /// One candidate: a strategy (at some budget) with its accuracy and
    /// trainable parameter count.
    public struct Point: Equatable, Sendable {
        /// What the point stands for (a strategy and k, say).
        public var label: String
        /// Its accuracy; higher is better. NaN (diverged) keeps it off the front.
        public var accuracy: Double
        /// Its trainable parameters; fewer is better.
        public var parameters: Int

        /// A point named `label`.
        public init(label: String, accuracy: Double, parameters: Int) {
            self.label = label
            self.accuracy = accuracy
            self.parameters = parameters
        }
    }

    /// Whether `p` dominates `q`: at least as accurate with at most as many
    /// parameters, and strictly better in one of the two. Points with equal
    /// accuracy and equal parameters do not dominate each other. A point
    /// whose accuracy is not finite neither dominates nor is dominated.
    public static func dominates(_ p: Point, _ q: Point) -> Bool {
        guard p.accuracy.isFinite, q.accuracy.isFinite else { return false }
        return p.accuracy >= q.accuracy && p.parameters <= q.parameters
            && (p.accuracy > q.accuracy || p.parameters < q.parameters)
    }

    /// The points with a finite accuracy that no other point dominates,
    /// by parameters ascending (then input order). Ties: points equal in
    /// both accuracy and parameters are all on the front or all off it; a
    /// point matched in accuracy by one with fewer parameters (or in
    /// parameters by a more accurate one) is off. Checks every pair: the
    /// front of a study has a few dozen candidates.
    public static func front(_ points: [Point]) -> [Point] {
        let kept = points.indices.filter { index in
            points[index].accuracy.isFinite && !points.contains { dominates($0, points[index]) }
        }
        return kept.sorted { (points[$0].parameters, $0) < (points[$1].parameters, $1) }.map { points[$0] }
    }
}
