import CAdapterSearch
import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// The isolation protocol: what an isolated plugin's host (`IsolatedPlugin`)
// and its worker process (`PluginWorker`) say to each other over one socket.
// This file is its only description; both sides encode and decode with the
// types below, so a field is always read in the order it was written.
//
// Frame:    a little-endian UInt32 length, then that many bytes holding
//           exactly one message (`WireChannel` sends and receives frames).
// Messages: host -> worker, a `HostMessage`: create, score, select, destroy,
//           or the reply to a service request (a `ServiceReply`).
//           worker -> host, a `WorkerMessage`: a service request (a
//           `ServiceRequest`) or the outcome of the current call (a `CallOutcome`).
//           Every enum is a tag byte, then its case's fields in order.
// Fields:   every field type is `WireCodable`. Integers little-endian,
//           `Int` as Int64; Double as its bits; Bool as one byte; an edge as
//           two Int32; an optional as a Bool then the value if there is one;
//           text as its UTF-8 bytes; a list as a UInt64 count, then the raw
//           values for bytes, floats, doubles and edges (so values arrive bit
//           for bit) or each element's encoding for anything else.
// Dialogue: the host sends create, then one call at a time (score, select,
//           destroy). While the call runs the worker sends any number of
//           service requests, each answered by one reply before the worker
//           goes on, except log and progress, which get none
//           (`ServiceRequest.awaitsReply`); then it sends the call's outcome.
//           Both sides ship together: there is no version negotiation.

/// A value with exactly one wire encoding: `init(from:)` reads what
/// `encode(into:)` writes, field by field, in the same order.
protocol WireCodable {
    /// Appends this value's encoding.
    func encode(into writer: inout WireWriter)
    /// Reads a value written by `encode(into:)`; throws `WireError.malformed`
    /// when the bytes are missing or not a value of this type.
    init(from reader: inout WireReader) throws
}

/// Why a frame could not be read or written.
enum WireError: Error, CustomStringConvertible {
    /// The other side closed the connection (it exited or crashed).
    case closed
    /// No frame came before the deadline.
    case timedOut
    /// A system call failed.
    case system(String, Int32)
    /// The bytes are not a well-formed frame.
    case malformed(String)

    var description: String {
        switch self {
        case .closed: "the other process closed the connection"
        case .timedOut: "timed out"
        case let .system(call, code): "\(call) failed: \(String(cString: strerror(code)))"
        case let .malformed(what): "malformed message: \(what)"
        }
    }
}

// MARK: - Writing and reading

/// Builds a message's bytes.
struct WireWriter {
    /// The bytes so far.
    private(set) var bytes: [UInt8] = []

    /// Appends each value's encoding, in order.
    mutating func put<each Value: WireCodable>(_ values: repeat each Value) {
        repeat (each values).encode(into: &self)
    }

    /// Appends an integer's bytes, little-endian (the only byte order this host runs on).
    fileprivate mutating func putBits<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a count, then the raw bytes of trivial values.
    fileprivate mutating func putRaw<T: BitwiseCopyable>(_ values: [T]) {
        put(UInt64(values.count))
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
}

/// Reads a message's bytes in the order they were written; every read
/// checks that the bytes are there and throws `WireError.malformed` if not.
struct WireReader {
    private let bytes: [UInt8]
    private var offset = 0

    /// A reader over a message's bytes.
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// True when every byte has been read.
    var isAtEnd: Bool { offset == bytes.count }

    /// Reads a value written by `WireWriter.put`.
    mutating func get<T: WireCodable>(_: T.Type = T.self) throws -> T { try T(from: &self) }

    /// Reads a list's count and checks that the rest of the message can hold
    /// that many values of `stride` bytes, so a corrupted count is an error,
    /// never a huge allocation.
    fileprivate mutating func getCount(stride: Int = 1) throws -> Int {
        let count = try getBits(UInt64.self)
        guard count <= UInt64((bytes.count - offset) / max(stride, 1)) else {
            throw WireError.malformed("a list of \(count) values overruns the frame")
        }
        return Int(count)
    }

    /// Reads an integer written by `putBits`.
    fileprivate mutating func getBits<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let slice = try take(MemoryLayout<T>.size)
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: slice) }
        return T(littleEndian: value)
    }

    /// Reads trivial values written by `putRaw`.
    fileprivate mutating func getRaw<T: BitwiseCopyable>(_: T.Type) throws -> [T] {
        let count = try getCount(stride: MemoryLayout<T>.stride)
        let slice = try take(count * MemoryLayout<T>.stride)
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyBytes(from: slice)
            initialized = count
        }
    }

    /// The next `count` bytes.
    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - offset else {
            throw WireError.malformed("needs \(count) more bytes at offset \(offset) of \(bytes.count)")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }
}

