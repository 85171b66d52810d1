import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One end of the socket between a host and its worker: whole frames (see
/// IsolationWire.swift) in and out, with optional deadlines so a host never
/// waits forever on a worker. Writes may come from any thread (a plugin may
/// log from any thread); reads from one thread at a time.
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

    /// Sends `message` as one frame; waits for room at most until `deadline`
    /// (monotonic seconds, nil: forever). Throws `closed` when the peer is
    /// gone, `timedOut`, or `malformed` for a message too large for a frame.
    func send(_ message: some WireCodable, deadline: Double? = nil) throws {
        var encoded = WireWriter()
        message.encode(into: &encoded)
        guard encoded.bytes.count <= Self.maximumFrame else {
            throw WireError.malformed("a message of \(encoded.bytes.count) bytes exceeds the largest frame")
        }
        var frame = WireWriter()
        frame.put(UInt32(encoded.bytes.count))
        let bytes = frame.bytes + encoded.bytes
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

    /// Receives one frame holding a `Message`; waits at most until `deadline`
    /// (monotonic seconds, nil: forever). Throws `closed`, `timedOut`, or
    /// `malformed` when the frame is not exactly one `Message`.
    func receive<Message: WireCodable>(_: Message.Type, deadline: Double? = nil) throws -> Message {
        try fill(4, deadline: deadline)
        let length = Int(buffer[0]) | Int(buffer[1]) << 8 | Int(buffer[2]) << 16 | Int(buffer[3]) << 24
        guard length >= 1, length <= Self.maximumFrame else { throw WireError.malformed("frame length \(length)") }
        try fill(4 + length, deadline: deadline)
        var reader = WireReader(Array(buffer[4..<(4 + length)]))
        buffer.removeFirst(4 + length)
        let message = try Message(from: &reader)
        guard reader.isAtEnd else { throw WireError.malformed("\(length)-byte frame longer than the \(Message.self) it holds") }
        return message
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
