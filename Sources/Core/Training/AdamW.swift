/// AdamW (Loshchilov & Hutter): Adam with weight decay decoupled from the
/// gradient, w <- w - lr (m_hat / (sqrt(v_hat) + eps) + wd w), applied only to
/// tensors marked for decay (weights; never biases, scales or activation
/// coefficients: `Adapter.parameterTensors` marks them).
public struct AdamW<Scalar: Real>: Sendable {
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var epsilon: Double = 1e-8
    public var weightDecay: Double
    private var firstMoments: [[Double]] = []
    private var secondMoments: [[Double]] = []
    private var step = 0

    /// An optimiser with decoupled weight decay `weightDecay`.
    public init(weightDecay: Double = 1e-4) {
        self.weightDecay = weightDecay
    }

    /// One update of every tensor in `parameters` by its gradient at the same
    /// position, at learning rate `learningRate`.
    public mutating func update(_ parameters: inout [ParameterTensor<Scalar>], gradients: [[Scalar]], learningRate: Double) {
        precondition(parameters.count == gradients.count, "one gradient per parameter tensor")
        if firstMoments.isEmpty {
            firstMoments = parameters.map { [Double](repeating: 0, count: $0.values.count) }
            secondMoments = firstMoments
        }
        step += 1
        let correction1 = 1 - pow(beta1, Double(step)), correction2 = 1 - pow(beta2, Double(step))
        for index in parameters.indices {
            let decay = parameters[index].decays ? weightDecay : 0
            for element in parameters[index].values.indices {
                let g = Double(gradients[index][element])
                firstMoments[index][element] = beta1 * firstMoments[index][element] + (1 - beta1) * g
                secondMoments[index][element] = beta2 * secondMoments[index][element] + (1 - beta2) * g * g
                let mHat = firstMoments[index][element] / correction1, vHat = secondMoments[index][element] / correction2
                let w = Double(parameters[index].values[element])
                parameters[index].values[element] = Scalar(w - learningRate * (mHat / (vHat.squareRoot() + epsilon) + decay * w))
            }
        }
    }
}

/// One trainable tensor, flattened, and whether weight decay applies to it.
public struct ParameterTensor<Scalar: Real>: Sendable {
    public var values: [Scalar]
    public var decays: Bool

    public init(values: [Scalar], decays: Bool) {
        self.values = values
        self.decays = decays
    }
}

/// Linear warmup to the peak rate, then cosine decay to zero (METHOD.md section 7).
public struct WarmupCosine: Sendable {
    public var peak: Double
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: Double, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The rate at step `step` (0-based).
    public func rate(at step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step + 1) / Double(warmupSteps) }
        let progress = Double(step - warmupSteps) / Double(max(totalSteps - warmupSteps, 1))
        return peak * 0.5 * (1 + cos(Double.pi * min(progress, 1)))
    }
}

#if canImport(Glibc)
import Glibc
#endif
