import Foundation

/// Round tick values for a chart axis: steps of 1, 2 or 5 times a power of
/// ten, covering the data.
public struct AxisTicks {
    /// The tick values, ascending; the first is at or below the data's
    /// lowest value and the last at or above its highest.
    public var values: [Double]
    /// The distance between neighbouring ticks.
    public var step: Double

    /// About `count` ticks covering `low ... high`. An empty range (one
    /// value) is widened around the value first.
    public init(low: Double, high: Double, count: Int = 5) {
        var low = low.isFinite ? low : 0, high = high.isFinite ? high : 1
        if high <= low {
            let pad = low == 0 ? 0.5 : abs(low) * 0.05
            (low, high) = (low - pad, high + pad)
        }
        let rough = (high - low) / Double(max(count - 1, 1))
        let power = pow(10, (log10(rough)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough * 0.999 } ?? 10 * power
        let first = (low / step).rounded(.down), last = (high / step).rounded(.up)
        self.step = step
        values = stride(from: first, through: last, by: 1).map { $0 * step }
    }

    /// The lowest tick.
    public var low: Double { values.first ?? 0 }
    /// The highest tick.
    public var high: Double { values.last ?? 1 }

    /// A tick's label: as many decimals as the step needs; exponent form for
    /// very large or very small magnitudes.
    public func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = max(abs(low), abs(high))
        if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.3g", value) }
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        return String(format: "%.\(decimals)f", value)
    }
}
