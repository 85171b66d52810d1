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
/// The float32 kernel needs AVX-512F; the bfloat16 ones (B rounded to
/// bfloat16 here, A per call, float32 sums) run everywhere, on AMX tiles or
/// `vdpbf16ps` where the CPU has them (`BFloat16Kernel`). Packing
/// succeeds only for `Float` on a CPU that runs the kernel of the precision
/// asked for; elsewhere the init returns nil and callers keep BLAS (float32).
/// (Double's products serve gradient checks and stay on dgemm.)
public final class PackedMatrix<Scalar: Real>: @unchecked Sendable {
    /// B's rows: the product's inner dimension.
    public let rows: Int
    /// B's columns: the product's output columns.
    public let cols: Int
    /// What B's values are held and multiplied in.
    public let precision: Precision
    /// The instructions the bfloat16 products run on (nil in float32).
    public let bfloat16Kernel: BFloat16Kernel?
    /// The panels (float32 or bfloat16 values), 64-byte aligned, owned here
    /// and never written after init (which is what makes sharing them
    /// across threads safe).
    private let panels: UnsafeMutableRawPointer

    /// Whether this machine runs the packed float32 kernel at all.
    public static var kernelRuns: Bool { kernelRuns(.float32) }

    /// Whether this machine runs the packed kernel of `precision`.
    public static func kernelRuns(_ precision: Precision) -> Bool {
        guard Scalar.self == Float.self else { return false }
        switch precision {
        case .float32: return kernel_packed_gemm_available() != 0
        case .bfloat16: return true
        }
    }

    /// B = `matrix`, or B = its transpose when `transposed` (a PyTorch
    /// weight W, outputs x inputs, multiplies as x W^T), held in
    /// `precision`; bfloat16 products run on `kernel` (nil: the preferred
    /// one here). Nil where the kernel of that precision does not run.
    public init?(_ matrix: Matrix<Scalar>, transposed: Bool, precision: Precision = .float32, kernel: BFloat16Kernel? = nil) {
        guard Self.kernelRuns(precision) else { return nil }
        if precision == .bfloat16 {
            let chosen = kernel ?? BFloat16Kernel.preferred
            guard chosen.isAvailable else { return nil }
            bfloat16Kernel = chosen
        } else {
            bfloat16Kernel = nil
        }
        rows = transposed ? matrix.cols : matrix.rows
        cols = transposed ? matrix.rows : matrix.cols
        self.precision = precision
        let bytes = switch precision {
        case .float32: kernel_packed_size_f32(rows, cols) * MemoryLayout<Float>.stride
        case .bfloat16: kernel_packed_size_bf16(rows, cols) * MemoryLayout<UInt16>.stride
        }
        guard let memory = aligned_alloc(64, max((bytes + 63) / 64 * 64, 64)) else { return nil }
        panels = memory
        matrix.values.withUnsafeBytes { source in
            guard let base = source.baseAddress else { return }  // no values: no panels to fill
            let b = base.assumingMemoryBound(to: Float.self), ldb = matrix.cols, flag: Int32 = transposed ? 1 : 0
            switch precision {
            case .float32:
                kernel_pack_panels_f32(b, rows, cols, ldb, flag, memory.bindMemory(to: Float.self, capacity: bytes / 4))
            case .bfloat16:
                kernel_pack_panels_bf16(b, rows, cols, ldb, flag, memory.bindMemory(to: UInt16.self, capacity: bytes / 2))
            }
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
        // Scalar is Float: an instance exists only where a kernel runs.
        func float(_ pointer: UnsafePointer<Scalar>?) -> UnsafePointer<Float>? {
            pointer.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) }
        }
        let out = UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self)
        switch precision {
        case .float32:
            kernel_packed_gemm_f32(m, cols, rows, float(a), lda, panels.assumingMemoryBound(to: Float.self), float(bias),
                                   float(addend), ldd, out, ldc)
        case .bfloat16:
            kernel_packed_gemm_bf16_on(bfloat16Kernel!.rawValue, m, cols, rows, float(a), lda,
                                       panels.assumingMemoryBound(to: UInt16.self), float(bias), float(addend), ldd, out, ldc)
        }
    }
}
