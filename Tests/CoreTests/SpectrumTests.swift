import Core
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

    @Test func seededStreamsRepeatAndDifferByLabel() {
        var a = SeededRandom(seed: 1, stream: "x"), b = SeededRandom(seed: 1, stream: "x")
        var c = SeededRandom(seed: 1, stream: "y")
        let first = (0..<4).map { _ in a.next() }
        #expect(first == (0..<4).map { _ in b.next() })
        #expect(first != (0..<4).map { _ in c.next() })
    }
}
