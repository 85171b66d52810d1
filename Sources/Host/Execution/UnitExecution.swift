import Foundation

/// Makes the evaluations of work units for a run and stores each in the
/// run's results store the moment it exists: the run's executor at work.
protocol UnitExecution {
    /// Makes the evaluation of every one of `units` (distinct, none stored
    /// yet); returns once each is stored, a diverged training included.
    /// Throws when some could not be made (the others stay stored), or on
    /// Ctrl-C.
    func make(_ units: [WorkUnit]) throws
}

/// The serial executor: the run's own process trains one unit after another.
struct SerialExecution: UnitExecution {
    let evaluator: PlacementEvaluator
    let store: ResultsStore
    let run: String
    /// Whether a unit that writes a run's adapters (the chosen placement)
    /// shows a progress bar while it trains.
    var showsProgress = false
    /// Hears one line per evaluation.
    var report: (String) -> Void = { printError($0) }

    func make(_ units: [WorkUnit]) throws {
        for (done, unit) in units.enumerated() {
            try Interruption.check()
            let bar = ProgressBar(total: unit.steps, enabled: showsProgress && unit.out != nil)
            let record = try evaluator.evaluate(unit, run: run, progress: bar.update)
            bar.finish()
            try store.saveOrComplete(record)
            report(TrainedLine.text(record, done: done + 1, of: units.count))
        }
    }
}
