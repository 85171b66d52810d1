import Foundation

/// Round tick values for a chart axis: steps of 1, 2 or 5 times a power of
/// ten, covering the data; or, on a logarithmic axis, 1, 2 and 5 times
/// powers of ten.
public struct AxisTicks {
    /// The tick values, ascending; the first is at or below the data's
    /// lowest value and the last at or above its highest.
    public var values: [Double]
    /// The distance between neighbouring ticks; 0 on a logarithmic axis,
    /// whose ticks are not evenly spaced.
    public var step: Double
    /// Whether the axis is logarithmic (`init(logarithmicLow:high:)`).
    public private(set) var isLogarithmic = false

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

    /// Ticks of a logarithmic axis covering the positive range `low ...
    /// high`: the ends are the nearest values 1, 2 or 5 times a power of ten
    /// at or outside the data; between them every such value when the range
    /// spans at most two decades, else every power of ten. A range that is
    /// empty or not positive is widened to a positive one first.
    public init(logarithmicLow low: Double, high: Double) {
        var low = low.isFinite && low > 0 ? low : 1, high = high.isFinite && high > 0 ? high : 10 * low
        if high <= low { (low, high) = (low / 2, high * 2) }
        func candidates(_ multiples: [Double]) -> [Double] {
            let first = Int(log10(low).rounded(.down)) - 1, last = Int(log10(high).rounded(.up)) + 1
            return (first...last).flatMap { power in multiples.map { $0 * pow(10, Double(power)) } }
        }
        let all = candidates([1, 2, 5])
        let bottom = all.last { $0 <= low * (1 + 1e-9) } ?? low, top = all.first { $0 >= high * (1 - 1e-9) } ?? high
        let inner = (log10(top / bottom) <= 2 ? all : candidates([1])).filter { $0 > bottom * (1 + 1e-9) && $0 < top * (1 - 1e-9) }
        values = [bottom] + inner + [top]
        step = 0
        isLogarithmic = true
    }

    /// The lowest tick.
    public var low: Double { values.first ?? 0 }
    /// The highest tick.
    public var high: Double { values.last ?? 1 }

    /// Where `value` lies along the axis: 0 at the lowest tick, 1 at the
    /// highest (on a logarithmic axis, in proportion to its logarithm).
    public func fraction(_ value: Double) -> Double {
        isLogarithmic ? log(value / low) / log(high / low) : (value - low) / (high - low)
    }

    /// A tick's label: as many decimals as the step needs; exponent form for
    /// very large or very small magnitudes; on a logarithmic axis, the
    /// compact form (`20k`).
    public func label(_ value: Double) -> String {
        if isLogarithmic { return Self.compact(value) }
        if value == 0 { return "0" }
        let magnitude = max(abs(low), abs(high))
        if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.3g", value) }
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        return String(format: "%.\(decimals)f", value)
    }

    /// A count in a few characters, with k, M or G for thousands, millions
    /// and billions: `500`, `20k`, `1.5M`.
    public static func compact(_ value: Double) -> String {
        for (scale, suffix) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] where abs(value) >= scale {
            return String(format: "%.3g", value / scale) + suffix
        }
        return String(format: "%.3g", value)
    }
}
