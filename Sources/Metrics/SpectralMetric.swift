#if canImport(Glibc)
import Glibc
#endif
import PluginSDK

/// A metric computed from the singular values of G_ij alone.
protocol SpectralMetric: EdgeMetric {
    /// The score of a spectrum in descending order.
    static func score(spectrum: UnsafeBufferPointer<Double>) -> Double
}

extension SpectralMetric {
    static var direction: Direction { .higherIsBetter }
    static var needs: MetricNeeds { [.probe, .spectrum] }

    func score(edge: Edge, probe: ProbeServices) throws -> Double {
        Self.score(spectrum: try probe.singularValues(edge))
    }
}

/// The sum of the singular values of G_ij.
final class NuclearNorm: SpectralMetric {
    static let info = PluginInfo(id: "nuclear-norm", name: "Nuclear norm", version: "1.0.0",
                                 summary: "Nuclear norm of the edge gradient: the sum of its singular values.")

    init(configuration: Configuration) throws {}

    static func score(spectrum: UnsafeBufferPointer<Double>) -> Double {
        spectrum.reduce(0, +)
    }
}

/// ||G||_F^2 / sigma_max^2; 0 for a zero gradient.
final class StableRank: SpectralMetric {
    static let info = PluginInfo(id: "stable-rank", name: "Stable rank", version: "1.0.0",
                                 summary: "Stable rank ||G_ij||_F^2 / sigma_max^2 of the edge gradient (0 if G_ij = 0).")

    init(configuration: Configuration) throws {}

    static func score(spectrum: UnsafeBufferPointer<Double>) -> Double {
        guard let largest = spectrum.first, largest > 0 else { return 0 }
        return spectrum.reduce(0) { $0 + ($1 / largest) * ($1 / largest) }
    }
}

/// exp of the entropy of the normalised singular values; 0 for a zero gradient.
final class EffectiveRank: SpectralMetric {
    static let info = PluginInfo(id: "effective-rank", name: "Effective rank", version: "1.0.0",
                                 summary: "Effective rank exp(-sum p log p), p = sigma / sum(sigma) (0 if G_ij = 0).")

    init(configuration: Configuration) throws {}

    static func score(spectrum: UnsafeBufferPointer<Double>) -> Double {
        let total = spectrum.reduce(0, +)
        guard total > 0 else { return 0 }
        let entropy = spectrum.reduce(0.0) { sum, value in
            let p = value / total
            return p > 0 ? sum - p * log(p) : sum
        }
        return exp(entropy)
    }
}
