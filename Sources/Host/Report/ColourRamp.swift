import Foundation

/// A sequential colour ramp from light (low) to dark (high): ColorBrewer's
/// nine "Blues", interpolated linearly in RGB between neighbouring stops.
public enum ColourRamp {
    /// The stops, lightest first: #f7fbff ... #08306b.
    public static let stops: [(red: Int, green: Int, blue: Int)] = [
        (247, 251, 255), (222, 235, 247), (198, 219, 239), (158, 202, 225), (107, 174, 214),
        (66, 146, 198), (33, 113, 181), (8, 81, 156), (8, 48, 107),
    ]

    /// The colour at `level` (0: lightest, 1: darkest; clamped), as
    /// integer RGB.
    public static func colour(_ level: Double) -> (red: Int, green: Int, blue: Int) {
        let position = min(max(level.isFinite ? level : 0, 0), 1) * Double(stops.count - 1)
        let below = min(Int(position), stops.count - 2), fraction = position - Double(below)
        let a = stops[below], b = stops[below + 1]
        func mix(_ x: Int, _ y: Int) -> Int { Int((Double(x) + fraction * Double(y - x)).rounded()) }
        return (mix(a.red, b.red), mix(a.green, b.green), mix(a.blue, b.blue))
    }

    /// The colour at `level` as CSS/SVG text, `rgb(r,g,b)`.
    public static func css(_ level: Double) -> String {
        let (red, green, blue) = colour(level)
        return "rgb(\(red),\(green),\(blue))"
    }

    /// Whether text over the colour at `level` should be white to stay legible.
    public static func needsLightText(_ level: Double) -> Bool { level > 0.55 }
}
