import CAdapterSearch
import Core
import Foundation
import Testing
@testable import Host
#if canImport(Glibc)
import Glibc
#endif

/// The isolation protocol's codecs (IsolationWire.swift): every message
/// decodes to exactly what was encoded, floats bit for bit, and a damaged
/// message is an error, never a wrong value.
@Suite("Isolation wire")
struct IsolationWireTests {
    /// A quiet NaN with a payload, and one with the sign bit: kept bit for bit.
    static let nan = Double(nan: 0x5_1234, signaling: false), negativeNaN = -Double.nan
    static let floatNaN = Float(nan: 0x123, signaling: false)
    /// Text with two-, three- and four-byte UTF-8, a combining mark and a NUL.
    static let text = "naïve — 日本語 e\u{301} 🚀 \u{0} end"

    /// A rows x cols matrix whose values are distinct, with NaNs, infinities and -0 among them.
    static func matrix(_ rows: Int, _ cols: Int) -> Matrix<Float> {
        let special: [Float] = [floatNaN, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        return Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { $0 < special.count ? special[$0] : Float($0) * 0.5 })
    }

    /// At least one request of every kind, with edge values.
    static let requests: [ServiceRequest] = [
        .info(probe: 0), .info(probe: Int(Int32.max) + 1),
        .activations(probe: 3, node: 0), .activations(probe: Int.max, node: 1 << 40),
        .gradients(probe: 0, node: -1),
        .edgeGradient(probe: 7, edge: Edge(Int(Int32.max), 0)),
        .singularValues(probe: 1, edge: Edge(0, Int(Int32.min))),
        .rank(probe: 2, edge: Edge(3, 4), relativeTolerance: nan), .rank(probe: 0, edge: Edge(0, 0), relativeTolerance: -0.0),
        .rank(probe: 0, edge: Edge(1, 0), relativeTolerance: .infinity),
        .adapterInit(edge: Edge(1, 1), rank: 1 << 33),
        .runPass(PassRequest(batchSeed: 0, examples: 0, input: .data, weights: .asIs, loss: .crossEntropy, perturbations: [])),
        .runPass(PassRequest(batchSeed: .max, examples: Int.max, input: .ones, weights: .absolute, loss: .sumOfOutputs,
                             perturbations: [(Edge(0, 1), matrix(0, 0)), (Edge(2, 3), matrix(0, 5)),
                                             (Edge(4, 5), matrix(3, 2)), (Edge(6, 7), matrix(512, 512))])),
        .scores(metric: "", edges: []), .scores(metric: text, edges: Edge.all(nodeCount: 25)),
        .evaluate(placements: [], budget: Budget()),
        .evaluate(placements: [[], [Edge(0, 1)], Edge.all(nodeCount: 9)], budget: Budget(steps: Int.max, examples: 0)),
        .trainGated(edges: [], budget: GatedRequest()),
        .trainGated(edges: Edge.all(nodeCount: 13), budget: GatedRequest(steps: Int.max, learningRate: nan, gateLearningRate: -0.0,
                                                                          sparsity: .infinity, initialTemperature: 1e-300,
                                                                          finalTemperature: negativeNaN, initialLogit: -.infinity)),
        .finding(name: "", value: .text("")), .finding(name: text, value: .text(text)), .finding(name: "rho", value: .number(nan)),
        .finding(name: "m", value: .number(-.infinity)),
        .saveState([]), .saveState(Array(0...255) + Array(repeating: 0, count: 70_000)),
        .loadState, .shouldStop,
        .log(level: Int32.min, message: ""), .log(level: 2, message: text),
        .progress(fraction: negativeNaN, message: text), .progress(fraction: -.infinity, message: ""),
    ]