// MARK: - Field types

/// An integer type encoded as its own little-endian bytes.
protocol WireInteger: FixedWidthInteger, WireCodable {}

extension WireInteger {
    func encode(into writer: inout WireWriter) { writer.putBits(self) }
    init(from reader: inout WireReader) throws { self = try reader.getBits(Self.self) }
}

extension UInt8: WireInteger {}
extension Int32: WireInteger {}
extension UInt32: WireInteger {}
extension UInt64: WireInteger {}
extension Int64: WireInteger {}

/// An enum encoded as its raw value; an unknown raw value is malformed.
/// The messages' case tags are such enums, as are a pass request's settings.
protocol WireEnum: RawRepresentable, WireCodable where RawValue: WireCodable {}

extension WireEnum {
    func encode(into writer: inout WireWriter) { writer.put(rawValue) }

    init(from reader: inout WireReader) throws {
        let raw = try reader.get(RawValue.self)
        guard let value = Self(rawValue: raw) else { throw WireError.malformed("unknown \(Self.self) \(raw)") }
        self = value
    }
}

extension Int: WireCodable {
    /// As an Int64.
    func encode(into writer: inout WireWriter) { writer.put(Int64(self)) }

    init(from reader: inout WireReader) throws {
        let value = try reader.get(Int64.self)
        guard let int = Int(exactly: value) else { throw WireError.malformed("integer \(value) out of range") }
        self = int
    }
}

extension Double: WireCodable {
    /// Its bits: every value, NaN payloads included, arrives as it was.
    func encode(into writer: inout WireWriter) { writer.put(bitPattern) }
    init(from reader: inout WireReader) throws { self.init(bitPattern: try reader.get()) }
}

extension Bool: WireCodable {
    /// One byte, 0 or 1.
    func encode(into writer: inout WireWriter) { writer.put(UInt8(self ? 1 : 0)) }
    init(from reader: inout WireReader) throws { self = try reader.get(UInt8.self) != 0 }
}

extension String: WireCodable {
    /// Its UTF-8 bytes as a list.
    func encode(into writer: inout WireWriter) { writer.put(Array(utf8)) }
    init(from reader: inout WireReader) throws { self.init(decoding: try reader.get([UInt8].self), as: UTF8.self) }
}

extension Optional: WireCodable where Wrapped: WireCodable {
    /// Whether there is a value, then the value if there is one.
    func encode(into writer: inout WireWriter) {
        writer.put(self != nil)
        if let self { writer.put(self) }
    }

    init(from reader: inout WireReader) throws {
        self = try reader.get(Bool.self) ? try reader.get(Wrapped.self) : nil
    }
}

/// A type whose lists are encoded one way: by default a count, then each
/// element's encoding (`WireRawElement` types: the raw values).
protocol WireElement {
    /// Appends `list`.
    static func encode(_ list: [Self], into writer: inout WireWriter)
    /// Reads a list written by `encode(_:into:)`.
    static func decode(from reader: inout WireReader) throws -> [Self]
}

extension WireElement where Self: WireCodable {
    static func encode(_ list: [Self], into writer: inout WireWriter) {
        writer.put(UInt64(list.count))
        list.forEach { writer.put($0) }
    }

    static func decode(from reader: inout WireReader) throws -> [Self] {
        try (0..<reader.getCount()).map { _ in try reader.get() }
    }
}

/// A trivial type whose lists travel as their raw bytes.
protocol WireRawElement: WireElement, BitwiseCopyable {}

extension WireRawElement where Self: WireCodable {
    static func encode(_ list: [Self], into writer: inout WireWriter) { writer.putRaw(list) }
    static func decode(from reader: inout WireReader) throws -> [Self] { try reader.getRaw(Self.self) }
}

extension Array: WireCodable where Element: WireElement {
    func encode(into writer: inout WireWriter) { Element.encode(self, into: &writer) }
    init(from reader: inout WireReader) throws { self = try Element.decode(from: &reader) }
}

extension Array: WireElement where Element: WireElement {}
extension String: WireElement {}
extension UInt8: WireRawElement {}
extension Double: WireRawElement {}

extension Float: WireRawElement, WireCodable {
    /// Its bits.
    func encode(into writer: inout WireWriter) { writer.put(bitPattern) }
    init(from reader: inout WireReader) throws { self.init(bitPattern: try reader.get()) }
}

