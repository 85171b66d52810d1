import CAdapterSearch
import Core
#if canImport(Glibc)
import Glibc
#endif

/// The host's state for one plugin instance: what its services read and
/// write. The C `asp_host.context` points here.
final class PluginContext {
    /// The plugin this context serves.
    let pluginID: String
    /// The run's services, as given to the plugin's instance.
    let environment: PluginEnvironment
    /// The plugin's random stream (`random_u64`).
    private var random: SeededRandom
    /// The message the plugin gave with set_error during the current call.
    var pluginError: String?
    /// The message of the last failed service call, as a C string.
    private(set) var lastErrorPointer: UnsafeMutablePointer<CChar> = strdup("")!
    /// Memory lent to the plugin until the current call returns.
    private var lent: [UnsafeMutableRawPointer] = []

    /// The context of plugin `pluginID`, served from `environment`.
    init(pluginID: String, environment: PluginEnvironment) {
        self.pluginID = pluginID
        self.environment = environment
        random = SeededRandom(seed: environment.seed, stream: "plugin:" + pluginID)
    }

    deinit {
        endCall()
        free(lastErrorPointer)
    }

    /// Call before each call into the plugin.
    func beginCall() {
        pluginError = nil
    }

    /// Call after each call into the plugin: frees what was lent during it.
    func endCall() {
        lent.forEach { $0.deallocate() }
        lent.removeAll()
    }

    /// The next value of the plugin's random stream.
    func nextRandom() -> UInt64 { random.next() }

    /// Runs a service body; a thrown error becomes its status, with the
    /// message kept for `last_error`.
    func serve(_ body: () throws -> Void) -> asp_status {
        do {
            try body()
            setLastError("")
            return ASP_OK
        } catch {
            let failure = ServiceError(error)
            setLastError(failure.description)
            return failure.status
        }
    }

    /// Keeps `message` as a C string for `last_error`.
    private func setLastError(_ message: String) {
        free(lastErrorPointer)
        lastErrorPointer = strdup(message)!
    }

    /// Copies `values` into memory lent until the current call returns.
    func lend<T>(_ values: [T]) -> UnsafePointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(values.count, 1))
        _ = buffer.initialize(from: values)
        lent.append(UnsafeMutableRawPointer(buffer.baseAddress!))
        return UnsafePointer(buffer.baseAddress!)
    }
}
