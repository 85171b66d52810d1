import CLinearAlgebra
import Dispatch
import Foundation

/// The engine's one source of parallelism. OpenBLAS runs single-threaded
/// (its idle threads would otherwise spin on sched_yield and steal the cores
/// from element-wise work); the engine splits gemms by rows and element-wise
/// work by chunks over `threadCount` GCD threads, which sleep when idle.
public enum Parallel {
    /// The environment variable that sets `threadCount` (a positive
    /// integer): a worker sharing the machine with others takes its part.
    public static let threadsVariable = "ADAPTER_SEARCH_THREADS"

    /// Threads work is split over: `$ADAPTER_SEARCH_THREADS` when set, else
    /// the machine's active cores. Results do not depend on it: work is
    /// split by rows and chunks, never within one sum.
    public static let threadCount: Int = {
        openblas_set_num_threads(1)
        // Large buffers come and go every pass: keep freed memory on the heap
        // rather than returning it to the kernel and faulting it back in.
        // (32 MiB is glibc's largest mmap threshold.)
        mallopt(M_MMAP_THRESHOLD, 32 << 20)
        mallopt(M_TRIM_THRESHOLD, 1 << 30)
        if let text = ProcessInfo.processInfo.environment[threadsVariable], let threads = Int(text), threads > 0 {
            return threads
        }
        return max(ProcessInfo.processInfo.activeProcessorCount, 1)
    }()

    /// Runs `body` over `count` items split into at most `threadCount`
    /// contiguous ranges of at least `minimumChunk` items, in parallel.
    @inlinable
    public static func forEachChunk(_ count: Int, minimumChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
        let chunks = min(threadCount, max(count / max(minimumChunk, 1), 1))
        guard chunks > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        // The chunks are disjoint; callers share nothing mutable between them.
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                body(count * chunk / chunks..<count * (chunk + 1) / chunks)
            }
        }
    }
}
