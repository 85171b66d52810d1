import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `adapter-search plugins test FILE`: runs a plugin library (or metric
/// manifest) without training anything and checks what the ABI promises
/// (PLUGIN_ABI.md): the library loads, speaks a compatible ABI version and
/// exports nothing but `asp_plugin_entry`; each descriptor is well formed;
/// each plugin is created with its defaults and refuses bad parameter
/// values with a status and a message; a metric scores every edge finitely,
/// the same twice, and refuses an edge outside the graph; a strategy
/// chooses at most k distinct candidate edges, the same for the same seed,
/// honours its output capacity and handles an impossible k.
///
/// Metrics score on a probe (`HarnessProbe`: synthetic, or dumped by
/// `score --dump-probe`); strategies get scores from real metric plugins on
/// it and synthetic evaluations (`HarnessSearch`). By default every check
/// runs in a child process (`adapter-search plugins test --harness-child`),
/// so that a plugin that crashes, exits or hangs fails the check it was in
/// and a new child goes on with the next.
public struct PluginHarness {
    /// What to test and how.
    public struct Settings: Codable, Equatable, Sendable {
        /// The plugin library (.so) or metric manifest (.metric.json).
        public var file: String
        /// A folder written by `score --dump-probe`, or nil for the synthetic probe.
        public var probeFolder: String?
        /// The first run seed; strategies are also run with `seed + 1`.
        public var seed: UInt64
        /// The candidate edge kinds of strategies, `--kinds` text.
        public var kinds: String
        /// Where the metrics strategies ask for come from (besides the file
        /// itself), and every plugin's `--set` parameters, by id.
        public var plugins: PluginSources
        /// Seconds one check may run in a child process before it is stopped.
        public var timeout: Double

        /// Settings; `kinds` defaults to every kind but recurrent, so that a
        /// strategy ignoring the candidates shows.
        public init(file: String, probeFolder: String? = nil, seed: UInt64 = 0, kinds: String = "sequential,parallel,long-range",
                    plugins: PluginSources = PluginSources(), timeout: Double = 120) {
            self.file = URL(fileURLWithPath: file).standardizedFileURL.path
            self.probeFolder = probeFolder.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            self.seed = seed
            self.kinds = kinds
            self.plugins = plugins
            self.timeout = timeout
        }

        /// The two seeds strategies are run with.
        public var seeds: [UInt64] { [seed, seed &+ 1] }

        /// The candidate kinds (checked by `PluginHarness.init`).
        var candidateKinds: Set<Edge.Kind> { (try? SearchSpace.kinds(parsing: kinds)) ?? [] }

        /// "sequential, parallel and long-range".
        var kindsDescription: String {
            let names = Edge.Kind.allCases.filter(candidateKinds.contains).map(\.description)
            return names.count > 1 ? names.dropLast().joined(separator: ", ") + " and " + names.last! : names.joined()
        }

        /// The probe these settings name.
        func makeProbe() throws -> HarnessProbe {
            if let probeFolder { return try HarnessProbe.dumped(folder: probeFolder, seed: seed) }
            return try HarnessProbe.synthetic(seed: seed)
        }
    }

    /// The settings.
    public let settings: Settings

    /// A harness; throws `RunError.invalidSetting` for unknown kinds or a
    /// timeout that is not a positive number of seconds.
    public init(_ settings: Settings) throws {
        _ = try SearchSpace.kinds(parsing: settings.kinds)
        guard settings.timeout > 0, settings.timeout.isFinite else {
            throw RunError.invalidSetting("--timeout must be a positive number of seconds")
        }
        self.settings = settings
    }

    /// The report's heading, before any check: reads the probe (a `--probe`
    /// folder that is not a dumped probe is an error here).
    public func start(inProcess: Bool) throws -> HarnessReport {
        let probe = try settings.makeProbe()
        let candidates = Edge.all(nodeCount: probe.nodeCount).filter { settings.candidateKinds.contains($0.kind) }
        let ks = [1, 2, 3].filter { $0 <= candidates.count }.map(String.init)
        return HarnessReport(
            file: settings.file, probe: probe.description, evaluations: HarnessSearch.explanation,
            strategies: "the \(candidates.count) \(settings.kindsDescription) edges of \(probe.nodeCount) nodes are the candidates; "
                + "k = \(ks.joined(separator: ", ")), then \(candidates.count + 1) (more than the candidates)",
            seeds: settings.seeds,
            isolation: inProcess ? "in this process (--in-process): a plugin that crashes ends the test"
                : "in a child process: a check whose plugin crashes, exits or runs past \(ScoreTable.format(settings.timeout)) s "
                    + "fails, and a new child goes on")
    }

    /// Runs every check, appending each to `report` and passing it to `each`
    /// as it completes: in a child process of `executable` (default: this
    /// `adapter-search`, or the one beside this process), or with
    /// `inProcess` in this one. Throws only when no child can be started.
    public func run(into report: inout HarnessReport, inProcess: Bool, executable: URL? = nil,
                    each: (HarnessCheck) -> Void = { _ in }) throws {
        var checks: [HarnessCheck] = []
        if inProcess {
            Self.runSteps(settings, from: 0, crashed: [], begin: { _, _ in }) { check in
                checks.append(check)
                each(check)
            }
        } else {
            let program = try executable ?? IsolatedPlugin.workerExecutable(plugin: "plugins test")
            try HarnessSupervisor(settings: settings, executable: program).run { check in
                checks.append(check)
                each(check)
            }
        }
        report.checks += checks
    }

    /// Runs the checks numbered `start` on in this process: `begin` is told
    /// each check's number and name before it runs, `report` its outcome.
    /// `crashed` names the checks whose plugin crashed or hung in an earlier
    /// process: the checks that would only do it again are skipped.
    static func runSteps(_ settings: Settings, from start: Int, crashed: Set<String>, begin: (Int, String) -> Void,
                         report: (HarnessCheck) -> Void) {
        let session = HarnessSession(settings: settings, crashed: crashed)
        if start == 0 { begin(0, "\(session.fileSubject): loads") }  // loading is the first check's work
        session.load()
        for (index, step) in session.steps().enumerated() where index >= start {
            if index > 0 { begin(index, step.name) }
            report(step.run())
        }
    }

    // MARK: - The child process

    /// What a parent asks of a child: the settings, the first check to run,
    /// and the checks during which earlier children crashed or hung.
    struct ChildRequest: Codable {
        var settings: Settings
        var start: Int
        var crashed: [String]
        /// The parent's `PluginLogLevel.current`, so that plugins' lines are filtered alike.
        var logLevel: Int32
    }

    /// What a child tells its parent, one JSON object a line.
    enum ChildEvent: Codable {
        /// Check `index` (`name`) starts.
        case begin(index: Int, name: String)
        /// The check that began last has this outcome.
        case check(HarnessCheck)
        /// Every check ran.
        case done
    }

    /// Serves a parent as a child process (`plugins test --harness-child
    /// JSON`): runs the checks the request asks for and writes each event as
    /// one line to what was standard output, which from then on is standard
    /// error, so that a plugin printing cannot garble them. Returns the
    /// process's exit status.
    public static func serveChild(_ request: String) -> Int32 {
        guard let decoded = try? JSONDecoder().decode(ChildRequest.self, from: Data(request.utf8)) else {
            printError("adapter-search plugins test: --harness-child takes the request of a parent `plugins test`, not for direct use")
            return 64
        }
        PluginLogLevel.current = PluginLogLevel(rawValue: decoded.logLevel) ?? .warning
        let events = dup(STDOUT_FILENO)
        guard events >= 0, dup2(STDERR_FILENO, STDOUT_FILENO) >= 0 else { return 71 }
        func send(_ event: ChildEvent) {
            guard let line = try? jsonText(event) else { return }
            let bytes = Array((line + "\n").utf8)
            var written = 0
            while written < bytes.count {
                let result = bytes[written...].withUnsafeBytes { write(events, $0.baseAddress, $0.count) }
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { _exit(0) }  // the parent is gone
                written += result
            }
        }
        runSteps(decoded.settings, from: decoded.start, crashed: Set(decoded.crashed), begin: { send(.begin(index: $0, name: $1)) }) { send(.check($0)) }
        send(.done)
        return 0
    }
}
