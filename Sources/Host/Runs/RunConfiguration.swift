import Core
import Foundation

/// Everything that defines a stored run, recorded when it is created:
/// `--resume`, `report` and `runs show` read it back; nothing re-parses a
/// command line. The JSON is versioned by `format`; a store written by
/// 0.6.0, which kept the command line instead, is converted once when it is
/// opened (`LegacyRunArguments`).
public struct RunConfiguration: Codable, Equatable, Sendable {
    /// The format this version writes.
    public static let currentFormat = 1

    /// What kind of run it is.
    public enum Command: String, Codable, Sendable, CaseIterable {
        case search, compare, study
    }

    /// The version of this JSON layout.
    public var format: Int
    /// The command that made the run.
    public var command: Command
    /// The backbone and the data.
    public var task: TaskSpecification
    /// What the task's files held when the run was created.
    public var taskIdentity: TaskIdentity
    /// Candidate edges and the adapters' options.
    public var space: SearchSpace
    /// How every placement is trained.
    public var budget: TrainingBudget
    /// How probe passes are made.
    public var probe: ProbeSettings
    /// Where plugins are loaded from.
    public var plugins: PluginSources
    /// How the work is carried out: isolation, timeouts, memory. These never change a result.
    public var execution: ExecutionSettings
    /// The strategy and its parameters (search runs).
    public var search: SearchSettings?
    /// The metrics and statistics' settings (compare runs).
    public var compare: CompareSettings?
    /// The strategies, sizes and seeds (study runs).
    public var study: StudySettings?

    /// A configuration of the current format.
    public init(command: Command, task: TaskSpecification, taskIdentity: TaskIdentity, space: SearchSpace = SearchSpace(),
                budget: TrainingBudget = TrainingBudget(), probe: ProbeSettings = ProbeSettings(),
                plugins: PluginSources = PluginSources(), execution: ExecutionSettings = ExecutionSettings(),
                search: SearchSettings? = nil, compare: CompareSettings? = nil, study: StudySettings? = nil) {
        format = Self.currentFormat
        self.command = command
        self.task = task
        self.taskIdentity = taskIdentity
        self.space = space
        self.budget = budget
        self.probe = probe
        self.plugins = plugins
        self.execution = execution
        self.search = search
        self.compare = compare
        self.study = study
    }

    /// The configuration as the store keeps it: JSON, snake_case keys, sorted.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads a stored configuration; a format this version does not know, or
    /// a command without its section, is an error naming the run.
    public init(json: String, run: String) throws(RunError) {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        struct Format: Decodable { var format: Int?; var unconverted: String? }
        let header = try? decoder.decode(Format.self, from: Data(json.utf8))
        if let reason = header?.unconverted {
            throw .unreadableConfiguration(run: run, reason: "its 0.6.0 command line could not be converted (\(reason))")
        }
        guard let format = header?.format else { throw .unreadableConfiguration(run: run, reason: "it has no format number") }
        guard format == Self.currentFormat else {
            throw .unreadableConfiguration(run: run, reason: "format \(format); this version reads format \(Self.currentFormat)")
        }
        do {
            self = try decoder.decode(Self.self, from: Data(json.utf8))
        } catch {
            throw .unreadableConfiguration(run: run, reason: "\(error)")
        }
        guard (command == .search) == (search != nil), (command == .compare) == (compare != nil),
              (command == .study) == (study != nil) else {
            throw .unreadableConfiguration(run: run, reason: "a \(command) run without its \(command) settings")
        }
    }
}

/// What a `search` run asks of its strategy.
public struct SearchSettings: Codable, Equatable, Sendable {
    /// The strategy plugin's id.
    public var strategy: String
    /// The metric guiding it (its `metric` parameter), for strategies that take one.
    public var metric: String?
    /// Edges in the placement.
    public var k: Int
    /// The strategy's other parameters, by name.
    public var parameters: [String: String]
    /// Where the chosen placement's files go (default: a folder named after the run beside the store).
    public var out: String?

    public init(strategy: String = "gga", metric: String? = nil, k: Int = 3, parameters: [String: String] = [:], out: String? = nil) {
        self.strategy = strategy
        self.metric = metric
        self.k = k
        self.parameters = parameters
        self.out = out
    }

    /// Throws unless `k` edges can be chosen among `candidates` edges.
    public func check(candidates: Int) throws(RunError) {
        guard k <= candidates else { throw .invalidSetting("--k \(k) is more than the \(candidates) candidate edges") }
    }

    /// The configuration the strategy is created with: its parameters, and
    /// `metric` when one is named.
    public var strategyConfiguration: [String: String] {
        var configuration = parameters
        if let metric { configuration["metric"] = metric }
        return configuration
    }
}

/// What a `compare` run judges and how.
public struct CompareSettings: Codable, Equatable, Sendable {
    /// The metrics to judge as given to `--metric`: plugin ids, or sweeps
    /// `ID:NAME=V1,V2,...` (`MetricSweep`); empty: every metric found.
    public var metrics: [String]
    /// Probe sizes to score every metric row at (`--probe-size 8,32,128`),
    /// each row labelled `@probe-size=N`; nil (and absent from a run stored
    /// before sweeps) for the run's one probe size, rows unlabelled.
    public var probeSizes: [Int]?
    /// Probe batches drawn with seeds probe seed, +1, ...: the bootstrap's samples.
    public var probeSeeds: Int
    /// k of the top-k overlap.
    public var topK: Int
    /// Bootstrap resamples of the probe seeds.
    public var resamples: Int

