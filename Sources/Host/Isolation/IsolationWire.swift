import CAdapterSearch
import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The messages an isolated plugin's host and its worker process exchange
/// over one socket (see `IsolatedPlugin` and `PluginWorker`).
///
/// A frame is a little-endian `UInt32` length (of what follows), one kind
/// byte, then the payload, written with `WireWriter` and read with
/// `WireReader`. Float and double arrays travel as raw bytes, so values
/// arrive bit for bit.
enum WireKind: UInt8 {
    // Host -> worker.
    /// Load a library and create a plugin: see `CreateRequest`.
    case create = 1
    /// A metric's score(edges).
    case score = 2
    /// A strategy's select(k).
    case select = 3
    /// Destroy the instance and exit.
    case destroy = 4
    /// The answer to a service request: status, then a message or the payload.
    case reply = 5

    // Worker -> host.
    /// A service request during a call: a `WireService` byte, then its arguments.
    case request = 16
    /// A log line (level, message); no answer.
    case log = 17
    /// Progress (fraction, message); no answer.
    case progress = 18
    /// The call succeeded: its result.
    case result = 19
    /// The call failed: message, then status (-1 when the plugin returned none).
    case failure = 20
}

/// The host services a worker asks its host for, one per protocol method of
/// `ProbeProvider`, `SearchProvider` and `CheckpointStore`, plus should_stop.
enum WireService: UInt8 {
    case info = 1, activations, gradients, edgeGradient, singularValues, rank, adapterInit, runPass
    case scores = 16, evaluate
    case saveState = 32, loadState
    case shouldStop = 48
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

/// Builds a frame's payload.
struct WireWriter {
    /// The bytes so far.
    private(set) var bytes: [UInt8] = []

    /// Appends an integer or float, little-endian (the only byte order this host runs on).
    mutating func put<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a double's bits.
    mutating func put(_ value: Double) { put(value.bitPattern) }

    /// Appends a flag as one byte.
    mutating func put(_ value: Bool) { put(UInt8(value ? 1 : 0)) }

    /// Appends UTF-8 text with its length.
    mutating func put(_ text: String) { put(Array(text.utf8)) }

    /// Appends raw bytes with their length.
    mutating func put(_ raw: [UInt8]) {
        put(UInt64(raw.count))
        bytes.append(contentsOf: raw)
    }

    /// Appends the raw bytes of an array of trivial values (floats, doubles, edges) with the count.
    mutating func putArray<T: BitwiseCopyable>(_ values: [T]) {
        put(UInt64(values.count))
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    /// Appends everything `other` holds.
    mutating func append(_ other: WireWriter) { bytes.append(contentsOf: other.bytes) }

    /// Appends edges as (source, target) pairs.
    mutating func put(_ edges: [Edge]) { putArray(edges.map(\.cValue)) }

    /// Appends a matrix: rows, cols, then its float32 values raw.
    mutating func put(_ matrix: Matrix<Float>) {
        put(UInt32(matrix.rows))
        put(UInt32(matrix.cols))
        putArray(matrix.values)
    }
}

/// Reads a frame's payload in the order it was written; every read checks
/// that the bytes are there.
struct WireReader {
    private let bytes: [UInt8]
    private var offset = 0

    /// A reader over a frame's payload.
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// True when every byte has been read.
    var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - offset else {
            throw WireError.malformed("needs \(count) more bytes at offset \(offset) of \(bytes.count)")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// Reads an integer written by `WireWriter.put`.
    mutating func get<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let slice = try take(MemoryLayout<T>.size)
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: slice) }
        return T(littleEndian: value)
    }

    /// Reads a double.
    mutating func getDouble() throws -> Double { Double(bitPattern: try get(UInt64.self)) }

    /// Reads a flag.
    mutating func getBool() throws -> Bool { try get(UInt8.self) != 0 }

    /// Reads text.
    mutating func getString() throws -> String { String(decoding: try getBytes(), as: UTF8.self) }

    /// Reads raw bytes.
    mutating func getBytes() throws -> [UInt8] {
        let count = try get(UInt64.self)
        guard count <= UInt64(bytes.count - offset) else { throw WireError.malformed("a byte string of \(count) bytes overruns the frame") }
        return Array(try take(Int(count)))
    }

