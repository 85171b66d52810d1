import CAdapterSearch
import Foundation
import PluginParameters
#if canImport(Glibc)
import Glibc
#endif

/// Loads a plugin library: dlopen, the entry symbol, version negotiation,
/// and a check of every descriptor against the ABI's rules.
enum PluginLoader {
    /// Loads the library at `file` (absolute, or relative to the current
    /// directory) and returns its plugins.
    static func load(_ file: String) throws -> [PluginDescriptor] {
        // dlopen searches the system's library path for a name without a
        // slash ("x.so"), never the current directory: always pass a path.
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        // RTLD_NODELETE: a library stays mapped after dlclose. A language
        // runtime may keep pointers into it (Swift's registers the protocol
        // conformance tables of every image it sees and scans them on later
        // casts), so unmapping a Swift plugin would crash the host later.
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            throw PluginLoadError.notASharedLibrary(path: path, reason: reason)
        }
        let table: UnsafePointer<asp_library>, abiVersion: UInt32
        do {
            (table, abiVersion) = try libraryTable(handle, path: path)
        } catch {
            dlclose(handle)
            throw error
        }
        // From here on `owner` is the handle's only owner: it closes the
        // library when the last descriptor holding it goes away, which on an
        // error below is right away.
        let owner = LibraryHandle(path: path, handle: handle, abiVersion: abiVersion)
        return try readDescriptors(table, owner: owner)
    }

    /// The plugins of a library table that did not come from an entry
    /// point (a Python script's, made by the Python bridge), checked like
    /// any library's. `owner` is made with the ABI version the table claims,
    /// once that is checked; it takes over `handle` (closed when the last
    /// plugin goes, or right away on an error) and `keepsAlive`.
    static func load(table: UnsafePointer<asp_library>, path: String,
                     owner: (UInt32) -> LibraryHandle) throws -> [PluginDescriptor] {
        let abiVersion = try checkTable(table, path: path)
        return try readDescriptors(table, owner: owner(abiVersion))
    }

    /// Calls the entry point and checks the library table; returns the
    /// table and the ABI version it claims.
    private static func libraryTable(_ handle: UnsafeMutableRawPointer,
                                     path: String) throws -> (UnsafePointer<asp_library>, UInt32) {
        guard let symbol = dlsym(handle, ASP_ENTRY_SYMBOL) else {
            throw PluginLoadError.missingEntrySymbol(path: path)
        }
        let entry = unsafeBitCast(symbol, to: asp_plugin_entry_fn.self)
        guard let table = entry(hostABIVersion) else {
            throw PluginLoadError.refusedHostVersion(path: path, host: versionText(hostABIVersion))
        }
        return (table, try checkTable(table, path: path))
    }

    /// Checks a library table's size, ABI version and plugin array; returns
    /// the ABI version it claims.
    private static func checkTable(_ table: UnsafePointer<asp_library>, path: String) throws -> UInt32 {
        let library = SizedStruct(table)
        func tooSmall() -> PluginLoadError {
            .malformedDescriptor(path: path, plugin: "library table",
                                 problem: "struct_size \(library.declaredSize) is smaller than asp_library needs "
                                     + "(\(MemoryLayout<asp_library>.size) bytes)")
        }
        // The version first: another major may lay out the rest differently.
        guard let abiVersion = library[\asp_library.abi_version] else { throw tooSmall() }
        guard abiVersion >> 16 == hostABIVersion >> 16 else {
            throw PluginLoadError.incompatibleVersion(path: path, library: versionText(abiVersion),
                                                      host: versionText(hostABIVersion))
        }
        guard library.covers(\asp_library.plugins) else { throw tooSmall() }
        let count = library.required(\.plugin_count)
        guard count == 0 || library.required(\.plugins) != nil else {
            throw PluginLoadError.malformedDescriptor(path: path, plugin: "library table",
                                                      problem: "plugin_count is \(count) but plugins is NULL")
        }
        return abiVersion
    }

    /// Reads and checks every descriptor of a checked library table.
    private static func readDescriptors(_ table: UnsafePointer<asp_library>,
                                        owner: LibraryHandle) throws -> [PluginDescriptor] {
        let library = SizedStruct(table)
        var seen: Set<String> = []
        return try (0..<Int(library.required(\.plugin_count))).map { index in
            let plugin = try readDescriptor(library.required(\.plugins)![index], index: index, path: owner.path,
                                            owner: owner)
            guard seen.insert(plugin.id).inserted else {
                throw PluginLoadError.duplicateID(path: owner.path, id: plugin.id,
                                                  firstSeenIn: "another plugin of the same library")
            }
            return plugin
        }
    }

    private static func readDescriptor(_ pointer: UnsafePointer<asp_plugin_descriptor>?, index: Int, path: String,
                                       owner: LibraryHandle) throws -> PluginDescriptor {
        func malformed(_ problem: String, _ who: String = "plugin #\(index)") -> PluginLoadError {
            .malformedDescriptor(path: path, plugin: who, problem: problem)
        }
        guard let pointer else { throw malformed("the descriptor pointer is NULL") }
        let descriptor = SizedStruct(pointer)
        let minimum = MemoryLayout<asp_plugin_descriptor>.offset(of: \.select)! + MemoryLayout<UnsafeRawPointer>.size
        guard descriptor.declaredSize >= minimum else {
            throw malformed("struct_size is \(descriptor.declaredSize); a descriptor needs at least \(minimum) bytes")
        }
        guard let idPointer = descriptor.required(\.id) else { throw malformed("id is NULL") }
        let id = String(cString: idPointer)
        guard isValidID(id) else { throw malformed("id '\(id)' must be non-empty [A-Za-z0-9._-]") }
        func text(_ field: KeyPath<asp_plugin_descriptor, UnsafePointer<CChar>?>, _ name: String) throws -> String {
            guard let value = descriptor.required(field) else { throw malformed("\(name) is NULL", id) }
            return String(cString: value)
        }
        let kind: PluginKind
        switch descriptor.required(\.kind) {
        case ASP_KIND_METRIC: kind = .metric
        case ASP_KIND_STRATEGY: kind = .strategy
        case let other: throw malformed("kind is \(other), neither ASP_KIND_METRIC nor ASP_KIND_STRATEGY", id)
        }
        guard descriptor.required(\.create) != nil, descriptor.required(\.destroy) != nil else {
            throw malformed("create and destroy must not be NULL", id)
        }
        let direction = descriptor.required(\.direction)
        switch kind {
        case .metric:
            guard descriptor.required(\.score) != nil else { throw malformed("a metric needs a score function", id) }
            guard direction == ASP_HIGHER_IS_BETTER || direction == ASP_LOWER_IS_BETTER else {
                throw malformed("a metric's direction must be ASP_HIGHER_IS_BETTER or ASP_LOWER_IS_BETTER, got \(direction)", id)
            }
        case .strategy:
            guard descriptor.required(\.select) != nil else { throw malformed("a strategy needs a select function", id) }
        }
        return PluginDescriptor(
            kind: kind, id: id, name: try text(\.name, "name"), version: try text(\.version, "version"),
            summary: try text(\.description, "description"), direction: kind == .metric ? direction : 0,
            needs: kind == .metric ? descriptor.required(\.needs) : 0,
            parameters: try readParameters(descriptor, plugin: id, malformed: malformed),
            library: owner, cDescriptor: pointer)
    }

    /// The optional parameter table: absent (no parameters) when the
    /// descriptor's size does not reach it.
    private static func readParameters(_ descriptor: SizedStruct<asp_plugin_descriptor>, plugin id: String,
                                       malformed: (String, String) -> PluginLoadError) throws -> [ParameterDescriptor] {
        guard let count = descriptor[\.param_count], let table = descriptor[\.params] else { return [] }
        guard count == 0 || table != nil else { throw malformed("param_count is \(count) but params is NULL", id) }
        var names: Set<String> = []
        return try (0..<Int(count)).map { index in
            guard let pointer = table![index] else { throw malformed("parameter #\(index) is NULL", id) }
            let parameter = SizedStruct(pointer)
            guard parameter.covers(\asp_param_descriptor.maximum) else {
                throw malformed("parameter #\(index) has struct_size \(parameter.declaredSize), "
                                + "less than the \(MemoryLayout<asp_param_descriptor>.size) bytes of ABI 1.0", id)
            }
            guard let name = parameter.required(\.name).map({ String(cString: $0) }), isValidID(name) else {
                throw malformed("parameter #\(index) has a NULL or invalid name", id)
            }
            guard names.insert(name).inserted else { throw malformed("parameter '\(name)' is declared twice", id) }
            let types: [Int32: ParameterRule.ValueType] =
                [ASP_PARAM_INT: .int, ASP_PARAM_REAL: .real, ASP_PARAM_BOOL: .bool, ASP_PARAM_STRING: .string]
            guard let type = types[parameter.required(\.type)] else {
                throw malformed("parameter '\(name)' has unknown type \(parameter.required(\.type))", id)
            }
            guard let defaultPointer = parameter.required(\.default_value) else {
                throw malformed("parameter '\(name)' has a NULL default", id)
            }
            let flags = parameter.required(\.flags)
            let result = ParameterDescriptor(
                name: name, type: type, defaultValue: String(cString: defaultPointer),
                minimum: flags & ASP_PARAM_HAS_MINIMUM != 0 ? parameter.required(\.minimum) : nil,
                maximum: flags & ASP_PARAM_HAS_MAXIMUM != 0 ? parameter.required(\.maximum) : nil,
                help: parameter.required(\.help).map { String(cString: $0) } ?? "")
            if let problem = result.problem(with: result.defaultValue) {
                throw malformed("parameter '\(name)': its default \(problem)", id)
            }
            return result
        }
    }

    /// Ids and parameter names: non-empty, [A-Za-z0-9._-].
    static func isValidID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
                || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D
        }
    }
}
