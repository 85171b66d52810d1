import CAdapterSearch
import Core

/// What a probe measured (the host side of `asp_probe_info`).
struct ProbeSummary: Equatable, Sendable {
    var width: Int
    var tokens: Int
    var examples: Int
    var classes: Int
    var loss: Double
}

/// An extra pass a metric asks for (the host side of `asp_pass_request`).
struct PassRequest: Sendable {
    enum Input: Int32, Sendable { case data = 0, ones = 1 }
    enum Weights: Int32, Sendable { case asIs = 0, absolute = 1 }
    enum Loss: Int32, Sendable { case crossEntropy = 0, sumOfOutputs = 1 }

    var batchSeed: UInt64
    var examples: Int
    var input: Input
    var weights: Weights
    var loss: Loss
    var perturbations: [(edge: Edge, map: Matrix<Float>)]
}

/// The probe data metrics read (METHOD.md section 4). The engine serves it
/// from real passes; anything that can produce G_ij can serve it.
protocol ProbeProvider: AnyObject {
    /// What probe `probe` measured.
    func info(probe: Int) throws -> ProbeSummary
    /// H_k, tokens x width.
    func activations(probe: Int, node: Int) throws -> Matrix<Float>
    /// D_k = dL/dh_k, tokens x width.
    func gradients(probe: Int, node: Int) throws -> Matrix<Float>
    /// G_ij = H_i^T D_j, width x width.
    func edgeGradient(probe: Int, edge: Edge) throws -> Matrix<Float>
    /// Singular values of G_ij, descending, float64.
    func singularValues(probe: Int, edge: Edge) throws -> [Double]
    /// Singular values of G_ij above relativeTolerance * sigma_max.
    func rank(probe: Int, edge: Edge, relativeTolerance: Double) throws -> Int
    /// A seeded non-zero adapter init: W_down (rank x width), W_up (width x rank).
    func adapterInit(edge: Edge, rank: Int) throws -> (down: Matrix<Float>, up: Matrix<Float>)
    /// Runs an extra pass and returns the new probe's number.
    func runPass(_ request: PassRequest) throws -> Int
}

extension ProbeProvider {
    /// Singular values from the edge gradient, by LAPACK.
    func singularValues(probe: Int, edge: Edge) throws -> [Double] {
        try edgeGradient(probe: probe, edge: edge).singularValues()
    }

    /// The rank read off the singular values.
    func rank(probe: Int, edge: Edge, relativeTolerance: Double) throws -> Int {
        Spectrum.rank(singularValues: try singularValues(probe: probe, edge: edge),
                      relativeTolerance: relativeTolerance)
    }
}

/// A training budget (the host side of `asp_budget`); 0 means the run's default.
struct Budget: Hashable, Sendable {
    var steps: Int = 0
    var examples: Int = 0
}

/// The outcome of training one placement.
struct EvaluationResult: Equatable, Sendable {
    /// Validation accuracy; NaN when the training diverged.
    var accuracy: Double
    var loss: Double
    var parameters: Int
    var seconds: Double
    /// True when the training diverged: the placement has no accuracy.
    var diverged = false
}

extension EvaluationResult {
    /// The result a stored evaluation records.
    init(_ record: EvaluationRecord) {
        self.init(accuracy: record.validationAccuracy, loss: record.validationLoss, parameters: record.parameters,
                  seconds: record.seconds, diverged: record.failure != nil)
    }
}

/// How a gated training runs (the host side of `asp_gated_budget`):
/// steps and learning rate 0 take the run's.
struct GatedRequest: Hashable, Sendable {
    var steps: Int = 0
    var learningRate: Double = 0
    var gateLearningRate: Double = 0.05
    var sparsity: Double = 0.2
    var initialTemperature: Double = 1
    var finalTemperature: Double = 0.1
    var initialLogit: Double = 1

    /// Throws `ASP_ERR_INVALID_ARGUMENT` naming the first field out of range.
    func check() throws {
        let problem: String? = if steps < 0 { "steps must be ≥ 0" }
            else if !(learningRate >= 0 && learningRate.isFinite) { "learning_rate must be finite and ≥ 0" }
            else if !(gateLearningRate > 0 && gateLearningRate.isFinite) { "gate_learning_rate must be finite and > 0" }
            else if !(sparsity >= 0 && sparsity.isFinite) { "sparsity must be finite and ≥ 0" }
            else if !(initialTemperature > 0 && initialTemperature.isFinite && finalTemperature > 0 && finalTemperature.isFinite) {
                "the temperatures must be finite and > 0"
            } else if !initialLogit.isFinite { "initial_logit must be finite" } else { nil }
        if let problem { throw ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: "gated budget: \(problem)") }
    }
}

