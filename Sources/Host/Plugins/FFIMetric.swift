import CAdapterSearch
import CFFI
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Loads metric manifests (`*.metric.json`): opens the library, finds the
/// function, prepares its libffi call and makes an ordinary
/// `PluginDescriptor` for it. The descriptor's C side is made by the host
/// (`FFIMetricBinding`): its create, score and destroy are host functions
/// that reach the probe through the `asp_host` they are given, exactly as a
/// plugin library's would, so everything downstream treats it like any
/// other metric.
enum MetricManifestLoader {
    /// True when `path` names a metric manifest (ends in `.metric.json`).
    static func isManifest(_ path: String) -> Bool {
        path.hasSuffix(MetricManifest.suffix)
    }

    /// Loads the manifest at `file` and returns its one metric. Throws a
    /// `ManifestError` naming the file.
    static func load(_ file: String) throws -> [PluginDescriptor] {
        let manifest = try MetricManifest.read(file)
        // RTLD_NODELETE as in PluginLoader: a language runtime inside the
        // library may keep pointers into it after dlclose.
        guard let handle = dlopen(manifest.library, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            throw ManifestError.libraryNotLoadable(path: manifest.path, library: manifest.library, reason: reason)
        }
        let binding: FFIMetricBinding
        do {
            _ = dlerror()
            guard let symbol = dlsym(handle, manifest.symbol) else {
                throw ManifestError.missingSymbol(path: manifest.path, library: manifest.library, symbol: manifest.symbol)
            }
            binding = try FFIMetricBinding(manifest: manifest, function: symbol)
        } catch {
            dlclose(handle)
            throw error
        }
        // `owner` now owns the handle and, through `keepsAlive`, the
        // descriptor memory: both live as long as any PluginDescriptor of it.
        let owner = LibraryHandle(path: manifest.path, handle: handle, abiVersion: hostABIVersion, keepsAlive: binding)
        return [PluginDescriptor(
            kind: .metric, id: manifest.id, name: manifest.name, version: manifest.version, summary: manifest.summary,
            direction: manifest.direction, needs: manifest.needs, parameters: manifest.parameters, library: owner,
            cDescriptor: binding.descriptor)]
    }
}

/// One manifest's function, bound: the prepared libffi call and the C
/// descriptor the host made for it.
///
/// Memory: the descriptor lives in a box the binding allocates, followed by
/// an unretained pointer back to the binding, which is how the C create
/// function finds it. Its strings and parameter tables are the binding's
/// too; everything is freed when the binding goes, which is when the
/// `LibraryHandle` that keeps it goes, after every `PluginDescriptor` and
/// instance of it.
///
/// Threading: immutable after init; the prepared `ffi_cif` is only read by
/// `ffi_call`, so instances on several threads may share it.
final class FFIMetricBinding: @unchecked Sendable {
    /// The manifest it was made from.
    let manifest: MetricManifest
    /// The C function.
    let function: @convention(c) () -> Void
    /// The prepared call.
    let cif: UnsafeMutablePointer<ffi_cif>
    /// The argument types `cif` points into.
    private let argumentTypes: UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>
    /// The box: an `asp_plugin_descriptor`, then the binding's address.
    private let box: UnsafeMutableRawPointer
    /// The strings the descriptor and its parameters point to.
    private var strings: [UnsafeMutablePointer<CChar>] = []
    /// The parameter descriptors and the table of pointers to them.
    private let parameterTable: UnsafeMutablePointer<UnsafePointer<asp_param_descriptor>?>
    private let parameterDescriptors: [UnsafeMutablePointer<asp_param_descriptor>]

    /// Where the binding's address sits in the box.
    private static let backPointerOffset = MemoryLayout<asp_plugin_descriptor>.stride

    /// The host-made C descriptor; valid while the binding lives.
    var descriptor: UnsafePointer<asp_plugin_descriptor> {
        UnsafePointer(box.assumingMemoryBound(to: asp_plugin_descriptor.self))
    }

