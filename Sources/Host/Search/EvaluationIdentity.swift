import Core

/// What determines an evaluation's figures, as one key: the engine version,
/// the task's digest (backbone and data content, splits, tokenisation), the
/// placement with its adapter options, the budget (steps, examples, batch,
/// learning rate, weight decay, seed, evaluation limit) and the
/// stop-gradient option. Two evaluations with the same key are the same
/// computation, so any run may reuse a stored one instead of training again.
enum EvaluationIdentity {
    /// The key, or nil when the task has no digest (a run made by 0.6.0): such
    /// evaluations are never shared between runs.
    static func key(task: TaskIdentity, placement: String, budget: String, stopsGradient: Bool) -> String? {
        guard let digest = task.digest else { return nil }
        return ContentDigest.combining([("engine", EngineVersion.current), ("task", digest), ("placement", placement),
                                        ("budget", budget), ("stop_gradient", String(stopsGradient))])
    }
}
