import Foundation

/// Where the placements a run trains are trained: in the run's own process,
/// by worker processes on this machine, or by a Slurm job array. The
/// executor never changes a result, only where and when it is computed.
public enum Executor: Codable, Equatable, Sendable, CustomStringConvertible {
    /// One placement after another, in the run's process (all its threads).
    case serial
    /// `workers` worker processes on this machine, the cores split between them.
    case local(workers: Int)
    /// A Slurm job array of workers, submitted with `sbatch`.
    case slurm(SlurmSettings)

    /// Reads `serial`, `local:N` or `slurm` (whose settings are `slurm`).
    public init(parsing text: String, slurm: SlurmSettings = SlurmSettings()) throws(RunError) {
        switch text {
        case "serial": self = .serial
        case "slurm": self = .slurm(slurm)
        case _ where text.hasPrefix("local:"):
            guard let workers = Int(text.dropFirst("local:".count)), workers >= 1, workers <= 1024 else {
                throw .invalidSetting("--executor \(text): write local:N with N workers between 1 and 1024, e.g. local:2")
            }
            self = .local(workers: workers)
        default:
            throw .invalidSetting("unknown executor '\(text)'; choose serial, local:N (N worker processes) or slurm")
        }
    }

    /// `serial`, `local:N` or `slurm`.
    public var description: String {
        switch self {
        case .serial: "serial"
        case let .local(workers): "local:\(workers)"
        case .slurm: "slurm"
        }
    }
}

/// How the Slurm executor asks for its array tasks: each becomes an
/// `#SBATCH` line of the batch script.
public struct SlurmSettings: Codable, Equatable, Sendable {
    /// `--partition`, or the cluster's default.
    public var partition: String?
    /// `--time` of each array task (Slurm's forms: `MM`, `HH:MM:SS`, `D-HH`), or the partition's default.
    public var timeLimit: String?
    /// `--cpus-per-task`: the threads each worker trains with.
    public var cpusPerTask: Int
    /// `--mem` of each array task (e.g. `8G`), or the partition's default.
    public var memory: String?
    /// Array tasks running at once (`--array=...%N`), or no limit.
    public var parallelism: Int?
    /// Further `sbatch` options, one each (e.g. `--account=lab`), written as they are.
    public var extraArguments: [String]

    public init(partition: String? = nil, timeLimit: String? = nil, cpusPerTask: Int = 1, memory: String? = nil,
                parallelism: Int? = nil, extraArguments: [String] = []) {
        self.partition = partition
        self.timeLimit = timeLimit
        self.cpusPerTask = cpusPerTask
        self.memory = memory
        self.parallelism = parallelism
        self.extraArguments = extraArguments
    }

    /// Throws unless every setting can go into a batch script.
    public func check() throws(RunError) {
        guard cpusPerTask >= 1 else { throw .invalidSetting("--cpus-per-task must be at least 1") }
        if let parallelism, parallelism < 1 { throw .invalidSetting("--array-parallelism must be at least 1") }
        for (option, value) in [("--partition", partition), ("--time", timeLimit), ("--mem", memory)] {
            if let value, value.isEmpty || value.contains(where: { $0.isWhitespace }) {
                throw .invalidSetting("\(option) '\(value)' must be one word")
            }
        }
        if let bad = extraArguments.first(where: { !$0.hasPrefix("-") || $0.contains("\n") }) {
            throw .invalidSetting("--sbatch-arg '\(bad)' is not an sbatch option; write each as --option=value")
        }
    }
}

extension ExecutionSettings {
    /// What makes run `run`'s evaluations under these settings: `evaluator`
    /// in this process (serial, with a progress bar for a chosen placement's
    /// training when `showsProgress`), or workers coordinated from it; `dryRun`
    /// prints the Slurm executor's first batch script instead of submitting it.
    func execution(evaluator: PlacementEvaluator, store: ResultsStore, run: String, showsProgress: Bool = false,
                   dryRun: Bool = false) -> any UnitExecution {
        let launcher: any TaskLauncher
        switch executor {
        case .serial: return SerialExecution(evaluator: evaluator, store: store, run: run, showsProgress: showsProgress)
        case let .local(workers): launcher = LocalLauncher(workers: workers)
        case let .slurm(settings): launcher = SlurmLauncher(settings: settings, dryRun: dryRun)
        }
        return BatchCoordinator(store: store, run: run, launcher: launcher, unitsPerTask: unitsPerTask, retries: retries,
                                budgetKey: evaluator.budgetKey)
    }
}