    /// At least one reply of every kind, with edge values.
    static let replies: [ServiceReply] = [
        .failure(ServiceError(status: ASP_ERR_NOT_FOUND, description: "no saved state: " + text)),
        .failure(ServiceError(status: Int32.min, description: "")),
        .done, .flag(true), .flag(false), .number(0), .number(Int.min), .number(Int.max),
        .summary(ProbeSummary(width: 1 << 20, tokens: 0, examples: Int.max, classes: 2, loss: nan)),
        .matrix(matrix(0, 0)), .matrix(matrix(1, 0)), .matrix(matrix(1024, 1024)),
        .matrices(down: matrix(4, 16), up: matrix(16, 4)),
        .values([]), .values([nan, negativeNaN, .infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude]),
        .scores([], direction: -1), .scores([nan, 1, -.infinity, 0.1], direction: 1),
        .evaluations([]),
        .evaluations([EvaluationResult(accuracy: nan, loss: 1e308, parameters: Int.max, seconds: 0),
                      EvaluationResult(accuracy: 1, loss: -0.0, parameters: 0, seconds: .infinity)]),
        .state(nil), .state([]), .state(Array(0...255)),
        .gated(GatedResult(probabilities: [], accuracy: 0, loss: 0, seconds: 0)),
        .gated(GatedResult(probabilities: [nan, 0.5, -0.0, 1], accuracy: nan, loss: .infinity, seconds: 1e-9, diverged: true)),
    ]

    /// The name of `request`'s case. Exhaustive: a new case fails to compile
    /// here until it is named, and `everyRequestRoundTrips` then wants a sample of it.
    static func kind(_ request: ServiceRequest) -> String {
        switch request {
        case .info: "info"
        case .activations: "activations"
        case .gradients: "gradients"
        case .edgeGradient: "edgeGradient"
        case .singularValues: "singularValues"
        case .rank: "rank"
        case .adapterInit: "adapterInit"
        case .runPass: "runPass"
        case .scores: "scores"
        case .evaluate: "evaluate"
        case .trainGated: "trainGated"
        case .finding: "finding"
        case .saveState: "saveState"
        case .loadState: "loadState"
        case .shouldStop: "shouldStop"
        case .log: "log"
        case .progress: "progress"
        }
    }

    /// The name of `reply`'s case (exhaustive, as `kind(_: ServiceRequest)`).
    static func kind(_ reply: ServiceReply) -> String {
        switch reply {
        case .failure: "failure"
        case .done: "done"
        case .flag: "flag"
        case .number: "number"
        case .summary: "summary"
        case .matrix: "matrix"
        case .matrices: "matrices"
        case .values: "values"
        case .scores: "scores"
        case .evaluations: "evaluations"
        case .state: "state"
        case .gated: "gated"
        }
    }

    /// True when `a` and `b` have the same type and structure and the same
    /// leaves: floating-point values bit for bit (NaN payloads and -0
    /// included), a configuration dictionary by its pairs, anything else by
    /// its description.
    static func identical(_ a: Any, _ b: Any) -> Bool {
        guard "\(type(of: a))" == "\(type(of: b))" else { return false }
        if let x = a as? Double, let y = b as? Double { return x.bitPattern == y.bitPattern }
        if let x = a as? Float, let y = b as? Float { return x.bitPattern == y.bitPattern }
        if let x = a as? [Double], let y = b as? [Double] { return x.map(\.bitPattern) == y.map(\.bitPattern) }
        if let x = a as? [Float], let y = b as? [Float] { return x.map(\.bitPattern) == y.map(\.bitPattern) }
        if let x = a as? [String: String], let y = b as? [String: String] { return x == y }  // in no order
        let left = Array(Mirror(reflecting: a).children), right = Array(Mirror(reflecting: b).children)
        guard left.count == right.count else { return false }
        if left.isEmpty { return String(describing: a) == String(describing: b) }
        return zip(left, right).allSatisfy { $0.label == $1.label && identical($0.value, $1.value) }
    }

