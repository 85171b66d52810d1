import CAdapterSearch
import PluginParameters

/// The two kinds of plugin.
public enum PluginKind: String, Codable, Sendable {
    case metric, strategy
}

/// One parameter a plugin declared, copied out of its library.
public struct ParameterDescriptor: Codable, Equatable, Sendable {
    public var name: String
    public var type: ParameterRule.ValueType
    public var defaultValue: String
    public var minimum: Double?
    public var maximum: Double?
    public var help: String

    /// Nil if `text` is a valid value, else what is wrong with it.
    public func problem(with text: String) -> String? {
        ParameterRule(type: type, minimum: minimum, maximum: maximum).problem(with: text)
    }
}

/// A plugin as the host knows it: its self-description, copied out of the
/// library, and the C descriptor it is created through.
public struct PluginDescriptor: @unchecked Sendable {
    public var kind: PluginKind
    public var id: String
    public var name: String
    public var version: String
    public var summary: String
    /// Metrics: +1 higher is better, -1 lower is better. Strategies: 0.
    public var direction: Int32
    /// Metrics: ASP_NEEDS_* bits.
    public var needs: UInt32
    public var parameters: [ParameterDescriptor]
    /// The library it came from; keeps the library loaded.
    public let library: LibraryHandle
    /// The C descriptor, owned by the library (or, for a metric manifest, by
    /// the host-made binding the library handle keeps alive).
    public let cDescriptor: UnsafePointer<asp_plugin_descriptor>

    /// The names of the `needs` bits.
    public var needsNames: [String] {
        [(ASP_NEEDS_PROBE, "probe"), (ASP_NEEDS_SPECTRUM, "spectrum"),
         (ASP_NEEDS_ADAPTER_INIT, "adapter-init"), (ASP_NEEDS_EXTRA_PASSES, "extra-passes")]
            .filter { needs & $0.0 != 0 }.map(\.1)
    }

    /// Fills in defaults and checks every value against its declaration.
    public func configuration(_ given: [String: String]) throws -> [(String, String)] {
        let known = Set(parameters.map(\.name))
        if let unknown = given.keys.sorted().first(where: { !known.contains($0) }) {
            throw PluginCallError(plugin: id, message: "unknown parameter '\(unknown)'; "
                + (parameters.isEmpty ? "it takes none" : "known: \(parameters.map(\.name).joined(separator: ", "))"))
        }
        return try parameters.map { parameter in
            let value = given[parameter.name] ?? parameter.defaultValue
            if let problem = parameter.problem(with: value) {
                throw PluginCallError(plugin: id, message: "parameter '\(parameter.name)' \(problem)")
            }
            return (parameter.name, value)
        }
    }
}

/// An open shared library; closed when the last plugin of it goes away.
/// For a metric manifest, `path` is the manifest file.
public final class LibraryHandle: @unchecked Sendable {
    /// The file it was loaded from.
    public let path: String
    /// The ABI version the library implements, packed.
    public let abiVersion: UInt32
    private let handle: UnsafeMutableRawPointer
    /// Host-made memory the plugins of this handle point into (the C
    /// descriptor of a metric manifest); freed after the library is closed.
    private let keepsAlive: AnyObject?

    public init(path: String, handle: UnsafeMutableRawPointer, abiVersion: UInt32, keepsAlive: AnyObject? = nil) {
        self.path = path
        self.handle = handle
        self.abiVersion = abiVersion
        self.keepsAlive = keepsAlive
    }

    deinit { dlclose(handle) }
}

#if canImport(Glibc)
import Glibc
#endif
