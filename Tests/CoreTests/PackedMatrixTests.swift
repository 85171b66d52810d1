import Core
import Testing

/// The packed product kernel (packed_gemm.h) against float64 products, and
/// the frozen backbone's weights running on it.
@Suite(.enabled(if: PackedMatrix<Float>.kernelRuns, "the packed kernel needs AVX-512F"))
struct PackedMatrixTests {
    func random(_ count: Int, seed: UInt64) -> [Float] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in Float.random(in: -1...1, using: &random) }
    }

    /// What a product adds to A op(B).
    enum Start: CaseIterable {
        case nothing, bias, ontoC, addend, biasAndAddend
    }

    /// C = A op(B) (+ bias) (+ D) through the packed kernel, on storage with
    /// padded rows (lda = k + 3, ldc = ldd = n + 2); every element against
    /// the float64 sum, within float32 rounding of the sum of |terms|, and
    /// the padding untouched. Unless D is C, C starts as NaN: it must not be read.
    @Test(arguments: [false, true], Start.allCases)
    func productsAgreeWithFloat64OnEveryShape(transposed: Bool, start: Start) {
        for m in [1, 11, 12, 13, 25, 200] {
            for n in [1, 16, 17, 32, 33, 70] {
                for k in [0, 1, 17, 64] {
                    let lda = k + 3, ldc = n + 2
                    let a = random(m * lda, seed: UInt64(m * 1000 + n * 10 + k))
                    let bRows = transposed ? n : k, bCols = transposed ? k : n
                    let b = Matrix(rows: bRows, cols: bCols, values: random(bRows * bCols, seed: UInt64(7 + n + k)))
                    let bias = [.bias, .biasAndAddend].contains(start) ? random(n, seed: 98) : []
                    let addend = [.ontoC, .addend, .biasAndAddend].contains(start) ? random(m * ldc, seed: 99) : []
                    let initial = start == .ontoC ? addend : [Float](repeating: .nan, count: m * ldc)
                    var c = initial
                    let packed = PackedMatrix(b, transposed: transposed)!
                    #expect(packed.rows == k && packed.cols == n)
                    a.withUnsafeBufferPointer { a in
                    c.withUnsafeMutableBufferPointer { c in
                    bias.withUnsafeBufferPointer { bias in
                    addend.withUnsafeBufferPointer { addend in
                        let onto = start == .ontoC ? UnsafePointer(c.baseAddress!) : addend.isEmpty ? nil : addend.baseAddress
                        MatrixProduct.rowBlocks(m: m, a: a.baseAddress!, lda: lda, b: packed,
                                                bias: bias.isEmpty ? nil : bias.baseAddress,
                                                adding: onto, ldd: ldc, c: c.baseAddress!, ldc: ldc)
                    }
                    }
                    }
                    }
                    for row in 0..<m {
                        for col in 0..<ldc {
                            let index = row * ldc + col
                            guard col < n else {
                                #expect(c[index].bitPattern == initial[index].bitPattern, "padding written at \(row), \(col)")
                                continue
                            }
                            var exact = Double(bias.isEmpty ? 0 : bias[col]) + Double(addend.isEmpty ? 0 : addend[index]), magnitude = abs(exact)
                            for p in 0..<k {
                                let term = Double(a[row * lda + p]) * Double(transposed ? b[col, p] : b[p, col])
                                exact += term
                                magnitude += abs(term)
                            }
                            #expect(abs(Double(c[index]) - exact) <= 1e-6 * (magnitude + 1),
                                    "\(m) x \(n) x \(k), transposed \(transposed), \(start): C[\(row), \(col)] = \(c[index]), exact \(exact)")
                        }
                    }
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