// MARK: - Values the services pass

extension Edge: WireCodable, WireElement {
    /// Source and target as two Int32, the layout of `asp_edge`.
    func encode(into writer: inout WireWriter) { writer.put(cValue.source, cValue.target) }
    init(from reader: inout WireReader) throws { self.init(Int(try reader.get(Int32.self)), Int(try reader.get(Int32.self))) }

    /// A list of edges travels as raw `asp_edge` values.
    static func encode(_ list: [Edge], into writer: inout WireWriter) { writer.putRaw(list.map(\.cValue)) }
    static func decode(from reader: inout WireReader) throws -> [Edge] { try reader.getRaw(asp_edge.self).map(Edge.init) }
}

extension Matrix: WireCodable, WireElement where Scalar == Float {
    /// Rows, cols, then the float32 values raw.
    func encode(into writer: inout WireWriter) { writer.put(rows, cols, values) }

    init(from reader: inout WireReader) throws {
        let rows = try reader.get(Int.self), cols = try reader.get(Int.self), values = try reader.get([Float].self)
        let (size, overflow) = rows.multipliedReportingOverflow(by: cols)
        guard rows >= 0, cols >= 0, !overflow, size == values.count else {
            throw WireError.malformed("a \(rows) x \(cols) matrix with \(values.count) values")
        }
        self.init(rows: rows, cols: cols, values: values)
    }
}

extension ProbeSummary: WireCodable {
    func encode(into writer: inout WireWriter) { writer.put(width, tokens, examples, classes, loss) }

    init(from reader: inout WireReader) throws {
        self.init(width: try reader.get(), tokens: try reader.get(), examples: try reader.get(), classes: try reader.get(),
                  loss: try reader.get())
    }
}

extension PassRequest.Input: WireEnum {}
extension PassRequest.Weights: WireEnum {}
extension PassRequest.Loss: WireEnum {}

extension PassRequest: WireCodable {
    /// Seed, examples, input, weights, loss, the perturbed edges, then their maps.
    func encode(into writer: inout WireWriter) {
        writer.put(batchSeed, examples, input, weights, loss, perturbations.map(\.edge), perturbations.map(\.map))
    }

    init(from reader: inout WireReader) throws {
        let batchSeed = try reader.get(UInt64.self), examples = try reader.get(Int.self)
        let input = try reader.get(Input.self), weights = try reader.get(Weights.self), loss = try reader.get(Loss.self)
        let edges = try reader.get([Edge].self), maps = try reader.get([Matrix<Float>].self)
        guard edges.count == maps.count else { throw WireError.malformed("\(edges.count) perturbed edges with \(maps.count) maps") }
        self.init(batchSeed: batchSeed, examples: examples, input: input, weights: weights, loss: loss,
                  perturbations: zip(edges, maps).map { (edge: $0, map: $1) })
    }
}

extension Budget: WireCodable {
    func encode(into writer: inout WireWriter) { writer.put(steps, examples) }
    init(from reader: inout WireReader) throws { self.init(steps: try reader.get(), examples: try reader.get()) }
}

extension EvaluationResult: WireCodable, WireElement {
    func encode(into writer: inout WireWriter) { writer.put(accuracy, loss, parameters, seconds, diverged) }

    init(from reader: inout WireReader) throws {
        self.init(accuracy: try reader.get(), loss: try reader.get(), parameters: try reader.get(), seconds: try reader.get(),
                  diverged: try reader.get())
    }
}

extension GatedRequest: WireCodable {
    func encode(into writer: inout WireWriter) {
        writer.put(steps, learningRate, gateLearningRate, sparsity, initialTemperature, finalTemperature, initialLogit)
    }

    init(from reader: inout WireReader) throws {
        self.init(steps: try reader.get(), learningRate: try reader.get(), gateLearningRate: try reader.get(),
                  sparsity: try reader.get(), initialTemperature: try reader.get(), finalTemperature: try reader.get(),
                  initialLogit: try reader.get())
    }
}

extension GatedResult: WireCodable {
    func encode(into writer: inout WireWriter) { writer.put(probabilities, accuracy, loss, seconds, diverged) }

    init(from reader: inout WireReader) throws {
        self.init(probabilities: try reader.get(), accuracy: try reader.get(), loss: try reader.get(), seconds: try reader.get(),
                  diverged: try reader.get())
    }
}

