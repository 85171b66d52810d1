import ArgumentParser
import Core
import Host

/// `adapter-search train`: trains one placement and reports its accuracy.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train adapters on a placement (and a linear head) on a frozen backbone; report validation and test accuracy.")

    @Option(help: "The placement, e.g. 12>0:r8,3>4:r4:gelu; 'none' trains the head alone (a linear probe).")
    var placement: String

    @OptionGroup var task: TaskOptions

    @OptionGroup var budget: BudgetOptions

    @Flag(help: "Stop gradients at recurrent edges' pass-1 sources.")
    var stopGradient = false

    @Option(help: "Write adapters.safetensors (adapters and head) and placement.json here.")
    var out: String?

    @Flag(help: "Print {\"val_acc\", \"test_acc\", \"params\", \"seconds\", \"precision\"} as JSON.")
    var json = false

    func run() throws {
        let training = PlacementTraining(placement: placement, task: task.specification, budget: budget.budget,
                                         stopGradient: stopGradient, execution: budget.execution, out: out)
        let result: TrainResult
        do {
            result = try training.run(showsProgress: !json)
        } catch TrainingError.stopped(let step) {
            printError("interrupted before step \(step) of \(budget.steps); nothing was written")
            throw ExitCode(Interruption.exitStatus)
        }
        print(json ? try jsonText(result) : result.summary, terminator: json ? "\n" : "")
    }
}