    /// Reads an array of trivial values written by `putArray`.
    mutating func getArray<T: BitwiseCopyable>(_: T.Type = T.self) throws -> [T] {
        let count = try get(UInt64.self)
        let stride = MemoryLayout<T>.stride
        guard count <= UInt64((bytes.count - offset) / max(stride, 1)) else {
            throw WireError.malformed("an array of \(count) values overruns the frame")
        }
        let slice = try take(Int(count) * stride)
        return [T](unsafeUninitializedCapacity: Int(count)) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyBytes(from: slice)
            initialized = Int(count)
        }
    }

    /// Reads edges.
    mutating func getEdges() throws -> [Edge] { try getArray(asp_edge.self).map(Edge.init) }

    /// Reads a matrix.
    mutating func getMatrix() throws -> Matrix<Float> {
        let rows = Int(try get(UInt32.self)), cols = Int(try get(UInt32.self))
        let values = try getArray(Float.self)
        guard values.count == rows * cols else { throw WireError.malformed("a \(rows) x \(cols) matrix with \(values.count) values") }
        return Matrix(rows: rows, cols: cols, values: values)
    }
}

/// One end of the socket between a host and its worker: whole frames in and
/// out, with optional deadlines so a host never waits forever on a worker.
/// Writes may come from any thread (a plugin may log from any thread);
/// reads from one thread at a time.
final class WireChannel: @unchecked Sendable {
    // @unchecked: writes are serialised by `writeLock`; reads happen on one thread at a time.

    /// The socket.
    let descriptor: Int32
    private let writeLock = NSLock()
    private var buffer: [UInt8] = []
    /// The largest frame either side accepts (a guard against a corrupted length).
    static let maximumFrame = 1 << 31

    /// Wraps `descriptor`, which the channel closes when it goes away.
    init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// Seconds on a monotonic clock.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Sends one frame; waits for room at most until `deadline` (monotonic seconds, nil: forever).
    func send(_ kind: WireKind, _ payload: WireWriter = WireWriter(), deadline: Double? = nil) throws {
        var frame = WireWriter()
        frame.put(UInt32(payload.bytes.count + 1))
        frame.put(kind.rawValue)
        let bytes = frame.bytes + payload.bytes
        try writeLock.withLock {
            try bytes.withUnsafeBytes { raw in
                var sent = 0
                while sent < raw.count {
                    try wait(for: Int16(POLLOUT), until: deadline)
                    // MSG_NOSIGNAL: a closed peer is EPIPE here, never SIGPIPE.
                    let count = Glibc.send(descriptor, raw.baseAddress! + sent, raw.count - sent,
                                           Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
                    if count < 0 {
                        let code = errno
                        if code == EINTR || code == EAGAIN { continue }
                        if code == EPIPE || code == ECONNRESET { throw WireError.closed }
                        throw WireError.system("send", code)
                    }
                    sent += count
                }
            }
        }
    }

    /// Receives one frame; waits at most until `deadline` (monotonic seconds, nil: forever).
    func receive(deadline: Double? = nil) throws -> (WireKind, WireReader) {
        try fill(4, deadline: deadline)
        let length = Int(buffer[0]) | Int(buffer[1]) << 8 | Int(buffer[2]) << 16 | Int(buffer[3]) << 24
        guard length >= 1, length <= Self.maximumFrame else { throw WireError.malformed("frame length \(length)") }
        try fill(4 + length, deadline: deadline)
        let kindByte = buffer[4]
        let payload = Array(buffer[5..<(4 + length)])
        buffer.removeFirst(4 + length)
        guard let kind = WireKind(rawValue: kindByte) else { throw WireError.malformed("unknown message kind \(kindByte)") }
        return (kind, WireReader(payload))
    }

    /// Reads until the buffer holds `count` bytes.
    private func fill(_ count: Int, deadline: Double?) throws {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while buffer.count < count {
            try wait(for: Int16(POLLIN), until: deadline)
            let received = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if received == 0 { throw WireError.closed }
            if received < 0 {
                let code = errno
                if code == EINTR || code == EAGAIN { continue }
                if code == ECONNRESET { throw WireError.closed }
                throw WireError.system("recv", code)
            }
            buffer.append(contentsOf: chunk[0..<received])
        }
    }

    /// Waits until the socket is ready for `events` or the peer hung up (the
    /// following call then reports it), or throws `timedOut` at `deadline`.
    private func wait(for events: Int16, until deadline: Double?) throws {
        while true {
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            var milliseconds: Int32 = -1
            if let deadline {
                let left = deadline - Self.now()
                if left <= 0 { throw WireError.timedOut }
                milliseconds = Int32(min((left * 1000).rounded(.up), Double(Int32.max)))
            }
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw WireError.system("poll", errno) }
        }
    }
}
