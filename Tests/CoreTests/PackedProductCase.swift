import Core
import Testing

/// One product C = A op(B) (+ bias) (+ D) through a packed kernel, as the
/// float32 and bfloat16 kernel tests run it: on storage with padded rows
/// (lda = k + 3, ldc = ldd = n + 2), operands drawn from fixed seeds, and C
/// starting as NaN unless D is C (so C must not be read).
struct PackedProductCase {
    /// What a product adds to A op(B).
    enum Start: CaseIterable {
        case nothing, bias, ontoC, addend, biasAndAddend
    }

    let m: Int, n: Int, k: Int
    let transposed: Bool
    let start: Start

    /// Uniform values in `range` from `seed`.
    static func random(_ count: Int, seed: UInt64, in range: ClosedRange<Float> = -1...1) -> [Float] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in Float.random(in: range, using: &random) }
    }

    /// Runs the product with B packed by `pack` (B, transposed) and calls
    /// `check` with each element of C and its operands: A's row, B's column
    /// (op applied) and the start terms (bias, D) in the order they are
    /// added. `check` returns nil when the element passes, else why it
    /// fails; padding that changed fails too. Returns the failures, each
    /// naming the shape and the element.
    func failures(pack: (Matrix<Float>, Bool) -> PackedMatrix<Float>,
                  check: (_ c: Float, _ a: [Float], _ b: [Float], _ start: [Float]) -> String?) -> [String] {
        let lda = k + 3, ldc = n + 2
        let a = Self.random(m * lda, seed: UInt64(m * 1000 + n * 10 + k))
        let bRows = transposed ? n : k, bCols = transposed ? k : n
        let b = Matrix(rows: bRows, cols: bCols, values: Self.random(bRows * bCols, seed: UInt64(7 + n + k)))
        let bias = [.bias, .biasAndAddend].contains(start) ? Self.random(n, seed: 98) : []
        let addend = [.ontoC, .addend, .biasAndAddend].contains(start) ? Self.random(m * ldc, seed: 99) : []
        let initial = start == .ontoC ? addend : [Float](repeating: .nan, count: m * ldc)
        var c = initial
        let packed = pack(b, transposed)
        #expect(packed.rows == k && packed.cols == n)
        a.withUnsafeBufferPointer { a in
        c.withUnsafeMutableBufferPointer { c in
        bias.withUnsafeBufferPointer { bias in
        addend.withUnsafeBufferPointer { addend in
            let onto = start == .ontoC ? UnsafePointer(c.baseAddress!) : addend.isEmpty ? nil : addend.baseAddress
            MatrixProduct.rowBlocks(m: m, a: a.baseAddress!, lda: lda, b: packed, bias: bias.isEmpty ? nil : bias.baseAddress,
                                    adding: onto, ldd: ldc, c: c.baseAddress!, ldc: ldc)
        }
        }
        }
        }
        let rows = (0..<m).map { Array(a[$0 * lda..<$0 * lda + k]) }
        let columns = (0..<n).map { col in (0..<k).map { transposed ? b[col, $0] : b[$0, col] } }
        var failures: [String] = []
        for row in 0..<m {
            for col in 0..<ldc {
                let index = row * ldc + col
                let failure: String?
                if col >= n {
                    failure = c[index].bitPattern == initial[index].bitPattern ? nil : "padding written"
                } else {
                    let terms = (bias.isEmpty ? [] : [bias[col]]) + (addend.isEmpty ? [] : [addend[index]])
                    failure = check(c[index], rows[row], columns[col], terms)
                }
                if let failure {
                    failures.append("\(m) x \(n) x \(k), transposed \(transposed), \(start): C[\(row), \(col)]: \(failure)")
                }
            }
        }
        return failures
    }
}
