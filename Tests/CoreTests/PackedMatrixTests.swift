import Core
import Testing

/// The packed product kernel (packed_gemm.h) against float64 products, and
/// the frozen backbone's weights running on it.
@Suite(.enabled(if: PackedMatrix<Float>.kernelRuns, "the packed kernel needs AVX-512F"))
struct PackedMatrixTests {
    func random(_ count: Int, seed: UInt64) -> [Float] {
        PackedProductCase.random(count, seed: seed)
    }

    /// C = A op(B) (+ bias) (+ D) through the packed kernel
    /// (PackedProductCase): every element against the float64 sum, within
    /// float32 rounding of the sum of |terms|, and the padding untouched.
    @Test(arguments: [false, true], PackedProductCase.Start.allCases)
    func productsAgreeWithFloat64OnEveryShape(transposed: Bool, start: PackedProductCase.Start) {
        for m in [1, 11, 12, 13, 25, 200] {
            for n in [1, 16, 17, 32, 33, 70] {
                for k in [0, 1, 17, 64] {
                    let product = PackedProductCase(m: m, n: n, k: k, transposed: transposed, start: start)
                    let failures = product.failures(pack: { PackedMatrix($0, transposed: $1)! }) { c, a, b, start in
                        var exact = start.reduce(0) { $0 + Double($1) }, magnitude = start.reduce(0) { $0 + abs(Double($1)) }
                        for (x, y) in zip(a, b) {
                            exact += Double(x) * Double(y)
                            magnitude += abs(Double(x) * Double(y))
                        }
                        return abs(Double(c) - exact) <= 1e-6 * (magnitude + 1) ? nil : "\(c), exact \(exact)"
                    }
                    #expect(failures.isEmpty, "\(failures.count) elements failed, first: \(failures.prefix(3))")
                }
            }
        }
    }

    /// Each element is its k products summed in order, whatever the rows
    /// around it: the whole product (split over the threads) equals the same
    /// rows one at a time, bit for bit.
    @Test func splittingTheRowsChangesNoBit() {
        let m = 4096, n = 64, k = 64
        let a = random(m * k, seed: 1)
        let packed = PackedMatrix(Matrix(rows: k, cols: n, values: random(k * n, seed: 2)), transposed: false)!
        var whole = [Float](repeating: 0, count: m * n), rowByRow = whole
        a.withUnsafeBufferPointer { a in
            whole.withUnsafeMutableBufferPointer { c in
                MatrixProduct.rowBlocks(m: m, a: a.baseAddress!, lda: k, b: packed, c: c.baseAddress!, ldc: n)
            }
            rowByRow.withUnsafeMutableBufferPointer { c in
                for row in 0..<m {
                    MatrixProduct.rowBlocks(m: 1, a: a.baseAddress! + row * k, lda: k, b: packed,
                                            c: c.baseAddress! + row * n, ldc: n)
                }
            }
        }
        #expect(whole == rowByRow)
    }

    /// A linear layer computes the same forward and input gradient (with
    /// and without a residual) with its weight packed or not; changing the
    /// weight drops the packing, and the products follow the new weight.
    @Test func aPackedLinearLayerComputesWhatTheBLASOneDoes() {
        let plain = Linear(weight: Matrix(rows: 70, cols: 45, values: random(70 * 45, seed: 3)), bias: random(70, seed: 4))
        var packed = plain.packingWeight()
        #expect(plain.packed == nil && packed.packed != nil)
        let x = Matrix(rows: 33, cols: 45, values: random(33 * 45, seed: 5))
        let dy = Matrix(rows: 33, cols: 70, values: random(33 * 70, seed: 6))
        expectClose(packed.forward(x), plain.forward(x))
        expectClose(packed.backward(dy), plain.backward(dy))
        let residual = Matrix(rows: 33, cols: 45, values: random(33 * 45, seed: 7))
        func backward(_ layer: Linear<Float>) -> Matrix<Float> {
            dy.values.withUnsafeBufferPointer { g in
            residual.values.withUnsafeBufferPointer { r in
                Matrix(rows: 33, cols: 45) { dx in layer.backward(rows: 33, dy: g.baseAddress!, into: dx.baseAddress!, adding: r.baseAddress!) }
            }
            }
        }
        expectClose(backward(packed), backward(plain))

        packed.weight[0, 0] += 1
        #expect(packed.packed == nil)
        var changed = plain
        changed.weight[0, 0] += 1
        #expect(packed.forward(x) == changed.forward(x))
    }

    /// Backbones pack their blocks' weights when built, and a pass agrees
    /// with the same backbone on BLAS at every node.
    @Test func aBackboneRunsOnPackedWeightsAndAgreesWithBLAS() {
        var config = BackboneConfig(family: .bert, width: 32, layers: 2, heads: 2, intermediateWidth: 64)
        config.vocabularySize = 50; config.maxPositions = 16; config.typeVocabularySize = 2
        let backbone = Backbone<Float>.random(config, seed: 8)
        for block in backbone.blocks {
            #expect([block.qkv, block.attentionOutput, block.intermediate, block.output].allSatisfy { $0.packed != nil })
        }
        var onBLAS = backbone
        for index in onBLAS.blocks.indices {
            onBLAS.blocks[index].qkv.weight = backbone.blocks[index].qkv.weight
            onBLAS.blocks[index].attentionOutput.weight = backbone.blocks[index].attentionOutput.weight
            onBLAS.blocks[index].intermediate.weight = backbone.blocks[index].intermediate.weight
            onBLAS.blocks[index].output.weight = backbone.blocks[index].output.weight
            #expect(onBLAS.blocks[index].qkv.packed == nil)
        }
        let layout = BatchLayout(examples: 3, length: 8)
        var random = SeededRandom(seed: 9)
        let input = BackboneInput<Float>.tokens(ids: (0..<24).map { _ in Int32.random(in: 1..<50, using: &random) },
                                                types: [Int32](repeating: 0, count: 24), layout: layout)
        let (packedPass, blasPass) = (backbone.forward(input), onBLAS.forward(input))
        for (node, (a, b)) in zip(packedPass.nodes, blasPass.nodes).enumerated() {
            expectClose(a, b, "node \(node)")
        }
    }

    func expectClose(_ a: Matrix<Float>, _ b: Matrix<Float>, _ what: String = "", tolerance: Float = 1e-5) {
        #expect(a.shape == b.shape)
        let worst = zip(a.values, b.values).map { abs($0 - $1) / (1 + abs($1)) }.max() ?? 0
        #expect(worst <= tolerance, "\(what): largest relative difference \(worst)")
    }
}
