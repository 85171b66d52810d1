import CAdapterSearch
import Core
#if canImport(Glibc)
import Glibc
#endif

/// A plugin instance `plugins test` drives through the C descriptor itself,
/// with its own host table, so that it sees exactly what the plugin did:
/// the status, whether a message came with it, what it wrote into each
/// buffer and whether it wrote past the room it was given. (`PluginInstance`
/// checks the configuration first and turns every answer into a verdict;
/// the harness needs the raw answers.) Destroyed when released.
final class HarnessInstance {
    /// What the plugin said when a call returned.
    struct Answer {
        /// The status it returned.
        var status: asp_status
        /// The message it gave with `set_error` during the call, if any (a
        /// NULL or blank one counts as none).
        var message: String?

        /// "ASP_ERR_INVALID_ARGUMENT: k must be at least 1", or "... (no message)".
        var description: String { statusText(status) + ": " + (message ?? "(no message)") }
    }

    /// How a create call went.
    enum Creation {
        /// The instance.
        case created(HarnessInstance)
        /// It returned an error; `touchedInstance` is true when it wrote `*instance` anyway.
        case refused(Answer, touchedInstance: Bool)
        /// It returned ASP_OK but left `*instance` NULL.
        case noInstance
    }

    /// What a score call wrote.
    struct Scoring {
        var answer: Answer
        /// The scores, one per edge (unset ones as `HarnessInstance.unset`).
        var scores: [Double]
        /// Positions the plugin never wrote.
        var unset: [Int]
        /// True when it wrote past the end of the buffer.
        var overran: Bool
    }

    /// What a select call wrote.
    struct Selection {
        var answer: Answer
        /// *count as the plugin set it (0 if it did not).
        var count: Int
        /// The first min(count, capacity) edges of the buffer.
        var edges: [Edge]
        /// True when it wrote past the capacity it was given.
        var overran: Bool
    }

    /// The bit pattern the harness fills score buffers with: a signalling
    /// NaN no arithmetic produces, so a slot still holding it was never written.
    static let unset = Double(bitPattern: 0x7FF4_A5A5_5A5A_0001)
    /// The edge the harness fills select buffers with past their capacity.
    private static let guardEdge = asp_edge(source: Int32.min, target: Int32.min)

    let plugin: PluginDescriptor
    let context: PluginContext
    private let host: UnsafeMutablePointer<asp_host>
    private let handle: UnsafeMutableRawPointer

    private init(plugin: PluginDescriptor, context: PluginContext, host: UnsafeMutablePointer<asp_host>, handle: UnsafeMutableRawPointer) {
        self.plugin = plugin
        self.context = context
        self.host = host
        self.handle = handle
    }

    deinit {
        plugin.cDescriptor.pointee.destroy(handle)
        host.deallocate()
    }

    /// The message of the call just made, if the plugin gave one.
    private static func message(_ context: PluginContext) -> String? {
        guard let text = context.pluginError, text != "(no message)",
              !text.allSatisfy(\.isWhitespace) else { return nil }
        return text
    }

    /// Calls `create` with exactly `pairs` (no check, no defaults filled in:
    /// the harness gives bad values on purpose).
    static func create(_ plugin: PluginDescriptor, environment: PluginEnvironment, pairs: [(String, String)]) -> Creation {
        let context = PluginContext(pluginID: plugin.id, environment: environment)
        let host = HostServices.makeHostTable(for: context)
        let sentinel = UnsafeMutableRawPointer(bitPattern: 0x5A5A_5A50)!
        var created: UnsafeMutableRawPointer? = sentinel
        let keys = pairs.map { strdup($0.0) }, values = pairs.map { strdup($0.1) }
        defer { (keys + values).forEach { free($0) } }
        context.beginCall()
        let status = keys.map { UnsafePointer($0) }.withUnsafeBufferPointer { keyBuffer in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valueBuffer in
                var config = asp_config(struct_size: UInt32(MemoryLayout<asp_config>.size), count: UInt32(pairs.count),
                                        keys: keyBuffer.baseAddress, values: valueBuffer.baseAddress)
                return plugin.cDescriptor.pointee.create(plugin.cDescriptor, host, &config, &created)
            }
        }
        context.endCall()
        guard status == ASP_OK else {
            host.deallocate()
            return .refused(Answer(status: status, message: message(context)), touchedInstance: created != sentinel)
        }
        guard let created, created != sentinel else {
            host.deallocate()
            return .noInstance
        }
        return .created(HarnessInstance(plugin: plugin, context: context, host: host, handle: created))
    }

    /// Creates `plugin` with `pairs`, or says why it could not be.
    static func make(_ plugin: PluginDescriptor, environment: PluginEnvironment,
                     pairs: [(String, String)]) -> Result<HarnessInstance, CreationFailure> {
        switch create(plugin, environment: environment, pairs: pairs) {
        case let .created(instance): .success(instance)
        case let .refused(answer, _): .failure(CreationFailure(description: "create failed: \(answer.description)"))
        case .noInstance: .failure(CreationFailure(description: "create returned ASP_OK but no instance"))
        }
    }

    /// Why an instance could not be made.
    struct CreationFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Calls `score` on `edges` with a buffer of exactly `edges.count`
    /// doubles, followed by guard slots the plugin must not touch.
    func score(_ edges: [Edge]) -> Scoring {
        let guardSlots = 16
        var buffer = [Double](repeating: Self.unset, count: edges.count + guardSlots)
        let cEdges = edges.map(\.cValue)
        context.beginCall()
        let status = buffer.withUnsafeMutableBufferPointer { slots in
            cEdges.withUnsafeBufferPointer { input in
                plugin.cDescriptor.pointee.score(handle, input.baseAddress, UInt32(edges.count), slots.baseAddress)
            }
        }
        context.endCall()
        let scores = Array(buffer.prefix(edges.count))
        return Scoring(answer: Answer(status: status, message: Self.message(context)), scores: scores,
                       unset: scores.indices.filter { scores[$0].bitPattern == Self.unset.bitPattern },
                       overran: buffer.dropFirst(edges.count).contains { $0.bitPattern != Self.unset.bitPattern })
    }

    /// Calls `select` for `k` with room for `capacity` edges (the host
    /// offers n^2), followed by n^2 guard edges the plugin must not touch.
    func select(k: Int, capacity: Int) -> Selection {
        let nodes = context.environment.nodeCount
        var buffer = [asp_edge](repeating: Self.guardEdge, count: capacity + max(nodes * nodes, 16))
        var request = asp_select_request(struct_size: UInt32(MemoryLayout<asp_select_request>.size), k: UInt32(k))
        var count: UInt32 = 0
        context.beginCall()
        let status = buffer.withUnsafeMutableBufferPointer { slots in
            plugin.cDescriptor.pointee.select(handle, &request, slots.baseAddress, UInt32(capacity), &count)
        }
        context.endCall()
        let isGuard = { (edge: asp_edge) in edge.source == Int32.min && edge.target == Int32.min }
        return Selection(answer: Answer(status: status, message: Self.message(context)), count: Int(count),
                         edges: buffer.prefix(min(Int(count), capacity)).map(Edge.init),
                         overran: buffer.dropFirst(capacity).contains { !isGuard($0) })
    }
}
