import CAdapterSearch
#if canImport(Glibc)
import Glibc
#endif

/// Builds and serves the C library table of a plugin library written in Swift.
///
/// A Swift plugin library exports it in one declaration:
///
///     @_cdecl("asp_plugin_entry")
///     public func entry(_ hostABI: UInt32) -> UnsafePointer<asp_library>? {
///         PluginLibrary.entry(hostABI, exporting: [MyMetric.self])
///     }
public enum PluginLibrary {
    /// The library table for a host speaking `hostABIVersion`: nil (a
    /// refusal) for another major version, or when a type exported is
    /// neither a `Metric` nor a `Strategy` (said on standard error: the
    /// plugin author's mistake must not crash the host); built once, then shared.
    public static func entry(_ hostABIVersion: UInt32, exporting plugins: [any Plugin.Type]) -> UnsafePointer<asp_library>? {
        guard hostABIVersion >> 16 == UInt32(ASP_ABI_VERSION_MAJOR) else { return nil }
        if let stray = plugins.first(where: { !($0 is any Metric.Type) && !($0 is any Strategy.Type) }) {
            let message = "adapter-search plugin SDK: \(stray) is neither a Metric nor a Strategy; the library exports nothing\n"
            _ = message.withCString { write(2, $0, strlen($0)) }
            return nil
        }
        return state.withLock {
            if let library = state.library { return library }
            let library = makeLibrary(plugins)
            state.library = library
            return library
        }
    }

    private static let state = LibraryState()

    /// The descriptor-to-type map; written only under the state's lock.
    fileprivate static var stateTypes: [UnsafeRawPointer: any Plugin.Type] {
        get { state.types }
        set { state.types = newValue }
    }

    /// The plugin type behind a descriptor this library published.
    fileprivate static func type(of descriptor: UnsafeRawPointer) -> (any Plugin.Type)? {
        state.type(of: descriptor)
    }
}

/// The library's one table and the descriptor-to-type map `create` uses,
/// built on the first entry call and never freed (the tables must live until
/// the library is unloaded).
private final class LibraryState: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    var library: UnsafePointer<asp_library>?
    var types: [UnsafeRawPointer: any Plugin.Type] = [:]

    init() { pthread_mutex_init(&mutex, nil) }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }

    /// The plugin type behind a descriptor this library published.
    func type(of descriptor: UnsafeRawPointer) -> (any Plugin.Type)? {
        withLock { types[descriptor] }
    }
}

/// Allocates the C library table for `plugins` and records which Swift type
/// each descriptor stands for. Called with the state's lock held.
private func makeLibrary(_ plugins: [any Plugin.Type]) -> UnsafePointer<asp_library> {
    let pointers = UnsafeMutablePointer<UnsafePointer<asp_plugin_descriptor>?>.allocate(capacity: max(plugins.count, 1))
    for (index, plugin) in plugins.enumerated() {
        let descriptor = UnsafeMutablePointer<asp_plugin_descriptor>.allocate(capacity: 1)
        descriptor.initialize(to: makeDescriptor(plugin))
        pointers[index] = UnsafePointer(descriptor)
        PluginLibrary.stateTypes[UnsafeRawPointer(descriptor)] = plugin
    }
    let library = UnsafeMutablePointer<asp_library>.allocate(capacity: 1)
    library.initialize(to: asp_library(struct_size: UInt32(MemoryLayout<asp_library>.size),
                                       abi_version: UInt32(ASP_ABI_VERSION_MAJOR) << 16 | UInt32(ASP_ABI_VERSION_MINOR),
                                       plugin_count: UInt32(plugins.count),
                                       plugins: UnsafePointer(pointers)))
    return UnsafePointer(library)
}

private func permanentString(_ text: String) -> UnsafePointer<CChar> {
    UnsafePointer(strdup(text)!)
}

private func makeParameter(_ parameter: Parameter) -> UnsafePointer<asp_param_descriptor> {
    let pointer = UnsafeMutablePointer<asp_param_descriptor>.allocate(capacity: 1)
    var flags: UInt32 = 0
    if parameter.minimum != nil { flags |= ASP_PARAM_HAS_MINIMUM }
    if parameter.maximum != nil { flags |= ASP_PARAM_HAS_MAXIMUM }
    pointer.initialize(to: asp_param_descriptor(
        struct_size: UInt32(MemoryLayout<asp_param_descriptor>.size),
        type: parameter.kind.rawValue,
        name: permanentString(parameter.name),
        help: permanentString(parameter.help),
        default_value: permanentString(parameter.defaultValue),
        flags: flags,
        minimum: parameter.minimum ?? 0,
        maximum: parameter.maximum ?? 0))
    return UnsafePointer(pointer)
}

