import Foundation

/// One placement trained and evaluated under one budget within a run
/// (METHOD.md section 7). A run never evaluates the same (placement,
/// budget) twice: the store refuses a second one.
public struct EvaluationRecord: Equatable, Sendable {
    /// The run's id.
    public var run: String
    /// The placement's canonical text form (`3>4:r8,12>0:r8`; `none`).
    public var placement: String
    /// The budget's canonical text key (e.g. `steps=300,examples=0`).
    public var budget: String
    public var validationAccuracy: Double
    public var validationLoss: Double
    /// Test accuracy, when the run measured it (strategies choose on validation only).
    public var testAccuracy: Double?
    /// Trainable parameters (adapters and head).
    public var parameters: Int
    /// Training and evaluation time.
    public var seconds: Double
    public var createdAt: Date
    /// Why the placement has no accuracy (its training diverged), or nil;
    /// the accuracies and loss are NaN then.
    public var failure: String?
    /// What determines the figures (`EvaluationIdentity`), when known: other
    /// runs reuse the evaluation under the same key.
    public var cacheKey: String?
    /// The run this evaluation was copied from, when it came from the cache.
    public var cachedFrom: String?

    /// A record; `createdAt` defaults to now.
    public init(run: String, placement: String, budget: String, validationAccuracy: Double, validationLoss: Double,
         testAccuracy: Double? = nil, parameters: Int, seconds: Double, createdAt: Date = Date(), failure: String? = nil,
         cacheKey: String? = nil, cachedFrom: String? = nil) {
        self.run = run
        self.placement = placement
        self.budget = budget
        self.validationAccuracy = validationAccuracy
        self.validationLoss = validationLoss
        self.testAccuracy = testAccuracy
        self.parameters = parameters
        self.seconds = seconds
        self.createdAt = createdAt
        self.failure = failure
        self.cacheKey = cacheKey
        self.cachedFrom = cachedFrom
    }

    /// A placement whose training diverged: recorded with its reason, never with an accuracy.
    public static func diverged(run: String, placement: String, budget: String, parameters: Int, seconds: Double,
                                reason: String) -> EvaluationRecord {
        EvaluationRecord(run: run, placement: placement, budget: budget, validationAccuracy: .nan, validationLoss: .nan,
                         parameters: parameters, seconds: seconds, failure: reason)
    }

    /// The number of edges in the placement: 0 for `none`, else one per
    /// comma-separated entry (options never contain commas).
    public var edgeCount: Int {
        let text = placement.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text != "none" else { return 0 }
        return text.split(separator: ",").count
    }
}