/// The outcome of a gated training: each candidate's final gate
/// probability, and the gated model's validation figures.
struct GatedResult: Equatable, Sendable {
    /// σ(α) per candidate, in the order asked; NaN when the training diverged.
    var probabilities: [Double]
    var accuracy: Double
    var loss: Double
    var seconds: Double
    var diverged = false
}

/// Scores and training that strategies ask for.
protocol SearchProvider: AnyObject {
    /// Scores of `edges` by metric `metric`, and its direction (+1 or -1).
    func scores(metric: String, edges: [Edge]) throws -> (scores: [Double], direction: Int32)
    /// Trains and validates each placement under `budget`.
    func evaluate(_ placements: [[Edge]], budget: Budget) throws -> [EvaluationResult]
    /// Trains adapters on `edges` together behind learned gates (`asp.gated/1`).
    func trainGated(_ edges: [Edge], budget: GatedRequest) throws -> GatedResult
}

/// Durable strategy state, by plugin id.
protocol CheckpointStore: AnyObject {
    /// Stores the state of plugin `plugin`, replacing earlier state.
    func save(plugin: String, state: [UInt8]) throws
    /// The state stored last for plugin `plugin`, or nil.
    func load(plugin: String) throws -> [UInt8]?
}

/// An error of the engine or host, as a plugin's service call sees it.
struct ServiceError: Error, CustomStringConvertible {
    /// The ABI status the service returns.
    var status: Int32
    var description: String
}

extension ServiceError {
    /// What a service call that threw `error` returns: a `ServiceError` as
    /// it is, any other error as `ASP_ERR_ENGINE` with its description.
    init(_ error: any Error) {
        self = error as? ServiceError ?? ServiceError(status: ASP_ERR_ENGINE, description: String(describing: error))
    }
}

/// Everything a plugin instance is offered: the graph, the engine's
/// services, and where its log lines, progress and stop requests go.
struct PluginEnvironment {
    /// The run's seed; each instance's random stream derives from it.
    var seed: UInt64 = 0
    /// Residual nodes n = 2L + 1.
    var nodeCount: Int
    /// The edges this run searches over.
    var candidates: [Edge]
    var probe: ProbeProvider? = nil
    var search: SearchProvider? = nil
    var checkpoints: CheckpointStore? = nil
    /// Where a strategy's findings about its selection go (`asp.findings/1`); nil offers none.
    var findings: FindingsSink? = nil
    /// Receives (plugin id, level, message); prints from `PluginLogLevel.current` on.
    var log: @Sendable (String, Int32, String) -> Void = { id, level, message in
        if PluginLogLevel.prints(level) { printError("\(id): \(message)") }
    }
    /// Receives (plugin id, fraction, message).
    var progress: @Sendable (String, Double, String) -> Void = { _, _, _ in }
    /// True once the user asked to stop.
    var shouldStop: @Sendable () -> Bool = { false }
}

extension PluginEnvironment {
    /// The probe, or the `ASP_ERR_UNSUPPORTED` error a plugin's probe call gets when the run has none.
    func requireProbe() throws -> ProbeProvider {
        guard let probe else { throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "this run has no probe") }
        return probe
    }

    /// The search services, or the `ASP_ERR_UNSUPPORTED` error a plugin's search call gets when there are none.
    func requireSearch() throws -> SearchProvider {
        guard let search else { throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "this run offers no search services") }
        return search
    }

    /// The findings sink, or the `ASP_ERR_UNSUPPORTED` error a plugin's findings call gets when there is none.
    func requireFindings() throws -> FindingsSink {
        guard let findings else { throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "this run takes no findings") }
        return findings
    }

    /// The checkpoint store, or the `ASP_ERR_UNSUPPORTED` error a plugin's checkpoint call gets when there is none.
    func requireCheckpoints() throws -> CheckpointStore {
        guard let checkpoints else { throw ServiceError(status: ASP_ERR_UNSUPPORTED, description: "this run offers no checkpointing") }
        return checkpoints
    }
}
