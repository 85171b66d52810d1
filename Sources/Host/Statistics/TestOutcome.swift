/// What a two-sided significance test of paired differences gave: a
/// p-value and how it was computed, or why there is none.
public struct TestOutcome: Codable, Equatable, Sendable {
    /// How a p-value was computed.
    public enum Method: String, Codable, Equatable, Sendable {
        /// From the exact null distribution (every sign assignment counted).
        case exact
        /// From the normal approximation of the statistic.
        case normalApproximation = "normal-approximation"
    }

    /// Why a test has no p-value.
    public enum Undefined: String, Codable, Equatable, Sendable {
        /// There was no pair of finite values.
        case noPairs = "no pairs"
        /// Every difference was zero: the tests drop zeros, so nothing is left.
        case noNonzeroDifference = "every difference is zero"
    }

    /// The two-sided p-value, in [0, 1]; nil when the test is undefined.
    @ExplicitNull public private(set) var pValue: Double?
    /// How `pValue` was computed; nil when the test is undefined.
    @ExplicitNull public private(set) var method: Method?
    /// Why the test is undefined; nil when it has a p-value.
    @ExplicitNull public private(set) var undefined: Undefined?

    private enum CodingKeys: String, CodingKey { case pValue = "p_value", method, undefined }

    /// A test that gave the p-value `pValue` by `method`.
    public static func defined(pValue: Double, method: Method) -> TestOutcome {
        TestOutcome(pValue: pValue, method: method, undefined: nil)
    }

    /// A test with no p-value, for `reason`.
    public static func undefined(_ reason: Undefined) -> TestOutcome {
        TestOutcome(pValue: nil, method: nil, undefined: reason)
    }
}
