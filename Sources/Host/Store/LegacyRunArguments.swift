import Core
import Foundation

/// The command line a 0.6.0 store kept as a run's configuration
/// (`{"arguments": [...]}`, the arguments after `search` or `compare`), read
/// with 0.6.0's options and defaults into a typed configuration. Frozen: it
/// describes what that version meant, whatever today's options are.
public struct LegacyRunArguments {
    /// The 0.6.0 options that take no value.
    private static let flags: Set<String> = ["fashion-mnist", "stop-gradient", "isolate", "json"]
    /// The 0.6.0 options that may be given more than once.
    private static let repeatable: Set<String> = ["plugin", "plugin-path", "set", "metric"]
    /// Every 0.6.0 option of `search` and `compare` that takes a value.
    private static let valued: Set<String> = [
        "model", "train-file", "validation-file", "test-file", "text-column", "label-column", "train-images", "train-labels",
        "test-images", "test-labels", "data-seed", "max-length", "steps", "batch-size", "learning-rate", "weight-decay", "seed",
        "evaluation-limit", "cache-memory", "kinds", "adapter", "probe-size", "probe-seed", "head", "plugin", "plugin-path",
        "plugin-timeout", "strategy", "metric", "k", "set", "out", "probe-seeds", "top-k", "resamples",
    ]

    private var values: [String: [String]] = [:]
    private var setFlags: Set<String> = []

    /// Reads `arguments`; an option 0.6.0 did not have is an error.
    public init(_ arguments: [String]) throws(RunError) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else { throw .invalidSetting("unexpected argument '\(argument)'") }
            var name = String(argument.dropFirst(2)), inline: String?
            if let equals = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if Self.flags.contains(name) {
                setFlags.insert(name)
            } else if Self.valued.contains(name) {
                if inline == nil {
                    index += 1
                    guard index < arguments.count else { throw .invalidSetting("--\(name) without a value") }
                }
                values[name, default: []].append(inline ?? arguments[index])
            } else {
                throw .invalidSetting("unknown option --\(name)")
            }
            index += 1
        }
    }

    private func text(_ name: String) -> String? { values[name]?.last }

    private func number<T: LosslessStringConvertible>(_ name: String, _ fallback: T) throws(RunError) -> T {
        guard let text = text(name) else { return fallback }
        guard let value = T(text) else { throw .invalidSetting("--\(name) '\(text)' is not a number") }
        return value
    }

    /// The typed configuration of a `command` run with these arguments.
    public func configuration(_ command: RunConfiguration.Command) throws(RunError) -> RunConfiguration {
        let data: TaskSpecification.DataSource
        if let train = text("train-file") {
            data = .textFiles(.init(train: train, validation: text("validation-file") ?? "", test: text("test-file") ?? "",
                                    textColumn: text("text-column") ?? "text", labelColumn: text("label-column") ?? "label"))
        } else if let images = text("train-images") {
            data = .imageFiles(.init(trainImages: images, trainLabels: text("train-labels") ?? "", testImages: text("test-images") ?? "",
                                     testLabels: text("test-labels") ?? ""))
        } else {
            data = setFlags.contains("fashion-mnist") ? .fashionMNIST : .wordNetNouns
        }
        let task = TaskSpecification(model: text("model") ?? CacheFolder.miniLM, data: data, dataSeed: try number("data-seed", 0),
                                     maxLength: try number("max-length", 64))
        let evaluationLimit: Int? = text("evaluation-limit") == nil ? nil : try number("evaluation-limit", 0)
        let budget = TrainingBudget(steps: try number("steps", 300), batchSize: try number("batch-size", 32),
                                    learningRate: try number("learning-rate", 1e-3), weightDecay: try number("weight-decay", 1e-4),
                                    seed: try number("seed", 0), evaluationLimit: evaluationLimit)
        let space = SearchSpace(kinds: try SearchSpace.kinds(parsing: text("kinds") ?? "sequential,parallel,long-range,recurrent"),
                                adapter: text("adapter") ?? "r8", stopGradient: setFlags.contains("stop-gradient"))
        guard let head = ProbeSettings.Head(rawValue: text("head") ?? "random") else {
            throw .invalidSetting("--head '\(text("head") ?? "")' is not random or fitted")
        }
        let probe = ProbeSettings(size: try number("probe-size", 32), seed: try number("probe-seed", 0), head: head)
        let timeout: Double? = text("plugin-timeout") == nil ? nil : try number("plugin-timeout", 0)
        let cacheMemory: Double = try number("cache-memory", 4)
        try ExecutionSettings.check(cacheMemory: cacheMemory)
        let execution = ExecutionSettings(isolation: try PluginIsolation(isolate: setFlags.contains("isolate"), pluginTimeout: timeout),
                                          cacheMemory: cacheMemory)
        var configuration = RunConfiguration(
            command: command, task: task, taskIdentity: .unrecorded, space: space, budget: budget, probe: probe,
            plugins: PluginSources(files: values["plugin"] ?? [], directories: values["plugin-path"] ?? []), execution: execution)
        switch command {
        case .search:
            var parameters: [String: String] = [:]
            for pair in values["set"] ?? [] {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw .invalidSetting("--set '\(pair)' is not NAME=VALUE")
                }
                parameters[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            configuration.search = SearchSettings(strategy: text("strategy") ?? "gga", metric: text("metric"), k: try number("k", 3),
                                                  parameters: parameters, out: text("out"))
        case .compare:
            configuration.compare = CompareSettings(metrics: values["metric"] ?? [], probeSeeds: try number("probe-seeds", 5),
                                                    topK: try number("top-k", 5), resamples: try number("resamples", 1000))
        case .study:
            throw .invalidSetting("0.6.0 had no study command")
        }
        return configuration
    }
}

extension LegacyRunArguments {
    /// The stored configuration of a run made by 0.6.0 (`command` is its
    /// command line, `adapter-search search ...`), converted to the current
    /// format; nil when it is not a 0.6.0 configuration. Arguments that
    /// cannot be read are kept, with the reason, so that the run still lists
    /// and says why it cannot be resumed.
    public static func converted(configuration json: String, command: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              object["format"] == nil, let arguments = object["arguments"] as? [String] else { return nil }
        do throws(RunError) {
            let words = command.split(separator: " ")
            guard words.count >= 2, let subcommand = RunConfiguration.Command(rawValue: String(words[1])) else {
                throw .invalidSetting("`\(command)` is not a search or compare run")
            }
            let configuration = try LegacyRunArguments(arguments).configuration(subcommand)
            return try? configuration.json()
        } catch {
            return try? jsonText(LegacyConfiguration(arguments: arguments, unconverted: error.description))
        }
    }
}

/// A 0.6.0 configuration that could not be converted, kept as it was with the reason.
public struct LegacyConfiguration: Codable {
    public var format = 0
    public var arguments: [String]
    public var unconverted: String
}
