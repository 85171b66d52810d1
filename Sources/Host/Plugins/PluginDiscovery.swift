import Foundation

/// Where plugins come from (PLUGIN_ABI.md rule 11): explicit files, then
/// directories given on the command line, then ADAPTER_SEARCH_PLUGIN_PATH,
/// then the host's own folder (the built-in plugins). Never the current
/// directory, unless named.
public struct PluginDiscovery {
    /// The environment variable listing plugin directories, colon-separated.
    public static let environmentVariable = "ADAPTER_SEARCH_PLUGIN_PATH"

    /// Libraries, metric manifests and Python scripts named explicitly: a failure to load one is an error.
    var files: [String] = []
    /// Directories to scan: a library that fails to load is skipped with a warning.
    var directories: [String] = []

    /// Explicit files and directories, plus the environment's directories and
    /// the host's own folder.
    static func standard(files: [String], directories: [String],
                         environment: [String: String] = ProcessInfo.processInfo.environment) -> PluginDiscovery {
        let fromEnvironment = (environment[environmentVariable] ?? "").split(separator: ":").map(String.init)
        return PluginDiscovery(files: files, directories: directories + fromEnvironment + [hostFolder()])
    }

    /// The folder the running executable lives in.
    static func hostFolder() -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().path
    }

    /// What discovery found: the plugins, and a warning per library skipped.
    struct Result {
        var plugins: [PluginDescriptor] = []
        var warnings: [String] = []
    }

    /// Loads every library: explicit files first (throwing on failure), then
    /// each directory's `*.so`, `*.metric.json` and `*.py` files in name order
    /// (warning on failure), skipping the libraries those manifests name and
    /// the scripts that are not plugin scripts. When
    /// two libraries offer the same id, the first one found wins.
    func load() throws -> Result {
        var result = Result()
        var owners: [String: String] = [:]
        var loadedPaths: Set<String> = []
        func add(_ plugins: [PluginDescriptor], from path: String, explicit: Bool) throws {
            for plugin in plugins {
                if let owner = owners[plugin.id] {
                    let error = PluginLoadError.duplicateID(path: path, id: plugin.id, firstSeenIn: owner)
                    if explicit { throw error }
                    result.warnings.append("skipped plugin: \(error)")
                    continue
                }
                owners[plugin.id] = path
                result.plugins.append(plugin)
            }
        }
        for file in files {
            let path = URL(fileURLWithPath: file).standardizedFileURL.path
            guard loadedPaths.insert(canonical(path)).inserted else { continue }
            try add(try Self.loadFile(path), from: path, explicit: true)
        }
        for directory in directories {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
                result.warnings.append("plugin directory \(directory) cannot be read; skipped")
                continue
            }
            // The Python bridge offers no plugins of its own (and needs libpython): not a candidate.
            let candidates = names.sorted()
                .filter { $0.hasSuffix(".so") || MetricManifestLoader.isManifest($0) || PythonScriptLoader.isScript($0) }
                .filter { $0 != PythonScriptLoader.bridgeName }
                .map { URL(fileURLWithPath: directory).appendingPathComponent($0).standardizedFileURL.path }
            // A library a manifest here declares a function of is not a plugin library: don't warn about it.
            let declared = Set(candidates.filter(MetricManifestLoader.isManifest)
                .compactMap { try? MetricManifest.read($0).library }.map(canonical))
            for path in candidates where !declared.contains(canonical(path)) {
                guard loadedPaths.insert(canonical(path)).inserted else { continue }
                do {
                    try add(try Self.loadFile(path, scanned: true), from: path, explicit: false)
                } catch {
                    result.warnings.append("skipped \(error)")
                }
            }
        }
        return result
    }

    /// Loads one plugin file: a metric manifest (`*.metric.json`), a Python
    /// plugin script (`*.py`) or a plugin library. `scanned`: found in a
    /// folder, where a `*.py` that is not a plugin script gives no plugins
    /// (`PythonScriptLoader.load`). Throws `ManifestError`,
    /// `PythonScriptError` or `PluginLoadError`.
    public static func loadFile(_ path: String, scanned: Bool = false) throws -> [PluginDescriptor] {
        if MetricManifestLoader.isManifest(path) { return try MetricManifestLoader.load(path) }
        if PythonScriptLoader.isScript(path) { return try PythonScriptLoader.load(path, scanned: scanned) }
        return try PluginLoader.load(path)
    }

    private func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }
}
