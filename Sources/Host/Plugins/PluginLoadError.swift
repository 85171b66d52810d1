/// Why a plugin library could not be loaded. Each case names the file and
/// says what to do about it.
public enum PluginLoadError: Error, CustomStringConvertible, Equatable {
    /// The file is missing or not a loadable shared library.
    case notASharedLibrary(path: String, reason: String)
    /// The library does not export `asp_plugin_entry`.
    case missingEntrySymbol(path: String)
    /// The library's entry returned NULL for this host's ABI version.
    case refusedHostVersion(path: String, host: String)
    /// The library implements another ABI major version.
    case incompatibleVersion(path: String, library: String, host: String)
    /// The library table or a descriptor breaks the ABI's rules.
    case malformedDescriptor(path: String, plugin: String, problem: String)
    /// Two plugins claim the same id.
    case duplicateID(path: String, id: String, firstSeenIn: String)

    public var description: String {
        switch self {
        case let .notASharedLibrary(path, reason):
            "\(path) is not a loadable shared library: \(reason)"
        case let .missingEntrySymbol(path):
            "\(path) has no entry symbol asp_plugin_entry: is it an AdapterSearch plugin? "
                + "Export asp_plugin_entry (see plugins/include/adapter_search.h)."
        case let .refusedHostVersion(path, host):
            "\(path) refused this host's plugin ABI \(host): asp_plugin_entry returned NULL. "
                + "Rebuild the plugin against ABI \(host)."
        case let .incompatibleVersion(path, library, host):
            "\(path) implements plugin ABI \(library), but this host speaks ABI \(host): "
                + "major versions differ. Rebuild the plugin against adapter_search.h \(host)."
        case let .malformedDescriptor(path, plugin, problem):
            "\(path): malformed plugin descriptor (\(plugin)): \(problem)"
        case let .duplicateID(path, id, firstSeenIn):
            "\(path): plugin id '\(id)' is already taken by \(firstSeenIn)"
        }
    }
}
