import ArgumentParser
import Foundation
import Host

/// `adapter-search runs`: what the results store holds.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List, show, export, diff, check and merge the runs in the results store.",
        subcommands: [List.self, Show.self, Export.self, Diff.self, Check.self, Merge.self])

    /// `runs list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every run, newest first (a table, or --json).")

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print a JSON array of objects (id, command, created_at, status, seed, configuration, versions, outcome, probes, evaluations, best_val_acc).")
        var json = false

        func run() throws {
            let summaries = try store.open(create: false).summaries()
            print(json ? try RunTables.listJSON(summaries) : RunTables.listTable(summaries), terminator: json ? "\n" : "")
        }
    }

    /// `runs show RUN`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one run: configuration, versions, status, probes, scores per metric, evaluations, outcome, artefacts.")

        @Argument(help: ArgumentHelp("The run's id (see `runs list`).", valueName: "run"))
        var id: String

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() throws {
            let details = try RunDetails(store: try store.open(create: false), run: id)
            print(json ? try RunTables.showJSON(details) : RunTables.showText(details), terminator: json ? "\n" : "")
        }
    }

    /// `runs export RUN --csv`.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a run's evaluations (or with --scores its scores) as CSV.")

        @Argument(help: ArgumentHelp("The run's id (see `runs list`).", valueName: "run"))
        var id: String

        @OptionGroup var store: StoreOptions

        @Flag(help: "CSV (the only format, required): placement,edges,budget,val_acc,val_loss,test_acc,params,seconds,failure.")
        var csv = false

        @Flag(help: "Export the scores instead: i,j,kind,metric,value,probe.")
        var scores = false

        func validate() throws {
            guard csv else { throw ValidationError("choose the format: --csv") }
        }

        func run() throws {
            let opened = try store.open(create: false)
            if scores {
                print(try RunTables.scoresCSV(store: opened, run: id), terminator: "")
            } else {
                print(RunTables.evaluationsCSV(try opened.evaluations(run: id)), terminator: "")
            }
        }
    }

    /// `runs diff FIRST SECOND`.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How far two runs' evaluations of the same placements agree (e.g. a truth in two precisions): the "
                + "validation accuracy differences, how many move beyond a threshold, Spearman and Kendall.")

        @Argument(help: ArgumentHelp("The first run's id (the reference).", valueName: "first"))
        var first: String

        @Argument(help: ArgumentHelp("The second run's id; differences are second - first.", valueName: "second"))
        var second: String

        @Option(help: "How far a validation accuracy may move (as a fraction: 0.01 is 1 point) and still count as unchanged.")
        var threshold = 0.01

        @Option(help: "How many of the pairs that moved most the text lists.")
        var rows = 10

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print one JSON object (first_run, second_run, differences, pairs, only_in_first, only_in_second, threshold, compared, diverged, mean_difference, mean_absolute_difference, largest_absolute_difference, beyond_threshold, spearman, kendall).")
        var json = false

        func validate() throws {
            guard threshold.isFinite, threshold >= 0 else { throw ValidationError("--threshold must be 0 or more, not \(threshold)") }
            guard rows >= 0 else { throw ValidationError("--rows must be 0 or more, not \(rows)") }
        }

        func run() throws {
            let opened = try store.open(create: false)
            let agreement = try RunAgreement(comparing: first, with: second, in: opened, threshold: threshold)
            print(json ? try jsonText(agreement, formatting: [.prettyPrinted, .sortedKeys]) : agreement.text(rows: rows),
                  terminator: json ? "\n" : "")
        }
    }

    /// `runs check`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the whole store: SQLite's integrity check and every row's checksum; name each damaged run and row.")

        @OptionGroup var store: StoreOptions

        func run() throws {
            let report = try store.open(create: false).check()
            for problem in report.problems {
                print("damaged: \(problem.run.map { "run \($0): " } ?? "")\(problem.detail)")
            }
            guard report.problems.isEmpty else {
                let runs = Set(report.problems.compactMap(\.run))
                printError("\(store.path): \(report.problems.count) problem(s) in \(runs.count) run(s); restore the file from a backup")
                throw ExitCode(1)
            }
            print("ok: \(report.rowsChecked) rows verified in \(store.path)")
        }
    }

    /// `runs merge SHARD...`.
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge shard stores (a worker's own results) into the store: what it lacks is copied, nothing twice.")

        @Argument(help: ArgumentHelp("The stores to merge in, in order.", valueName: "shard"))
        var shards: [String]

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print a JSON array of objects, one a shard (shard, runs_added, evaluations_added, evaluations_present, probes_added, score_sets_added, states_added, artefacts_added).")
        var json = false

        func run() throws {
            // Every shard is opened before anything is merged: a missing one merges none.
            let opened = try shards.map { shard in
                guard FileManager.default.fileExists(atPath: shard) else {
                    throw StoreError.invalidArgument("no shard store at \(shard): name the shard files to merge (a worker's are in "
                                          + "<store folder>/<run>/batches/*/shards/)")
                }
                return try ResultsStore(path: shard, create: false)
            }
            let target = try store.open(create: true)
            var reports: [MergeReport] = []
            for shard in opened {
                let report = try target.merge(from: shard)
                if !json { print("merged \(report.shard): \(report.summary)") }
                reports.append(report)
            }
            if json { print(try jsonText(reports, formatting: [.prettyPrinted, .sortedKeys])) }
        }
    }
}