extension FindingValue: WireCodable {
    /// A tag byte (1 text, 2 number), then the value.
    func encode(into writer: inout WireWriter) {
        switch self {
        case let .text(text): writer.put(UInt8(1), text)
        case let .number(number): writer.put(UInt8(2), number)
        }
    }

    init(from reader: inout WireReader) throws {
        switch try reader.get(UInt8.self) {
        case 1: self = .text(try reader.get())
        case 2: self = .number(try reader.get())
        case let tag: throw WireError.malformed("a finding value with tag \(tag)")
        }
    }
}

extension ServiceError: WireCodable {
    func encode(into writer: inout WireWriter) { writer.put(status, description) }
    init(from reader: inout WireReader) throws { self.init(status: try reader.get(), description: try reader.get()) }
}

// MARK: - Service calls

/// One host service a plugin calls, as it crosses the socket: a case per
/// method of `ProbeProvider`, `SearchProvider` and `CheckpointStore`, with
/// that method's arguments, plus the `PluginEnvironment` callbacks
/// (should_stop, log, progress). The worker's `WorkerServices` sends them;
/// the host's `PluginEnvironment.serve` answers them. Checkpoint calls carry
/// no plugin id: the host uses the id of the plugin it started, so a worker
/// reaches only its own state.
enum ServiceRequest: WireCodable {
    case info(probe: Int)
    case activations(probe: Int, node: Int)
    case gradients(probe: Int, node: Int)
    case edgeGradient(probe: Int, edge: Edge)
    case singularValues(probe: Int, edge: Edge)
    case rank(probe: Int, edge: Edge, relativeTolerance: Double)
    case adapterInit(edge: Edge, rank: Int)
    case runPass(PassRequest)
    case scores(metric: String, edges: [Edge])
    case evaluate(placements: [[Edge]], budget: Budget)
    case trainGated(edges: [Edge], budget: GatedRequest)
    case finding(name: String, value: FindingValue)
    case saveState([UInt8])
    case loadState
    case shouldStop
    /// A log line; no reply.
    case log(level: Int32, message: String)
    /// Progress; no reply.
    case progress(fraction: Double, message: String)

    private enum Tag: UInt8, WireEnum {
        case info = 1, activations, gradients, edgeGradient, singularValues, rank, adapterInit, runPass
        case scores = 16, evaluate, trainGated, finding
        case saveState = 32, loadState
        case shouldStop = 48, log, progress
    }

    /// False for log and progress, which the host serves without a reply
    /// (they may come from any thread, even while another request waits).
    var awaitsReply: Bool {
        switch self {
        case .log, .progress: false
        default: true
        }
    }

    func encode(into writer: inout WireWriter) {
        switch self {
        case let .info(probe): writer.put(Tag.info, probe)
        case let .activations(probe, node): writer.put(Tag.activations, probe, node)
        case let .gradients(probe, node): writer.put(Tag.gradients, probe, node)
        case let .edgeGradient(probe, edge): writer.put(Tag.edgeGradient, probe, edge)
        case let .singularValues(probe, edge): writer.put(Tag.singularValues, probe, edge)
        case let .rank(probe, edge, relativeTolerance): writer.put(Tag.rank, probe, edge, relativeTolerance)
        case let .adapterInit(edge, rank): writer.put(Tag.adapterInit, edge, rank)
        case let .runPass(request): writer.put(Tag.runPass, request)
        case let .scores(metric, edges): writer.put(Tag.scores, metric, edges)
        case let .evaluate(placements, budget): writer.put(Tag.evaluate, placements, budget)
        case let .trainGated(edges, budget): writer.put(Tag.trainGated, edges, budget)
        case let .finding(name, value): writer.put(Tag.finding, name, value)
        case let .saveState(state): writer.put(Tag.saveState, state)
        case .loadState: writer.put(Tag.loadState)
        case .shouldStop: writer.put(Tag.shouldStop)
        case let .log(level, message): writer.put(Tag.log, level, message)
        case let .progress(fraction, message): writer.put(Tag.progress, fraction, message)
        }
    }

