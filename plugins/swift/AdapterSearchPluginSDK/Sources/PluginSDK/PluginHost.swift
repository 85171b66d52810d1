import CAdapterSearch

/// The host's services as a plugin instance sees them: logging, progress,
/// cancellation, its seeded random stream, the adapter graph, and the engine
/// extensions (probe, search, gated training, findings, checkpointing).
///
/// Valid from `create` until `destroy`; use it only on the thread that is
/// inside a call into the plugin, except `log`.
public final class PluginHost: @unchecked Sendable {
    /// Log levels.
    public enum LogLevel: Int32, Sendable { case debug = 0, info, warning, error }

    private let table: UnsafePointer<asp_host>
    private var context: UnsafeMutableRawPointer? { table.pointee.context }

    init(_ table: UnsafePointer<asp_host>) {
        self.table = table
    }

    /// The ABI version the host speaks, packed as `ASP_MAKE_VERSION`.
    public var abiVersion: UInt32 { table.pointee.abi_version }

    /// Logs one line.
    public func log(_ level: LogLevel, _ message: String) {
        table.pointee.log?(context, level.rawValue, message)
    }

    /// Hands the host the message of the error the current call returns.
    func setError(_ message: String) {
        table.pointee.set_error?(context, message)
    }

    /// The message of the last failed service call, or "".
    func lastError() -> String {
        guard let text = table.pointee.last_error?(context) else { return "" }
        return String(cString: text)
    }

    /// Reports progress in [0, 1] with a short message.
    public func progress(_ fraction: Double, _ message: String = "") {
        table.pointee.progress?(context, fraction, message)
    }

    /// True once the user asked to stop.
    public var shouldStop: Bool { (table.pointee.should_stop?(context) ?? 0) != 0 }

    /// Throws `PluginError.cancelled` once the user asked to stop.
    public func checkCancellation() throws {
        if shouldStop { throw PluginError.cancelled }
    }

    /// The next 64 bits of this instance's seeded random stream.
    public func randomBits() -> UInt64 {
        table.pointee.random_u64(context)
    }

    /// Number of residual nodes n = 2L + 1.
    public var nodeCount: Int { Int(table.pointee.node_count(context)) }

    /// The edges this run searches over, in the host's fixed order.
    public func candidateEdges() throws -> [Edge] {
        var count: UInt32 = 0
        var status = table.pointee.candidate_edges(context, nil, 0, &count)
        guard status == ASP_OK || status == ASP_ERR_BUFFER_TOO_SMALL else {
            throw PluginError(status, "candidate_edges failed: \(lastError())")
        }
        var edges = [asp_edge](repeating: asp_edge(), count: Int(count))
        status = edges.withUnsafeMutableBufferPointer {
            table.pointee.candidate_edges(context, $0.baseAddress, count, &count)
        }
        try status.check("candidate_edges failed: \(lastError())")
        return edges.prefix(Int(count)).map(Edge.init)
    }

    /// The probe services, or an `unsupported` error if the host has none.
    public func probe() throws -> ProbeServices {
        ProbeServices(api: try extensionTable(ASP_EXT_PROBE, as: asp_probe_api.self), host: self)
    }

    /// The search services, or an `unsupported` error if the host has none.
    public func search() throws -> SearchServices {
        SearchServices(api: try extensionTable(ASP_EXT_SEARCH, as: asp_search_api.self), host: self)
    }

    /// The gated-training service (ABI 1.2), or an `unsupported` error if the host has none.
    public func gated() throws -> GatedServices {
        GatedServices(api: try extensionTable(ASP_EXT_GATED, as: asp_gated_api.self), host: self)
    }

    /// The findings services (ABI 1.3), or an `unsupported` error if the host has none.
    public func findings() throws -> FindingsServices {
        FindingsServices(api: try extensionTable(ASP_EXT_FINDINGS, as: asp_findings_api.self), host: self)
    }

    /// The checkpointing services, or an `unsupported` error if the host has none.
    public func checkpointing() throws -> CheckpointServices {
        CheckpointServices(api: try extensionTable(ASP_EXT_CHECKPOINTING, as: asp_checkpointing_api.self),
                           host: self)
    }

    /// Throws, naming the missing service, unless the host offers all
    /// `needs` (each is served by `asp.probe/1`).
    func check(_ needs: MetricNeeds) throws {
        if !needs.isEmpty { _ = try probe() }
    }

    private func extensionTable<Table>(_ id: String, as: Table.Type) throws -> UnsafePointer<Table> {
        guard let raw = table.pointee.get_extension?(context, id) else {
            throw PluginError.unsupported("the host does not offer \(id)")
        }
        return raw.assumingMemoryBound(to: Table.self)
    }

    /// Calls a service and turns a failure into a `PluginError` with the
    /// host's message.
    func call(_ what: String, _ body: (UnsafeMutableRawPointer?) -> asp_status) throws {
        let status = body(context)
        if status != ASP_OK { throw PluginError(status, "\(what) failed: \(lastError())") }
    }
}

extension PluginHost {
    /// A uniform integer in `0..<bound` from the host stream, without modulo bias.
    public func randomIndex(below bound: Int) throws(PluginError) -> Int {
        guard bound > 0 else { throw PluginError.invalidArgument("randomIndex(below: \(bound)): the bound must be positive") }
        let limit = UInt64(bound)
        let threshold = (0 &- limit) % limit  // 2^64 mod bound
        while true {
            let bits = randomBits()
            if bits >= threshold { return Int(bits % limit) }
        }
    }

    /// `count` distinct elements of `items`, uniformly at random, in draw order
    /// (a partial Fisher-Yates shuffle).
    public func sample<T>(_ count: Int, from items: [T]) throws(PluginError) -> [T] {
        guard count >= 0, count <= items.count else {
            throw PluginError.invalidArgument("cannot sample \(count) of \(items.count) items")
        }
        var pool = items
        for index in 0..<count {
            pool.swapAt(index, index + (try randomIndex(below: pool.count - index)))
        }
        return Array(pool.prefix(count))
    }
}
