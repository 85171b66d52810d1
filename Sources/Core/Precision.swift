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
    /// bfloat16 weights and activations (8 significant bits), float32 sums:
    /// `vdpbf16ps`, on CPUs with AVX512_BF16 only.
    case bfloat16

    public var description: String { rawValue }

    /// Whether this machine computes in this precision: float32 always,
    /// bfloat16 where the CPU has AVX512_BF16.
    public var isAvailable: Bool {
        switch self {
        case .float32: true
        case .bfloat16: kernel_packed_gemm_bf16_available() != 0
        }
    }

    /// Throws `PrecisionError.unavailable` unless this machine computes in it.
    public func requireAvailable() throws(PrecisionError) {
        guard isAvailable else { throw .unavailable(self) }
    }

    /// The float32 value nearest to `value` among bfloat16's (ties to
    /// even; denormals become zero), as the bfloat16 products round their operands.
    public static func roundedToBFloat16(_ value: Float) -> Float {
        Float(bitPattern: UInt32(kernel_bfloat16_bits(value)) << 16)
    }
}

/// A precision this machine cannot compute in.
public enum PrecisionError: Error, Equatable, CustomStringConvertible {
    case unavailable(Precision)

    public var description: String {
        switch self {
        case let .unavailable(precision):
            "\(precision) needs a CPU with AVX512_BF16 (vdpbf16ps: Intel Cooper Lake, Sapphire Rapids or later, "
                + "AMD Zen 4 or later), and this one lacks it; train with --precision float32 here"
        }
    }
}
