import Core
import Foundation
import Testing

/// The `:rational` activation apart from its gradients (GradientCheckTests):
/// the formula, the GELU fit it starts from, and how an adapter carries and
/// counts its coefficients.
@Suite struct RationalActivationTests {
    /// The exact GELU, x Phi(x), from libm's erf.
    func gelu(_ x: Double) -> Double { x * (1 + erf(x / 2.0.squareRoot())) / 2 }

    @Test func phiIsPOverASafeQWhateverTheSigns() {
        let phi = RationalActivation<Double>(numerator: [0.1, 0.9, -0.4, 0.3, 0.05, -0.02], denominator: [0.6, -0.5, 0.3, -0.1])
        let x = Matrix<Double>(rows: 1, cols: 7, values: [-20, -2, -0.5, 0, 0.5, 2, 20])
        let y = phi.forward(x)
        for (input, output) in zip(x.values, y.values) {
            let p = 0.1 + 0.9 * input - 0.4 * pow(input, 2) + 0.3 * pow(input, 3) + 0.05 * pow(input, 4) - 0.02 * pow(input, 5)
            let q = 1 + abs(0.6 * input) + abs(-0.5 * input * input) + abs(0.3 * pow(input, 3)) + abs(-0.1 * pow(input, 4))
            #expect(abs(output - p / q) <= 1e-14 * max(abs(p / q), 1), "x = \(input)")
        }
        #expect(y.values[3] == 0.1, "phi(0) = a0")
    }

    /// The initial coefficients are GELU within the error
    /// tools/golden/rational_gelu.py reported, at 1601 points of the
    /// interval, and the bound is tight (the largest error is close to it).
    @Test func geluFitIsWithinTheStatedError() {
        let interval = RationalActivation<Double>.geluFitInterval, bound = RationalActivation<Double>.geluFitMaximumError
        #expect(interval == -4...4 && bound < 4e-3)
        let points = (0...1600).map { interval.lowerBound + Double($0) * (interval.upperBound - interval.lowerBound) / 1600 }
        let inputs = Matrix<Double>(rows: 1, cols: points.count, values: points)
        let errors = zip(points, RationalActivation<Double>.geluFit.forward(inputs).values).map { abs($1 - gelu($0)) }
        #expect(errors.max()! <= bound * (1 + 1e-6), "largest error \(errors.max()!)")
        #expect(errors.max()! > bound * 0.99, "the stated error is what the fit achieves, not a loose bound")
        // Float (what training uses): the same within float rounding.
        let floatInputs = Matrix(rows: 1, cols: points.count, values: points.map(Float.init))
        let floatErrors = zip(points, RationalActivation<Float>.geluFit.forward(floatInputs).values).map { abs(Double($1) - gelu($0)) }
        #expect(floatErrors.max()! <= bound + 1e-6)
        // Beyond the interval it stays near GELU's asymptotes (b4 > 0: linear growth).
        let tails = RationalActivation<Double>.geluFit.forward(Matrix(rows: 1, cols: 2, values: [-10, 10])).values
        #expect(abs(tails[0]) < 0.2 && abs(tails[1] - 10) < 0.5, "phi(-10) = \(tails[0]), phi(10) = \(tails[1])")
        #expect(RationalActivation<Double>.geluFit.denominator.allSatisfy { $0 >= 1e-3 }, "no b_k at 0, where it would never train")
    }

    @Test func aRationalAdapterStartsAtTheGELUFitAndCountsTenMoreParameters() throws {
        let placement = try Placement(parsing: "1>2:r4,3>3:r4:rational,2>2:r2:rational:channel", nodeCount: 5)
        let graph = AdapterGraph<Float>.initialized(placement, width: 16, seed: 1)
        #expect(graph.adapters.map(\.activation) == [.linear, .rational, .rational])
        #expect(graph.adapters[1].phi == .rational(.geluFit) && graph.adapters[2].phi == .rational(.geluFit))
        // r4: 4*16+4 + 16*4+16 = 148; r2 with channel: 2*16+2 + 16*2+16 + 16 = 98.
        #expect(graph.adapters.map(\.parameterCount) == [148, 148 + 10, 98 + 10])
        #expect(graph.parameterCount == 148 + 158 + 108)
    }

    /// One rule for weight decay: weights decay; biases, a channel-wise scale
    /// and the activation's coefficients do not.
    @Test func onlyWeightsDecay() throws {
        let placement = try Placement(parsing: "2>2:r2:rational:channel,1>1:r2:rational", nodeCount: 5)
        let graph = AdapterGraph<Float>.initialized(placement, width: 8, seed: 1)
        let channel = graph.adapters[0].parameterTensors, scalar = graph.adapters[1].parameterTensors
        #expect(channel.map(\.decays) == [true, false, true, false, false, false, false])
        #expect(channel.map(\.values.count) == [16, 2, 16, 8, 8, 6, 4])
        #expect(scalar.map(\.decays) == [true, false, true, false, false, false])
        #expect(scalar.suffix(2).map(\.values) == [RationalActivation<Float>.geluFit.numerator, RationalActivation<Float>.geluFit.denominator])
    }

    @Test func assigningParametersReplacesTheCoefficients() throws {
        let placement = try Placement(parsing: "2>2:r2:rational:channel", nodeCount: 5)
        var adapter = AdapterGraph<Float>.initialized(placement, width: 8, seed: 1).adapters[0]
        let tensors = adapter.parameterTensors.enumerated().map { index, tensor in tensor.values.map { _ in Float(index) } }
        adapter.assignParameters(tensors)
        #expect(adapter.parameterTensors.map(\.values) == tensors)
        #expect(adapter.phi == .rational(RationalActivation(numerator: [Float](repeating: 5, count: 6),
                                                            denominator: [Float](repeating: 6, count: 4))))
    }
}
