import CLinearAlgebra
import Foundation

/// OpenBLAS picks its kernels when it loads, from the CPU model; on CPUs its
/// table does not know (some virtual machines) it falls back to a kernel
/// generations older (Prescott, SSE3), several times slower than the CPU
/// allows. `OPENBLAS_CORETYPE` overrides the choice, but is read only at load
/// time, so the host re-executes itself once with it set.
public enum OpenBLASCoreType {
    /// The kernel set the CPU's features support, best first, as
    /// OPENBLAS_CORETYPE names them.
    public static func supported(flags: Set<String>) -> String? {
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// The CPU feature flags of /proc/cpuinfo.
    public static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
    }

    /// The kernel set OpenBLAS chose.
    public static var current: String {
        String(cString: openblas_get_corename()).lowercased()
    }

    /// Re-executes this process with OPENBLAS_CORETYPE set when OpenBLAS chose
    /// a kernel set below what the CPU supports and nobody set it already.
    /// Returns only when no re-execution is needed (or it failed).
    public static func reexecuteIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil,
              let better = supported(flags: cpuFlags()),
              ["prescott", "core2", "penryn", "dunnington", "nehalem", "sandybridge", "atom", "katmai",
               "coppermine", "northwood", "banias", "unknown"].contains(current) else { return }
        setenv("OPENBLAS_CORETYPE", better, 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // execv returns only on failure: carry on with the slower kernels.
    }
}