    /// Encodes `value`, decodes it, and checks that every byte was read, the
    /// value came back identical and encodes to the same bytes again. A
    /// small encoding is also cut short at every byte: each prefix must fail.
    static func expectRoundTrip<Message: WireCodable>(_ value: Message, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var writer = WireWriter()
        value.encode(into: &writer)
        var reader = WireReader(writer.bytes)
        let decoded = try Message(from: &reader)
        #expect(reader.isAtEnd, "\(Message.self) left bytes unread", sourceLocation: sourceLocation)
        #expect(identical(decoded, value), "\(Message.self) came back different", sourceLocation: sourceLocation)
        var again = WireWriter()
        decoded.encode(into: &again)
        #expect(again.bytes == writer.bytes, sourceLocation: sourceLocation)
        guard writer.bytes.count <= 400 else { return }
        for length in 0..<writer.bytes.count {
            var prefix = WireReader(Array(writer.bytes.prefix(length)))
            #expect(throws: WireError.self, "a \(length)-byte prefix of \(writer.bytes.count)", sourceLocation: sourceLocation) {
                try Message(from: &prefix)
            }
        }
    }

    @Test func everyRequestRoundTrips() throws {
        #expect(Set(Self.requests.map(Self.kind)) == ["info", "activations", "gradients", "edgeGradient", "singularValues",
                                                      "rank", "adapterInit", "runPass", "scores", "evaluate", "trainGated", "finding", "saveState",
                                                      "loadState", "shouldStop", "log", "progress"])
        for request in Self.requests {
            try Self.expectRoundTrip(request)
            try Self.expectRoundTrip(WorkerMessage.request(request))
        }
        #expect(Self.requests.filter { !$0.awaitsReply }.map(Self.kind) == ["log", "log", "progress", "progress"])
    }

    @Test func everyReplyRoundTrips() throws {
        #expect(Set(Self.replies.map(Self.kind)) == ["failure", "done", "flag", "number", "summary", "matrix", "matrices",
                                                     "values", "scores", "evaluations", "state", "gated"])
        for reply in Self.replies {
            try Self.expectRoundTrip(reply)
            try Self.expectRoundTrip(HostMessage.reply(reply))
        }
    }

    @Test func everyCallAndOutcomeRoundTrips() throws {
        let create = CreateRequest(library: "/tmp/" + Self.text + ".so", plugin: "org.example.métrique",
                                   configuration: ["": "", "k": Self.text, Self.text: "v"], seed: .max, nodeCount: 1 << 31,
                                   candidates: Edge.all(nodeCount: 5), hasProbe: true, hasSearch: false, hasCheckpoints: true,
                                   hasFindings: true)
        for message: HostMessage in [.create(create), .score([]), .score(Edge.all(nodeCount: 49)), .select(k: 0),
                                     .select(k: Int.max), .destroy] {
            try Self.expectRoundTrip(message)
        }
        for outcome: CallOutcome in [.done, .scores([]), .scores([Self.nan, -0.0]), .placement([]), .placement([Edge(3, 1)]),
                                     .failure(message: Self.text, status: nil), .failure(message: "", status: 0),
                                     .failure(message: "x", status: ASP_ERR_CANCELLED)] {
            try Self.expectRoundTrip(WorkerMessage.outcome(outcome))
        }
    }

    @Test func damagedMessagesAreErrorsNotValues() {
        func decode(_ bytes: [UInt8]) throws -> ServiceRequest {
            var reader = WireReader(bytes)
            return try ServiceRequest(from: &reader)
        }
        #expect(throws: WireError.self, "an unknown tag") { try decode([200]) }
        #expect(throws: WireError.self, "an empty message") { try decode([]) }
        var huge = WireWriter()
        huge.put(UInt8(17))  // evaluate
        huge.put(UInt64.max)  // placements: more than the frame holds
        #expect(throws: WireError.self, "a count past the end") { try decode(huge.bytes) }
        var matrix = WireWriter()
        Matrix<Float>(rows: 2, cols: 2, values: [1, 2, 3, 4]).encode(into: &matrix)
        var wrongShape = Array(matrix.bytes)
        wrongShape[0] = 3  // 3 x 2 with 4 values
        var reader = WireReader(wrongShape)
        #expect(throws: WireError.self) { try Matrix<Float>(from: &reader) }
    }

    @Test func aLargeMessageCrossesASocketWhole() throws {
        var ends: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        let sender = WireChannel(descriptor: ends[0]), receiver = WireChannel(descriptor: ends[1])
        let sent = ServiceReply.matrix(Self.matrix(1024, 1024))  // 4 MiB: far more than the socket buffers
        let thread = Thread {
            try? sender.send(HostMessage.reply(sent))
            try? sender.send(HostMessage.destroy)
        }
        thread.start()
        let received = try receiver.receive(HostMessage.self)
        #expect(Self.identical(received, HostMessage.reply(sent)))
        let next = try receiver.receive(HostMessage.self)
        #expect(Self.identical(next, HostMessage.destroy))
    }
}
