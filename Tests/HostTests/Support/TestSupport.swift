import Foundation

/// Where the tests find the package, its C fixtures and the built products.
enum Locations {
    /// The package root: the nearest folder above this file holding Package.swift.
    static let packageRoot: URL = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path),
              folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder
    }()

    /// The C sources of the test fixtures (excluded from the Swift target).
    static let fixtures = packageRoot.appendingPathComponent("Tests/HostTests/Fixtures")
    /// The folder holding adapter_search.h.
    static let include = packageRoot.appendingPathComponent("plugins/include")
    /// The C example plugins and their Makefile.
    static let examples = packageRoot.appendingPathComponent("plugins/examples")

    /// The folder of built products (adapter-search, the built-in plugin
    /// libraries): the test runner's own folder when it holds the
    /// executable, else the package's .build/debug.
    static let products: URL = {
        let runner = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let runnerFolder = URL(fileURLWithPath: runner).deletingLastPathComponent()
        if FileManager.default.isExecutableFile(atPath: runnerFolder.appendingPathComponent("adapter-search").path) {
            return runnerFolder
        }
        return packageRoot.appendingPathComponent(".build/debug")
    }()

    /// The `adapter-search` executable `swift build` produced.
    static let executable = products.appendingPathComponent("adapter-search")
}

/// A test failure outside the code under test: a tool that failed, a file
/// that is missing.
struct TestSetupError: Error, CustomStringConvertible {
    var description: String
}

/// What a finished process left behind.
struct ProcessResult {
    /// The exit status (or the terminating signal's number).
    var status: Int32
    var stdout: String
    var stderr: String
    /// True when the process exited (with `status`), false when a signal ended it.
    var terminationIsExit = true

    /// The lines of standard error that begin with `prefix`.
    func stderrLines(startingWith prefix: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }
}

/// Runs `executable` with `arguments` to completion and captures its output.
/// `environment` replaces the whole environment when given; `directory` is
/// the working directory (default: this process's).
func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                directory: URL? = nil) throws -> ProcessResult {
    // Output goes to files, not pipes: a pipe that nobody drains while the
    // child writes a lot would block it.
    let outputs = FileManager.default.temporaryDirectory
        .appendingPathComponent("HostTests-output-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: outputs) }
    let stdoutFile = outputs.appendingPathComponent("stdout"), stderrFile = outputs.appendingPathComponent("stderr")
    guard FileManager.default.createFile(atPath: stdoutFile.path, contents: nil),
          FileManager.default.createFile(atPath: stderrFile.path, contents: nil) else {
        throw TestSetupError(description: "cannot create output files in \(outputs.path)")
    }
    let stdoutHandle = try FileHandle(forWritingTo: stdoutFile), stderrHandle = try FileHandle(forWritingTo: stderrFile)

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = directory }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = stdoutHandle
    process.standardError = stderrHandle
    try process.run()
    process.waitUntilExit()
    try stdoutHandle.close()
    try stderrHandle.close()
    return ProcessResult(status: process.terminationStatus,
                         stdout: try String(contentsOf: stdoutFile, encoding: .utf8),
                         stderr: try String(contentsOf: stderrFile, encoding: .utf8),
                         terminationIsExit: process.terminationReason == .exit)
}

/// Runs a tool found on PATH (cc, c++, make); throws with its standard
/// error if it fails.
@discardableResult
func runTool(_ tool: String, _ arguments: [String]) throws -> ProcessResult {
    let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [tool] + arguments)
    guard result.status == 0 else {
        throw TestSetupError(description: "\(tool) \(arguments.joined(separator: " ")) failed "
                             + "(status \(result.status)):\n\(result.stderr)")
    }
    return result
}

/// Runs the built `adapter-search` with `arguments`. The environment is
/// this process's without ADAPTER_SEARCH_PLUGIN_PATH, plus `environment`;
/// `directory` is the working directory.
func runAdapterSearch(_ arguments: [String], environment: [String: String] = [:],
                      directory: URL? = nil) throws -> ProcessResult {
    guard FileManager.default.isExecutableFile(atPath: Locations.executable.path) else {
        throw TestSetupError(description: "\(Locations.executable.path) is missing: run `swift build` first")
    }
    var base = ProcessInfo.processInfo.environment
    base["ADAPTER_SEARCH_PLUGIN_PATH"] = nil
    return try runProcess(Locations.executable, arguments,
                          environment: base.merging(environment) { _, new in new }, directory: directory)
}

