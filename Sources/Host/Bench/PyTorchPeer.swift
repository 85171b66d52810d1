import Core
import Foundation

/// Why the PyTorch peer of `bench train` could not run or failed.
public struct PyTorchPeerError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, for a person.
    public var description: String
}

/// The same training steps in PyTorch, timed by `tools/peer_train.py` in a
/// child process: the bench sends it its batches once, then one edge at a
/// time, so that its timings alternate with the bench's own (see the
/// script's header for what a step is and the line protocol).
public final class PyTorchPeer {
    /// PyTorch's version, as the peer reports it.
    public private(set) var torchVersion = "?"
    /// PyTorch's intra-op threads.
    public private(set) var threads = 0
    private let process: Process
    private let input: FileHandle
    private let output: FileHandle
    private var pending = Data()

    /// Where the peer's Python and script are: `python` and `script` when
    /// given; otherwise `ADAPTER_SEARCH_PEER_PYTHON`, or the reference
    /// virtualenv `tools/reference-env` makes (`<cache>/reference-venv`), and
    /// `tools/peer_train.py` in the current folder or above the executable.
    /// Throws, saying what is missing, when either cannot be found.
    public static func locate(python: String?, script: String?) throws -> (python: URL, script: URL) {
        let fileManager = FileManager.default
        let pythonPath = python ?? ProcessInfo.processInfo.environment["ADAPTER_SEARCH_PEER_PYTHON"]
            ?? URL(fileURLWithPath: CacheFolder.root).appendingPathComponent("reference-venv/bin/python").path
        guard fileManager.isExecutableFile(atPath: pythonPath) else {
            throw PyTorchPeerError(description: "no PyTorch peer: \(pythonPath) is not an executable Python (make it with "
                                   + "tools/reference-env, or give --peer-python)")
        }
        let scriptPath = script ?? Self.scriptCandidates().first { fileManager.fileExists(atPath: $0) }
        guard let scriptPath, fileManager.fileExists(atPath: scriptPath) else {
            throw PyTorchPeerError(description: "no PyTorch peer: \(script ?? "tools/peer_train.py") was not found (run from the "
                                   + "repository, or give --peer-script)")
        }
        return (URL(fileURLWithPath: pythonPath), URL(fileURLWithPath: scriptPath))
    }

    /// `tools/peer_train.py` under the current folder and under each folder
    /// above the running executable.
    private static func scriptCandidates() -> [String] {
        var folders = [FileManager.default.currentDirectoryPath]
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            folders.append(folder.path)
            folder.deleteLastPathComponent()
        }
        return folders.map { URL(fileURLWithPath: $0).appendingPathComponent("tools/peer_train.py").path }
    }

    /// Starts `script` with `python` on the checkpoint folder `model` with
    /// `threads` intra-op threads and waits until it has loaded the model.
    public init(python: URL, script: URL, model: String, threads: Int) throws {
        process = Process()
        process.executableURL = python
        process.arguments = [script.path, "--model", model, "--threads", String(threads)]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        input = stdin.fileHandleForWriting
        output = stdout.fileHandleForReading
        do {
            try process.run()
        } catch {
            throw PyTorchPeerError(description: "the PyTorch peer did not start: \(error)")
        }
        let ready = try receive()
        torchVersion = ready["torch"] as? String ?? torchVersion
        self.threads = ready["threads"] as? Int ?? threads
    }

    deinit {
        try? input.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// Sends the batches every later step time runs over, the head every
    /// training starts from (classes x d) and the adapters' rank.
    public func load(_ batches: [LabelledBatch<Float>], head: Linear<Float>, rank: Int) throws {
        let encoded = try batches.map { batch -> [String: Any] in
            guard case let .tokens(ids, _, layout) = batch.input else {
                throw PyTorchPeerError(description: "the PyTorch peer trains text models only")
            }
            let rows = (0..<layout.examples).map { example in (0..<layout.length).map { example * layout.length + $0 } }
            return ["ids": rows.map { $0.map { Int(ids[$0]) } }, "mask": rows.map { $0.map { layout.isToken[$0] ? 1 : 0 } },
                    "labels": batch.labels]
        }
        let weight = (0..<head.weight.rows).map { row in (0..<head.weight.cols).map { Double(head.weight[row, $0]) } }
        _ = try exchange(["batches": encoded, "classes": head.weight.rows, "rank": rank,
                          "head": ["weight": weight, "bias": head.bias.map(Double.init)]])
    }

    /// Seconds per training step of an adapter on `edge` over the loaded
    /// batches (after one warm-up step), and the warm-up step's loss.
    public func stepTime(_ edge: Edge) throws -> (seconds: Double, firstLoss: Double) {
        let reply = try exchange(["edge": [edge.source, edge.target]])
        guard let seconds = reply["step_s"] as? Double, seconds.isFinite, seconds > 0, let loss = reply["first_loss"] as? Double else {
            throw PyTorchPeerError(description: "the PyTorch peer gave no step time for \(edge)")
        }
        return (seconds, loss)
    }

    private func exchange(_ message: [String: Any]) throws -> [String: Any] {
        var line = try JSONSerialization.data(withJSONObject: message)
        line.append(0x0A)
        do {
            try input.write(contentsOf: line)
        } catch {
            throw PyTorchPeerError(description: "the PyTorch peer stopped reading (exit status \(exitStatus()))")
        }
        return try receive()
    }

    /// The next line the peer writes, as a JSON object; its `error` thrown.
    private func receive() throws -> [String: Any] {
        while !pending.contains(0x0A) {
            let chunk = output.availableData  // what the pipe holds (read(upToCount:) would wait for all of it)
            guard !chunk.isEmpty else {
                throw PyTorchPeerError(description: "the PyTorch peer ended without answering (exit status \(exitStatus()))")
            }
            pending.append(chunk)
        }
        let end = pending.firstIndex(of: 0x0A)!
        let line = pending[pending.startIndex..<end]
        pending = Data(pending[(end + 1)...])
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else {
            throw PyTorchPeerError(description: "the PyTorch peer wrote something other than JSON: \(String(decoding: line, as: UTF8.self))")
        }
        if let error = object["error"] as? String { throw PyTorchPeerError(description: "the PyTorch peer failed: \(error)") }
        return object
    }

    private func exitStatus() -> String {
        process.waitUntilExit()
        return String(process.terminationStatus)
    }
}
