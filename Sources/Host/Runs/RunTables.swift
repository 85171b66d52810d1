import Core
import Foundation

/// Everything the store holds about one run, read in one go for `runs show`.
public struct RunDetails {
    public var run: RunRecord
    public var probes: [ProbeRecord]
    public var scores: [ScoreSummary]
    public var evaluations: [EvaluationRecord]
    public var artefacts: [(name: String, path: String)]

    /// Reads run `id` from `store`.
    public init(store: ResultsStore, run id: String) throws(StoreError) {
        run = try store.run(id)
        probes = try store.probes(run: id)
        scores = try store.scoreSets(run: id).map { set throws(StoreError) in
            ScoreSummary(set: set, scores: try store.scores(run: id, probe: set.probe, metric: set.metric) ?? [])
        }
        evaluations = try store.evaluations(run: id)
        artefacts = try store.artefacts(run: id)
    }
}

/// One metric's scores on one probe, summarised.
public struct ScoreSummary {
    public var set: ScoreSetRecord
    /// Scores that are not NaN.
    public var finite: [EdgeScore]
    /// How many scores are NaN.
    public var nanCount: Int

    /// Summarises `scores`.
    public init(set: ScoreSetRecord, scores: [EdgeScore]) {
        self.set = set
        finite = scores.filter { !$0.value.isNaN }
        nanCount = scores.count - finite.count
    }

    public var minimum: Double? { finite.map(\.value).min() }
    public var maximum: Double? { finite.map(\.value).max() }
    public var mean: Double? { finite.isEmpty ? nil : finite.reduce(0) { $0 + $1.value } / Double(finite.count) }

    /// The best-scored edge by the metric's direction; the first in
    /// source-major order among ties.
    public var best: EdgeScore? {
        finite.reduce(nil) { best, score in
            guard let best else { return score }
            return (set.direction >= 0 ? score.value > best.value : score.value < best.value) ? score : best
        }
    }
}

/// How `runs list`, `runs show` and `runs export` print the store.
public enum RunTables {
    // MARK: runs list

    /// One run a row, newest first.
    public static func listTable(_ summaries: [RunSummary]) -> String {
        guard !summaries.isEmpty else { return "no runs yet\n" }
        return TextTable.render([["ID", "CREATED", "STATUS", "PROBES", "EVALUATIONS", "BEST VAL ACC", "COMMAND"]] + summaries.map {
            [$0.run.id, date($0.run.createdAt), $0.run.observedStatus().description, "\($0.probes)", "\($0.evaluations)",
             $0.bestValidationAccuracy.map(fixed) ?? "-", $0.run.command]
        })
    }

    /// A JSON array, one object a run.
    public static func listJSON(_ summaries: [RunSummary]) throws -> String {
        try json(summaries.map { summary -> [String: Any] in
            var object = runObject(summary.run)
            object["probes"] = summary.probes
            object["evaluations"] = summary.evaluations
            object["best_val_acc"] = number(summary.bestValidationAccuracy)
            return object
        })
    }

    // MARK: runs show

    /// Configuration, versions, status, probes, per metric a score summary,
    /// evaluations, outcome and artefacts, as text.
    public static func showText(_ details: RunDetails) -> String {
        let run = details.run
        var text = TextTable.render([
            ["run", run.id], ["status", statusText(run)], ["created", date(run.createdAt)], ["command", run.command],
            ["seed", "\(run.seed)"], ["configuration", run.configuration], ["versions", run.versions],
            ["outcome", run.outcome ?? "none"],
        ])
        text += section("probes", details.probes.count, header: ["ID", "SEED", "EXAMPLES", "HEAD", "LOSS", "SECONDS"],
                        details.probes.map { ["\($0.id)", "\($0.seed)", "\($0.examples)", $0.head, fixed($0.loss), seconds($0.seconds)] })
        text += section("scores", details.scores.count,
                        header: ["PROBE", "METRIC", "DIRECTION", "EDGES", "NAN", "MIN", "MEAN", "MAX", "BEST EDGE"],
                        details.scores.map { summary in
                            let best = summary.best.map { "\($0.source)>\($0.target) (\(general($0.value)))" } ?? "-"
                            return ["\(summary.set.probe)", summary.set.metric, direction(summary.set.direction), "\(summary.set.count)",
                                    "\(summary.nanCount)", summary.minimum.map(general) ?? "-", summary.mean.map(general) ?? "-",
                                    summary.maximum.map(general) ?? "-", best]
                        })
        text += section("evaluations", details.evaluations.count,
                        header: ["#", "PLACEMENT", "EDGES", "BUDGET", "VAL ACC", "VAL LOSS", "TEST ACC", "PARAMS", "SECONDS"],
                        details.evaluations.enumerated().map { index, evaluation in
                            ["\(index + 1)", evaluation.placement, "\(evaluation.edgeCount)", evaluation.budget,
                             evaluation.failure == nil ? fixed(evaluation.validationAccuracy) : "diverged",
                             evaluation.failure == nil ? fixed(evaluation.validationLoss) : "-",
                             evaluation.testAccuracy.map(fixed) ?? "-", "\(evaluation.parameters)", seconds(evaluation.seconds)]
                        })
        text += section("artefacts", details.artefacts.count, header: ["NAME", "PATH"], details.artefacts.map { [$0.name, $0.path] })
        return text
    }

