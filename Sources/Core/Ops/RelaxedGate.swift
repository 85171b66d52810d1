import Foundation

/// The learnable switch of one candidate adapter (METHOD.md section 3,
/// "Gates"): a relaxed Bernoulli gate, the binary Concrete distribution
/// (Maddison et al. 2017; Jang et al.'s Gumbel-softmax with two classes).
/// With logit α, temperature τ and uniform noise u in (0, 1), the gate is
///
///     g = σ((α + log u − log(1 − u)) / τ),
///
/// a differentiable sample that tends to Bernoulli(σ(α)) as τ → 0; the
/// adapter's output is multiplied by g. σ(α) is the probability the gate
/// is open. Forward (the sample) and backward (dg/dα) side by side.
public enum RelaxedGate {
    /// The logistic function σ(x) = 1 / (1 + e^−x).
    public static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
    }

    /// The gate's value for `logit` α at `temperature` τ > 0 and `noise` u in (0, 1).
    public static func sample(logit: Double, temperature: Double, noise u: Double) -> Double {
        precondition(temperature > 0 && u > 0 && u < 1, "relaxed gate: τ must be positive and u inside (0, 1)")
        return sigmoid((logit + log(u) - log1p(-u)) / temperature)
    }

    /// dg/dα at a sample g: g (1 − g) / τ.
    public static func derivative(gate g: Double, temperature: Double) -> Double {
        g * (1 - g) / temperature
    }

    /// The probability the gate is open, σ(α): what a trained gate reports.
    public static func probability(logit: Double) -> Double { sigmoid(logit) }

    /// The sparsity pressure on a set of gates: λ times the mean
    /// probability that a gate is open, (λ / E) Σ σ(α_e), and its gradient,
    /// (λ / E) σ(α_e) (1 − σ(α_e)) for each logit.
    public static func sparsity(logits: [Double], weight λ: Double) -> (penalty: Double, gradient: [Double]) {
        guard !logits.isEmpty else { return (0, []) }
        let scale = λ / Double(logits.count)
        let open = logits.map(sigmoid)
        return (scale * open.reduce(0, +), open.map { scale * $0 * (1 - $0) })
    }

    /// The temperature at step `step` of `steps` (0-based), annealed
    /// geometrically from `start` to `end`: start · (end / start)^(step / (steps − 1)).
    public static func temperature(step: Int, of steps: Int, from start: Double, to end: Double) -> Double {
        precondition(start > 0 && end > 0, "relaxed gate: temperatures must be positive")
        guard steps > 1 else { return end }
        return start * pow(end / start, Double(step) / Double(steps - 1))
    }
}
