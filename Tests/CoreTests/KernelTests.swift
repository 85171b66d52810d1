import Core
import Foundation
import Testing

/// The vectorised float32 kernels against the exact float64 functions.
@Suite struct KernelTests {
    /// Points from -range to range, evenly spaced, plus the ends.
    func grid(_ range: Float, _ count: Int) -> [Float] {
        (0...count).map { -range + 2 * range * Float($0) / Float(count) }
    }

    @Test func geluMatchesTheErfDefinition() {
        let input = grid(9, 20_000)
        var values = input
        input.withUnsafeBufferPointer { x in values.withUnsafeMutableBufferPointer { Float.gelu(x, into: $0) } }
        for (x, y) in zip(input, values) {
            let exact = Double(x) * (1 + erf(Double(x) / 2.0.squareRoot())) / 2
            #expect(abs(Double(y) - exact) <= 1e-7 * (1 + Double(abs(x))), "gelu(\(x)) = \(y), exact \(exact)")
        }
    }

    @Test func geluDerivativeMatchesTheExactOne() {
        let input = grid(9, 20_000)
        let ones = [Float](repeating: 1, count: input.count)
        var gradient = ones
        gradient.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { x in ones.withUnsafeBufferPointer { Float.geluBackward($0, input: x, into: out) } }
        }
        for (x, g) in zip(input, gradient) {
            let t = Double(x)
            let cdf = (1 + erf(t / 2.0.squareRoot())) / 2
            let density: Double = exp(-t * t / 2) / (2 * Double.pi).squareRoot()
            let exact = cdf + t * density
            #expect(abs(Double(g) - exact) <= 4e-7, "gelu'(\(x)) = \(g), exact \(exact)")
        }
    }

    @Test func maskedSoftmaxMatchesTheExactOneAndZeroesMaskedKeys() {
        let length = 37, rows = 50
        var random = SeededRandom(seed: 5)
        let scores = (0..<rows * length).map { _ in Float.random(in: -30...30, using: &random) }
        let mask = (0..<length).map { UInt8($0 % 5 == 3 ? 0 : 1) }
        var fast = scores
        var exact = scores.map(Double.init)
        mask.withUnsafeBufferPointer { mask in
            fast.withUnsafeMutableBufferPointer { Float.maskedSoftmax($0, length: length, keyIsToken: mask) }
            exact.withUnsafeMutableBufferPointer { Double.maskedSoftmax($0, length: length, keyIsToken: mask) }
        }
        for index in scores.indices {
            #expect(abs(Double(fast[index]) - exact[index]) <= 3e-7 * max(exact[index], 1e-30) + 1e-12)
            if mask[index % length] == 0 { #expect(fast[index] == 0) }
        }
    }
}