    public init(metrics: [String] = [], probeSizes: [Int]? = nil, probeSeeds: Int = 5, topK: Int = 5,
                resamples: Int = SeedBootstrap.defaultResamples) {
        self.metrics = metrics
        self.probeSizes = probeSizes
        self.probeSeeds = probeSeeds
        self.topK = topK
        self.resamples = resamples
    }

    /// The rows to judge, in order: each `--metric` sweep expanded (or each
    /// metric id of `found` when none is named), then at each probe size.
    /// A text that is not a sweep, a probe size below 1, or a row given twice is an error.
    public func rows(found: [String]) throws(RunError) -> [MetricRow] {
        var sweeps: [MetricSweep] = []
        for text in metrics { sweeps.append(try MetricSweep(parsing: text)) }
        if metrics.isEmpty { sweeps = found.map { MetricSweep(metric: $0) } }
        if let probeSizes {
            guard !probeSizes.isEmpty else { throw .invalidSetting("--probe-size has no sizes; give one or more, comma-separated (8,32,128)") }
            if let bad = probeSizes.first(where: { $0 < 1 }) {
                throw .invalidSetting("--probe-size \(bad): a probe batch needs at least 1 example")
            }
        }
        let sizes: [Int?] = probeSizes ?? [nil]
        let rows = sweeps.flatMap { sweep in sizes.flatMap { sweep.rows(probeSize: $0) } }
        var labels = Set<String>()
        for row in rows where !labels.insert(row.label).inserted {
            throw .invalidSetting("--metric and --probe-size give the row \(row.label) twice; give each setting once")
        }
        return rows
    }
}

/// How a run is carried out. None of it changes a result.
public struct ExecutionSettings: Codable, Equatable, Sendable {
    /// Whether plugins run in child processes, and their time limit.
    public var isolation: PluginIsolation
    /// GiB of frozen node values the prefix cache keeps in memory (0: no cache).
    public var cacheMemory: Double
    /// Whether evaluations another run of the store already made (the same
    /// computation, `EvaluationIdentity`) are reused instead of trained again.
    public var reusesEvaluations: Bool
    /// Where placements are trained.
    public var executor: Executor
    /// Work units (placements) per worker task, or nil to let the executor choose.
    public var unitsPerTask: Int?
    /// How many times work a worker task left unmade (it failed, timed out or
    /// was preempted) is submitted again before the run fails.
    public var retries: Int

    public init(isolation: PluginIsolation = PluginIsolation(), cacheMemory: Double = 4, reusesEvaluations: Bool = true,
                executor: Executor = .serial, unitsPerTask: Int? = nil, retries: Int = 2) {
        self.isolation = isolation
        self.cacheMemory = cacheMemory
        self.reusesEvaluations = reusesEvaluations
        self.executor = executor
        self.unitsPerTask = unitsPerTask
        self.retries = retries
    }

    private enum CodingKeys: String, CodingKey { case isolation, cacheMemory, reusesEvaluations, executor, unitsPerTask, retries }

    /// Reads the settings; a configuration written before the evaluation
    /// cache reuses evaluations, and one written before executors is serial.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        isolation = try container.decode(PluginIsolation.self, forKey: .isolation)
        cacheMemory = try container.decode(Double.self, forKey: .cacheMemory)
        reusesEvaluations = try container.decodeIfPresent(Bool.self, forKey: .reusesEvaluations) ?? true
        executor = try container.decodeIfPresent(Executor.self, forKey: .executor) ?? .serial
        unitsPerTask = try container.decodeIfPresent(Int.self, forKey: .unitsPerTask)
        retries = try container.decodeIfPresent(Int.self, forKey: .retries) ?? 2
    }

    /// Throws unless the executor's settings hold together.
    public func checkExecution() throws(RunError) {
        if let unitsPerTask, unitsPerTask < 1 { throw .invalidSetting("--units-per-task must be at least 1") }
        guard retries >= 0, retries <= 100 else { throw .invalidSetting("--retries must be between 0 and 100") }
        if case let .slurm(slurm) = executor { try slurm.check() }
    }

    /// The largest `cacheMemory` taken, in GiB (a petabyte): a memory
    /// budget, not a promise of memory, and small enough to count in bytes.
    public static let largestCacheMemory: Double = 1_048_576

    /// Throws unless `cacheMemory` is between 0 and `largestCacheMemory`.
    public static func check(cacheMemory: Double) throws(RunError) {
        guard cacheMemory >= 0, cacheMemory <= largestCacheMemory else {
            throw .invalidSetting("--cache-memory must be between 0 and \(Int(largestCacheMemory)) GiB")
        }
    }

    /// The prefix cache these settings ask for (nil when `cacheMemory` is 0).
    public func prefixCache(for backbone: Backbone<Float>) -> PrefixCache<Float>? {
        cacheMemory > 0 ? PrefixCache(backbone: backbone, memoryBudget: Int(cacheMemory * Double(1 << 30))) : nil
    }
}
