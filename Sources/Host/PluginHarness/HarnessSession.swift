import CAdapterSearch
import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The checks of `plugins test` on one file, run in this process: the
/// library's (loads, ABI version, entry point, exports, descriptors the host
/// accepts), then each plugin's (descriptor, parameters, create, and what a
/// metric or a strategy promises). Checks are numbered in a fixed order,
/// the same in every process, so that a child process that crashed can be
/// replaced by one that goes on after the check that crashed it.
final class HarnessSession {
    /// One check still to run.
    struct Step {
        var subject: String
        var check: String
        var run: () -> HarnessCheck

        /// "subject: check".
        var name: String { "\(subject): \(check)" }
    }

    /// What kind of plugin file is tested.
    enum FileKind {
        /// A shared library: its ABI table, version and exports are checked.
        case library
        /// A metric manifest (*.metric.json) naming a plain C function.
        case manifest
        /// Any other file the host's loader takes (`PluginDiscovery.loadFile`).
        case other
    }

    let settings: PluginHarness.Settings
    /// The checks during which an earlier child process crashed or hung.
    let crashed: Set<String>
    /// The file, absolute.
    let path: String
    /// What kind of file it is.
    let kind: FileKind

    // What loading found (`load`).
    private var handle: UnsafeMutableRawPointer?
    private var loadProblem: String?
    private var entry: asp_plugin_entry_fn?
    private var table: UnsafePointer<asp_library>?
    private var plugins: [PluginDescriptor] = []
    private var pluginsProblem: String?

    // Made when first needed.
    private var harnessProbe: Result<HarnessProbe, any Error>?
    private var metricScores: HarnessMetricScores?
    private var choices: [String: [Int: (selection: HarnessInstance.Selection, account: String)]] = [:]

    init(settings: PluginHarness.Settings, crashed: Set<String> = []) {
        self.settings = settings
        self.crashed = crashed
        path = URL(fileURLWithPath: settings.file).standardizedFileURL.path
        kind = Self.kind(of: path)
    }

    /// A metric manifest by its name; a shared library by its name (*.so)
    /// or its first bytes (ELF), or when it cannot be read; else another
    /// kind of plugin file.
    static func kind(of path: String) -> FileKind {
        if MetricManifestLoader.isManifest(path) { return .manifest }
        if path.hasSuffix(".so") || path.contains(".so.") { return .library }
        guard let handle = FileHandle(forReadingAtPath: path) else { return .library }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        return magic.isEmpty || Array(magic) == [0x7F, 0x45, 0x4C, 0x46] ? .library : .other
    }

    /// The subject of the checks of the file at `path`: "library", "manifest" or "file".
    static func subject(of path: String) -> String {
        switch kind(of: path) {
        case .library: "library"
        case .manifest: "manifest"
        case .other: "file"
        }
    }

    /// The subject of the file's own checks.
    var fileSubject: String { Self.subject(of: path) }

    // MARK: - Loading

