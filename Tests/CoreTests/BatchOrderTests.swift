import Core
import Testing

/// A training split whose examples have sizes 1 … 23 in a scattered pattern.
struct SizedExamples: ClassificationTask {
    var total: Int
    var classes: [String] { ["a", "b"] }
    func count(_ split: Split) -> Int { split == .train ? total : 0 }
    func batch(_ split: Split, _ indices: [Int]) -> LabelledBatch<Float> {
        LabelledBatch(input: .images(pixels: [], count: indices.count), labels: indices.map { $0 % 2 }, keys: indices)
    }
    func size(of index: Int, in split: Split) -> Int { (index * 7919) % 23 + 1 }
}

@Suite struct BatchOrderTests {
    let task = SizedExamples(total: 1000)

    @Test func shuffledIsTheEpochsSeededShuffleCutInOrder() {
        var random = SeededRandom(seed: 5, stream: "epoch 1")
        let epoch = Array(0..<1000).shuffled(using: &random)
        // 1000 / 32 = 31 batches an epoch: step 33 is the third batch of epoch 1.
        #expect(BatchOrder.shuffled.indices(step: 33, size: 32, seed: 5, of: task) == Array(epoch[64..<96]))
        #expect(task.trainingBatch(step: 33, size: 32, seed: 5).keys == Array(epoch[64..<96]))
    }

    @Test(arguments: [1, 4, 32, 100])
    func lengthGroupedVisitsTheSameExamplesEachEpochOnce(window: Int) {
        let order = BatchOrder.lengthGrouped(window: window)
        for epoch in 0..<2 {
            let steps = (epoch * 31)..<((epoch + 1) * 31)
            let grouped = steps.map { order.indices(step: $0, size: 32, seed: 9, of: task) }
            let shuffled = steps.map { BatchOrder.shuffled.indices(step: $0, size: 32, seed: 9, of: task) }
            #expect(grouped.allSatisfy { $0.count == 32 })
            #expect(grouped.flatMap { $0 }.sorted() == shuffled.flatMap { $0 }.sorted())
        }
    }

    @Test func lengthGroupedBatchesPadLessAndAreReproducible() {
        func padded(_ order: BatchOrder) -> Int {
            (0..<31).map { step in order.indices(step: step, size: 32, seed: 3, of: task).map { task.size(of: $0, in: .train) }.max()! * 32 }
                .reduce(0, +)
        }
        let grouped = BatchOrder.lengthGrouped(window: 8)
        #expect(padded(grouped) < padded(.shuffled) * 2 / 3)
        #expect((0..<40).map { grouped.indices(step: $0, size: 32, seed: 3, of: task) }
                == (0..<40).map { grouped.indices(step: $0, size: 32, seed: 3, of: task) })
        #expect(grouped.indices(step: 0, size: 32, seed: 3, of: task) != grouped.indices(step: 0, size: 32, seed: 4, of: task))
        // within a window the batches are visited in a seeded order, not shortest first
        let firstWindow = (0..<8).map { grouped.indices(step: $0, size: 32, seed: 3, of: task).map { task.size(of: $0, in: .train) }.max()! }
        #expect(firstWindow != firstWindow.sorted())
    }

    @Test func aSplitSmallerThanABatchIsOneBatch() {
        let small = SizedExamples(total: 5)
        #expect(BatchOrder.lengthGrouped(window: 4).indices(step: 3, size: 32, seed: 0, of: small).sorted() == [0, 1, 2, 3, 4])
    }

    @Test func namesReadBackAndBadNamesAreRefused() {
        #expect(BatchOrder("shuffled") == .shuffled)
        #expect(BatchOrder("length-grouped") == .lengthGrouped(window: BatchOrder.defaultWindow))
        #expect(BatchOrder("length-grouped:7") == .lengthGrouped(window: 7))
        #expect(BatchOrder(BatchOrder.lengthGrouped(window: 7).name) == .lengthGrouped(window: 7))
        for bad in ["", "sorted", "length-grouped:0", "length-grouped:-1", "length-grouped:x", "shuffled:3"] {
            #expect(BatchOrder(bad) == nil, "\(bad)")
        }
    }
}
