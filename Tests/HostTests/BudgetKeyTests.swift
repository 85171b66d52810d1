import Core
import Foundation
@testable import Host
import Testing

/// The precision and the batch order in what the store keeps: evaluations of
/// two settings never share a key, float32 shuffled keys are those of stores
/// made before either setting, and a run's configuration carries both to
/// workers.
@Suite struct BudgetKeyTests {
    @Test func bfloat16EvaluationsHaveTheirOwnBudgetKey() {
        let single = TrainingBudget(steps: 300, seed: 2), half = TrainingBudget(steps: 300, seed: 2, precision: .bfloat16)
        #expect(PlacementEvaluator.key(single, examples: 0) == "steps=300,examples=0,batch=32,lr=0.001,wd=0.0001,seed=2,eval=all")
        #expect(PlacementEvaluator.key(half, examples: 0)
            == "steps=300,examples=0,batch=32,lr=0.001,wd=0.0001,seed=2,eval=all,precision=bfloat16")
        let task = TaskIdentity(model: "m", data: "d", digest: "x")
        let keys = [single, half].map {
            EvaluationIdentity.key(task: task, placement: "3>4:r8", budget: PlacementEvaluator.key($0, examples: 0), stopsGradient: false)
        }
        #expect(keys[0] != nil && keys[0] != keys[1])
    }

    @Test func aRunConfigurationKeepsItsPrecision() throws {
        let configuration = RunConfiguration(command: .compare, task: TaskSpecification(), taskIdentity: .unrecorded,
                                             budget: TrainingBudget(precision: .bfloat16), compare: CompareSettings())
        let json = try configuration.json()
        #expect(json.contains(#""precision":"bfloat16""#), "\(json)")
        #expect(try RunConfiguration(json: json, run: "r").budget.precision == .bfloat16)
        let older = try RunConfiguration(command: .compare, task: TaskSpecification(), taskIdentity: .unrecorded, compare: CompareSettings())
            .json().replacingOccurrences(of: #","precision":"float32""#, with: "")
        #expect(!older.contains("precision"))
        #expect(try RunConfiguration(json: older, run: "r").budget.precision == .float32, "a configuration from before precisions")
    }

    @Test func aLengthGroupedOrderHasItsOwnBudgetKeyAndTravelsWithTheRun() throws {
        let grouped = TrainingBudget(steps: 300, seed: 2, precision: .bfloat16, batchOrder: .lengthGrouped(window: 16))
        #expect(PlacementEvaluator.key(grouped, examples: 0)
            == "steps=300,examples=0,batch=32,lr=0.001,wd=0.0001,seed=2,eval=all,precision=bfloat16,order=length-grouped:16")
        let configuration = RunConfiguration(command: .compare, task: TaskSpecification(), taskIdentity: .unrecorded,
                                             budget: grouped, compare: CompareSettings())
        let json = try configuration.json()
        #expect(json.contains(#""batch_order":"length-grouped:16""#), "\(json)")
        #expect(try RunConfiguration(json: json, run: "r").budget.batchOrder == .lengthGrouped(window: 16))
        let older = try RunConfiguration(command: .compare, task: TaskSpecification(), taskIdentity: .unrecorded, compare: CompareSettings())
            .json().replacingOccurrences(of: #","batch_order":"shuffled""#, with: "").replacingOccurrences(of: #""batch_order":"shuffled","#, with: "")
        #expect(!older.contains("batch_order"))
        #expect(try RunConfiguration(json: older, run: "r").budget.batchOrder == .shuffled, "a configuration from before batch orders")
    }
}
