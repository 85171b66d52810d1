import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the checks of `plugins test` in child processes (`adapter-search
/// plugins test FILE --harness-child REQUEST`), reading each check's outcome
/// as the child reports it. A child that crashes, exits or runs past the
/// timeout within a check is reaped (killed first if need be), that check
/// fails saying so, and a new child goes on with the next check. Loading
/// the library is the first check's work; a library that crashes a child
/// while it is loaded again ends the test there.
struct HarnessSupervisor {
    let settings: PluginHarness.Settings
    /// The `adapter-search` to run children of.
    let executable: URL

    /// The subject of the file's own checks: "library" or "manifest".
    private var fileSubject: String { HarnessSession.subject(of: settings.file) }

    /// Why a child could not be started.
    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    /// How one child ended.
    private enum Ending {
        /// It reported every check done and exited.
        case finished(WorkerProcess.Ending)
        /// It stopped reporting: it ended (`ending`) or was killed after the timeout.
        case stopped(WorkerProcess.Ending, timedOut: Bool)
    }

    /// Runs every check, passing each outcome to `report` as it comes.
    func run(report: (HarnessCheck) -> Void) throws {
        var start = 0, crashed: [String] = []
        while true {
            var current: (index: Int, name: String)?, last: (index: Int, name: String)?
            let (ending, log) = try child(from: start, crashed: crashed) { event in
                switch event {
                case let .begin(index, name):
                    current = (index, name)
                    last = current
                case let .check(check):
                    current = nil
                    report(check)
                case .done:
                    break
                }
            }
            switch ending {
            case let .finished(exit):
                if exit != .exited(0) {
                    report(HarnessCheck(subject: fileSubject, check: "unloads cleanly", status: .fail,
                                        detail: "the child process \(exit.description) after the last check\(Self.where(log))"))
                } else {
                    Self.forward(log)
                }
                return
            case let .stopped(exit, timedOut):
                let what = timedOut ? "did not finish within \(ScoreTable.format(settings.timeout)) s (--timeout), so it was stopped (SIGKILL)"
                    : exit == .exited(0) ? "ended its process (exit status 0) instead of returning" : "\(exit.description)"
                guard let last else {
                    // Nothing began in this child: it crashed while loading the library again.
                    report(HarnessCheck(subject: fileSubject, check: "loads", status: .fail,
                                        detail: "loading it again in a new child process, it \(what)\(Self.where(log)); the remaining checks were not run"))
                    return
                }
                guard let failed = current else {
                    // Between two checks: no call into the plugin was running (a thread of its own, perhaps).
                    let parts = Self.parts(last.name)
                    report(HarnessCheck(subject: parts.subject, check: parts.check, status: .fail,
                                        detail: "after this check the process \(what)\(Self.where(log)), while no call into the plugin "
                                            + "was running (a thread it started?)"))
                    start = last.index + 1
                    continue
                }
                guard failed.index > 0 else {
                    // Loading is the first check's work: every new child would load it again.
                    report(HarnessCheck(subject: fileSubject, check: "loads", status: .fail,
                                        detail: "loading it, the process \(what)\(Self.where(log)); the remaining checks were not run"))
                    return
                }
                let parts = Self.parts(failed.name)
                report(HarnessCheck(subject: parts.subject, check: parts.check, status: .fail,
                                    detail: "the plugin \(what) during this check\(Self.where(log)); a plugin must return a status, never crash, exit or hang"))
                start = failed.index + 1
                crashed.append(failed.name)
            }
        }
    }

    /// The subject and check of a check's name ("gga: select").
    private static func parts(_ name: String) -> (subject: String, check: String) {
        let parts = name.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        return (parts[0], parts.count > 1 ? parts[1] : "")
    }

    /// "; its output and backtrace are in LOG" when the log holds anything (kept), else "" (removed).
    private static func `where`(_ log: String) -> String {
        let size = (try? FileManager.default.attributesOfItem(atPath: log)[.size] as? Int) ?? 0
        guard size > 0 else {
            unlink(log)
            return ""
        }
        return "; its output and backtrace are in \(log)"
    }

    /// Copies a finished child's log (the plugins' own lines on standard
    /// error) to standard error, then removes it.
    private static func forward(_ log: String) {
        if let data = FileManager.default.contents(atPath: log), !data.isEmpty { FileHandle.standardError.write(data) }
        unlink(log)
    }

    /// Runs one child from check `start`, handing each event to `handle`;
    /// returns how it ended and the path of its log (its standard output
    /// and error).
    private func child(from start: Int, crashed: [String], _ handle: (PluginHarness.ChildEvent) -> Void) throws -> (Ending, String) {
        let request = try jsonText(PluginHarness.ChildRequest(settings: settings, start: start, crashed: crashed,
                                                                       logLevel: PluginLogLevel.current.rawValue))
        let log = FileManager.default.temporaryDirectory
            .appendingPathComponent("adapter-search-plugins-test-\(getpid())-\(start)-\(UInt32.random(in: 0 ... .max)).log").path
        guard FileManager.default.createFile(atPath: log, contents: nil), let logHandle = FileHandle(forWritingAtPath: log) else {
            throw StartError(description: "cannot create \(log) for the child's output")
        }
        defer { try? logHandle.close() }
        let events = Pipe()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["plugins", "test", settings.file, "--harness-child", request]
        var environment = ProcessInfo.processInfo.environment
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "interactive=no" }
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = events
        process.standardError = logHandle
        do {
            try process.run()
        } catch {
            throw StartError(description: "cannot start \(executable.path) for the checks' child process: \(error); "
                             + "build adapter-search, or run the checks with --in-process")
        }
        let descriptor = events.fileHandleForReading.fileDescriptor
        var pending: [UInt8] = [], finished = false, timedOut = false
        var deadline = WireChannel.now() + settings.timeout
        reading: while true {
            let left = deadline - WireChannel.now()
            if left <= 0 {
                kill(process.processIdentifier, SIGKILL)
                timedOut = true
                break
            }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(min(left * 1000, 1000).rounded(.up)))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            pending += chunk.prefix(count)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                guard let event = try? JSONDecoder().decode(PluginHarness.ChildEvent.self, from: Data(line)) else { continue }
                if case .begin = event { deadline = WireChannel.now() + settings.timeout }
                if case .done = event { finished = true }
                handle(event)
                if finished { break reading }
            }
        }
        if finished {
            // Give it the time a check gets to exit (unloading runs plugin code too), then stop it.
            let exitDeadline = WireChannel.now() + settings.timeout
            while process.isRunning && WireChannel.now() < exitDeadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        try? events.fileHandleForReading.close()
        let ending: WorkerProcess.Ending = process.terminationReason == .uncaughtSignal
            ? .signalled(process.terminationStatus) : .exited(process.terminationStatus)
        return (finished ? .finished(ending) : .stopped(ending, timedOut: timedOut), log)
    }
}
