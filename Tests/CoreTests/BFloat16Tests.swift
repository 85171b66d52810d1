import Core
import Foundation
import Testing

/// The bfloat16 packed product kernel (packed_gemm.h, packed_gemm_bf16.c)
/// and the backbone, its gradients and training in bfloat16.
///
/// The error bound every product is held to: with u = 2^-8 (bfloat16 has 8
/// significant bits, so rounding to nearest moves a value by at most u of
/// itself) each operand is a(1 + e), |e| <= u, so each product of rounded
/// operands is off by at most (2u + u^2)|a b|, and it is exact in float32
/// (8 + 8 bits). The k products, the bias and D (N = k + 2 terms) are
/// summed in float32 by N - 1 rounded additions, which adds at most
/// gamma = (N - 1) 2^-24 / (1 - (N - 1) 2^-24) of the sum of the terms'
/// magnitudes. So, for each element,
///
///     |C - exact| <= (2u + u^2) sum|a b| + gamma (|bias| + |D| + (1 + 2u + u^2) sum|a b|).
///
/// Every test runs on every CPU: the portable kernel everywhere, and
/// `vdpbf16ps` and AMX where the CPU has them.
@Suite struct BFloat16Tests {
    static let u = 0x1p-8, float32Unit = 0x1p-24

    /// The bound above for k products of magnitude sum `products` and `start` = |bias| + |D|.
    static func bound(k: Int, products: Double, start: Double) -> Double {
        let additions = Double(k + 1) * float32Unit, gamma = additions / (1 - additions)
        return (2 * u + u * u) * products + gamma * (start + (1 + 2 * u + u * u) * products)
    }

    func random(_ count: Int, seed: UInt64, in range: ClosedRange<Float> = -1...1) -> [Float] {
        PackedProductCase.random(count, seed: seed, in: range)
    }

    /// C = A op(B) (+ bias) (+ D) through the bfloat16 kernel
    /// (PackedProductCase), and `check` given each element with its
    /// operands. Shapes cover partial tiles (m not a multiple of 12, across
    /// a 96-row block), partial panels (n not a multiple of 16 or 32), odd k
    /// and k across the 256-deep blocks. The first few failures are
    /// recorded (an #expect per element would dominate the time).
    func everyShape(_ kernel: BFloat16Kernel, _ check: (_ c: Float, _ a: [Float], _ b: [Float], _ start: [Float]) -> String?) {
        var failures: [String] = []
        // The start terms do not depend on how B was packed: every start untransposed, two transposed.
        let starts = PackedProductCase.Start.allCases.map { (false, $0) } + [(true, .nothing), (true, .biasAndAddend)]
        for (transposed, start) in starts {
            for m in [1, 12, 13, 97] {
                for n in [1, 16, 17, 33, 70] {
                    for k in [0, 1, 2, 17, 256, 257, 601] {
                        let product = PackedProductCase(m: m, n: n, k: k, transposed: transposed, start: start)
                        failures += product.failures(pack: { b, transposed in
                            let packed = PackedMatrix(b, transposed: transposed, precision: .bfloat16, kernel: kernel)!
                            #expect(packed.precision == .bfloat16 && packed.bfloat16Kernel == kernel)
                            return packed
                        }, check: check)
                    }
                }
            }
        }
        for failure in failures.prefix(5) { Issue.record("\(kernel): \(failure)") }
        #expect(failures.isEmpty, "\(failures.count) elements failed")
    }

    /// The kernels this CPU runs.
    static let kernels = BFloat16Kernel.allCases.filter(\.isAvailable)

    /// Every element against the float64 product of the unrounded operands,
    /// within the bound derived above, on each kernel.
    @Test(arguments: kernels) func productsAgreeWithFloat64WithinTheBFloat16Bound(kernel: BFloat16Kernel) {
        var worst = 0.0
        everyShape(kernel) { c, a, b, start in
            var exact = start.reduce(0) { $0 + Double($1) }, products = 0.0
            for index in a.indices {
                let term = Double(a[index]) * Double(b[index])
                exact += term
                products += abs(term)
            }
            let bound = Self.bound(k: a.count, products: products, start: start.reduce(0) { $0 + abs(Double($1)) })
            let error = abs(Double(c) - exact)
            if bound > 0 { worst = max(worst, error / bound) }
            return error <= bound ? nil : "\(c), exact \(exact), bound \(bound)"
        }
        #expect(worst > 0.01, "the bound is not vacuous: the worst element used \(worst) of it")
        print("bfloat16 products on \(kernel): the worst element's error was \(worst) of the bound")
    }