    /// Prepares the call to `function` the manifest describes and builds the
    /// descriptor. Throws `ManifestError.callNotPrepared` if libffi refuses.
    init(manifest: MetricManifest, function: UnsafeMutableRawPointer) throws {
        // Prepare the call first, in locals: a throw here leaves nothing half-made.
        let count = manifest.arguments.count
        let argumentTypes = UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>.allocate(capacity: max(count, 1))
        for (index, argument) in manifest.arguments.enumerated() {
            argumentTypes[index] = Self.ffiType(argument, manifest.parameters)
        }
        let cif = UnsafeMutablePointer<ffi_cif>.allocate(capacity: 1)
        let result: UnsafeMutablePointer<ffi_type>
        switch manifest.returns {
        case .double: result = cffi_type_double()
        case .float: result = cffi_type_float()
        case .int32: result = cffi_type_sint32()
        case .int64: result = cffi_type_sint64()
        }
        let status = cffi_prep_cif(cif, UInt32(count), result, argumentTypes)
        guard status == FFI_OK else {
            argumentTypes.deallocate()
            cif.deallocate()
            throw ManifestError.callNotPrepared(path: manifest.path, reason: "ffi_prep_cif returned status \(status.rawValue)")
        }
        self.manifest = manifest
        self.function = unsafeBitCast(function, to: (@convention(c) () -> Void).self)
        self.argumentTypes = argumentTypes
        self.cif = cif
        let parameters = manifest.parameters
        parameterDescriptors = parameters.map { _ in .allocate(capacity: 1) }
        parameterTable = .allocate(capacity: max(parameters.count, 1))
        box = .allocate(byteCount: Self.backPointerOffset + MemoryLayout<UnsafeRawPointer>.size,
                        alignment: max(MemoryLayout<asp_plugin_descriptor>.alignment, MemoryLayout<UnsafeRawPointer>.alignment))
        for (index, parameter) in parameters.enumerated() {
            var flags: UInt32 = 0
            if parameter.minimum != nil { flags |= ASP_PARAM_HAS_MINIMUM }
            if parameter.maximum != nil { flags |= ASP_PARAM_HAS_MAXIMUM }
            parameterDescriptors[index].initialize(to: asp_param_descriptor(
                struct_size: UInt32(MemoryLayout<asp_param_descriptor>.size),
                type: parameter.type == .int ? ASP_PARAM_INT : ASP_PARAM_REAL,
                name: keep(parameter.name), help: keep(parameter.help), default_value: keep(parameter.defaultValue),
                flags: flags, minimum: parameter.minimum ?? 0, maximum: parameter.maximum ?? 0))
            parameterTable[index] = UnsafePointer(parameterDescriptors[index])
        }
        var descriptor = asp_plugin_descriptor()
        descriptor.struct_size = UInt32(MemoryLayout<asp_plugin_descriptor>.size)
        descriptor.kind = ASP_KIND_METRIC
        descriptor.id = keep(manifest.id)
        descriptor.name = keep(manifest.name)
        descriptor.version = keep(manifest.version)
        descriptor.description = keep(manifest.summary)
        descriptor.direction = manifest.direction
        descriptor.needs = manifest.needs
        descriptor.create = ffiMetricCreate
        descriptor.destroy = ffiMetricDestroy
        descriptor.score = ffiMetricScore
        descriptor.select = nil
        descriptor.param_count = UInt32(parameters.count)
        descriptor.params = UnsafePointer(parameterTable)
        box.initializeMemory(as: asp_plugin_descriptor.self, repeating: descriptor, count: 1)
        box.storeBytes(of: Unmanaged.passUnretained(self).toOpaque(), toByteOffset: Self.backPointerOffset,
                       as: UnsafeMutableRawPointer.self)
    }

    deinit {
        box.deallocate()
        parameterTable.deallocate()
        parameterDescriptors.forEach { $0.deallocate() }
        strings.forEach { free($0) }
        cif.deallocate()
        argumentTypes.deallocate()
    }

    /// A C copy of `text` that lives as long as the binding.
    private func keep(_ text: String) -> UnsafePointer<CChar> {
        let copy = strdup(text)!
        strings.append(copy)
        return UnsafePointer(copy)
    }

    /// The binding behind a descriptor this class made.
    static func from(_ descriptor: UnsafePointer<asp_plugin_descriptor>) -> FFIMetricBinding {
        let back = UnsafeRawPointer(descriptor).load(fromByteOffset: backPointerOffset, as: UnsafeMutableRawPointer.self)
        return Unmanaged<FFIMetricBinding>.fromOpaque(back).takeUnretainedValue()
    }

    /// The libffi type of one argument (see `FFIArgument` for the C types).
    private static func ffiType(_ argument: FFIArgument, _ parameters: [ParameterDescriptor]) -> UnsafeMutablePointer<ffi_type> {
        switch argument {
        case .edgeGradient, .singularValues: cffi_type_pointer()
        case .singularValueCount, .width, .tokens: cffi_type_uint32()
        case .source, .target: cffi_type_sint32()
        case let .parameter(index): parameters[index].type == .int ? cffi_type_sint64() : cffi_type_double()
        }
    }
}

