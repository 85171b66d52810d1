import Core
import Foundation
import Testing

/// The relaxed Bernoulli gate: its derivative and the sparsity pressure's
/// checked by float64 central differences, its limits, and the schedule.
@Suite struct RelaxedGateTests {
    static let cases: [(logit: Double, temperature: Double, noise: Double)] = [
        (0, 1, 0.5), (1.3, 0.5, 0.2), (-2.1, 2 / 3, 0.9), (0.4, 0.1, 0.35), (3, 1.5, 0.01),
    ]

    @Test func theSamplesDerivativeMatchesCentralDifferences() {
        for (logit, temperature, noise) in Self.cases {
            let g = RelaxedGate.sample(logit: logit, temperature: temperature, noise: noise)
            let h = 1e-6
            let numeric = (RelaxedGate.sample(logit: logit + h, temperature: temperature, noise: noise)
                - RelaxedGate.sample(logit: logit - h, temperature: temperature, noise: noise)) / (2 * h)
            let analytic = RelaxedGate.derivative(gate: g, temperature: temperature)
            #expect(abs(analytic - numeric) <= 1e-8 * max(abs(numeric), 1e-3), "α \(logit) τ \(temperature) u \(noise)")
        }
    }

    @Test func theSparsityGradientMatchesCentralDifferences() {
        let logits = [-1.5, 0.0, 0.7, 2.2, -0.3]
        let (_, gradient) = RelaxedGate.sparsity(logits: logits, weight: 0.8)
        for index in logits.indices {
            var up = logits, down = logits
            up[index] += 1e-6
            down[index] -= 1e-6
            let numeric = (RelaxedGate.sparsity(logits: up, weight: 0.8).penalty
                - RelaxedGate.sparsity(logits: down, weight: 0.8).penalty) / 2e-6
            #expect(abs(gradient[index] - numeric) <= 1e-9, "logit \(index)")
        }
    }

    @Test func theGateIsAPlainLogisticAtItsLimits() {
        // u = 1/2 has no noise: g = σ(α / τ).
        #expect(abs(RelaxedGate.sample(logit: 0.8, temperature: 0.5, noise: 0.5) - 1 / (1 + exp(-1.6))) < 1e-15)
        // A cold gate is almost a step: open when α + logit(u) > 0.
        #expect(RelaxedGate.sample(logit: 0.2, temperature: 0.01, noise: 0.5) > 0.999)
        #expect(RelaxedGate.sample(logit: -0.2, temperature: 0.01, noise: 0.5) < 0.001)
        // σ never overflows.
        #expect(RelaxedGate.sigmoid(-800) == 0 && RelaxedGate.sigmoid(800) == 1)
        #expect(abs(RelaxedGate.probability(logit: 0) - 0.5) < 1e-15)
    }

    @Test func theTemperatureAnnealsGeometricallyFromStartToEnd() {
        #expect(RelaxedGate.temperature(step: 0, of: 5, from: 2, to: 0.125) == 2)
        #expect(abs(RelaxedGate.temperature(step: 2, of: 5, from: 2, to: 0.125) - 0.5) < 1e-15)
        #expect(abs(RelaxedGate.temperature(step: 4, of: 5, from: 2, to: 0.125) - 0.125) < 1e-15)
        #expect(RelaxedGate.temperature(step: 0, of: 1, from: 2, to: 0.5) == 0.5)
    }
}
