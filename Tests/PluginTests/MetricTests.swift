import Core
import Foundation
import Testing
@testable import Host

/// Every built-in metric, driven through the C ABI on fixed gradients with
/// hand-computed answers.
@Suite struct MetricTests {
    /// Scores one edge carrying `gradient` with metric `id`.
    func score(_ id: String, _ gradient: Matrix<Float>, configuration: [String: String] = [:],
               initialisation: (down: Matrix<Float>, up: Matrix<Float>)? = nil) throws -> Double {
        let probe = FixedProbe(width: gradient.rows, gradients: [Edge(0, 1): gradient], initialisation: initialisation)
        let metric = try BuiltIns.instance(id, .fixed(nodeCount: 3, probe: probe), configuration)
        return try metric.score([Edge(0, 1)])[0]
    }

    /// Outer product u v^T.
    func outer(_ u: [Float], _ v: [Float]) -> Matrix<Float> {
        Matrix(rows: u.count, cols: v.count, values: u.flatMap { a in v.map { a * $0 } })
    }

    func sum(_ matrices: [Matrix<Float>]) -> Matrix<Float> {
        Matrix(rows: matrices[0].rows, cols: matrices[0].cols,
               values: matrices.dropFirst().reduce(matrices[0].values) { zip($0, $1.values).map(+) })
    }

    @Test func gradientRankCountsTheRankOfMatricesOfKnownRank() throws {
        let u1: [Float] = [1, 2, 0, -1, 3, 1], v1: [Float] = [0, 1, 1, 2, -1, 1]
        let u2: [Float] = [2, -1, 1, 0, 1, 4], v2: [Float] = [1, 0, 3, -2, 1, 0]
        let u3: [Float] = [0, 1, -3, 1, 1, 1], v3: [Float] = [2, 2, 0, 1, 0, -1]
        #expect(try score("gradient-rank", Matrix(zeros: 6, 6)) == 0)
        #expect(try score("gradient-rank", outer(u1, v1)) == 1)
        #expect(try score("gradient-rank", sum([outer(u1, v1), outer(u2, v2)])) == 2)
        #expect(try score("gradient-rank", sum([outer(u1, v1), outer(u2, v2), outer(u3, v3)])) == 3)
        #expect(try score("gradient-rank", .diagonal([1, 2, 3, 4, 5, 6])) == 6)
    }

    @Test func gradientRankUsesTheMatrixRankThresholdUnlessRtolIsGiven() throws {
        // Default threshold: sigma_max * 6 * eps(float32) = 7.2e-7 for sigma_max = 1.
        let matrix = Matrix.diagonal([1, 1e-3, 1e-6, 1e-8, 0, 0])
        #expect(try score("gradient-rank", matrix) == 3)
        #expect(try score("gradient-rank", matrix, configuration: ["rtol": "1e-4"]) == 2)
        #expect(try score("gradient-rank", matrix, configuration: ["rtol": "1e-9"]) == 4)
    }

    @Test func gradientNormIsTheFrobeniusNorm() throws {
        #expect(try score("gradient-norm", Matrix([[3, 0], [0, 4]])) == 5)
        #expect(try score("gradient-norm", Matrix([[1, 2], [2, 4]])) == 5)
    }

    @Test func fisherIsTheMeanSquaredEntry() throws {
        #expect(try score("fisher", Matrix([[3, 0], [0, 4]])) == 25.0 / 4)
    }

    @Test func nuclearNormSumsTheSingularValues() throws {
        // [[0, 2], [-2, 0]] is 2 times a rotation: singular values 2, 2.
        #expect(abs(try score("nuclear-norm", Matrix([[0, 2], [-2, 0]])) - 4) < 1e-12)
        #expect(abs(try score("nuclear-norm", .diagonal([3, -4, 0])) - 7) < 1e-12)
    }

    @Test func stableRankIsFrobeniusSquaredOverSigmaMaxSquared() throws {
        #expect(abs(try score("stable-rank", .diagonal([3, 4])) - 25.0 / 16) < 1e-12)
        #expect(try score("stable-rank", Matrix(zeros: 3, 3)) == 0)
    }

    @Test func effectiveRankIsTheExpOfTheSpectralEntropy() throws {
        #expect(abs(try score("effective-rank", .diagonal([2, 2, 2, 0])) - 3) < 1e-12)
        let expected = exp(-(0.75 * log(0.75) + 0.25 * log(0.25)))
        #expect(abs(try score("effective-rank", .diagonal([3, 1])) - expected) < 1e-12)
        #expect(try score("effective-rank", Matrix(zeros: 2, 2)) == 0)
    }

    @Test func snipMatchesItsClosedFormOnAWorkedExample() throws {
        // G = [[1, 2], [3, 4]], W_down = [[1, -1]], W_up = [[2], [0.5]]:
        // dL/dW_up = G^T W_down^T = [-2, -2]^T, sum |W_up * .| = 4 + 1 = 5;
        // dL/dW_down = W_up^T G^T = [3, 8],      sum |W_down * .| = 3 + 8 = 11.
        let initialisation = (down: Matrix<Float>([[1, -1]]), up: Matrix<Float>([[2], [0.5]]))
        #expect(try score("snip", Matrix([[1, 2], [3, 4]]), configuration: ["rank": "1"],
                          initialisation: initialisation) == 16)
    }

    @Test func aMetricOnAHostWithoutAProbeFailsToCreateWithAClearMessage() throws {
        let error = #expect(throws: PluginCallError.self) {
            try BuiltIns.instance("gradient-norm", .fixed(nodeCount: 3))
        }
        #expect(error?.description.contains("gradient-norm") == true)
        #expect(error?.description.contains("asp.probe/1") == true)
    }

    @Test func aServiceErrorReachesTheUserWithThePluginsName() throws {
        let probe = FixedProbe(width: 2, gradients: [:])
        let metric = try BuiltIns.instance("gradient-norm", .fixed(nodeCount: 3, probe: probe))
        let error = #expect(throws: PluginCallError.self) { try metric.score([Edge(2, 0)]) }
        #expect(error?.description.contains("no gradient for 2>0") == true)
    }

    @Test func everyMetricDeclaresItsDirectionAndNeeds() {
        for id in ["gradient-rank", "gradient-norm", "snip", "nuclear-norm", "stable-rank", "effective-rank", "fisher", "synflow"] {
            let plugin = BuiltIns.plugins[id]!
            #expect(plugin.kind == .metric)
            #expect(plugin.direction == 1, "\(id)")
            #expect(plugin.needsNames.contains("probe"), "\(id)")
        }
        #expect(BuiltIns.plugins["gradient-rank"]!.needsNames == ["probe", "spectrum"])
        #expect(BuiltIns.plugins["snip"]!.needsNames == ["probe", "adapter-init"])
        #expect(BuiltIns.plugins["synflow"]!.needsNames == ["probe", "adapter-init", "extra-passes"])
    }
}
