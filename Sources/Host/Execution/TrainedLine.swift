import Foundation

/// The line that says a unit was trained, `trained P: validation accuracy A
/// (S s; d/n)` (or the reason it diverged in place of the accuracy): what
/// the serial executor prints and what a worker writes to its log, where
/// the coordinator counts them. Plain lines in a file, so they are read
/// safely on any shared file system.
enum TrainedLine {
    /// The line of `record`, the `done`th of `total` units.
    static func text(_ record: EvaluationRecord, done: Int, of total: Int) -> String {
        let figure = record.failure ?? String(format: "validation accuracy %.4f", record.validationAccuracy)
        return String(format: "trained %@: %@ (%.1f s; %d/%d)", record.placement, figure, record.seconds, done, total)
    }

    /// Units the log at `path` reports trained, and their training seconds.
    static func count(inLogAt path: String) -> (units: Int, seconds: Double) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return (0, 0) }
        var units = 0, seconds = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix("trained ") && line.hasSuffix(")") {
            guard let open = line.range(of: " (", options: .backwards),
                  let figure = line[open.upperBound...].split(separator: " ").first.flatMap({ Double($0) }) else { continue }
            units += 1
            seconds += figure
        }
        return (units, seconds)
    }
}