    /// The same as one JSON object; the run's JSON fields are embedded as
    /// JSON, non-finite numbers as null.
    public static func showJSON(_ details: RunDetails) throws -> String {
        var object = runObject(details.run)
        object["probes"] = details.probes.map { probe -> [String: Any] in
            ["id": probe.id, "seed": probe.seed, "examples": probe.examples, "head": probe.head,
             "loss": number(probe.loss), "seconds": number(probe.seconds), "created_at": date(probe.createdAt)]
        }
        object["scores"] = details.scores.map { summary -> [String: Any] in
            ["probe": summary.set.probe, "metric": summary.set.metric, "direction": Int(summary.set.direction),
             "edges": summary.set.count, "nan": summary.nanCount, "min": number(summary.minimum),
             "mean": number(summary.mean), "max": number(summary.maximum),
             "best": summary.best.map { ["i": $0.source, "j": $0.target, "value": number($0.value)] as [String: Any] } ?? NSNull()]
        }
        object["evaluations"] = details.evaluations.map { evaluation -> [String: Any] in
            ["placement": evaluation.placement, "edges": evaluation.edgeCount, "budget": evaluation.budget,
             "val_acc": number(evaluation.validationAccuracy), "val_loss": number(evaluation.validationLoss),
             "test_acc": number(evaluation.testAccuracy), "params": evaluation.parameters,
             "seconds": number(evaluation.seconds), "created_at": date(evaluation.createdAt),
             "failure": evaluation.failure ?? NSNull()]
        }
        object["artefacts"] = details.artefacts.map { ["name": $0.name, "path": $0.path] }
        return try json(object)
    }

    // MARK: runs export

    /// The evaluations as CSV: placement,edges,budget,val_acc,val_loss,
    /// test_acc,params,seconds,failure; numbers in their shortest exact form,
    /// a missing test accuracy (and a diverged placement's accuracies) as an
    /// empty field, the failure's reason last.
    public static func evaluationsCSV(_ evaluations: [EvaluationRecord]) -> String {
        func value(_ number: Double?) -> String { number.map { $0.isNaN ? "" : "\($0)" } ?? "" }
        return (["placement,edges,budget,val_acc,val_loss,test_acc,params,seconds,failure"] + evaluations.map { evaluation in
            [csvField(evaluation.placement), "\(evaluation.edgeCount)", csvField(evaluation.budget),
             value(evaluation.validationAccuracy), value(evaluation.validationLoss), value(evaluation.testAccuracy),
             "\(evaluation.parameters)", "\(evaluation.seconds)", csvField(evaluation.failure ?? "")].joined(separator: ",")
        }).joined(separator: "\n") + "\n"
    }

    /// Every stored score of the run as CSV: i,j,kind,metric,value,probe;
    /// score sets in the order saved, each in source-major order.
    public static func scoresCSV(store: ResultsStore, run: String) throws(StoreError) -> String {
        var lines = ["i,j,kind,metric,value,probe"]
        for set in try store.scoreSets(run: run) {
            for score in try store.scores(run: run, probe: set.probe, metric: set.metric) ?? [] {
                lines.append("\(score.source),\(score.target),\(Edge(score.source, score.target).kind),"
                             + "\(csvField(set.metric)),\(score.value),\(set.probe)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Formatting

    /// A titled table, or "title: none".
    private static func section(_ title: String, _ count: Int, header: [String], _ rows: [[String]]) -> String {
        rows.isEmpty ? "\n\(title): none\n" : "\n\(title) (\(count))\n" + TextTable.render([header] + rows)
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break.
    public static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The run's observed status, with what tells a dead run from a live one.
    private static func statusText(_ run: RunRecord) -> String {
        let owner = run.owner.map { " (\($0))" } ?? ""
        switch run.observedStatus() {
        case .crashed: return "crashed: marked running, but its process\(owner) is gone; continue it with --resume \(run.id)"
        case let .stale(since):
            return "stale: marked running by\(owner), no heartbeat since \(date(since)); once that process is surely gone, "
                + "continue it with --resume \(run.id)"
        case .stored(.running): return "running\(owner)"
        case let .stored(status): return status.rawValue
        }
    }

    /// The common fields of a run as a JSON object.
    private static func runObject(_ run: RunRecord) -> [String: Any] {
        ["id": run.id, "command": run.command, "created_at": date(run.createdAt), "status": run.observedStatus().description,
         "seed": run.seed, "configuration": embedded(run.configuration), "versions": embedded(run.versions),
         "outcome": run.outcome.map(embedded) ?? NSNull()]
    }

    /// Stored JSON text as a JSON value (the text itself if it does not parse).
    private static func embedded(_ text: String) -> Any {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) ?? text
    }

    /// A number for JSON; nil and non-finite values as null.
    private static func number(_ value: Double?) -> Any {
        guard let value, value.isFinite else { return NSNull() }
        return value
    }

    /// Pretty, key-sorted JSON.
    private static func json(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
               as: UTF8.self)
    }

    /// ISO 8601 in UTC, to the second.
    public static func date(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// Four decimals (accuracies, losses).
    private static func fixed(_ value: Double) -> String { String(format: "%.4f", value) }
    /// Six significant digits (scores).
    private static func general(_ value: Double) -> String { String(format: "%.6g", value) }
    /// One decimal.
    private static func seconds(_ value: Double) -> String { String(format: "%.1f", value) }
    /// "higher" or "lower" is better.
    private static func direction(_ value: Int32) -> String { value >= 0 ? "higher" : "lower" }
}