    init(from reader: inout WireReader) throws {
        switch try reader.get(Tag.self) {
        case .info: self = .info(probe: try reader.get())
        case .activations: self = .activations(probe: try reader.get(), node: try reader.get())
        case .gradients: self = .gradients(probe: try reader.get(), node: try reader.get())
        case .edgeGradient: self = .edgeGradient(probe: try reader.get(), edge: try reader.get())
        case .singularValues: self = .singularValues(probe: try reader.get(), edge: try reader.get())
        case .rank: self = .rank(probe: try reader.get(), edge: try reader.get(), relativeTolerance: try reader.get())
        case .adapterInit: self = .adapterInit(edge: try reader.get(), rank: try reader.get())
        case .runPass: self = .runPass(try reader.get())
        case .scores: self = .scores(metric: try reader.get(), edges: try reader.get())
        case .evaluate: self = .evaluate(placements: try reader.get(), budget: try reader.get())
        case .trainGated: self = .trainGated(edges: try reader.get(), budget: try reader.get())
        case .finding: self = .finding(name: try reader.get(), value: try reader.get())
        case .saveState: self = .saveState(try reader.get())
        case .loadState: self = .loadState
        case .shouldStop: self = .shouldStop
        case .log: self = .log(level: try reader.get(), message: try reader.get())
        case .progress: self = .progress(fraction: try reader.get(), message: try reader.get())
        }
    }
}

/// The host's answer to a `ServiceRequest`: what the provider method
/// returned, or the error it threw (with the ABI status the plugin sees).
enum ServiceReply: WireCodable {
    /// The provider threw: the plugin's service call returns this status and message.
    case failure(ServiceError)
    /// save_state, log and progress: nothing to return.
    case done
    /// should_stop.
    case flag(Bool)
    /// rank, or the new probe's number from run_pass.
    case number(Int)
    /// info.
    case summary(ProbeSummary)
    /// activations, gradients, edge_gradient.
    case matrix(Matrix<Float>)
    /// adapter_init.
    case matrices(down: Matrix<Float>, up: Matrix<Float>)
    /// singular_values.
    case values([Double])
    /// scores, with the metric's direction.
    case scores([Double], direction: Int32)
    /// evaluate, one result per placement.
    case evaluations([EvaluationResult])
    /// train_gated.
    case gated(GatedResult)
    /// load_state: the saved state, or nil when there is none.
    case state([UInt8]?)

    private enum Tag: UInt8, WireEnum {
        case failure = 1, done, flag, number, summary, matrix, matrices, values, scores, evaluations, state, gated
    }

    func encode(into writer: inout WireWriter) {
        switch self {
        case let .failure(error): writer.put(Tag.failure, error)
        case .done: writer.put(Tag.done)
        case let .flag(flag): writer.put(Tag.flag, flag)
        case let .number(number): writer.put(Tag.number, number)
        case let .summary(summary): writer.put(Tag.summary, summary)
        case let .matrix(matrix): writer.put(Tag.matrix, matrix)
        case let .matrices(down, up): writer.put(Tag.matrices, down, up)
        case let .values(values): writer.put(Tag.values, values)
        case let .scores(scores, direction): writer.put(Tag.scores, scores, direction)
        case let .evaluations(results): writer.put(Tag.evaluations, results)
        case let .state(state): writer.put(Tag.state, state)
        case let .gated(result): writer.put(Tag.gated, result)
        }
    }

    init(from reader: inout WireReader) throws {
        switch try reader.get(Tag.self) {
        case .failure: self = .failure(try reader.get())
        case .done: self = .done
        case .flag: self = .flag(try reader.get())
        case .number: self = .number(try reader.get())
        case .summary: self = .summary(try reader.get())
        case .matrix: self = .matrix(try reader.get())
        case .matrices: self = .matrices(down: try reader.get(), up: try reader.get())
        case .values: self = .values(try reader.get())
        case .scores: self = .scores(try reader.get(), direction: try reader.get())
        case .evaluations: self = .evaluations(try reader.get())
        case .state: self = .state(try reader.get())
        case .gated: self = .gated(try reader.get())
        }
    }
}

// MARK: - Plugin calls

/// What the host sends to create an isolated plugin.
struct CreateRequest {
    /// The library file to load.
    var library: String
    /// The plugin's id in it.
    var plugin: String
    /// The user's configuration (checked by the host, defaults filled in by the worker).
    var configuration: [String: String]
    /// The run's seed (the plugin's random stream derives from it and its id).
    var seed: UInt64
    /// Residual nodes n.
    var nodeCount: Int
    /// The edges the run searches over.
    var candidates: [Edge]
    /// Which extensions the host's environment offers.
    var hasProbe: Bool, hasSearch: Bool, hasCheckpoints: Bool, hasFindings: Bool
}

