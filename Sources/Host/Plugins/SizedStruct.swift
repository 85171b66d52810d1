import CAdapterSearch

/// Reads a sized ABI struct (one that starts with `uint32_t struct_size`)
/// field by field, never touching a byte past the size the other side
/// declared (PLUGIN_ABI.md rule 4).
struct SizedStruct<Layout> {
    /// Where the struct starts.
    let base: UnsafeRawPointer
    /// The size its author declared.
    let declaredSize: Int

    /// Reads the size prefix of the struct at `pointer`.
    init(_ pointer: UnsafePointer<Layout>) {
        base = UnsafeRawPointer(pointer)
        declaredSize = Int(base.loadUnaligned(as: UInt32.self))
    }

    /// True if the declared size covers the whole field.
    func covers<Value>(_ field: KeyPath<Layout, Value>) -> Bool {
        MemoryLayout<Layout>.offset(of: field)! + MemoryLayout<Value>.size <= declaredSize
    }

    /// The field, or nil if the declared size does not cover it.
    subscript<Value>(_ field: KeyPath<Layout, Value>) -> Value? {
        guard covers(field) else { return nil }
        return base.loadUnaligned(fromByteOffset: MemoryLayout<Layout>.offset(of: field)!, as: Value.self)
    }

    /// The field, which must be covered (callers check a minimum size first).
    func required<Value>(_ field: KeyPath<Layout, Value>) -> Value {
        guard let value = self[field] else { preconditionFailure("required field read past the declared size") }
        return value
    }
}

/// Writes into a sized struct allocated by the other side, only within the
/// size it declared.
struct SizedOutput<Layout> {
    /// Where the struct starts.
    let base: UnsafeMutableRawPointer
    /// The size its author declared.
    let declaredSize: Int

    init(_ pointer: UnsafeMutablePointer<Layout>) {
        base = UnsafeMutableRawPointer(pointer)
        declaredSize = Int(base.loadUnaligned(as: UInt32.self))
    }

    /// Stores `value` into the field if the declared size covers it.
    func set<Value>(_ field: KeyPath<Layout, Value>, _ value: Value) {
        let offset = MemoryLayout<Layout>.offset(of: field)!
        guard offset + MemoryLayout<Value>.size <= declaredSize else { return }
        base.storeBytes(of: value, toByteOffset: offset, as: Value.self)
    }
}

/// The ABI version as "major.minor".
func versionText(_ packed: UInt32) -> String {
    "\(packed >> 16).\(packed & 0xFFFF)"
}

/// The ABI version this host speaks, packed.
let hostABIVersion = UInt32(ASP_ABI_VERSION_MAJOR) << 16 | UInt32(ASP_ABI_VERSION_MINOR)
