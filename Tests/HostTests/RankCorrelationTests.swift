import Foundation
import Testing
@testable import Host

/// Spearman's rho and Kendall's tau-b against scipy.stats on the fixed
/// inputs of tools/golden/correlations.py (ties, constant inputs, n = 169).
@Suite struct RankCorrelationTests {
    /// One input pair of the golden file, with scipy's values (nil: nan).
    struct Case: Decodable {
        var name: String
        var x: [Double]
        var y: [Double]
        var spearman: Double?
        var kendall_tau_b: Double?
    }

    /// The golden file's cases.
    struct Golden: Decodable {
        var scipy: String
        var cases: [Case]
    }

    static func golden() throws -> Golden {
        let url = Locations.fixtures.appendingPathComponent("correlations_golden.json")
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }

    @Test func matchesScipyOnEveryGoldenCase() throws {
        let golden = try Self.golden()
        #expect(golden.cases.count >= 10)
        for item in golden.cases {
            let rho = RankCorrelation.spearman(item.x, item.y), tau = RankCorrelation.kendallTauB(item.x, item.y)
            #expect((rho == nil) == (item.spearman == nil), "\(item.name): rho \(String(describing: rho))")
            #expect((tau == nil) == (item.kendall_tau_b == nil), "\(item.name): tau \(String(describing: tau))")
            if let rho, let expected = item.spearman {
                #expect(abs(rho - expected) <= 1e-12, "\(item.name): rho \(rho), scipy \(expected)")
            }
            if let tau, let expected = item.kendall_tau_b {
                #expect(abs(tau - expected) <= 1e-12, "\(item.name): tau \(tau), scipy \(expected)")
            }
        }
        // The fixture covers what the brief asks: undefined and negative cases.
        #expect(golden.cases.contains { $0.spearman == nil && $0.kendall_tau_b == nil })
        #expect(golden.cases.contains { ($0.spearman ?? 0) < -0.5 })
        #expect(golden.cases.contains { $0.x.count == 169 })
    }

    @Test func averageRanksShareTies() {
        #expect(AverageRanks.of([10, 20, 20, 5]) == [2, 3.5, 3.5, 1])
        #expect(AverageRanks.of([7, 7, 7]) == [2, 2, 2])
        #expect(AverageRanks.of([]) == [])
    }

    @Test func undefinedInputsGiveNil() {
        #expect(RankCorrelation.spearman([1], [2]) == nil)
        #expect(RankCorrelation.kendallTauB([], []) == nil)
        #expect(RankCorrelation.spearman([1, 2, .nan], [1, 2, 3]) == nil)
        #expect(RankCorrelation.kendallTauB([1, 2, 3], [1, .infinity, 3]) == nil)
        #expect(RankCorrelation.spearman([4, 4, 4], [1, 2, 3]) == nil)
        #expect(RankCorrelation.kendallTauB([1, 2, 3], [0, 0, 0]) == nil)
    }

    @Test func signsAreKeptAsMeasured() {
        let x: [Double] = [1, 2, 3, 4, 5], y: [Double] = [0.9, 0.8, 0.8, 0.3, 0.1]
        #expect(RankCorrelation.spearman(x, y)! < -0.9)
        #expect(RankCorrelation.kendallTauB(x, y)! < -0.9)
        #expect(RankCorrelation.spearman(x, y)! == -RankCorrelation.spearman(x.map { -$0 }, y)!)
    }
}
