import Core
import Foundation
@testable import Host
import Testing

/// The typed run configuration: its JSON, the versions it refuses, and the
/// reading of 0.6.0 command lines.
@Suite struct RunConfigurationTests {
    static let task = TaskSpecification(model: "/m", data: .textFiles(.init(train: "/t.csv", validation: "/v.csv", test: "/s.jsonl",
                                                                            textColumn: "gloss", labelColumn: "sense")),
                                        dataSeed: 4, maxLength: 32)

    @Test func aConfigurationSurvivesItsJSON() throws {
        let identity = TaskIdentity(model: "aa", data: "bb", digest: "cc")
        let configurations = [
            RunConfiguration(command: .search, task: Self.task, taskIdentity: identity,
                             space: SearchSpace(kinds: [.parallel, .recurrent], adapter: "r4:gelu", stopGradient: true),
                             budget: TrainingBudget(steps: 7, batchSize: 3, learningRate: 0.5, weightDecay: 0, seed: 9, evaluationLimit: 11),
                             probe: ProbeSettings(size: 5, seed: 6, head: .fitted), plugins: PluginSources(files: ["/a.so"], directories: ["/d"]),
                             execution: ExecutionSettings(isolation: try PluginIsolation(pluginTimeout: 2.5), cacheMemory: 0),
                             search: SearchSettings(strategy: "gga", metric: "snip", k: 2, parameters: ["gamma": "0.5"], out: "/o")),
            RunConfiguration(command: .compare, task: TaskSpecification(data: .fashionMNIST), taskIdentity: .unrecorded,
                             compare: CompareSettings(metrics: [], probeSeeds: 2, topK: 1, resamples: 10)),
            RunConfiguration(command: .compare, task: TaskSpecification(data: .imageFiles(.init(trainImages: "a", trainLabels: "b",
                                                                                                 testImages: "c", testLabels: "d"))),
                             taskIdentity: identity, compare: CompareSettings()),
        ]
        for configuration in configurations {
            let json = try configuration.json()
            #expect(try RunConfiguration(json: json, run: "r") == configuration, "\(json)")
        }
        let json = try configurations[0].json()
        for key in [#""format":1"#, #""kinds":["parallel","recurrent"]"#, #""kind":"text-files""#, #""plugin_timeout":2.5"#,
                    #""stop_gradient":true"#, #""task_identity":{"data":"bb","digest":"cc","model":"aa"}"#] {
            #expect(json.contains(key), "\(key) in \(json)")
        }
    }

    @Test func eachWordNetTaskIsStoredUnderItsOwnKind() throws {
        // The noun task's JSON is what earlier versions wrote and read.
        for (source, json) in [(TaskSpecification.DataSource.wordNetNouns, #""data":{"kind":"wordnet-nouns"}"#),
                               (.wordNetVerbs, #""data":{"kind":"wordnet-verbs"}"#)] {
            let configuration = RunConfiguration(command: .compare, task: TaskSpecification(data: source), taskIdentity: .unrecorded,
                                                 compare: CompareSettings())
            let written = try configuration.json()
            #expect(written.contains(json), "\(written)")
            #expect(try RunConfiguration(json: written, run: "r") == configuration)
        }
        let unknown = try RunConfiguration(command: .compare, task: TaskSpecification(), taskIdentity: .unrecorded, compare: CompareSettings())
            .json().replacingOccurrences(of: "wordnet-nouns", with: "wordnet-adverbs")
        let error = try #require(throws: RunError.self) { try RunConfiguration(json: unknown, run: "r9") }
        #expect(error.description.contains("r9") && error.description.contains("wordnet-adverbs"), "\(error)")
    }

    @Test func aConfigurationThisVersionCannotReadIsAnErrorNamingTheRun() throws {
        let newer = try RunConfiguration(command: .compare, task: Self.task, taskIdentity: .unrecorded, compare: CompareSettings())
            .json().replacingOccurrences(of: #""format":1"#, with: #""format":2"#)
        let cases = [
            (newer, "format 2; this version reads format 1"),
            (#"{"strategy":"gga"}"#, "no format number"),
            (#"{"format":0,"arguments":["--bogus"],"unconverted":"unknown option --bogus"}"#, "unknown option --bogus"),
            (try RunConfiguration(command: .search, task: Self.task, taskIdentity: .unrecorded).json(), "without its search settings"),
        ]
        for (json, message) in cases {
            let error = try #require(throws: RunError.self) { try RunConfiguration(json: json, run: "rabc123") }
            #expect(error.description.contains("rabc123") && error.description.contains(message), "\(error)")
        }
    }

    @Test func version060CommandLinesAreReadWithThatVersionsDefaults() throws {
        let arguments = ["--strategy=random", "--k", "4", "--set", "draws=3", "--kinds", "parallel", "--isolate", "--json",
                         "--fashion-mnist", "--cache-memory", "0.5", "--evaluation-limit=100", "--plugin", "a.so", "--plugin", "b.so"]
        let configuration = try LegacyRunArguments(arguments).configuration(.search)
        #expect(configuration.search == SearchSettings(strategy: "random", k: 4, parameters: ["draws": "3"]))
        #expect(configuration.space.kinds == [.parallel] && configuration.task.data == .fashionMNIST)
        #expect(configuration.execution.isolation.isolate && configuration.execution.cacheMemory == 0.5)
        #expect(configuration.budget == TrainingBudget(evaluationLimit: 100) && configuration.plugins.files == ["a.so", "b.so"])
        #expect(configuration.task.model == CacheFolder.miniLM && configuration.probe == ProbeSettings())

        let converted = try #require(LegacyRunArguments.converted(configuration: #"{"arguments":["--steps","x"]}"#,
                                                                   command: "adapter-search compare --steps x"))
        let error = try #require(throws: RunError.self) { try RunConfiguration(json: converted, run: "r1") }
        #expect(error.description.contains("--steps 'x' is not a number"), "\(error)")
        #expect(LegacyRunArguments.converted(configuration: try RunConfiguration(command: .compare, task: Self.task,
                                                                                 taskIdentity: .unrecorded, compare: CompareSettings()).json(),
                                             command: "adapter-search compare") == nil, "a current configuration is left alone")
    }
}
