import Foundation

/// One run of a scheduler tool (`sbatch`, `squeue`, `scontrol`, `scancel`),
/// found on `PATH`, with its output captured.
struct SchedulerCommand {
    /// The exit status (or the signal that ended it).
    var status: Int32
    var output: String
    var errors: String

    /// Runs `tool` with `arguments` to its end.
    static func run(_ tool: String, _ arguments: [String]) throws -> SchedulerCommand {
        // Output goes to files, not pipes: nothing blocks however much the tool prints.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-search-\(tool)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out"), err = folder.appendingPathComponent("err")
        guard FileManager.default.createFile(atPath: out.path, contents: nil), FileManager.default.createFile(atPath: err.path, contents: nil),
              let outHandle = FileHandle(forWritingAtPath: out.path), let errHandle = FileHandle(forWritingAtPath: err.path) else {
            throw WorkError.scheduler(command: tool, detail: "cannot create its output files in \(folder.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        do {
            try process.run()
        } catch {
            throw WorkError.scheduler(command: tool, detail: error.localizedDescription)
        }
        process.waitUntilExit()
        try? outHandle.close()
        try? errHandle.close()
        let result = SchedulerCommand(status: process.terminationStatus,
                                      output: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                                      errors: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        if result.status == 127 {
            throw WorkError.scheduler(command: tool, detail: "it is not installed (not found on PATH); the Slurm executor needs Slurm's "
                                      + "client commands where the coordinator runs")
        }
        return result
    }

    /// The tool's error output, or its output, on one line.
    var message: String {
        let text = errors.trimmingCharacters(in: .whitespacesAndNewlines)
        return (text.isEmpty ? output.trimmingCharacters(in: .whitespacesAndNewlines) : text).replacingOccurrences(of: "\n", with: "; ")
    }
}
