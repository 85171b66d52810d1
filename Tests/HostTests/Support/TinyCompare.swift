import Foundation
@testable import Host

/// A `compare` on the tiny nine-class task, for the executor tests: ten
/// single edges (parallel and long-range), one probe seed, one metric.
struct TinyCompare {
    let folder: URL
    let model: String
    let data: [String]

    /// Writes the task into `folder`.
    init(in folder: URL) throws {
        self.folder = folder
        (model, data) = try TinyTextTask.write(in: folder, labels: .colourAndAnimal)
    }

    /// The store file named `name` in the folder.
    func store(_ name: String) -> String { folder.appendingPathComponent(name + ".sqlite").path }

    /// `compare` arguments writing to store `name`, `steps` steps per edge, plus `extra`.
    func arguments(store name: String, steps: Int = 10, _ extra: [String] = []) -> [String] {
        ["compare", "--metric", "gradient-norm", "--probe-seeds", "1", "--json", "--model", model, "--train-file", data[0],
         "--validation-file", data[1], "--test-file", data[2], "--store", store(name), "--probe-size", "8", "--steps", String(steps),
         "--kinds", "parallel,long-range"] + extra
    }

    /// The evaluations of the newest run of store `name`, by placement.
    func evaluations(store name: String) throws -> [String: EvaluationRecord] {
        let results = try ResultsStore(path: store(name), create: false)
        let run = try results.runs()[0].id
        return Dictionary(uniqueKeysWithValues: try results.evaluations(run: run).map { ($0.placement, $0) })
    }

    /// Whether two stores' evaluations are the same computations with the
    /// same figures, bit for bit.
    static func sameFigures(_ a: [String: EvaluationRecord], _ b: [String: EvaluationRecord]) -> Bool {
        a.count == b.count && a.allSatisfy { placement, record in
            guard let other = b[placement] else { return false }
            return record.validationAccuracy.bitPattern == other.validationAccuracy.bitPattern
                && record.validationLoss.bitPattern == other.validationLoss.bitPattern
                && record.parameters == other.parameters && record.budget == other.budget && record.cacheKey == other.cacheKey
        }
    }

    /// A comparison's JSON without its run id.
    static func withoutRun(_ json: String) throws -> Comparison {
        var comparison = try JSONDecoder().decode(Comparison.self, from: Data(json.utf8))
        comparison.run = ""
        return comparison
    }
}