    /// Opens the file as the host does, keeping what each step found for the
    /// checks to report: dlopen, the entry point, its table, then the host's
    /// loader (which checks every descriptor); or the manifest's loader.
    func load() {
        guard kind == .library else {
            do {
                plugins = try PluginDiscovery.loadFile(path)
            } catch {
                loadProblem = String(describing: error)
            }
            return
        }
        guard let opened = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            loadProblem = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            return
        }
        handle = opened
        if let symbol = dlsym(opened, ASP_ENTRY_SYMBOL) {
            entry = unsafeBitCast(symbol, to: asp_plugin_entry_fn.self)
            table = entry!(hostABIVersion)
        }
        do {
            plugins = try PluginLoader.load(path)
        } catch {
            pluginsProblem = String(describing: error)
        }
    }

    // MARK: - The steps

    /// Every check, in order. Call after `load`.
    func steps() -> [Step] {
        var steps: [Step] = []
        func add(_ subject: String, _ check: String, _ run: @escaping () -> HarnessCheck) {
            steps.append(Step(subject: subject, check: check, run: run))
        }
        func result(_ subject: String, _ check: String, _ status: HarnessCheck.Status, _ detail: String = "") -> HarnessCheck {
            HarnessCheck(subject: subject, check: check, status: status, detail: detail)
        }
        let library = fileSubject
        if kind != .library {
            add(library, "loads") { [self] in
                if let loadProblem { return result(library, "loads", .fail, loadProblem) }
                if plugins.isEmpty { return result(library, "loads", .fail, "it offers no plugin") }
                return result(library, "loads", .pass, "\(plugins.count) plugin\(plugins.count == 1 ? "" : "s"): "
                              + plugins.map(\.id).joined(separator: ", ")
                              + (kind == .manifest ? ", a plain C function called through libffi" : ""))
            }
            add(library, "exports only asp_plugin_entry") { [self] in
                result(library, "exports only asp_plugin_entry", .skip, kind == .manifest
                       ? "a manifest's library is an ordinary one whose function is found by name (PLUGIN_ABI.md rule 2's exception)"
                       : "not a shared library: the host loads it through its own bridge")
            }
        } else {
            add(library, "loads") { [self] in
                loadProblem.map { result(library, "loads", .fail, "dlopen: \($0)") } ?? result(library, "loads", .pass)
            }
            add(library, "ABI version") { [self] in abiVersionCheck() }
            add(library, "entry point") { [self] in entryPointCheck() }
            add(library, "exports only asp_plugin_entry") { [self] in exportsCheck() }
            add(library, "host accepts its descriptors") { [self] in
                let check = "host accepts its descriptors"
                if loadProblem != nil { return result(library, check, .skip, "the library did not load") }
                if let pluginsProblem { return result(library, check, .fail, pluginsProblem) }
                if plugins.isEmpty { return result(library, check, .fail, "the library offers no plugin") }
                return result(library, check, .pass, "\(plugins.count) plugin\(plugins.count == 1 ? "" : "s"): "
                              + plugins.map(\.id).joined(separator: ", "))
            }
        }
        for plugin in plugins {
            let id = plugin.id
            add(id, "descriptor") { HarnessLint.descriptor(plugin) }
            add(id, "parameter declarations") { HarnessLint.parameters(plugin) }
            add(id, "create with defaults") { [self] in createCheck(plugin) }
            add(id, "bad parameter values refused") { [self] in badValuesCheck(plugin) }
            switch plugin.kind {
            case .metric:
                add(id, "scores every edge") { [self] in scoresCheck(plugin) }
                add(id, "same inputs, same scores") { [self] in sameScoresCheck(plugin) }
                add(id, "edge outside the graph refused") { [self] in outsideEdgeCheck(plugin) }
            case .strategy:
                add(id, "select") { [self] in selectCheck(plugin) }
                add(id, "respects k") { [self] in respectsKCheck(plugin) }
                add(id, "only candidate edges") { [self] in candidatesCheck(plugin) }
                add(id, "no duplicate edges") { [self] in duplicatesCheck(plugin) }
                add(id, "same seed, same choice") { [self] in sameChoiceCheck(plugin) }
                add(id, "output capacity honoured") { [self] in capacityCheck(plugin) }
                add(id, "impossible k handled") { [self] in impossibleKCheck(plugin) }
            }
            add(id, "same result under --isolate") { [self] in isolatedCheck(plugin) }
        }
        return steps
    }

    // MARK: - The library

    private func abiVersionCheck() -> HarnessCheck {
        let result = verdict(fileSubject, "ABI version")
        if loadProblem != nil { return result(.skip, "the library did not load") }
        guard entry != nil else { return result(.fail, "it exports no \(ASP_ENTRY_SYMBOL): is it an AdapterSearch plugin?") }
        guard let table else {
            return result(.fail, "\(ASP_ENTRY_SYMBOL)(\(versionText(hostABIVersion))) returned NULL: it refuses this host's ABI")
        }
        let sized = SizedStruct(table)
        guard let version = sized[\asp_library.abi_version] else {
            return result(.fail, "the library table's struct_size \(sized.declaredSize) does not reach abi_version")
        }
        guard version >> 16 == hostABIVersion >> 16 else {
            return result(.fail, "the library implements ABI \(versionText(version)); this host speaks \(versionText(hostABIVersion)): "
                          + "major versions differ")
        }
        return result(.pass, "library \(versionText(version)), host \(versionText(hostABIVersion))")
    }

    private func entryPointCheck() -> HarnessCheck {
        let result = verdict(fileSubject, "entry point")
        guard let entry, let table else { return result(.skip, "there is no library table to ask for again") }
        let again = (0..<3).map { _ in entry(hostABIVersion) }
        guard again.allSatisfy({ $0 == table }) else {
            return result(.fail, "\(ASP_ENTRY_SYMBOL) returned a different table on a later call; it must return the same one each time")
        }
        return result(.pass, "returns the same table on every call")
    }

    private func exportsCheck() -> HarnessCheck {
        let check = "exports only asp_plugin_entry"
        let result = verdict(fileSubject, check)
        if loadProblem != nil { return result(.skip, "the library did not load") }
        let symbols: [String]
        do {
            symbols = try ELFSymbols.exported(path)
        } catch {
            return result(.fail, String(describing: error))
        }
        let others = symbols.filter { $0 != ASP_ENTRY_SYMBOL }
        if !others.isEmpty {
            let shown = others.prefix(8).joined(separator: ", ") + (others.count > 8 ? " and \(others.count - 8) more" : "")
            return result(.fail, "it also exports \(shown): build C with -fvisibility=hidden, and link C++, Rust or Swift "
                          + "with the version script plugins/sdk/exports.map")
        }
        guard symbols.contains(ASP_ENTRY_SYMBOL) else { return result(.fail, "its dynamic symbol table does not define \(ASP_ENTRY_SYMBOL)") }
        return result(.pass, "")
    }

    // MARK: - Environments

    /// The probe, made the first time a check needs it.
    private func probe() throws -> HarnessProbe {
        if harnessProbe == nil { harnessProbe = Result { try settings.makeProbe() } }
        return try harnessProbe!.get()
    }

    /// The candidate edges strategies choose among.
    private func candidates(_ probe: HarnessProbe) -> [Edge] {
        Edge.all(nodeCount: probe.nodeCount).filter { settings.candidateKinds.contains($0.kind) }
    }

    /// Real metric scores on the probe, made the first time a check needs them.
    private func sharedMetricScores(_ probe: HarnessProbe) -> HarnessMetricScores {
        if metricScores == nil {
            // The tested file's metrics first, then the others a run would find.
            var sources = settings.plugins
            sources.files = [path] + sources.files
            let found = (try? sources.load(reportingWarnings: false)) ?? plugins
            metricScores = HarnessMetricScores(probe: probe, metrics: found, parameters: settings.plugins, seed: settings.seed)
        }
        return metricScores!
    }

    /// The environment of metric `metric`: the probe, every edge a
    /// candidate, and other metrics' scores (for a metric combining them).
    private func metricEnvironment(_ probe: HarnessProbe, metric: String, seed: UInt64) -> PluginEnvironment {
        sharedMetricScores(probe).environment(metric, seed: seed)
    }

    /// The environment of a strategy, over fresh `HarnessSearch` services.
    private func strategyEnvironment(_ probe: HarnessProbe, seed: UInt64) throws -> (PluginEnvironment, HarnessSearch) {
        let search = HarnessSearch(metricScores: sharedMetricScores(probe))
        let environment = PluginEnvironment(seed: seed, nodeCount: probe.nodeCount, candidates: candidates(probe),
                                            search: search, checkpoints: search, progress: { _, _, _ in })
        return (environment, search)
    }

    /// The environment `plugin` runs in, under `seed`, and the search services if it is a strategy.
    private func environment(_ plugin: PluginDescriptor, seed: UInt64) throws -> (PluginEnvironment, HarnessSearch?) {
        let probe = try probe()
        if plugin.kind == .metric { return (metricEnvironment(probe, metric: plugin.id, seed: seed), nil) }
        let (environment, search) = try strategyEnvironment(probe, seed: seed)
        return (environment, search)
    }

    /// The configuration `plugin` is created with: its defaults, with what --set gave.
    private func configuration(_ plugin: PluginDescriptor) throws -> [(String, String)] {
        try plugin.configuration(settings.plugins.parameters(ofMetric: plugin.id))
    }

    /// A new instance of `plugin` under `seed` with its configuration, and
    /// its search services; or the SKIP result saying why there is none.
    private func instance(_ plugin: PluginDescriptor, seed: UInt64? = nil)
        -> Result<(HarnessInstance, HarnessSearch?), SkipReason> {
        if let reason = crashSkip(plugin, after: "create with defaults") { return .failure(reason) }
        do {
            let (environment, search) = try environment(plugin, seed: seed ?? settings.seed)
            switch HarnessInstance.make(plugin, environment: environment, pairs: try configuration(plugin)) {
            case let .success(instance): return .success((instance, search))
            case .failure: return .failure(SkipReason(detail: "the plugin cannot be created (see 'create with defaults')"))
            }
        } catch {
            return .failure(SkipReason(detail: "no environment to run it in: \(error)"))
        }
    }

    /// Why a check was skipped.
    private struct SkipReason: Error {
        var detail: String
    }

    /// The reason to skip a check of `plugin` that would only repeat
    /// `check`, during which an earlier child process crashed or hung.
    private func crashSkip(_ plugin: PluginDescriptor, after check: String) -> SkipReason? {
        crashed.contains("\(plugin.id): \(check)") ? SkipReason(detail: "the plugin crashed or hung in '\(check)'") : nil
    }

    // MARK: - Create and parameters

    private func createCheck(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "create with defaults"
        let result = verdict(plugin.id, check)
        let pairs: [(String, String)]
        do {
            pairs = try configuration(plugin)
        } catch {
            return result(.fail, "the values given with --set do not fit its declarations: \(error)")
        }
        let given = settings.plugins.parameters(ofMetric: plugin.id)
        let what = pairs.isEmpty ? "no parameters" : pairs.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
            + (given.isEmpty ? "" : " (--set: \(given.keys.sorted().joined(separator: ", ")))")
        let environment: PluginEnvironment
        do {
            environment = try self.environment(plugin, seed: settings.seed).0
        } catch {
            return result(.skip, "no environment to run it in: \(error)")
        }
        switch HarnessInstance.create(plugin, environment: environment, pairs: pairs) {
        case .created:
            return result(.pass, what)
        case let .refused(answer, _):
            return result(.fail, "create refused \(what) with \(answer.description)"
                          + (given.isEmpty && !pairs.isEmpty ? "; if a parameter has no usable default, give one with --set \(plugin.id).NAME=VALUE" : ""))
        case .noInstance:
            return result(.fail, "create returned ASP_OK with \(what) but left *instance NULL")
        }
    }

    /// Values `parameter` must refuse, each with why.
    static func badValues(_ parameter: ParameterDescriptor) -> [(value: String, why: String)] {
        var values: [(String, String)] = []
        switch parameter.type {
        case .int:
            values.append(("abc", "not an integer"))
            if let minimum = parameter.minimum, minimum > -1e15 {
                values.append((String(Int(minimum.rounded(.up)) - 1), "below its minimum \(ScoreTable.format(minimum))"))
            }
            if let maximum = parameter.maximum, maximum < 1e15 {
                values.append((String(Int(maximum.rounded(.down)) + 1), "above its maximum \(ScoreTable.format(maximum))"))
            }
        case .real:
            values.append(("abc", "not a number"))
            values.append(("nan", "not finite"))
            if let minimum = parameter.minimum, minimum.isFinite {
                values.append((String(minimum - max(1, abs(minimum))), "below its minimum \(ScoreTable.format(minimum))"))
            }
            if let maximum = parameter.maximum, maximum.isFinite {
                values.append((String(maximum + max(1, abs(maximum))), "above its maximum \(ScoreTable.format(maximum))"))
            }
        case .bool:
            values.append(("maybe", "neither true nor false"))
        case .string:
            break
        }
        return values
    }

    private func badValuesCheck(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "bad parameter values refused"
        let result = verdict(plugin.id, check)
        let cases = plugin.parameters.flatMap { parameter in Self.badValues(parameter).map { (parameter.name, $0.value, $0.why) } }
        guard !cases.isEmpty else {
            return result(.skip, plugin.parameters.isEmpty ? "it declares no parameters"
                          : "its parameters are text, which takes any value")
        }
        let base: [(String, String)], environment: PluginEnvironment
        do {
            base = try configuration(plugin)
            environment = try self.environment(plugin, seed: settings.seed).0
        } catch {
            return result(.skip, "no configuration or environment to start from: \(error)")
        }
        var problems: [String] = []
        for (name, value, why) in cases {
            let pairs = base.map { $0.0 == name ? (name, value) : $0 }
            switch HarnessInstance.create(plugin, environment: environment, pairs: pairs) {
            case .created, .noInstance:
                problems.append("accepted \(name)=\(value) (\(why)) instead of returning an error")
            case let .refused(answer, touched):
                if answer.message == nil {
                    problems.append("refused \(name)=\(value) with \(statusText(answer.status)) but no message (call set_error first)")
                }
                if touched { problems.append("wrote *instance although it refused \(name)=\(value)") }
            }
        }
        if !problems.isEmpty { return result(.fail, problems.joined(separator: "; ")) }
        return result(.pass, "refused " + cases.map { "\($0.0)=\($0.1)" }.joined(separator: ", ") + ", each with a status and a message")
    }

    // MARK: - Metrics

    /// The reason a metric's scoring checks do not apply, if one does.
    private func scoringSkip(_ plugin: PluginDescriptor) -> String? {
        guard plugin.needs & ASP_NEEDS_EXTRA_PASSES != 0, let probe = try? probe(), !probe.servesExtraPasses else { return nil }
        return "it needs extra passes, which a dumped probe cannot serve; test it on the synthetic probe (no --probe)"
    }

    /// "0>1, 2>3 and 4 more".
    static func list(_ edges: [Edge], limit: Int = 4) -> String {
        edges.isEmpty ? "none" : edges.prefix(limit).map(\.description).joined(separator: ", ")
            + (edges.count > limit ? " and \(edges.count - limit) more" : "")
    }

    private func scoresCheck(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "scores every edge"
        let result = verdict(plugin.id, check)
        if let skip = scoringSkip(plugin) { return result(.skip, skip) }
        let metric: HarnessInstance
        switch instance(plugin) {
        case let .success((made, _)): metric = made
        case let .failure(reason): return result(.skip, reason.detail)
        }
        let edges = Edge.all(nodeCount: metric.context.environment.nodeCount)
        let scored = metric.score(edges)
        var problems: [String] = []
        if scored.overran { problems.append("wrote past the end of the \(edges.count) scores it was given room for") }
        guard scored.answer.status == ASP_OK else {
            problems.insert("score of the \(edges.count) edges failed: \(scored.answer.description)", at: 0)
            return result(.fail, problems.joined(separator: "; "))
        }
        if !scored.unset.isEmpty {
            problems.append("left \(scored.unset.count) of \(edges.count) scores unset: \(Self.list(scored.unset.map { edges[$0] }))")
        }
        let bad = scored.scores.indices.filter { !scored.unset.contains($0) && !scored.scores[$0].isFinite }
        if !bad.isEmpty {
            problems.append("scored \(bad.count) of \(edges.count) edges non-finite: "
                            + bad.prefix(4).map { "\(edges[$0]) = \(scored.scores[$0])" }.joined(separator: ", "))
        }
        if !problems.isEmpty { return result(.fail, problems.joined(separator: "; ")) }
        let low = scored.scores.min()!, high = scored.scores.max()!
        return result(.pass, "\(edges.count) edges of \(metric.context.environment.nodeCount) nodes, all finite, "
                      + "from \(ScoreTable.format(low)) to \(ScoreTable.format(high))")
    }

    private func sameScoresCheck(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "same inputs, same scores"
        let result = verdict(plugin.id, check)
        if let skip = scoringSkip(plugin) { return result(.skip, skip) }
        if let reason = crashSkip(plugin, after: "scores every edge") { return result(.skip, reason.detail) }
        let first: HarnessInstance, second: HarnessInstance
        switch (instance(plugin), instance(plugin)) {
        case let (.success((a, _)), .success((b, _))): (first, second) = (a, b)
        case let (.failure(reason), _), let (_, .failure(reason)): return result(.skip, reason.detail)
        }
        let edges = Edge.all(nodeCount: first.context.environment.nodeCount)
        let runs = [("the first call", first.score(edges)), ("a second call on the same instance", first.score(edges)),
                    ("a new instance", second.score(edges))]
        guard runs.allSatisfy({ $0.1.answer.status == ASP_OK }) else {
            let failed = runs.first { $0.1.answer.status != ASP_OK }!
            return result(runs[0].1.answer.status == ASP_OK ? .fail : .skip,
                          runs[0].1.answer.status == ASP_OK ? "\(failed.0) failed: \(failed.1.answer.description), where the first scored"
                              : "score fails (see 'scores every edge')")
        }
        let reference = runs[0].1.scores
        for (what, run) in runs.dropFirst() {
            let changed = edges.indices.filter { run.scores[$0].bitPattern != reference[$0].bitPattern }
            if !changed.isEmpty {
                let examples = changed.prefix(3).map { "\(edges[$0]): \(reference[$0]) then \(run.scores[$0])" }.joined(separator: ", ")
                return result(.fail, "\(what) scored \(changed.count) of \(edges.count) edges differently (\(examples))")
            }
        }
        return result(.pass, "the same \(edges.count) scores, bit for bit, from a second call and from a new instance")
    }

    private func outsideEdgeCheck(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "edge outside the graph refused"
        let result = verdict(plugin.id, check)
        let metric: HarnessInstance
        switch instance(plugin) {
        case let .success((made, _)): metric = made
        case let .failure(reason): return result(.skip, reason.detail)
        }
        let nodes = metric.context.environment.nodeCount
        let outside = Edge(nodes, 0)
        let scored = metric.score([outside])
        if scored.overran { return result(.fail, "wrote past the end of the one score it was given room for") }
        guard scored.answer.status != ASP_OK else {
            return result(.fail, "scored edge \(outside) (the nodes are 0...\(nodes - 1)) as \(scored.scores[0]) "
                          + "instead of returning an error with a message")
        }
        guard scored.answer.message != nil else {
            return result(.fail, "refused edge \(outside) with \(statusText(scored.answer.status)) but no message (call set_error first)")
        }
        return result(.pass, "edge \(outside): \(scored.answer.description)")
    }

    // MARK: - Strategies

    /// The k a strategy is asked for: 1, 2 and 3, as far as there are candidates.
    private func ks(_ count: Int) -> [Int] { [1, 2, 3].filter { $0 <= count } }

    /// The selections of `plugin` for each k (a fresh instance each, the
    /// run seed), made once per process; or why there are none.
    private func selections(_ plugin: PluginDescriptor) -> Result<[Int: (selection: HarnessInstance.Selection, account: String)], SkipReason> {
        if let known = choices[plugin.id] { return .success(known) }
        if let reason = crashSkip(plugin, after: "select") { return .failure(reason) }
        let probe: HarnessProbe
        do {
            probe = try self.probe()
        } catch {
            return .failure(SkipReason(detail: "no probe: \(error)"))
        }
        let count = candidates(probe).count
        guard count > 0 else { return .failure(SkipReason(detail: "no candidate edges: widen --kinds")) }
        var made: [Int: (HarnessInstance.Selection, String)] = [:]
        for k in ks(count) {
            switch instance(plugin) {
            case let .success((strategy, search)):
                let selection = strategy.select(k: k, capacity: probe.nodeCount * probe.nodeCount)
                made[k] = (selection, search?.account ?? "")
            case let .failure(reason):
                return .failure(reason)
            }
        }
        choices[plugin.id] = made
        return .success(made)
    }

    /// What a check named `check` of `subject` (a plugin's id, or the file)
    /// returns: `result(.pass, "...")`.
    private func verdict(_ subject: String, _ check: String) -> (HarnessCheck.Status, String) -> HarnessCheck {
        { status, detail in HarnessCheck(subject: subject, check: check, status: status, detail: detail) }
    }

    /// The successful selections by k, or the result of a check that cannot use them.
    private func successfulSelections(_ plugin: PluginDescriptor, check: String) -> Result<[(k: Int, edges: [Edge])], SkipReason> {
        switch selections(plugin) {
        case let .failure(reason):
            return .failure(reason)
        case let .success(made):
            let sorted = made.sorted { $0.key < $1.key }
            guard sorted.allSatisfy({ $0.value.selection.answer.status == ASP_OK && $0.value.selection.count <= $0.value.selection.edges.count }) else {
                return .failure(SkipReason(detail: "select fails (see 'select')"))
            }
            return .success(sorted.map { ($0.key, $0.value.selection.edges) })
        }
    }

    private func selectCheck(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "select"
        let result = verdict(plugin.id, check)
        let made: [Int: (selection: HarnessInstance.Selection, account: String)]
        switch selections(plugin) {
        case let .success(found): made = found
        case let .failure(reason): return result(.skip, reason.detail)
        }
        let capacity = (try? probe()).map { $0.nodeCount * $0.nodeCount } ?? 0
        var problems: [String] = [], found: [String] = []
        for (k, outcome) in made.sorted(by: { $0.key < $1.key }) {
            let selection = outcome.selection
            if selection.overran { problems.append("k = \(k): wrote past the \(capacity) edges it was given room for") }
            if selection.answer.status != ASP_OK {
                problems.append("k = \(k): \(selection.answer.description)")
            } else if selection.count > capacity {
                problems.append("k = \(k): returned ASP_OK with *count = \(selection.count), more than the room for \(capacity)")
            } else {
                found.append("k = \(k): \(selection.edges.isEmpty ? "no edge" : selection.edges.map(\.description).joined(separator: " "))"
                             + (outcome.account.isEmpty ? "" : " (\(outcome.account))"))
            }
        }
        if !problems.isEmpty { return result(.fail, problems.joined(separator: "; ")) }
        return result(.pass, found.joined(separator: "; "))
    }

    private func respectsKCheck(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "respects k"
        let result = verdict(plugin.id, check)
        let chosen: [(k: Int, edges: [Edge])]
        switch successfulSelections(plugin, check: check) {
        case let .success(found): chosen = found
        case let .failure(reason): return result(.skip, reason.detail)
        }
        let counts = chosen.map(\.edges.count)
        let over = chosen.filter { $0.edges.count > $0.k }
        if !over.isEmpty {
            if chosen.count > 1, Set(counts).count == 1 {
                return result(.pass, "it ignores k: \(counts[0]) edges whatever k, which the ABI allows a strategy that defines its own size")
            }
            return result(.fail, over.map { "\($0.edges.count) edges for k = \($0.k)" }.joined(separator: ", "))
        }
        let under = chosen.filter { $0.edges.count < $0.k }
        return result(.pass, under.isEmpty ? "k edges for k = \(chosen.map { String($0.k) }.joined(separator: ", "))"
                      : "at most k; fewer for " + under.map { "k = \($0.k) (\($0.edges.count))" }.joined(separator: ", "))
    }

    private func candidatesCheck(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "only candidate edges"
        let result = verdict(plugin.id, check)
        let chosen: [(k: Int, edges: [Edge])]
        switch successfulSelections(plugin, check: check) {
        case let .success(found): chosen = found
        case let .failure(reason): return result(.skip, reason.detail)
        }
        guard let probe = try? probe() else { return result(.skip, "no probe") }
        let allowed = Set(candidates(probe))
        let strays = chosen.flatMap { choice in choice.edges.filter { !allowed.contains($0) }.map { (choice.k, $0) } }
        if !strays.isEmpty {
            return result(.fail, strays.prefix(4).map { k, edge in
                "\(edge) (k = \(k)): " + (edge.isInside(nodeCount: probe.nodeCount) ? "a \(edge.kind) edge, not a candidate"
                                             : "outside nodes 0...\(probe.nodeCount - 1)")
            }.joined(separator: ", ") + "; candidates are the \(settings.kindsDescription) edges (asp_host.candidate_edges)")
        }
        return result(.pass, "every edge chosen is among the \(allowed.count) candidates")
    }

    private func duplicatesCheck(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "no duplicate edges"
        let result = verdict(plugin.id, check)
        let chosen: [(k: Int, edges: [Edge])]
        switch successfulSelections(plugin, check: check) {
        case let .success(found): chosen = found
        case let .failure(reason): return result(.skip, reason.detail)
        }
        let repeated = chosen.filter { Set($0.edges).count != $0.edges.count }
        if !repeated.isEmpty {
            return result(.fail, repeated.map { "k = \($0.k): " + $0.edges.map(\.description).joined(separator: " ") }.joined(separator: "; "))
        }
        return result(.pass, "")
    }

    private func sameChoiceCheck(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "same seed, same choice"
        let result = verdict(plugin.id, check)
        if let reason = crashSkip(plugin, after: "select") { return result(.skip, reason.detail) }
        guard let probe = try? probe() else { return result(.skip, "no probe") }
        guard let k = ks(candidates(probe).count).last.map({ min($0, 2) }) else { return result(.skip, "no candidate edges") }
        var found: [String] = []
        for seed in settings.seeds {
            var outcomes: [String] = []
            for _ in 0..<2 {
                switch instance(plugin, seed: seed) {
                case let .success((strategy, _)):
                    let selection = strategy.select(k: k, capacity: probe.nodeCount * probe.nodeCount)
                    outcomes.append(selection.answer.status == ASP_OK
                                    ? "[" + selection.edges.map(\.description).joined(separator: " ") + "]" : selection.answer.description)
                case let .failure(reason):
                    return result(.skip, reason.detail)
                }
            }
            if outcomes[0] != outcomes[1] {
                return result(.fail, "seed \(seed), k = \(k): two new instances chose \(outcomes[0]) and then \(outcomes[1])")
            }
            found.append("seed \(seed): \(outcomes[0]) twice")
        }
        return result(.pass, "k = \(k); " + found.joined(separator: "; "))
    }

    private func capacityCheck(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "output capacity honoured"
        let result = verdict(plugin.id, check)
        let chosen: [(k: Int, edges: [Edge])]
        switch successfulSelections(plugin, check: check) {
        case let .success(found): chosen = found
        case let .failure(reason): return result(.skip, reason.detail)
        }
        guard let largest = chosen.max(by: { $0.edges.count < $1.edges.count }), !largest.edges.isEmpty else {
            return result(.skip, "it chose no edge, so no room is too small")
        }
        let strategy: HarnessInstance
        switch instance(plugin) {
        case let .success((made, _)): strategy = made
        case let .failure(reason): return result(.skip, reason.detail)
        }
        let room = largest.edges.count - 1
        let selection = strategy.select(k: largest.k, capacity: room)
        if selection.overran {
            return result(.fail, "given room for \(room) edges (k = \(largest.k), where it chose \(largest.edges.count)), it wrote past it")
        }
        switch selection.answer.status {
        case ASP_ERR_BUFFER_TOO_SMALL:
            guard selection.count > room else {
                return result(.fail, "returned ASP_ERR_BUFFER_TOO_SMALL for room for \(room) edges but set *count to \(selection.count), "
                              + "not the number it needs")
            }
            guard selection.answer.message != nil else {
                return result(.fail, "returned ASP_ERR_BUFFER_TOO_SMALL but no message (call set_error first)")
            }
            return result(.pass, "room for \(room): \(selection.answer.description), *count = \(selection.count)")
        case ASP_OK:
            if selection.count > room {
                return result(.fail, "given room for \(room) edges it returned ASP_OK with *count = \(selection.count); "
                              + "it must set *count to the number needed and return ASP_ERR_BUFFER_TOO_SMALL")
            }
            return result(.pass, "given room for \(room) edges it chose \(selection.count) this time")
        default:
            guard selection.answer.message != nil else {
                return result(.fail, "given room for \(room) edges it returned \(statusText(selection.answer.status)) with no message")
            }
            return result(.fail, "given room for \(room) edges it returned \(selection.answer.description); "
                          + "the ABI asks for ASP_ERR_BUFFER_TOO_SMALL with *count set to the number needed")
        }
    }

    // MARK: - Isolation

    /// The plugin run as `--isolate` runs it (`IsolatedPlugin`: created in an
    /// `adapter-search plugin-worker` child, its services served from here)
    /// gives what it gives in this process: a metric the same scores bit for
    /// bit, a strategy the same choice for k = 2.
    private func isolatedCheck(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "same result under --isolate"
        let result = verdict(plugin.id, check)
        let after = plugin.kind == .metric ? "scores every edge" : "select"
        if let reason = crashSkip(plugin, after: "create with defaults") ?? crashSkip(plugin, after: after) {
            return result(.skip, reason.detail)
        }
        if plugin.kind == .metric, let skip = scoringSkip(plugin) { return result(.skip, skip) }
        let given = settings.plugins.parameters(ofMetric: plugin.id)
        let probe: HarnessProbe
        do {
            probe = try self.probe()
        } catch {
            return result(.skip, "no probe: \(error)")
        }
        let k = min(2, max(candidates(probe).count, 1))
        /// The answer of `runner`: scores or a choice, as text to compare; or the error.
        func answer(_ runner: PluginRunner) -> String {
            do {
                return plugin.kind == .metric
                    ? try runner.score(Edge.all(nodeCount: probe.nodeCount)).map { String($0.bitPattern, radix: 16) }.joined(separator: " ")
                    : try runner.select(k: k).map(\.description).joined(separator: " ")
            } catch {
                return "error: \(error)"
            }
        }
        let here: String, there: String
        do {
            here = answer(try PluginInstance(plugin, environment: try environment(plugin, seed: settings.seed).0, configuration: given))
        } catch {
            return result(.skip, "the plugin cannot be created (see 'create with defaults')")
        }
        do {
            let isolated = try IsolatedPlugin(plugin, environment: try environment(plugin, seed: settings.seed).0, configuration: given,
                                              timeout: settings.timeout)
            there = answer(isolated)
        } catch {
            return result(.fail, "in a plugin worker: \(error)")
        }
        guard here == there else {
            let what = plugin.kind == .metric ? "scores (as bits)" : "choice for k = \(k)"
            return result(.fail, "its \(what) in a plugin worker, \(Self.clip(there)), are not those in this process, \(Self.clip(here))")
        }
        if here.hasPrefix("error: ") { return result(.skip, "it fails the same way in both (see the checks above)") }
        return result(.pass, plugin.kind == .metric ? "the same \(probe.nodeCount * probe.nodeCount) scores, bit for bit"
                      : "the same choice for k = \(k): \(here.isEmpty ? "no edge" : here)")
    }

    /// `text`, cut to 120 characters.
    private static func clip(_ text: String) -> String {
        text.count > 120 ? String(text.prefix(117)) + "..." : text
    }

    private func impossibleKCheck(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "impossible k handled"
        let result = verdict(plugin.id, check)
        if let reason = crashSkip(plugin, after: "select") { return result(.skip, reason.detail) }
        guard let probe = try? probe() else { return result(.skip, "no probe") }
        let allowed = candidates(probe)
        let strategy: HarnessInstance
        switch instance(plugin) {
        case let .success((made, _)): strategy = made
        case let .failure(reason): return result(.skip, reason.detail)
        }
        let k = allowed.count + 1
        let capacity = probe.nodeCount * probe.nodeCount
        let selection = strategy.select(k: k, capacity: capacity)
        if selection.overran { return result(.fail, "k = \(k): wrote past the \(capacity) edges it was given room for") }
        if selection.answer.status != ASP_OK {
            guard selection.answer.message != nil else {
                return result(.fail, "k = \(k), more than the \(allowed.count) candidates: \(statusText(selection.answer.status)) "
                              + "but no message (call set_error first)")
            }
            return result(.pass, "k = \(k): \(selection.answer.description)")
        }
        let edges = selection.edges, candidates = Set(allowed)
        guard selection.count <= allowed.count, Set(edges).count == edges.count, edges.allSatisfy(candidates.contains) else {
            return result(.fail, "k = \(k), more than the \(allowed.count) candidates: it returned ASP_OK with \(selection.count) edges "
                          + "(\(Self.list(edges))) that are not distinct candidates; return an error with a message instead")
        }
        return result(.pass, "k = \(k), more than the \(allowed.count) candidates: ASP_OK with \(edges.count) distinct candidates")
    }
}