    /// The portable and vdpbf16ps kernels compute exactly what packed_gemm.h
    /// says: bias, then D, then per pair of k the product of the odd
    /// elements and then the even one's, each operand rounded to bfloat16,
    /// each addition rounded in float32. This pins the order vdpbf16ps sums
    /// in (Intel's pseudocode) and the layout of both operands bit for bit,
    /// and so makes the two kernels' results the same bits. (AMX sums inside
    /// its tiles in a way of its own, not the reference manual's paired IEEE
    /// sum; its products are held to the bound above and to reproducibility.)
    @Test(arguments: kernels.filter { $0 != .amx })
    func pairedKernelsComputeThePairedFloat32SumsOfRoundedOperandsBitForBit(kernel: BFloat16Kernel) {
        everyShape(kernel) { c, a, b, start in
            func rounded(_ values: [Float], _ index: Int) -> Float {
                index < values.count ? Precision.roundedToBFloat16(values[index]) : 0
            }
            var sum: Float = 0
            for term in start { sum += term }
            for pair in 0..<(a.count + 1) / 2 {
                let odd = rounded(a, 2 * pair + 1) * rounded(b, 2 * pair + 1)  // exact: 16 significant bits
                sum += odd
                let even = rounded(a, 2 * pair) * rounded(b, 2 * pair)
                sum += even
            }
            return c.bitPattern == sum.bitPattern ? nil : "\(c), the paired sum \(sum)"
        }
    }

