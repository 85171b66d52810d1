import Core
import Foundation
import Testing

@Suite struct SpectrumTests {
    @Test func singularValuesOfAKnownMatrixComeOutDescending() throws {
        // [[3, 0], [4, 5]] has singular values sqrt(45) and sqrt(5).
        let matrix = Matrix<Float>(rows: 2, cols: 2, values: [3, 0, 4, 5])
        let values = try matrix.singularValues()
        #expect(abs(values[0] - 45.0.squareRoot()) < 1e-12)
        #expect(abs(values[1] - 5.0.squareRoot()) < 1e-12)
    }

    @Test func rankCountsValuesAboveTheRelativeThreshold() {
        #expect(Spectrum.rank(singularValues: [4, 1, 1e-3, 0], relativeTolerance: 1e-2) == 2)
        #expect(Spectrum.rank(singularValues: [0, 0], relativeTolerance: 1e-2) == 0)
        #expect(Spectrum.rank(singularValues: [], relativeTolerance: 1e-2) == 0)
    }

    /// A random orthogonal n x n matrix (Gram-Schmidt on seeded normals), row-major, float64.
    static func orthogonal(_ n: Int, seed: UInt64) -> [Double] {
        var random = SeededRandom(seed: seed)
        var q = (0..<n * n).map { _ in Double.random(in: -1...1, using: &random) }
        for row in 0..<n {
            for earlier in 0..<row {
                let dot = (0..<n).reduce(0.0) { $0 + q[row * n + $1] * q[earlier * n + $1] }
                for c in 0..<n { q[row * n + c] -= dot * q[earlier * n + c] }
            }
            let norm = (0..<n).reduce(0.0) { $0 + q[row * n + $1] * q[row * n + $1] }.squareRoot()
            for c in 0..<n { q[row * n + c] /= norm }
        }
        return q
    }

    /// Q diag(values) P^T for seeded orthogonal Q and P, row-major.
    static func matrix(singularValues values: [Double], seed: UInt64) -> [Double] {
        let n = values.count, q = orthogonal(n, seed: seed), p = orthogonal(n, seed: seed + 1000)
        var out = [Double](repeating: 0, count: n * n)
        for r in 0..<n {
            for c in 0..<n {
                out[r * n + c] = (0..<n).reduce(0.0) { $0 + q[r * n + $1] * values[$1] * p[c * n + $1] }
            }
        }
        return out
    }

    @Test func inertiaCountsEigenvaluesAboveEveryShift() throws {
        // A symmetric matrix with known eigenvalues of both signs after the
        // shift: Bunch-Kaufman takes 2 x 2 pivots on such matrices.
        let eigenvalues: [Double] = [9, 7, 5, 5, 3, 1, 0.5, 0.25, 0, 0]
        let n = eigenvalues.count, q = Self.orthogonal(n, seed: 7)
        var symmetric = [Double](repeating: 0, count: n * n)
        for r in 0..<n {
            for c in 0..<n { symmetric[r * n + c] = (0..<n).reduce(0.0) { $0 + q[r * n + $1] * eigenvalues[$1] * q[c * n + $1] } }
        }
        for shift in [-1, 0.1, 0.3, 0.75, 2, 4, 6, 8, 10] {
            let expected = eigenvalues.count { $0 > shift }
            #expect(try Spectrum.eigenvaluesAbove(shift, symmetricLower: symmetric, n: n) == expected, "shift \(shift)")
        }
        #expect(abs(Spectrum.largestEigenvalue(symmetricLower: symmetric, n: n)! - 9) < 1e-8)
    }

    @Test func rankWithoutSVDMatchesTheSVDCount() throws {
        // Spectra like edge gradients': a few large values, then a tail
        // decaying through the threshold, with values clustered within 0.1%
        // on both sides of it.
        let n = 48, rtol = Double(n) * Double(Float.ulpOfOne)
        for seed in UInt64(1)...6 {
            var values = (0..<n).map { 10 * pow(0.6, Double($0)) }
            values[20] = 10 * rtol * 1.001
            values[21] = 10 * rtol * 0.999
            values[22] = 0
            let a = Self.matrix(singularValues: values, seed: seed).map(Float.init)
            let exact = Spectrum.rank(singularValues: try Matrix(rows: n, cols: n, values: a).singularValues(), relativeTolerance: rtol)
            let counted = try a.withUnsafeBufferPointer { try Spectrum.rank(rows: n, cols: n, values: $0, relativeTolerance: rtol) }
            #expect(counted == exact, "seed \(seed)")
            // A tolerance the float64 Gram matrix cannot resolve takes the SVD.
            let tiny = 1e-9
            let exactTiny = Spectrum.rank(singularValues: try Matrix(rows: n, cols: n, values: a).singularValues(), relativeTolerance: tiny)
            #expect(try a.withUnsafeBufferPointer { try Spectrum.rank(rows: n, cols: n, values: $0, relativeTolerance: tiny) } == exactTiny)
        }
        let zero = [Float](repeating: 0, count: 9)
        #expect(try zero.withUnsafeBufferPointer { try Spectrum.rank(rows: 3, cols: 3, values: $0, relativeTolerance: 1e-3) } == 0)
    }

    @Test func seededStreamsRepeatAndDifferByLabel() {
        var a = SeededRandom(seed: 1, stream: "x"), b = SeededRandom(seed: 1, stream: "x")
        var c = SeededRandom(seed: 1, stream: "y")
        let first = (0..<4).map { _ in a.next() }
        #expect(first == (0..<4).map { _ in b.next() })
        #expect(first != (0..<4).map { _ in c.next() })
    }
}
