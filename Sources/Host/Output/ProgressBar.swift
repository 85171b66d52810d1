import Foundation

/// A one-line progress bar on standard error: step, loss, rate and ETA.
public final class ProgressBar {
    private let total: Int, enabled: Bool, start = Date()
    private var smoothedLoss: Double?

    public init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled && isatty(2) != 0 || enabled && ProcessInfo.processInfo.environment["ADAPTER_SEARCH_PROGRESS"] != nil
    }

    public func update(_ done: Int, _ loss: Double) {
        smoothedLoss = smoothedLoss.map { 0.9 * $0 + 0.1 * loss } ?? loss
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start), rate = Double(done) / max(elapsed, 1e-9)
        let filled = done * 30 / max(total, 1)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
        let line = String(format: "\r[%@] %d/%d loss %.4f %.2f steps/s ETA %.0fs", bar, done, total, smoothedLoss ?? 0, rate,
                          Double(total - done) / max(rate, 1e-9))
        FileHandle.standardError.write(Data(line.utf8))
    }

    public func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