/// A parameter's value as the function takes it.
enum FFIParameterValue: Equatable {
    /// A "real" parameter: a C double.
    case real(Double)
    /// An "int" parameter: a C int64_t.
    case int(Int64)
}

/// One instance of a manifest metric: the host services it was created
/// with, and its parameter values. Created by `ffiMetricCreate`, freed by
/// `ffiMetricDestroy`; used from one thread at a time (the ABI's rule).
final class FFIMetricInstance {
    /// The function and manifest.
    let binding: FFIMetricBinding
    /// The host's services; valid until destroy returns.
    let host: UnsafePointer<asp_host>
    /// The host's `asp.probe/1` table; valid until destroy returns.
    let probe: UnsafePointer<asp_probe_api>
    /// One value per declared parameter, in the manifest's order.
    let values: [FFIParameterValue]

    init(binding: FFIMetricBinding, host: UnsafePointer<asp_host>, probe: UnsafePointer<asp_probe_api>,
         values: [FFIParameterValue]) {
        self.binding = binding
        self.host = host
        self.probe = probe
        self.values = values
    }

    /// A status that failed for `message`: handed to the host first.
    func fail(_ status: asp_status, _ message: String) -> asp_status {
        host.pointee.set_error(host.pointee.context, message)
        return status
    }

    /// The host's message for the service call that just failed.
    var lastError: String {
        host.pointee.last_error(host.pointee.context).map { String(cString: $0) } ?? ""
    }

    /// Scores `count` edges into `scores`: one libffi call per edge, with
    /// the arguments the manifest lists fetched from the probe services.
    func score(_ edges: UnsafePointer<asp_edge>?, _ count: UInt32, _ scores: UnsafeMutablePointer<Double>?) -> asp_status {
        guard count == 0 || (edges != nil && scores != nil) else {
            return fail(ASP_ERR_INVALID_ARGUMENT, "edges or scores is NULL")
        }
        let context = host.pointee.context
        var info = asp_probe_info()
        info.struct_size = UInt32(MemoryLayout<asp_probe_info>.size)
        let infoStatus = probe.pointee.info(context, 0, &info)
        guard infoStatus == ASP_OK else { return fail(infoStatus, "probe info: \(lastError)") }

        let arguments = binding.manifest.arguments
        let wantsG = arguments.contains(.edgeGradient)
        let wantsSigma = arguments.contains { $0 == .singularValues || $0 == .singularValueCount }
        // Every argument fits 8 bytes (pointers, 32- and 64-bit integers, doubles).
        let slots = UnsafeMutableRawPointer.allocate(byteCount: max(arguments.count, 1) * 8, alignment: 8)
        let pointers = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: max(arguments.count, 1))
        // The result: at least sizeof(ffi_arg), as libffi widens small integers.
        let result = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
        defer { slots.deallocate(); pointers.deallocate(); result.deallocate() }
        for index in arguments.indices { pointers[index] = slots + index * 8 }

        for index in 0..<Int(count) {
            if host.pointee.should_stop(context) != 0 { return fail(ASP_ERR_CANCELLED, "stopped on request") }
            let edge = edges![index]
            let name = "edge \(edge.source)>\(edge.target)"
            var gradient: UnsafePointer<Float>?
            if wantsG {
                var view = asp_matrix_view()
                view.struct_size = UInt32(MemoryLayout<asp_matrix_view>.size)
                let status = probe.pointee.edge_gradient(context, 0, edge, &view)
                guard status == ASP_OK else { return fail(status, "G of \(name): \(lastError)") }
                guard view.rows == info.width, view.cols == info.width, let data = view.data else {
                    return fail(ASP_ERR_ENGINE, "G of \(name) is \(view.rows) x \(view.cols), not d x d with d = \(info.width)")
                }
                gradient = data
            }
            var sigma: UnsafePointer<Double>?, sigmaCount: UInt32 = 0
            if wantsSigma {
                let status = probe.pointee.singular_values(context, 0, edge, &sigma, &sigmaCount)
                guard status == ASP_OK else { return fail(status, "singular values of \(name): \(lastError)") }
            }
            for (slot, argument) in arguments.enumerated() {
                let at = slots + slot * 8
                switch argument {
                case .edgeGradient: at.storeBytes(of: UnsafeRawPointer(gradient), as: UnsafeRawPointer?.self)
                case .singularValues: at.storeBytes(of: UnsafeRawPointer(sigma), as: UnsafeRawPointer?.self)
                case .singularValueCount: at.storeBytes(of: sigmaCount, as: UInt32.self)
                case .width: at.storeBytes(of: info.width, as: UInt32.self)
                case .tokens: at.storeBytes(of: info.tokens, as: UInt32.self)
                case .source: at.storeBytes(of: edge.source, as: Int32.self)
                case .target: at.storeBytes(of: edge.target, as: Int32.self)
                case let .parameter(index):
                    switch values[index] {
                    case let .real(value): at.storeBytes(of: value, as: Double.self)
                    case let .int(value): at.storeBytes(of: value, as: Int64.self)
                    }
                }
            }
            ffi_call(binding.cif, binding.function, result, pointers)
            switch binding.manifest.returns {
            case .double: scores![index] = result.load(as: Double.self)
            case .float: scores![index] = Double(result.load(as: Float.self))
            // libffi widens an int32 result to a full ffi_arg register.
            case .int32: scores![index] = Double(Int32(truncatingIfNeeded: result.load(as: Int.self)))
            case .int64: scores![index] = Double(result.load(as: Int64.self))
            }
        }
        return ASP_OK
    }
}

