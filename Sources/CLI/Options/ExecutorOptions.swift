import ArgumentParser
import Host

/// Where a run's placements are trained: in this process, by local worker
/// processes, or by a Slurm job array, with the Slurm array's settings.
struct ExecutorOptions: ParsableArguments {
    @Option(help: ArgumentHelp("serial (in this process), local:N (N worker processes on this machine, the cores split between them) "
                               + "or slurm (a Slurm job array of workers). Results are the same whichever.", valueName: "executor"))
    var executor: String = "serial"

    @Option(help: ArgumentHelp("Placements each worker task trains (default: one task per local worker, or per array slot: --array-parallelism, else 250).",
                               valueName: "n"))
    var unitsPerTask: Int?

    @Option(help: "How many times placements a worker task left untrained (it failed, timed out or was preempted) are submitted again.")
    var retries: Int = 2

    @Option(help: ArgumentHelp("Slurm: the partition.", valueName: "name"))
    var partition: String?

    @Option(name: .customLong("time"), help: ArgumentHelp("Slurm: each array task's time limit (e.g. 30, 2:00:00, 1-00).", valueName: "limit"))
    var timeLimit: String?

    @Option(help: ArgumentHelp("Slurm: CPUs per array task; each worker trains with that many threads.", valueName: "n"))
    var cpusPerTask: Int = 1

    @Option(name: .customLong("mem"), help: ArgumentHelp("Slurm: memory per array task (e.g. 8G).", valueName: "size"))
    var memory: String?

    @Option(help: ArgumentHelp("Slurm: array tasks running at once (--array=...%N).", valueName: "n"))
    var arrayParallelism: Int?

    @Option(name: .customLong("sbatch-arg"),
            help: ArgumentHelp("Slurm: one more sbatch option, as --option=value (repeatable), e.g. --sbatch-arg=--account=lab.",
                               valueName: "option"))
    var sbatchArguments: [String] = []

    @Flag(help: "Slurm: print the batch script of the first job array instead of submitting it, and stop (the run stays resumable).")
    var dryRun = false

    /// The Slurm options given, by name.
    private var slurmOptionsGiven: [String] {
        [("--partition", partition != nil), ("--time", timeLimit != nil), ("--cpus-per-task", cpusPerTask != 1), ("--mem", memory != nil),
         ("--array-parallelism", arrayParallelism != nil), ("--sbatch-arg", !sbatchArguments.isEmpty), ("--dry-run", dryRun)]
            .filter(\.1).map(\.0)
    }

    func validate() throws {
        let settings = try validating { try execution(ExecutionSettings()) }
        if case .slurm = settings.executor { return }
        if let given = slurmOptionsGiven.first {
            throw ValidationError("\(given) is a Slurm setting: give it with --executor slurm")
        }
    }

    /// `base` with the executor these options choose.
    func execution(_ base: ExecutionSettings) throws -> ExecutionSettings {
        var settings = base
        let slurm = SlurmSettings(partition: partition, timeLimit: timeLimit, cpusPerTask: cpusPerTask, memory: memory,
                                  parallelism: arrayParallelism, extraArguments: sbatchArguments)
        settings.executor = try Executor(parsing: executor, slurm: slurm)
        settings.unitsPerTask = unitsPerTask
        settings.retries = retries
        try settings.checkExecution()
        return settings
    }
}