private func makeDescriptor(_ plugin: any Plugin.Type) -> asp_plugin_descriptor {
    let info = plugin.info
    let params = UnsafeMutablePointer<UnsafePointer<asp_param_descriptor>?>.allocate(capacity: max(info.parameters.count, 1))
    for (index, parameter) in info.parameters.enumerated() { params[index] = makeParameter(parameter) }
    var descriptor = asp_plugin_descriptor()
    descriptor.struct_size = UInt32(MemoryLayout<asp_plugin_descriptor>.size)
    descriptor.id = permanentString(info.id)
    descriptor.name = permanentString(info.name)
    descriptor.version = permanentString(info.version)
    descriptor.description = permanentString(info.summary)
    descriptor.create = createThunk
    descriptor.destroy = destroyThunk
    descriptor.param_count = UInt32(info.parameters.count)
    descriptor.params = UnsafePointer(params)
    if let metric = plugin as? any Metric.Type {
        descriptor.kind = ASP_KIND_METRIC
        descriptor.direction = metric.direction.rawValue
        descriptor.needs = metric.needs.rawValue
        descriptor.score = scoreThunk
    } else {  // a Strategy: `entry` exports nothing else
        descriptor.kind = ASP_KIND_STRATEGY
        descriptor.select = selectThunk
    }
    return descriptor
}

/// One live instance: the plugin object and the host it was created with.
private final class Instance {
    let plugin: any Plugin
    let host: PluginHost

    init(plugin: any Plugin, host: PluginHost) {
        self.plugin = plugin
        self.host = host
    }

    static func from(_ pointer: UnsafeMutableRawPointer) -> Instance {
        Unmanaged<Instance>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Runs `body`, turning a thrown error into its status after telling the host why.
    func guarded(_ body: () throws -> Void) -> asp_status {
        Instance.guarded(host, body)
    }

    static func guarded(_ host: PluginHost?, _ body: () throws -> Void) -> asp_status {
        do {
            try body()
            return ASP_OK
        } catch let error as PluginError {
            host?.setError(error.message)
            return error.status
        } catch {
            host?.setError(String(describing: error))
            return ASP_ERR_INTERNAL
        }
    }
}

private let createThunk: @convention(c) (
    UnsafePointer<asp_plugin_descriptor>?, UnsafePointer<asp_host>?, UnsafePointer<asp_config>?,
    UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> asp_status = { descriptor, hostTable, config, out in
    guard let descriptor, let hostTable, let out else { return ASP_ERR_INVALID_ARGUMENT }
    let host = PluginHost(hostTable)
    return Instance.guarded(host) {
        guard let type = PluginLibrary.type(of: UnsafeRawPointer(descriptor)) else {
            throw PluginError.invalidArgument("create was called with a descriptor this library does not own")
        }
        if let metric = type as? any Metric.Type { try host.check(metric.needs) }
        let configuration = try Configuration(config, declared: type.info.parameters)
        let plugin = try type.init(configuration: configuration)
        out.pointee = Unmanaged.passRetained(Instance(plugin: plugin, host: host)).toOpaque()
    }
}

private let destroyThunk: @convention(c) (UnsafeMutableRawPointer?) -> Void = { pointer in
    guard let pointer else { return }
    Unmanaged<Instance>.fromOpaque(pointer).release()
}

private let scoreThunk: @convention(c) (
    UnsafeMutableRawPointer?, UnsafePointer<asp_edge>?, UInt32, UnsafeMutablePointer<Double>?
) -> asp_status = { pointer, edges, count, scores in
    guard let pointer else { return ASP_ERR_INVALID_ARGUMENT }
    let instance = Instance.from(pointer)
    return instance.guarded {
        guard let metric = instance.plugin as? any Metric else {
            throw PluginError.unsupported("\(type(of: instance.plugin).info.id) is not a metric")
        }
        guard count == 0 || (edges != nil && scores != nil) else {
            throw PluginError.invalidArgument("score was given NULL edges or scores")
        }
        let input = (0..<Int(count)).map { Edge(edges![$0]) }
        let result = try metric.score(input, host: instance.host)
        guard result.count == input.count else {
            throw PluginError(ASP_ERR_INTERNAL, "returned \(result.count) scores for \(input.count) edges")
        }
        for (index, value) in result.enumerated() { scores![index] = value }
    }
}

private let selectThunk: @convention(c) (
    UnsafeMutableRawPointer?, UnsafePointer<asp_select_request>?, UnsafeMutablePointer<asp_edge>?,
    UInt32, UnsafeMutablePointer<UInt32>?
) -> asp_status = { pointer, request, edges, capacity, count in
    guard let pointer else { return ASP_ERR_INVALID_ARGUMENT }
    let instance = Instance.from(pointer)
    return instance.guarded {
        guard let strategy = instance.plugin as? any Strategy else {
            throw PluginError.unsupported("\(type(of: instance.plugin).info.id) is not a strategy")
        }
        guard let request, let count else { throw PluginError.invalidArgument("select was given a NULL request or count") }
        let chosen = try strategy.select(k: Int(max(request.pointee.k, 1)), host: instance.host)
        guard Set(chosen).count == chosen.count else {
            throw PluginError(ASP_ERR_INTERNAL, "chose an edge twice: \(chosen)")
        }
        count.pointee = UInt32(chosen.count)
        guard chosen.count <= Int(capacity), let edges else {
            throw PluginError(ASP_ERR_BUFFER_TOO_SMALL, "needs room for \(chosen.count) edges, got \(capacity)")
        }
        for (index, edge) in chosen.enumerated() { edges[index] = edge.cValue }
    }
}
