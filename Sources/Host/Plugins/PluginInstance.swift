import CAdapterSearch
import Core

/// A failed call into a plugin, named by plugin id.
struct PluginCallError: Error, CustomStringConvertible {
    /// The plugin that failed.
    var plugin: String
    /// What it said, or what the host found wrong with its answer.
    var message: String
    /// The ABI status, when the plugin returned one.
    var status: Int32? = nil

    var description: String { "plugin '\(plugin)': \(message)" }
}

/// A live plugin instance: created with a checked configuration, called
/// through the C ABI, destroyed when released.
final class PluginInstance {
    /// What the instance is an instance of.
    let plugin: PluginDescriptor
    private let context: PluginContext
    private let hostTable: UnsafeMutablePointer<asp_host>
    private let handle: UnsafeMutableRawPointer

    /// Creates an instance; `configuration` values are checked against the
    /// plugin's declared parameters and missing ones take their defaults.
    init(_ plugin: PluginDescriptor, environment: PluginEnvironment, configuration: [String: String] = [:]) throws {
        let pairs = try plugin.configuration(configuration)
        let context = PluginContext(pluginID: plugin.id, environment: environment)
        let hostTable = HostServices.makeHostTable(for: context)
        var created: UnsafeMutableRawPointer?
        let status = withCConfig(pairs) { config in
            plugin.cDescriptor.pointee.create(plugin.cDescriptor, hostTable, config, &created)
        }
        context.endCall()
        guard status == ASP_OK, let created else {
            hostTable.deallocate()
            throw PluginCallError(plugin: plugin.id,
                                  message: "create failed: \(context.pluginError ?? statusText(status))", status: status)
        }
        self.plugin = plugin
        self.context = context
        self.hostTable = hostTable
        self.handle = created
    }

    deinit {
        plugin.cDescriptor.pointee.destroy(handle)
        hostTable.deallocate()
    }

    /// Scores `edges` (a metric). Errors, and non-finite or missing scores,
    /// come back as a `PluginCallError` naming the plugin.
    func score(_ edges: [Edge]) throws -> [Double] {
        guard plugin.kind == .metric else { throw PluginCallError(plugin: plugin.id, message: "is not a metric") }
        var scores = [Double](repeating: .nan, count: edges.count)
        let cEdges = edges.map(\.cValue)
        try call("score") {
            scores.withUnsafeMutableBufferPointer { buffer in
                plugin.cDescriptor.pointee.score(handle, cEdges, UInt32(edges.count), buffer.baseAddress)
            }
        }
        if let bad = scores.indices.first(where: { !scores[$0].isFinite }) {
            throw PluginCallError(plugin: plugin.id, message: "returned a non-finite score (\(scores[bad])) for edge \(edges[bad])")
        }
        return scores
    }

    /// Selects a placement for `k` edges (a strategy). The edges must be
    /// distinct nodes of the graph.
    func select(k: Int) throws -> [Edge] {
        guard plugin.kind == .strategy else { throw PluginCallError(plugin: plugin.id, message: "is not a strategy") }
        var request = asp_select_request(struct_size: UInt32(MemoryLayout<asp_select_request>.size), k: UInt32(k))
        let nodes = context.environment.nodeCount
        let capacity = max(nodes * nodes, 1)
        var edges = [asp_edge](repeating: asp_edge(), count: capacity)
        var count: UInt32 = 0
        try call("select") {
            edges.withUnsafeMutableBufferPointer { buffer in
                plugin.cDescriptor.pointee.select(handle, &request, buffer.baseAddress, UInt32(capacity), &count)
            }
        }
        guard Int(count) <= capacity else {
            throw PluginCallError(plugin: plugin.id, message: "reported \(count) edges, more than the \(capacity) it had room for")
        }
        let chosen = edges.prefix(Int(count)).map(Edge.init)
        if let outside = chosen.first(where: { !$0.isInside(nodeCount: nodes) }) {
            throw PluginCallError(plugin: plugin.id, message: "chose edge \(outside), outside nodes 0...\(nodes - 1)")
        }
        guard Set(chosen).count == chosen.count else {
            throw PluginCallError(plugin: plugin.id, message: "chose an edge twice: \(chosen)")
        }
        return chosen
    }

    private func call(_ what: String, _ body: () -> asp_status) throws {
        context.beginCall()
        let status = body()
        context.endCall()
        guard status == ASP_OK else {
            throw PluginCallError(plugin: plugin.id,
                                  message: "\(what) failed: \(context.pluginError ?? statusText(status))", status: status)
        }
    }
}

/// Lends a C config over key/value pairs for the duration of `body`.
private func withCConfig<R>(_ pairs: [(String, String)], _ body: (UnsafePointer<asp_config>) -> R) -> R {
    let keys = pairs.map { strdup($0.0) }, values = pairs.map { strdup($0.1) }
    defer { (keys + values).forEach { free($0) } }
    return keys.map { UnsafePointer($0) }.withUnsafeBufferPointer { keyBuffer in
        values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valueBuffer in
            var config = asp_config(struct_size: UInt32(MemoryLayout<asp_config>.size), count: UInt32(pairs.count),
                                    keys: keyBuffer.baseAddress, values: valueBuffer.baseAddress)
            return body(&config)
        }
    }
}

/// The name of an ABI status code, for messages.
func statusText(_ status: asp_status) -> String {
    switch status {
    case ASP_OK: "ASP_OK"
    case ASP_ERR_INVALID_ARGUMENT: "ASP_ERR_INVALID_ARGUMENT"
    case ASP_ERR_UNSUPPORTED: "ASP_ERR_UNSUPPORTED"
    case ASP_ERR_OUT_OF_MEMORY: "ASP_ERR_OUT_OF_MEMORY"
    case ASP_ERR_CANCELLED: "ASP_ERR_CANCELLED"
    case ASP_ERR_BUFFER_TOO_SMALL: "ASP_ERR_BUFFER_TOO_SMALL"
    case ASP_ERR_NOT_FOUND: "ASP_ERR_NOT_FOUND"
    case ASP_ERR_ENGINE: "ASP_ERR_ENGINE"
    case ASP_ERR_INTERNAL: "ASP_ERR_INTERNAL"
    default: "status \(status)"
    }
}

#if canImport(Glibc)
import Glibc
#endif
