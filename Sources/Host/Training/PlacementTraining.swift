import Core
import Foundation

/// The work of `train`: one placement trained on a task under a budget,
/// validated and tested, and optionally written out.
public struct PlacementTraining {
    /// The placement in its text form (`12>0:r8,3>4:r4:gelu`, or `none` for the head alone).
    public var placement: String
    public var task: TaskSpecification
    public var budget: TrainingBudget
    /// Whether gradients stop at recurrent edges' pass-1 sources.
    public var stopGradient: Bool
    public var execution: ExecutionSettings
    /// Where adapters.safetensors and placement.json go, if anywhere.
    public var out: String?

    public init(placement: String, task: TaskSpecification, budget: TrainingBudget, stopGradient: Bool,
                execution: ExecutionSettings, out: String?) {
        self.placement = placement
        self.task = task
        self.budget = budget
        self.stopGradient = stopGradient
        self.execution = execution
        self.out = out
    }

    /// Trains, evaluates, and writes the adapters where asked.
    public func run(showsProgress: Bool) throws -> TrainResult {
        let start = Date()
        let (loadedBackbone, loaded) = try task.load()
        let backbone = loadedBackbone.with(precision: budget.precision)
        let spec = try Placement(parsing: placement, nodeCount: backbone.nodeCount)
        let progress = ProgressBar(total: budget.steps, enabled: showsProgress)
        Interruption.install(afterwards: "nothing of this training is kept")
        let run = try TrainingRun.train(spec, on: loaded, backbone: backbone, budget: budget,
                                        stopsGradientAtRecurrentSources: stopGradient, prefixes: execution.prefixCache(for: backbone),
                                        progress: progress.update, shouldStop: { Interruption.requested })
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        if let out { try TrainedPlacement(state: run.state, classes: loaded.classes).write(to: out) }
        let validation = run.validation, test = run.test!
        return TrainResult(val_acc: validation.accuracy, test_acc: test.accuracy, params: run.state.parameterCount, seconds: seconds,
                           precision: backbone.precision.rawValue, precisionSummary: backbone.precisionSummary,
                           placement: spec.description,
                           validationExamples: validation.examples, testExamples: test.examples)
    }
}

/// What `train` found; the keys are what `train --json` prints.
public struct TrainResult: Codable, Sendable {
    public var val_acc: Double
    public var test_acc: Double
    public var params: Int
    public var seconds: Double
    /// What the backbone's weight products computed in: float32 or bfloat16.
    public var precision: String
    /// The same with bfloat16's kernel, e.g. `bfloat16 (amx)` (not in the JSON).
    public var precisionSummary = ""
    /// The placement trained, in its text form (not in the JSON).
    public var placement = ""
    /// Examples evaluated (not in the JSON).
    public var validationExamples = 0
    public var testExamples = 0

    enum CodingKeys: String, CodingKey { case val_acc, test_acc, params, seconds, precision }

    /// The result for a person, one figure a line.
    public var summary: String {
        """
        placement        \(placement)
        validation acc   \(String(format: "%.4f", val_acc)) (\(validationExamples) examples)
        test acc         \(String(format: "%.4f", test_acc)) (\(testExamples) examples)
        trainable params \(params)
        precision        \(precisionSummary.isEmpty ? precision : precisionSummary)
        time             \(String(format: "%.1f", seconds)) s

        """
    }
}
