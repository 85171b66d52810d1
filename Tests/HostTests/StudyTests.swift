import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Host

/// `adapter-search study`: the statistics and claims from constructed
/// choices (every verdict of every claim), the strategies' text form, and
/// the command end to end on the tiny task: bit-identical under its seeds,
/// and a killed study resumed without retraining what it stored.
@Suite struct StudyTests {
    // MARK: Strategies' text form

    @Test func aStrategyIsAnIdWithColonSeparatedParametersWhoseValuesMayHoldCommas() throws {
        let random = try StrategySpecification(parsing: "random:kinds=sequential,parallel")
        #expect(random.id == "random" && random.description == "random:kinds=sequential,parallel")
        #expect(try random.kinds == [.sequential, .parallel])
        #expect(random.pluginConfiguration.isEmpty)
        let halving = try StrategySpecification(parsing: "successive-halving:n=9:steps=300")
        #expect(halving.pluginConfiguration == ["n": "9", "steps": "300"])
        #expect(try halving.kinds == nil)
        let decoded = try JSONDecoder().decode([StrategySpecification].self, from: Data(#"["gga:metric=snip"]"#.utf8))
        #expect(decoded[0].pluginConfiguration == ["metric": "snip"])
    }

    @Test(arguments: ["", ":metric=snip", "gga:metric", "gga:=x", "gga:metric=a:metric=b", "random:kinds=diagonal", "k=3"])
    func aMalformedStrategyIsRefusedWithTheReason(text: String) {
        #expect(throws: RunError.self) { try StrategySpecification(parsing: text) }
    }

    // MARK: Statistics and claims from constructed choices

    /// Test accuracies per seed (three seeds) of a constructed study.
    static let parallelEvery = [0.70, 0.71, 0.72], restricted = [0.60, 0.61, 0.62]
    static let above = [0.05, 0.06, 0.07], mixed = [0.05, -0.05, 0.01]

    static func plus(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map(+) }
    static func minus(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map(-) }

    /// Choices of `strategy` at k, one per seed, with distinct placements per
    /// k unless `placement` is given.
    static func choices(_ strategy: String, k: Int, test: [Double], placement: String? = nil) -> [StudyChoice] {
        test.enumerated().map { seed, accuracy in
            StudyChoice(strategy: strategy, k: k, seed: UInt64(seed), probeSeed: UInt64(seed),
                        placement: placement ?? "\(strategy)-\(k)-\(seed)", validationAccuracy: accuracy - 0.01,
                        testAccuracy: accuracy, parameters: 1000 * k + (placement == nil ? 10 : 0), trainingSeconds: 2)
        }
    }

    /// Each claim gets each verdict at one of k = 1, 2, 3: (a) and (b) hold,
    /// fail, and are undecided in that order; (c) for top-k fails, is
    /// undecided, and holds; (d) fails, holds, and is undecided.
    static func constructed(entrants: [Study.Entrant]) -> Study {
        let random = [plus(restricted, above), minus(restricted, above), plus(restricted, mixed)]
        let gga = [plus(parallelEvery, above), minus(parallelEvery, above), plus(parallelEvery, mixed)]
        let topK = [minus(random[0], [0.01, 0.02, 0.03]), plus(random[1], mixed), plus(random[2], [0.01, 0.02, 0.03])]
        let calibrated = [minus(gga[0], above), plus(gga[1], above), plus(gga[2], mixed)]
        var all: [StudyChoice] = []
        for k in 1...3 {
            all += choices("parallel-every", k: k, test: parallelEvery, placement: "0>1,1>2,2>3,3>4")
            all += choices("random:kinds=sequential,parallel", k: k, test: restricted)
            all += choices("random", k: k, test: random[k - 1])
            all += choices("gga:metric=gradient-rank", k: k, test: gga[k - 1])
            all += choices("top-k", k: k, test: topK[k - 1])
            all += choices("calibrated-gga", k: k, test: calibrated[k - 1])
        }
        let labels = Set(entrants.map(\.label))
        return Study(run: "r1", budget: TrainingBudget(), ks: [1, 2, 3], seeds: [0, 1, 2], entrants: entrants,
                     choices: all.filter { labels.contains($0.strategy) }, resamples: 2000)
    }

    static let entrants = [
        Study.Entrant(label: "parallel-every", id: "parallel-every"),
        Study.Entrant(label: "random:kinds=sequential,parallel", id: "random", kinds: [.sequential, .parallel]),
        Study.Entrant(label: "random", id: "random"),
        Study.Entrant(label: "gga:metric=gradient-rank", id: "gga", metric: "gradient-rank"),
        Study.Entrant(label: "top-k", id: "top-k", metric: "gradient-rank"),
        Study.Entrant(label: "calibrated-gga", id: "calibrated-gga"),
    ]

    @Test func everyClaimGetsTheVerdictItsIntervalGives() throws {
        let study = Self.constructed(entrants: Self.entrants)
        func verdicts(_ letter: String, _ strategy: String) -> [String] {
            study.claims.filter { $0.claim == letter && $0.statement.hasPrefix(strategy + " ") }.map(\.verdict)
        }
        #expect(verdicts("a", "gga:metric=gradient-rank") == ["holds", "does not hold", "undecided"])
        #expect(verdicts("b", "random") == ["holds", "does not hold", "undecided"])
        #expect(verdicts("c", "top-k") == ["does not hold", "undecided", "holds"])
        #expect(verdicts("c", "gga:metric=gradient-rank").count == 3)
        #expect(verdicts("d", "calibrated-gga") == ["does not hold", "holds", "undecided"])
        #expect(study.claims.first { $0.claim == "d" }?.statement == "calibrated-gga at k = 1 beats gga:metric=gradient-rank k=1")
        let first = try #require(study.claims.first)
        #expect(first.statement == "gga:metric=gradient-rank at k = 1 matches or beats within 0.0050 parallel-every")
        #expect(first.explanation.hasPrefix("holds: mean difference +0.0600, 95% interval [+0.0500, +0.0700]"))
    }

    @Test func aClaimWhoseRowsAreMissingIsNotJudged() {
        let study = Self.constructed(entrants: Array(Self.entrants.prefix(2)))
        #expect(study.claims.map(\.claim) == ["a", "b", "c", "d"])
        #expect(study.claims.allSatisfy { $0.verdict == StudyClaim.notJudged && $0.k == nil && $0.meanDifference == nil })
    }

    @Test func rowsCarryIntervalsPairedDifferencesAndTheParetoFront() throws {
        let study = Self.constructed(entrants: Self.entrants)
        // parallel-every chose the same placement at every k: one row for all of them.
        #expect(study.rows.map(\.label).prefix(2) == ["parallel-every", "random:kinds=sequential,parallel k=1"])
        let parallel = study.rows[0]
        #expect(parallel.k == nil && parallel.versus.map(\.baseline) == ["random k=1"])
        // The Student-t interval of 0.70, 0.71, 0.72: mean ± t(0.975, 2) · 0.01 / √3 (scipy: 4.302652729749464).
        let halfWidth = 4.302652729749464 * 0.01 / 3.0.squareRoot()
        #expect(abs(try #require(parallel.test.mean) - 0.71) < 1e-12)
        #expect(abs(try #require(parallel.test.low) - (0.71 - halfWidth)) < 1e-9)
        let gga = try #require(study.rows.first { $0.label == "gga:metric=gradient-rank k=1" })
        let versus = try #require(gga.versus.first { $0.baseline == "parallel-every" }).comparison
        #expect(zip(versus.differences, Self.above).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(versus.wilcoxon.pValue == 0.25 && versus.signTest.pValue == 0.25)
        // The front: the smallest rows (k = 1) and the most accurate one.
        #expect(study.paretoFront.contains("gga:metric=gradient-rank k=1"))
        #expect(Set(study.rows.filter(\.onParetoFront).map(\.label)) == Set(study.paretoFront))
        #expect(study.table().contains("Pareto front: "))
    }

    @Test func aDivergedTrainingIsLeftOutAndWrittenAsNull() throws {
        var choices = Self.choices("gga", k: 1, test: [0.7, 0.8, 0.75])
        choices[1].testAccuracy = nil
        choices[1].validationAccuracy = nil
        choices[1].failure = "the loss was not finite at step 3"
        let study = Study(run: "r", budget: TrainingBudget(), ks: [1], seeds: [0, 1, 2],
                          entrants: [Study.Entrant(label: "gga", id: "gga")], choices: choices)
        #expect(study.diverged == 1 && study.rows[0].test.count == 2 && study.rows[0].test.excluded == 1)
        #expect(study.table().contains("(1 diverged)") && study.table().contains("1 training diverged"))
        let json = try jsonText(study)
        #expect(json.contains(#""test_acc":null"#) && !json.contains("NaN"))
        let decoded = try JSONDecoder().decode(Study.self, from: Data(json.utf8))
        #expect(decoded == study)
    }

    // MARK: The command on the tiny task

    /// The tiny task's arguments, writing to store `name` in `folder`.
    static func arguments(_ folder: URL, model: String, data: [String], store name: String, steps: Int = 30) -> [String] {
        ["study", "--model", model, "--train-file", data[0], "--validation-file", data[1], "--test-file", data[2],
         "--store", folder.appendingPathComponent(name + ".sqlite").path, "--probe-size", "8", "--steps", String(steps),
         "--learning-rate", "0.01", "--k", "1,2", "--seeds", "3", "--json"]
    }

    /// A study without its run id and seconds, which no seed fixes.
    static func figures(_ json: String) throws -> Study {
        var study = try JSONDecoder().decode(Study.self, from: Data(json.utf8))
        study.run = ""
        for row in study.rows.indices {
            study.rows[row].trainingSeconds = 0
            study.rows[row].search.seconds = 0
            for choice in study.rows[row].choices.indices {
                study.rows[row].choices[choice].trainingSeconds = 0
                study.rows[row].choices[choice].search.seconds = 0
            }
        }
        return study
    }

    @Test func aStudyGivesTheSameFiguresUnderTheSameSeedsAndResumesWithoutRetraining() throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder, labels: .colourAndAnimal)
            let first = try runAdapterSearch(Self.arguments(folder, model: model, data: data, store: "a"))
            #expect(first.status == 0, "\(first.stderr)")
            let study = try Self.figures(first.stdout)
            #expect(study.rows.count >= 10 && study.seeds == [0, 1, 2] && study.claims.map(\.claim) == ["a", "a", "b", "b", "c", "c", "c", "c", "d"])
            let none = try #require(study.rows.first { $0.strategy == "none" })
            #expect(none.k == nil && study.rows.allSatisfy { $0.strategy == "none" || $0.parameters > none.parameters })
            let halving = try #require(study.rows.first { $0.strategy == "successive-halving:n=9:steps=30" })
            #expect(halving.search.evaluations == 12 && halving.search.steps == 9 * 10 + 3 * 30)
            #expect(study.rows.first { $0.strategy == "gga:metric=gradient-rank" }?.search.probePasses == 1)
            // Each seed its own probe, each training seed its own evaluations.
            let store = try ResultsStore(path: folder.appendingPathComponent("a.sqlite").path, create: false)
            let run = try #require(try store.runs().first).id
            #expect(try store.probes(run: run).map(\.seed) == [0, 1, 2])

            // A second study in a new store, trained by two local workers (each
            // unit carries its seed to them): bit for bit the same figures.
            let second = try runAdapterSearch(Self.arguments(folder, model: model, data: data, store: "b") + ["--executor", "local:2"])
            #expect(second.status == 0, "\(second.stderr)")
            #expect(try Self.figures(second.stdout) == study)

            // A third, killed once it stored a few evaluations, then resumed.
            let process = Process()
            process.executableURL = Locations.executable
            process.arguments = Self.arguments(folder, model: model, data: data, store: "c")
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let path = folder.appendingPathComponent("c.sqlite").path
            var before: [EvaluationRecord] = []
            let deadline = Date().addingTimeInterval(300)
            while process.isRunning, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.2)
                if let store = try? ResultsStore(path: path, create: false), let run = try? store.runs().first,
                   let stored = try? store.evaluations(run: run.id), stored.count >= 20 {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    before = try store.evaluations(run: run.id)
                }
            }
            try #require(!before.isEmpty, "the study finished or stalled before it could be killed")
            let killedRun = try #require(try ResultsStore(path: path, create: false).runs().first).id
            let resumed = try runAdapterSearch(["study", "--resume", killedRun, "--store", path, "--json"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try Self.figures(resumed.stdout) == study)
            let after = Dictionary(uniqueKeysWithValues: try ResultsStore(path: path, create: false).evaluations(run: killedRun)
                .map { ("\($0.placement) \($0.budget)", $0) })
            for record in before {
                let kept = try #require(after["\(record.placement) \(record.budget)"])
                #expect(kept.createdAt == record.createdAt && kept.seconds == record.seconds, "\(record.placement) was trained again")
            }
        }
    }

    @Test(arguments: [
        (["--strategy", "nosuch"], "nosuch"),
        (["--strategy", "gga:colour=red"], "colour"),
        (["--strategy", "random:kinds=diagonal"], "diagonal"),
        (["--strategy", "random", "--strategy", "random"], "twice"),
        (["--k", "1,0"], "--k"),
        (["--k", "one"], "--k"),
        (["--seeds", "0"], "--seeds"),
    ])
    func badSettingsAreRefusedBeforeTheRunIsCreated(extra: [String], mention: String) throws {
        try withTemporaryDirectory { folder in
            let (model, data) = try TinyTextTask.write(in: folder)
            let result = try runAdapterSearch(Self.arguments(folder, model: model, data: data, store: "bad") + extra)
            #expect(result.status != 0 && result.stderr.contains(mention), "\(result.stderr)")
            let path = folder.appendingPathComponent("bad.sqlite").path
            if FileManager.default.fileExists(atPath: path) {
                #expect(try ResultsStore(path: path, create: false).runs().isEmpty)
            }
        }
    }
}
