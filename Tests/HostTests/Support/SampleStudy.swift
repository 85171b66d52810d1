import Core
import Foundation
@testable import Host

/// A study made by hand for the report tests, no training: the default
/// strategies at k = 1, 3, 6 over 3 seeds, with accuracies that rise with k
/// (`none` and `parallel-every` the same at every k, so one "all k" row
/// each), one diverged training, and claims of every verdict.
enum SampleStudy {
    /// The sizes.
    static let ks = [1, 3, 6]
    /// The training seeds.
    static let seeds: [UInt64] = [0, 1, 2]
    /// Trainable parameters of the head alone and of one adapter.
    static let head = 5_775, adapter = 6_536

    /// A strategy of the sample and how its choices do.
    struct Entrant {
        var entrant: Study.Entrant
        /// Mean test accuracy at k.
        var accuracy: (Int) -> Double
        /// The placement at k.
        var placement: (Int) -> String
        /// Its adapters at k.
        var adapters: (Int) -> Int
        /// What choosing costs at k.
        var cost: (Int) -> SearchCost = { _ in SearchCost() }
    }

    /// The entrants; `extra` (a label and id) adds one more that does as well as `top-k`.
    static func entrants(extra: (label: String, id: String)? = nil) -> [Entrant] {
        let guided: (Int) -> SearchCost = { _ in SearchCost(probePasses: 1, evaluations: 0, steps: 0, seconds: 3.5) }
        var entrants = [
            Entrant(entrant: .init(label: "none", id: "none"), accuracy: { _ in 0.515 }, placement: { _ in "none" }, adapters: { _ in 0 }),
            Entrant(entrant: .init(label: "parallel-every", id: "parallel-every"), accuracy: { _ in 0.612 },
                    placement: { _ in (0..<12).map { "\($0)>\($0 + 1)" }.joined(separator: ",") }, adapters: { _ in 12 }),
            Entrant(entrant: .init(label: "first-k", id: "first-k"), accuracy: { 0.53 + 0.011 * Double($0) },
                    placement: { k in (0..<k).map { "\($0)>\($0 + 1)" }.joined(separator: ",") }, adapters: { $0 }),
            Entrant(entrant: .init(label: "last-k", id: "last-k"), accuracy: { 0.55 + 0.01 * Double($0) },
                    placement: { k in (0..<k).map { "\(11 - $0)>\(12 - $0)" }.joined(separator: ",") }, adapters: { $0 }),
            Entrant(entrant: .init(label: "random", id: "random"), accuracy: { 0.535 + 0.009 * Double($0) },
                    placement: { k in (0..<k).map { "\(($0 * 5 + 3) % 13)>\(($0 * 7 + 1) % 13)" }.joined(separator: ",") }, adapters: { $0 }),
            Entrant(entrant: .init(label: "random:kinds=sequential,parallel", id: "random", kinds: [.sequential, .parallel]),
                    accuracy: { 0.532 + 0.008 * Double($0) },
                    placement: { k in (0..<k).map { "\($0 * 2)>\($0 * 2 + 1)" }.joined(separator: ",") }, adapters: { $0 }),
            Entrant(entrant: .init(label: "top-k:metric=gradient-rank", id: "top-k", metric: Study.guidingMetric),
                    accuracy: { 0.548 + 0.01 * Double($0) },
                    placement: { k in (0..<k).map { "\(9 - $0)>\(6 - $0 % 3)" }.joined(separator: ",") }, adapters: { $0 }, cost: guided),
            Entrant(entrant: .init(label: "gga:metric=gradient-rank", id: "gga", metric: Study.guidingMetric),
                    accuracy: { 0.566 + 0.0085 * Double($0) },
                    placement: { k in (0..<k).map { "\(9 - $0)>\(4 + $0 % 3)" }.joined(separator: ",") }, adapters: { $0 },
                    cost: { k in SearchCost(probePasses: 1, evaluations: Double(3 * k), steps: Double(300 * k), seconds: 41 * Double(k)) }),
            Entrant(entrant: .init(label: "successive-halving:n=9:steps=400", id: "successive-halving"),
                    accuracy: { 0.552 + 0.0095 * Double($0) },
                    placement: { k in (0..<k).map { "\(($0 * 4 + 2) % 13)>\(($0 * 3 + 5) % 13)" }.joined(separator: ",") }, adapters: { $0 },
                    cost: { _ in SearchCost(probePasses: 0, evaluations: 13, steps: 2_691, seconds: 812) }),
        ]
        if let extra {
            entrants.append(Entrant(entrant: .init(label: extra.label, id: extra.id), accuracy: { 0.549 + 0.01 * Double($0) },
                                    placement: { k in (0..<k).map { "\($0)>\($0)" }.joined(separator: ",") }, adapters: { $0 }))
        }
        return entrants
    }

    /// The study of run `run`; `extra` adds a strategy (a hostile label, say);
    /// `shift` moves every accuracy (another task).
    static func make(run: String = "rstudy01", extra: (label: String, id: String)? = nil, shift: Double = 0) -> Study {
        let entrants = entrants(extra: extra)
        var choices: [StudyChoice] = []
        for (index, entrant) in entrants.enumerated() {
            for k in ks {
                for seed in seeds {
                    // Noise every strategy shares on a seed, and its own.
                    let s = Double(seed), noise = 0.008 * sin(2.1 * s + Double(k)) + 0.004 * sin(3.7 * s + 1.9 * Double(index) + 0.7 * Double(k))
                    let test = entrant.accuracy(k) + noise + shift
                    let diverged = entrant.entrant.label == "random" && k == 6 && seed == 2
                    choices.append(StudyChoice(strategy: entrant.entrant.label, k: k, seed: seed, probeSeed: 100 + seed,
                                               placement: entrant.placement(k),
                                               validationAccuracy: diverged ? nil : test + 0.011 + 0.003 * cos(s + Double(index)),
                                               testAccuracy: diverged ? nil : test,
                                               parameters: head + adapter * entrant.adapters(k), trainingSeconds: 61 + 9.5 * Double(entrant.adapters(k)),
                                               failure: diverged ? "the loss became NaN at step 212" : nil, search: entrant.cost(k)))
                }
            }
        }
        return Study(run: run, budget: TrainingBudget(steps: 400, batchSize: 32, learningRate: 3e-3, seed: 0), ks: ks,
                     seeds: seeds, entrants: entrants.map(\.entrant), choices: choices, resamples: 400)
    }

    /// The report of `study` on MiniLM (13 nodes) and WordNet verb supersenses, or `data`.
    static func report(_ study: Study = make(), data: String = "WordNet verb supersenses") -> ReportData {
        ReportData(runID: study.run, task: "all-MiniLM-L6-v2 (6 blocks, d = 384, 13 nodes) on \(data)",
                   configurationJSON: #"{"command": "study", "study": {"k": [1, 3, 6], "seeds": 3}}"#, nodeCount: 13,
                   metrics: [], truth: nil, strategies: [],
                   parameterCounts: [.init(item: "backbone blocks (frozen)", count: 21_284_352), .init(item: "one adapter, r8", count: adapter)],
                   study: study, taskTitle: "all-MiniLM-L6-v2 on \(data)")
    }
}
