/// A small, fast, seedable random generator (SplitMix64). Every random
/// choice in the project draws from one of these, so runs repeat exactly.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for the named stream `label` under `seed`, so that
    /// independent consumers (plugins, splits, inits) never share draws.
    public init(seed: UInt64, stream label: String) {
        self.init(seed: seed ^ SeededRandom.fingerprint(label))
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a over the UTF-8 bytes: a hash that never changes between runs.
    public static func fingerprint(_ text: String) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }
}

extension SeededRandom {
    /// A standard normal draw (Box-Muller).
    public mutating func normal() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self), v = Double.random(in: 0..<1, using: &self)
        return (-2 * u.logNatural).squareRoot() * cosine(2 * Double.pi * v)
    }

    /// A normal draw with standard deviation `std`, redrawn until within `cut` std.
    public mutating func truncatedNormal(std: Double, cut: Double = 2) -> Double {
        while true {
            let z = normal()
            if abs(z) <= cut { return z * std }
        }
    }
}

#if canImport(Glibc)
import Glibc
private extension Double {
    var logNatural: Double { Glibc.log(self) }
}
private func cosine(_ x: Double) -> Double { Glibc.cos(x) }
#endif
