import Core
import Foundation

/// Evaluations per hour in this process (the serial executor, every core)
/// against `local:N` workers (the cores split between them), on the same
/// placements in one run, with the figures checked to be identical.
///
/// The placements are `edges` single edges spread over the candidates of
/// every kind; each executor trains all of them into its own run of a
/// temporary store, with the evaluation cache off. Times include what each
/// executor pays: the workers load the backbone and the task themselves.
public struct ExecutorBenchmark: Codable, Sendable {
    public var edges: Int
    public var steps: Int
    public var workers: Int
    public var serial_s: Double
    public var local_s: Double
    public var serial_per_hour: Double
    public var local_per_hour: Double
    /// Local evaluations per hour over serial ones.
    public var ratio: Double
    /// Whether both executors gave the same accuracies and losses, bit for bit.
    public var identical: Bool

    /// Trains `edges` single edges of `task` under `budget` serially, then with `workers` local workers.
    public static func measure(task: TaskSpecification, budget: TrainingBudget, edges: Int, workers: Int,
                               log: @escaping (String) -> Void) throws -> ExecutorBenchmark {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-search-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ResultsStore(path: folder.appendingPathComponent("results.sqlite").path)
        let configuration = RunConfiguration(command: .compare, task: task, taskIdentity: try TaskIdentity(of: task), budget: budget,
                                             execution: ExecutionSettings(reusesEvaluations: false), compare: CompareSettings())
        let (backbone, loaded) = try task.load()
        let evaluator = try PlacementEvaluator(configuration, backbone: backbone, task: loaded)
        let candidates = configuration.space.candidates(nodeCount: backbone.nodeCount)
        let count = min(edges, candidates.count)
        let units = (0..<count).map { index in
            WorkUnit(placement: Placement(edges: [candidates[index * candidates.count / count]], options: evaluator.adapter).description,
                     steps: budget.steps, examples: 0)
        }
        func timed(_ execution: (String) -> any UnitExecution) throws -> (seconds: Double, records: [EvaluationRecord]) {
            let run = try StoredRun.create(configuration, commandLine: "adapter-search bench executor", in: store)
            let start = Date()
            try execution(run.id).make(units)
            return (Date().timeIntervalSince(start), try store.evaluations(run: run.id))
        }
        log("serial: \(count) placements, \(budget.steps) steps each, \(Parallel.threadCount) threads")
        let serial = try timed { SerialExecution(evaluator: evaluator, store: store, run: $0, report: log) }
        log("local:\(workers): the same placements")
        let local = try timed {
            BatchCoordinator(store: store, run: $0, launcher: LocalLauncher(workers: workers), unitsPerTask: nil, retries: 0,
                             budgetKey: evaluator.budgetKey, report: log)
        }
        let figures = { (records: [EvaluationRecord]) in
            Dictionary(uniqueKeysWithValues: records.map { ($0.placement, [$0.validationAccuracy.bitPattern, $0.validationLoss.bitPattern]) })
        }
        let serialRate = Double(count) * 3600 / serial.seconds
        let localRate = Double(count) * 3600 / local.seconds
        return ExecutorBenchmark(edges: count, steps: budget.steps, workers: workers, serial_s: serial.seconds, local_s: local.seconds,
                                 serial_per_hour: serialRate, local_per_hour: localRate, ratio: localRate / serialRate,
                                 identical: figures(serial.records) == figures(local.records))
    }
}
