import CKernels

/// The number format of the frozen backbone's weight products (the four
/// projections of every block, forward and the input-gradient backward).
/// Everything else is float32 whatever the precision: embeddings, layer
/// norms, attention scores and softmax, GELU, the adapters, the head, the
/// loss and the optimiser (METHOD.md, "Precision").
public enum Precision: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// float32 operands and sums: the packed float32 kernel where the CPU
    /// has AVX-512F, BLAS sgemm elsewhere.
    case float32
    /// bfloat16 weights and activations (8 significant bits), float32 sums,
    /// on every CPU: on AMX tiles or `vdpbf16ps` where the CPU has them,
    /// else a portable kernel that computes the same, more slowly
    /// (`BFloat16Kernel`).
    case bfloat16

    public var description: String { rawValue }

    /// The float32 value nearest to `value` among bfloat16's (ties to
    /// even; denormals become zero), as the bfloat16 products round their operands.
    public static func roundedToBFloat16(_ value: Float) -> Float {
        Float(bitPattern: UInt32(kernel_bfloat16_bits(value)) << 16)
    }
}

/// The instructions bfloat16 products run on. All round the operands and
/// sum in float32 from the same start in the same order of pairs of k, and
/// all stay within the bound of METHOD.md's "Precision"; AMX rounds each
/// pair's sum once where the others round twice, so results are
/// bit-reproducible on one kernel only.
public enum BFloat16Kernel: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// Portable C on every CPU (AVX2 with FMA where there is one): each
    /// pair's two products added as `vdpbf16ps` is specified to, with
    /// denormals flushed; slower than float32.
    case portable = 0
    /// `vdpbf16ps` (AVX512_BF16): AMD Zen 4 and later, Intel Cooper Lake and later.
    case avx512 = 1
    /// `tdpbf16ps` on AMX tiles (AMX-BF16): Intel Sapphire Rapids and later,
    /// where Linux grants the process the tile state.
    case amx = 2

    public var description: String {
        switch self {
        case .portable: "portable"
        case .avx512: "avx512_bf16"
        case .amx: "amx"
        }
    }

    /// The kernel bfloat16 products run on here: AMX where the CPU has it
    /// (on Sapphire and Emerald Rapids `vdpbf16ps` runs at half the float32
    /// rate, AMX at several times it), else AVX512_BF16, else the portable one.
    public static var preferred: BFloat16Kernel { BFloat16Kernel(rawValue: kernel_packed_gemm_bf16_kernel()) ?? .portable }

    /// Whether this machine runs this kernel (the portable one runs everywhere).
    public var isAvailable: Bool { rawValue <= Self.preferred.rawValue }
}
