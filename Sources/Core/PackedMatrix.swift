import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// The right-hand operand B of products C = A B, laid out once in the
/// panels the packed product kernel reads (packed_gemm.h).
///
/// A general sgemm copies both operands into its own layout on every call;
/// for the backbone's fixed weights that copying is repeated work, about a
/// tenth of a pass at MiniLM's widths. A packed weight is copied once, at
/// load, and every product reads the activations in place.
///
/// The kernel is float32 AVX-512, so packing succeeds only for `Float` on a
/// CPU that has AVX-512F; elsewhere the init returns nil and callers keep
/// BLAS. (Double's products serve gradient checks and stay on dgemm.)
public final class PackedMatrix<Scalar: Real>: @unchecked Sendable {
    /// B's rows: the product's inner dimension.
    public let rows: Int
    /// B's columns: the product's output columns.
    public let cols: Int
    /// The panels, 64-byte aligned, owned here and never written after init
    /// (which is what makes sharing them across threads safe).
    private let panels: UnsafeMutablePointer<Float>

    /// Whether this machine runs the packed kernel at all.
    public static var kernelRuns: Bool { Scalar.self == Float.self && kernel_packed_gemm_available() != 0 }

    /// B = `matrix`, or B = its transpose when `transposed` (a PyTorch
    /// weight W, outputs x inputs, multiplies as x W^T). Nil where the
    /// kernel does not run.
    public init?(_ matrix: Matrix<Scalar>, transposed: Bool) {
        guard Self.kernelRuns else { return nil }
        rows = transposed ? matrix.cols : matrix.rows
        cols = transposed ? matrix.rows : matrix.cols
        let count = max(kernel_packed_size_f32(rows, cols), 1)
        guard let memory = aligned_alloc(64, (count * MemoryLayout<Float>.stride + 63) / 64 * 64) else { return nil }
        panels = memory.bindMemory(to: Float.self, capacity: count)
        matrix.values.withUnsafeBytes { source in
            guard let base = source.baseAddress else { return }  // no values: no panels to fill
            kernel_pack_panels_f32(base.assumingMemoryBound(to: Float.self), rows, cols, matrix.cols, transposed ? 1 : 0,
                                   panels)
        }
    }

    deinit { free(panels) }

    /// C = A B (+ bias) (+ D) on raw row-major storage: A is `m` x `rows`
    /// (row stride `lda`), C and D are `m` x `cols` (row strides `ldc` and
    /// `ldd`), `bias` holds `cols` values added to every row. D may be C
    /// itself; otherwise C is written without being read.
    @usableFromInline
    func multiply(m: Int, a: UnsafePointer<Scalar>, lda: Int, bias: UnsafePointer<Scalar>?,
                  adding addend: UnsafePointer<Scalar>?, ldd: Int, c: UnsafeMutablePointer<Scalar>, ldc: Int) {
        // Scalar is Float: an instance exists only where kernelRuns.
        func float(_ pointer: UnsafePointer<Scalar>?) -> UnsafePointer<Float>? {
            pointer.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) }
        }
        kernel_packed_gemm_f32(m, cols, rows, float(a), lda, panels, float(bias), float(addend), ldd,
                               UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc)
    }
}