/// Compiles C the way a plugin author would, with every warning an error.
enum CCompiler {
    /// The flags of plugins/examples/Makefile: strict C99, a position-
    /// independent shared library exporting only what is marked ASP_EXPORT.
    static let pluginFlags = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic",
                              "-fPIC", "-shared", "-fvisibility=hidden"]

    /// Compiles `Fixtures/<name>.c` into `<directory>/<name>.so` and returns
    /// the library's path.
    @discardableResult
    static func fixture(_ name: String, into directory: URL) throws -> String {
        let output = directory.appendingPathComponent(name + ".so").path
        try runTool("cc", pluginFlags + ["-I", Locations.include.path, "-I", Locations.fixtures.path,
                                         "-o", output, Locations.fixtures.appendingPathComponent(name + ".c").path])
        return output
    }

    /// Builds the example plugins (C, and C++ with g++) with their Makefile
    /// into `directory` and returns the paths of the C metric and the C
    /// strategy library.
    static func examples(into directory: URL) throws -> (metric: String, strategy: String) {
        try runTool("make", ["-s", "-C", Locations.examples.path, "OUT=\(directory.path)"])
        return (directory.appendingPathComponent("example_metric.so").path,
                directory.appendingPathComponent("example_strategy.so").path)
    }
}

/// Compiles C++ plugins on plugins/include/adapter_search.hpp the way
/// README.md ("In C++") tells authors to, with g++.
enum CXXCompiler {
    /// README.md's build line, run from the package root, up to `-o`: strict
    /// C++17, a position-independent shared library, and the version script
    /// that exports asp_plugin_entry only (-fvisibility=hidden alone leaves
    /// g++'s weak template symbols exported). plugins/examples/Makefile's
    /// CXXFLAGS are the same.
    static let buildLine = ["g++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-fPIC", "-shared",
                            "-fvisibility=hidden", "-Wl,--version-script=plugins/sdk/exports.map", "-I", "plugins/include"]

    /// Compiles `source` (a path relative to the package root) into
    /// `<directory>/<its name>.so` with `buildLine` and returns the library's path.
    @discardableResult
    static func compile(_ source: String, into directory: URL) throws -> String {
        let name = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        let output = directory.appendingPathComponent(name + ".so").path
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), buildLine + ["-o", output, source],
                                    directory: Locations.packageRoot)
        guard result.status == 0 else {
            throw TestSetupError(description: "\((buildLine + ["-o", output, source]).joined(separator: " ")) failed "
                                 + "(status \(result.status)):\n\(result.stderr)")
        }
        return output
    }

    /// Compiles `plugins/examples/<name>.cpp`.
    @discardableResult
    static func example(_ name: String, into directory: URL) throws -> String {
        try compile("plugins/examples/\(name).cpp", into: directory)
    }

    /// Compiles `Tests/HostTests/Fixtures/<name>.cpp`.
    @discardableResult
    static func fixture(_ name: String, into directory: URL) throws -> String {
        try compile("Tests/HostTests/Fixtures/\(name).cpp", into: directory)
    }
}

/// The symbols `library` exports (`nm -D --defined-only`), by name.
func exportedSymbols(_ library: String) throws -> [String] {
    try runTool("nm", ["-D", "--defined-only", library]).stdout
        .split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
}

/// Runs `body` with a new empty temporary directory, removed afterwards.
func withTemporaryDirectory<R>(_ body: (URL) throws -> R) throws -> R {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("HostTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// One entry of `adapter-search plugins list --json`. Decoding fails if any
/// of these keys is missing or not a string.
struct ListedPlugin: Decodable {
    var id: String
    var kind: String
    var name: String
    var version: String
    var abi: String
    var library: String

    /// Parses the JSON array the command prints.
    static func parse(_ json: String) throws -> [ListedPlugin] {
        try JSONDecoder().decode([ListedPlugin].self, from: Data(json.utf8))
    }
}

/// The built-in plugins the package's two libraries provide.
enum BuiltInPlugins {
    static let metrics = ["gradient-rank", "gradient-norm", "snip", "nuclear-norm", "stable-rank",
                          "effective-rank", "fisher", "synflow", "rank-ensemble"]
    static let strategies = ["gga", "top-k", "random", "random-best-of-n", "exhaustive", "successive-halving",
                             "parallel-every", "first-k", "last-k", "none", "side-network", "learned-switch", "calibrated-gga"]
    static let metricsLibrary = "libAdapterSearchMetrics.so"
    static let strategiesLibrary = "libAdapterSearchStrategies.so"
}

/// The C example plugins' ids.
enum ExamplePlugins {
    static let metric = "example.activation-energy"
    static let strategy = "example.spread"
    /// The metric declared by plugins/examples/ffi_metric.metric.json (a plain C function called through libffi).
    static let ffiMetric = "example.low-rank-reach"
    /// The C++ examples on adapter_search.hpp (plugins/examples/example_cpp_*.cpp).
    static let cppStrategy = "example.cpp-spaced-greedy"
    static let cppMetric = "example.cpp-gradient-energy"
    /// The C twin of the Python example metric (plugins/examples/example_gradient_norm.c).
    static let gradientNorm = "example.gradient-norm"
}