    /// Rounding to bfloat16: to nearest, ties to even; denormals to zero;
    /// overflow to infinity; NaN stays NaN. A product with the identity
    /// rounds A's values as packing rounds B's, on each kernel.
    @Test(arguments: kernels) func roundingIsToNearestEvenAndTheSameForBothOperands(kernel: BFloat16Kernel) {
        let cases: [(Float, Float)] = [
            (1, 1), (1 + 0x1p-8, 1), (1 + 3 * 0x1p-8, 1 + 4 * 0x1p-8), (1 + 0x1p-8 + 0x1p-20, 1 + 0x1p-7), (-1.5, -1.5),
            (0x1p-130, 0), (-0x1p-130, -0.0), (Float.greatestFiniteMagnitude, .infinity), (.infinity, .infinity),
        ]
        for (value, expected) in cases {
            let rounded = Precision.roundedToBFloat16(value)
            #expect(rounded.bitPattern == expected.bitPattern, "\(value) rounds to \(rounded), not \(expected)")
        }
        #expect(Precision.roundedToBFloat16(.nan).isNaN)

        let k = 40, m = 7
        let a = random(m * k, seed: 3, in: -1000...1000)
        let identity = PackedMatrix(Matrix<Float>(rows: k, cols: k, values: (0..<k * k).map { $0 / k == $0 % k ? 1 : 0 }), transposed: false,
                                    precision: .bfloat16, kernel: kernel)!
        var c = [Float](repeating: .nan, count: m * k)
        a.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { c in
                MatrixProduct.rowBlocks(m: m, a: a.baseAddress!, lda: k, b: identity, c: c.baseAddress!, ldc: k)
            }
        }
        #expect(c == a.map(Precision.roundedToBFloat16))
        #expect(c != a, "the values were rounded")
    }

    /// The rounding of A's rows and every sum are row-local: the whole
    /// product (split over the threads, in blocks of 96 or 32 rows) equals
    /// the same rows one at a time, bit for bit, with k across several
    /// 256-deep blocks; and a second run equals the first. On each kernel.
    @Test(arguments: kernels) func splittingTheRowsChangesNoBit(kernel: BFloat16Kernel) {
        let m = 3001, n = 70, k = 601
        let a = random(m * k, seed: 1)
        let packed = PackedMatrix(Matrix(rows: k, cols: n, values: random(k * n, seed: 2)), transposed: false, precision: .bfloat16,
                                  kernel: kernel)!
        var whole = [Float](repeating: 0, count: m * n), rowByRow = whole, again = whole
        a.withUnsafeBufferPointer { a in
            whole.withUnsafeMutableBufferPointer { c in
                MatrixProduct.rowBlocks(m: m, a: a.baseAddress!, lda: k, b: packed, c: c.baseAddress!, ldc: n)
            }
            rowByRow.withUnsafeMutableBufferPointer { c in
                for row in 0..<m {
                    MatrixProduct.rowBlocks(m: 1, a: a.baseAddress! + row * k, lda: k, b: packed, c: c.baseAddress! + row * n, ldc: n)
                }
            }
            again.withUnsafeMutableBufferPointer { c in
                MatrixProduct.rowBlocks(m: m, a: a.baseAddress!, lda: k, b: packed, c: c.baseAddress!, ldc: n)
            }
        }
        #expect(whole == rowByRow && whole == again)
    }

    /// A layer packed in bfloat16 says so, and its forward and input
    /// gradient (with a residual) stay within the bound of the float32 layer's.
    @Test func aBFloat16LinearLayerStaysWithinTheBoundOfTheFloat32One() throws {
        let plain = Linear(weight: Matrix(rows: 70, cols: 45, values: random(70 * 45, seed: 3)), bias: random(70, seed: 4))
        let half = plain.packingWeight(in: .bfloat16), single = plain.packingWeight(in: .float32)
        #expect(half.precision == .bfloat16 && single.precision == .float32 && plain.precision == .float32)
        let x = Matrix(rows: 33, cols: 45, values: random(33 * 45, seed: 5))
        let dy = Matrix(rows: 33, cols: 70, values: random(33 * 70, seed: 6))
        let forward = (half.forward(x), single.forward(x)), backward = (half.backward(dy), single.backward(dy))
        for row in 0..<33 {
            for col in 0..<70 {
                let products = (0..<45).reduce(0.0) { $0 + abs(Double(x[row, $1]) * Double(plain.weight[col, $1])) }
                // Both sides' float32 rounding counts: twice gamma, on top of the bfloat16 products.
                let bound = Self.bound(k: 45, products: products, start: abs(Double(plain.bias[col])))
                    + Self.bound(k: 45, products: 0, start: products + abs(Double(plain.bias[col])))
                #expect(abs(Double(forward.0[row, col]) - Double(forward.1[row, col])) <= bound, "forward [\(row), \(col)]")
            }
            for col in 0..<45 {
                let products = (0..<70).reduce(0.0) { $0 + abs(Double(dy[row, $1]) * Double(plain.weight[$1, col])) }
                let bound = Self.bound(k: 70, products: products, start: 0) + Self.bound(k: 70, products: 0, start: products)
                #expect(abs(Double(backward.0[row, col]) - Double(backward.1[row, col])) <= bound, "backward [\(row), \(col)]")
            }
        }
        #expect(forward.0 != forward.1, "the bfloat16 layer rounds")
    }

    /// A tiny BERT: `with(precision:)` repacks every block, says so, and
    /// converts back; the same backbone is returned for its own precision.
    @Test func aBackboneChangesPrecisionAndSaysSo() throws {
        let backbone = Self.tinyBackbone()
        #expect(backbone.precision == .float32)
        let half = backbone.with(precision: .bfloat16)
        #expect(half.precision == .bfloat16)
        for block in half.blocks {
            #expect([block.qkv, block.attentionOutput, block.intermediate, block.output].allSatisfy { $0.precision == .bfloat16 })
        }
        #expect(half.with(precision: .bfloat16).blocks[0].qkv.packed!.plain === half.blocks[0].qkv.packed!.plain)
        let back = half.with(precision: .float32)
        #expect(back.precision == .float32)
        let input = Self.tinyInput()
        #expect(back.forward(input).pooled == backbone.forward(input).pooled, "float32 again computes what it did")
        #expect(half.forward(input).pooled != backbone.forward(input).pooled)
    }

    static func tinyBackbone() -> Backbone<Float> {
        var config = BackboneConfig(family: .bert, width: 32, layers: 2, heads: 2, intermediateWidth: 64)
        config.vocabularySize = 50; config.maxPositions = 16; config.typeVocabularySize = 2
        return Backbone<Float>.random(config, seed: 8)
    }

    static func tinyInput() -> BackboneInput<Float> {
        var random = SeededRandom(seed: 9)
        return .tokens(ids: (0..<24).map { _ in Int32.random(in: 1..<50, using: &random) }, types: [Int32](repeating: 0, count: 24),
                       layout: BatchLayout(examples: 3, length: 8))
    }

    /// MiniLM in bfloat16 against the committed PyTorch fixtures (float32,
    /// GoldenBackboneTests: 1e-4 at nodes, 1e-3 at gradients), with bounds
    /// for bfloat16's rounding: one product's operands are off by up to
    /// 2^-8 each, so a node's relative error is some multiples of 2^-8
    /// (0.4%) after six blocks of four products each, and the layer norms
    /// keep it from compounding. Nodes within 2e-2 (5 x 2^-8), pooled within
    /// 2e-2, loss within 1e-2 relative, node gradients within 4e-2 (10 x 2^-8).
    /// (Measured on this fixture: nodes at most 4.8e-3, pooled 4.5e-3,
    /// gradients at most 1.2e-2.)
    @Test func miniLMInBFloat16StaysNearTheReferenceAtEveryNode() throws {
        let backbone = try Backbone<Float>.load(directory: try CacheFolder.require(CacheFolder.miniLM)).with(precision: .bfloat16)
        let golden = try SafeTensorsFile(contentsOf: GoldenBackboneTests.fixtures + "/minilm_golden.safetensors")
        let shape = try #require(golden["input_ids"]).shape
        let mask = try golden.integers("attention_mask")
        let layout = BatchLayout(examples: shape[0], length: shape[1], isToken: mask.map { $0 == 1 })
        let input = BackboneInput<Float>.tokens(ids: try golden.integers("input_ids").map(Int32.init),
                                                types: try golden.integers("token_type_ids").map(Int32.init), layout: layout)
        let reference = GoldenBackboneTests()
        let pass = backbone.forward(input)
        var errors: [String] = []
        for k in 0..<backbone.nodeCount {
            let error = reference.relativeError(pass.nodes[k].values, try golden.floats("node.\(k)"))
            errors.append(String(format: "node %d %.2e", k, error))
            #expect(error < 2e-2, "node \(k): relative error \(error)")
        }
        let pooledError = reference.relativeError(pass.pooled.values, try golden.floats("pooled"))
        #expect(pooledError < 2e-2, "pooled: relative error \(pooledError)")

        let weight = try golden.floats("head.weight")
        let head = Linear(weight: Matrix(rows: weight.count / backbone.width, cols: backbone.width, values: weight),
                          bias: try golden.floats("head.bias"))
        let (loss, dLogits) = CrossEntropy.loss(head.forward(pass.pooled), labels: try golden.integers("labels"))
        let goldenLoss = Double(try golden.floats("loss")[0])
        #expect(abs(Double(loss) - goldenLoss) < 1e-2 * max(1, goldenLoss), "loss \(loss), reference \(goldenLoss)")
        let gradients = backbone.nodeGradients(pass, pooledGradient: head.backward(dLogits))
        for k in 0..<backbone.nodeCount {
            let error = reference.relativeError(gradients[k].values, try golden.floats("gradient.\(k)"))
            errors.append(String(format: "gradient %d %.2e", k, error))
            #expect(error < 4e-2, "gradient at node \(k): relative error \(error)")
        }
        print("bfloat16 MiniLM relative errors: pooled \(String(format: "%.2e", pooledError)), " + errors.joined(separator: ", "))
    }

    /// The input-gradient backward in bfloat16 against float32 on the same
    /// tiny backbone, node by node: within 2e-2 relative, and not equal
    /// where a weight product lies between the node and the loss (every
    /// node but the last, whose gradient is the pooling's alone).
    @Test func nodeGradientsInBFloat16StayNearFloat32() throws {
        let single = Self.tinyBackbone(), half = single.with(precision: .bfloat16)
        let input = Self.tinyInput()
        let seed = Matrix<Float>(rows: 3, cols: 32, values: random(3 * 32, seed: 10))
        let exact = single.nodeGradients(single.forward(input), pooledGradient: seed)
        let rounded = half.nodeGradients(half.forward(input), pooledGradient: seed)
        let reference = GoldenBackboneTests()
        for (node, (a, b)) in zip(rounded, exact).enumerated() {
            let error = reference.relativeError(a.values, b.values)
            #expect(error < 2e-2 && (error > 0) == (node < single.nodeCount - 1), "node \(node): relative error \(error)")
        }
    }

    /// A tiny task the tiny BERT can learn: is token 5 in the sentence?
    struct TokenFiveTask: ClassificationTask {
        let classes = ["no", "yes"]
        let sentences: [[Int32]]

        init(seed: UInt64) {
            var random = SeededRandom(seed: seed)
            sentences = (0..<96).map { _ in (0..<6).map { _ in Int32.random(in: 1..<12, using: &random) } }
        }

        func count(_ split: Split) -> Int { split == .train ? 64 : 16 }

        func batch(_ split: Split, _ indices: [Int]) -> LabelledBatch<Float> {
            let offset = split == .train ? 0 : split == .validation ? 64 : 80
            let chosen = indices.map { sentences[offset + $0] }
            return LabelledBatch(input: .tokens(ids: chosen.flatMap { $0 }, types: [Int32](repeating: 0, count: 6 * chosen.count),
                                                layout: BatchLayout(examples: chosen.count, length: 6)),
                                 labels: chosen.map { $0.contains(5) ? 1 : 0 }, keys: indices.map { offset + $0 })
        }
    }

    /// A training run in bfloat16 under one seed, twice: bit-identical
    /// adapters, head and figures, with and without the prefix cache; the
    /// float32 run of the same seed differs (the precision was used).
    @Test func aBFloat16TrainingRunIsBitIdenticalUnderItsSeed() throws {
        var config = BackboneConfig(family: .bert, width: 16, layers: 2, heads: 2, intermediateWidth: 32)
        config.vocabularySize = 12; config.maxPositions = 16; config.typeVocabularySize = 2
        let backbone = Backbone<Float>.random(config, seed: 11), task = TokenFiveTask(seed: 1)
        let placement = try Placement(parsing: "1>2:r4,4>1:r2:gelu", nodeCount: 5)
        let budget = TrainingBudget(steps: 12, batchSize: 16, learningRate: 1e-2, seed: 7, precision: .bfloat16)
        func run(cached: Bool, precision: Precision = .bfloat16) throws -> TrainingRun {
            var budget = budget
            budget.precision = precision
            let prefixes = cached ? PrefixCache(backbone: backbone.with(precision: precision)) : nil
            return try TrainingRun.train(placement, on: task, backbone: backbone, budget: budget, prefixes: prefixes)
        }
        func parameters(_ run: TrainingRun) -> [Float] {
            run.state.head.weight.values + run.state.graph.adapters.flatMap { $0.up.weight.values + $0.down.weight.values }
        }
        let first = try run(cached: false), second = try run(cached: false)
        #expect(parameters(first) == parameters(second))
        #expect(first.validation == second.validation && first.test == second.test)
        let cached = try run(cached: true), cachedAgain = try run(cached: true)
        #expect(parameters(cached) == parameters(cachedAgain) && cached.validation == cachedAgain.validation)
        let single = try run(cached: false, precision: .float32)
        #expect(parameters(single) != parameters(first), "bfloat16 computed something float32 did not")
    }

    /// A budget says its precision, and one stored before precisions reads as float32.
    @Test func aBudgetWithoutAPrecisionIsFloat32() throws {
        let old = #"{"steps":3,"batchSize":4,"learningRate":0.01,"weightDecay":0,"seed":2}"#
        let budget = try JSONDecoder().decode(TrainingBudget.self, from: Data(old.utf8))
        #expect(budget == TrainingBudget(steps: 3, batchSize: 4, learningRate: 0.01, weightDecay: 0, seed: 2))
        #expect(budget.precision == .float32)
        let half = TrainingBudget(precision: .bfloat16)
        #expect(try JSONDecoder().decode(TrainingBudget.self, from: JSONEncoder().encode(half)) == half)
    }
}