extension CreateRequest {
    /// The request for `plugin` in `environment`.
    init(plugin: PluginDescriptor, configuration: [String: String], environment: PluginEnvironment) {
        self.init(library: plugin.library.path, plugin: plugin.id, configuration: configuration, seed: environment.seed,
                  nodeCount: environment.nodeCount, candidates: environment.candidates,
                  hasProbe: environment.probe != nil, hasSearch: environment.search != nil,
                  hasCheckpoints: environment.checkpoints != nil, hasFindings: environment.findings != nil)
    }
}

extension CreateRequest: WireCodable {
    /// Library, plugin, the configuration's keys (sorted) then their values,
    /// seed, node count, candidates, then the four extension flags.
    func encode(into writer: inout WireWriter) {
        let keys = configuration.keys.sorted()
        writer.put(library, plugin, keys, keys.map { configuration[$0]! }, seed, nodeCount, candidates,
                   hasProbe, hasSearch, hasCheckpoints, hasFindings)
    }

    init(from reader: inout WireReader) throws {
        let library = try reader.get(String.self), plugin = try reader.get(String.self)
        let keys = try reader.get([String].self), values = try reader.get([String].self)
        guard keys.count == values.count, Set(keys).count == keys.count else {
            throw WireError.malformed("a configuration of \(keys.count) keys (some repeated?) and \(values.count) values")
        }
        self.init(library: library, plugin: plugin, configuration: Dictionary(uniqueKeysWithValues: zip(keys, values)),
                  seed: try reader.get(), nodeCount: try reader.get(), candidates: try reader.get(),
                  hasProbe: try reader.get(), hasSearch: try reader.get(), hasCheckpoints: try reader.get(),
                  hasFindings: try reader.get())
    }
}

/// Everything the host sends its worker.
enum HostMessage: WireCodable {
    /// Load the library and create the plugin (always the first message).
    case create(CreateRequest)
    /// A metric's score(edges).
    case score([Edge])
    /// A strategy's select(k).
    case select(k: Int)
    /// Destroy the instance; the worker then exits.
    case destroy
    /// The answer to the worker's latest service request that awaits one.
    case reply(ServiceReply)

    private enum Tag: UInt8, WireEnum { case create = 1, score, select, destroy, reply }

    func encode(into writer: inout WireWriter) {
        switch self {
        case let .create(request): writer.put(Tag.create, request)
        case let .score(edges): writer.put(Tag.score, edges)
        case let .select(k): writer.put(Tag.select, k)
        case .destroy: writer.put(Tag.destroy)
        case let .reply(reply): writer.put(Tag.reply, reply)
        }
    }

    init(from reader: inout WireReader) throws {
        switch try reader.get(Tag.self) {
        case .create: self = .create(try reader.get())
        case .score: self = .score(try reader.get())
        case .select: self = .select(k: try reader.get())
        case .destroy: self = .destroy
        case .reply: self = .reply(try reader.get())
        }
    }
}

/// How a call into the isolated plugin ended, as its worker reports it.
enum CallOutcome: WireCodable {
    /// create or destroy succeeded.
    case done
    /// score's result.
    case scores([Double])
    /// select's result.
    case placement([Edge])
    /// The call failed: the plugin's message and status (nil when it gave none).
    case failure(message: String, status: Int32?)

    private enum Tag: UInt8, WireEnum { case done = 1, scores, placement, failure }

    func encode(into writer: inout WireWriter) {
        switch self {
        case .done: writer.put(Tag.done)
        case let .scores(scores): writer.put(Tag.scores, scores)
        case let .placement(edges): writer.put(Tag.placement, edges)
        case let .failure(message, status): writer.put(Tag.failure, message, status)
        }
    }

    init(from reader: inout WireReader) throws {
        switch try reader.get(Tag.self) {
        case .done: self = .done
        case .scores: self = .scores(try reader.get())
        case .placement: self = .placement(try reader.get())
        case .failure: self = .failure(message: try reader.get(), status: try reader.get())
        }
    }
}

/// Everything a worker sends its host.
enum WorkerMessage: WireCodable {
    /// A host service the plugin called.
    case request(ServiceRequest)
    /// The current call is over.
    case outcome(CallOutcome)

    private enum Tag: UInt8, WireEnum { case request = 1, outcome }

    func encode(into writer: inout WireWriter) {
        switch self {
        case let .request(request): writer.put(Tag.request, request)
        case let .outcome(outcome): writer.put(Tag.outcome, outcome)
        }
    }

    init(from reader: inout WireReader) throws {
        switch try reader.get(Tag.self) {
        case .request: self = .request(try reader.get())
        case .outcome: self = .outcome(try reader.get())
        }
    }
}
