/// Which way a metric points: whether its best edge has the highest or the
/// lowest score (a metric plugin's declared direction, METHOD.md section 5).
public enum ScoreDirection: String, Sendable, Codable, CaseIterable {
    /// The highest score is the best edge.
    case higherIsBetter = "higher-is-better"
    /// The lowest score is the best edge.
    case lowerIsBetter = "lower-is-better"

    /// The direction a plugin declares through the ABI: positive is
    /// ASP_HIGHER_IS_BETTER, negative ASP_LOWER_IS_BETTER, zero is none.
    public init?(abi value: Int32) {
        switch value {
        case 1...: self = .higherIsBetter
        case ...(-1): self = .lowerIsBetter
        default: return nil
        }
    }

    /// The indices of `scores`, best first. Equal scores keep their index
    /// order (the earlier index ranks first), so the order is fully
    /// determined. The scores must not be NaN.
    public func bestFirst(_ scores: [Double]) -> [Int] {
        scores.indices.sorted { a, b in
            if scores[a] != scores[b] {
                return self == .higherIsBetter ? scores[a] > scores[b] : scores[a] < scores[b]
            }
            return a < b
        }
    }
}