/// `create` of every manifest metric: finds the binding behind the
/// descriptor, asks the host for `asp.probe/1`, and reads the configuration
/// (the host has filled in defaults and checked it; read defensively).
private let ffiMetricCreate: @convention(c) (UnsafePointer<asp_plugin_descriptor>?, UnsafePointer<asp_host>?,
                                             UnsafePointer<asp_config>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?)
    -> asp_status = { descriptor, host, config, instance in
    guard let descriptor, let host, let instance else { return ASP_ERR_INVALID_ARGUMENT }
    let binding = FFIMetricBinding.from(descriptor)
    func fail(_ status: asp_status, _ message: String) -> asp_status {
        host.pointee.set_error(host.pointee.context, message)
        return status
    }
    guard let raw = host.pointee.get_extension(host.pointee.context, ASP_EXT_PROBE) else {
        return fail(ASP_ERR_UNSUPPORTED, "this metric needs the probe pass (\(ASP_EXT_PROBE))")
    }
    let probe = raw.assumingMemoryBound(to: asp_probe_api.self)
    guard SizedStruct(probe).covers(\asp_probe_api.singular_values) else {
        return fail(ASP_ERR_UNSUPPORTED, "the host's \(ASP_EXT_PROBE) table lacks edge_gradient or singular_values")
    }
    var given: [String: String] = [:]
    if let config, SizedStruct(config).covers(\asp_config.values) {
        let count = Int(config.pointee.count)
        if count > 0 {
            guard let keys = config.pointee.keys, let values = config.pointee.values else {
                return fail(ASP_ERR_INVALID_ARGUMENT, "the configuration's keys or values are NULL")
            }
            for index in 0..<count {
                guard let key = keys[index], let value = values[index] else { continue }
                given[String(cString: key)] = String(cString: value)
            }
        }
    }
    var values: [FFIParameterValue] = []
    for parameter in binding.manifest.parameters {
        let text = given[parameter.name] ?? parameter.defaultValue
        if let problem = parameter.problem(with: text) { return fail(ASP_ERR_INVALID_ARGUMENT, "\(parameter.name) \(problem)") }
        switch parameter.type {
        case .int:
            guard let value = Int64(text) else { return fail(ASP_ERR_INVALID_ARGUMENT, "\(parameter.name) wants an integer, got '\(text)'") }
            values.append(.int(value))
        default:
            guard let value = Double(text) else { return fail(ASP_ERR_INVALID_ARGUMENT, "\(parameter.name) wants a number, got '\(text)'") }
            values.append(.real(value))
        }
    }
    let made = FFIMetricInstance(binding: binding, host: host, probe: probe, values: values)
    instance.pointee = Unmanaged.passRetained(made).toOpaque()
    return ASP_OK
}

/// `destroy` of every manifest metric: releases the instance.
private let ffiMetricDestroy: @convention(c) (UnsafeMutableRawPointer?) -> Void = { instance in
    guard let instance else { return }
    Unmanaged<FFIMetricInstance>.fromOpaque(instance).release()
}

/// `score` of every manifest metric: see `FFIMetricInstance.score`.
private let ffiMetricScore: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<asp_edge>?, UInt32,
                                            UnsafeMutablePointer<Double>?) -> asp_status = { instance, edges, count, scores in
    guard let instance else { return ASP_ERR_INVALID_ARGUMENT }
    return Unmanaged<FFIMetricInstance>.fromOpaque(instance).takeUnretainedValue().score(edges, count, scores)
}
