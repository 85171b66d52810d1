import Foundation

// The safetensors format (https://github.com/huggingface/safetensors):
//
//   bytes 0..<8        N, the header length, a little-endian UInt64
//   bytes 8..<8+N      the header: a UTF-8 JSON object, maybe padded with spaces,
//                      mapping each tensor name to
//                      {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
//                      plus an optional "__metadata__" object of string to string
//   bytes 8+N..<size   the data buffer; offsets are relative to its start
//
// The reader checks what Hugging Face's reference implementation checks: a
// header of at most 100,000,000 bytes, every entry well typed with a known
// dtype, a byte count that matches shape and dtype, and tensors that tile the
// data buffer exactly (sorted by offset, each begins where the previous ends,
// and the last ends at the end of the file).

/// Why a safetensors file cannot be read or written. Every message names the
/// file and says what is wrong with it.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file cannot be opened, read or mapped (missing, a directory, no permission).
    case unreadable(file: String, reason: String)
    /// The file is shorter than the 8-byte header length that starts every safetensors file.
    case tooShort(file: String, size: Int)
    /// The header length reaches past the end of the file: not safetensors, or cut short.
    case headerBeyondFile(file: String, headerLength: UInt64, fileSize: Int)
    /// The header length fits in the file but exceeds the 100,000,000-byte limit
    /// of the reference implementation.
    case headerTooLarge(file: String, headerLength: UInt64, limit: Int)
    /// The header is not UTF-8, not JSON, not a JSON object, has a key twice,
    /// or has a `__metadata__` that is not an object of strings.
    case malformedHeader(file: String, reason: String)
    /// A tensor's entry is not an object, or lacks `dtype`, `shape` or
    /// `data_offsets`, or has one of the wrong JSON type.
    case invalidEntry(file: String, tensor: String, reason: String)
    /// A tensor's dtype is not one this reader knows.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// A dimension is negative, not an integer, or the element count overflows.
    case invalidShape(file: String, tensor: String, reason: String)
    /// A tensor's `data_offsets` begin after they end.
    case offsetsOutOfRange(file: String, tensor: String, begin: Int, end: Int, bufferSize: Int)
    /// The tensors need a longer data buffer than the file holds: it was cut short.
    case truncated(file: String, expected: Int, found: Int)
    /// Two tensors share bytes of the data buffer.
    case overlapping(file: String, first: String, second: String)
    /// Bytes `at..<end` of the data buffer belong to no tensor.
    case gap(file: String, at: Int, end: Int)
    /// A tensor's byte range does not hold its shape in its dtype.
    case byteCountMismatch(file: String, tensor: String, expected: Int, found: Int)
    /// No tensor of that name; `available` is every name in the file, sorted.
    case noSuchTensor(file: String, name: String, available: [String])
    /// The tensor's dtype is not one the accessor converts.
    case wrongDType(file: String, tensor: String, dtype: String, wanted: String)
    /// The writer was given a tensor it cannot store (values that disagree with
    /// the shape, a negative dimension, a duplicate or reserved name).
    case invalidTensor(file: String, tensor: String, reason: String)
    /// The writer could not create, write or rename the file.
    case unwritable(file: String, reason: String)

    /// A message a user can act on; it starts with the file's path.
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .tooShort(file, size):
            return "\(file): \(size) bytes is too short for a safetensors file, which starts with an 8-byte header length"
                + " (an empty or truncated download?)"
        case let .headerBeyondFile(file, length, size):
            return "\(file): the header length \(length) reaches past the end of the file (\(size) bytes):"
                + " the file is truncated, or it is not safetensors"
        case let .headerTooLarge(file, length, limit):
            return "\(file): the header length \(length) exceeds the \(limit)-byte limit of safetensors: not a safetensors file?"
        case let .malformedHeader(file, reason):
            return "\(file): malformed safetensors header: \(reason)"
        case let .invalidEntry(file, tensor, reason):
            return "\(file): tensor '\(tensor)': \(reason); each entry must be"
                + #" {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}"#
        case let .unknownDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' has dtype '\(dtype)', which this reader does not know"
                + " (it knows \(DType.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .invalidShape(file, tensor, reason):
            return "\(file): tensor '\(tensor)' has an invalid shape: \(reason)"
        case let .offsetsOutOfRange(file, tensor, begin, end, size):
            return "\(file): tensor '\(tensor)' has data_offsets [\(begin), \(end)], which begin after they end"
                + " (the data buffer holds \(size) bytes): the header is corrupt"
        case let .truncated(file, expected, found):
            return "\(file): truncated: the header promises \(expected) bytes of tensor data, the file holds \(found)"
                + " (\(expected - found) bytes missing): it was cut short while being downloaded, copied or written; fetch it again"
        case let .overlapping(file, first, second):
            return "\(file): tensors '\(first)' and '\(second)' overlap in the data buffer: the header is corrupt"
        case let .gap(file, at, end):
            return "\(file): bytes \(at)..<\(end) of the data buffer belong to no tensor"
                + " (safetensors requires the tensors to cover the buffer without gaps): the header is corrupt"
        case let .byteCountMismatch(file, tensor, expected, found):
            return "\(file): tensor '\(tensor)' spans \(found) bytes, but its shape and dtype need \(expected)"
        case let .noSuchTensor(file, name, available):
            let nearest = SafeTensorsError.nearest(to: name, in: available, count: 5)
            let more = available.count > nearest.count ? ", ..." : ""
            return available.isEmpty
                ? "\(file): no tensor '\(name)'; the file holds no tensors"
                : "\(file): no tensor '\(name)'; it has \(available.count), among them \(nearest.joined(separator: ", "))\(more)"
        case let .wrongDType(file, tensor, dtype, wanted):
            return "\(file): tensor '\(tensor)' is \(dtype), not \(wanted)"
        case let .invalidTensor(file, tensor, reason):
            return "\(file): cannot write tensor '\(tensor)': \(reason)"
        case let .unwritable(file, reason):
            return "\(file): cannot write: \(reason)"
        }
    }

    /// The `count` names of `names` most like `name` (longest shared prefix
    /// plus suffix, so a missing "bert." prefix ranks its tensor first).
    static func nearest(to name: String, in names: [String], count: Int) -> [String] {
        let target = Array(name.utf8)
        func score(_ candidate: String) -> Int {
            let other = Array(candidate.utf8)
            let prefix = zip(target, other).prefix { $0 == $1 }.count
            let suffix = zip(target.reversed(), other.reversed()).prefix { $0 == $1 }.count
            return min(prefix + suffix, target.count)
        }
        let ranked = names.map { (name: $0, score: score($0)) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.name < $1.name }
        return ranked.prefix(count).map(\.name)
    }
}

/// The element types of safetensors this reader knows.
public enum DType: String, Sendable, CaseIterable {
    /// IEEE binary64.
    case f64 = "F64"
    /// IEEE binary32.
    case f32 = "F32"
    /// IEEE binary16 (half).
    case f16 = "F16"
    /// bfloat16: the upper 16 bits of a binary32.
    case bf16 = "BF16"
    /// Signed 64-bit integer.
    case i64 = "I64"
    /// Signed 32-bit integer.
    case i32 = "I32"
    /// Signed 16-bit integer.
    case i16 = "I16"
    /// Signed 8-bit integer.
    case i8 = "I8"
    /// Unsigned 64-bit integer.
    case u64 = "U64"
    /// Unsigned 32-bit integer.
    case u32 = "U32"
    /// Unsigned 16-bit integer.
    case u16 = "U16"
    /// Unsigned 8-bit integer.
    case u8 = "U8"
    /// A boolean byte (0 or 1).
    case bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64, .u64: 8
        case .f32, .i32, .u32: 4
        case .f16, .bf16, .i16, .u16: 2
        case .i8, .u8, .bool: 1
        }
    }

    /// Whether `floats` and `doubles` convert this type.
    public var isFloatingPoint: Bool { [.f64, .f32, .f16, .bf16].contains(self) }
}

/// One tensor's entry in the header.
public struct TensorInfo: Equatable, Sendable {
    /// The element type.
    public var dtype: DType
    /// The dimensions, outermost first; `[]` is a scalar.
    public var shape: [Int]
    /// Where its bytes start, relative to the start of the data buffer.
    public var offset: Int
    /// How many bytes it spans: the element count times the dtype's size.
    public var byteCount: Int

    /// Creates an entry.
    public init(dtype: DType, shape: [Int], offset: Int, byteCount: Int) {
        self.dtype = dtype
        self.shape = shape
        self.offset = offset
        self.byteCount = byteCount
    }

    /// The number of elements, the product of the shape.
    public var elementCount: Int { byteCount / dtype.size }
}

/// A safetensors file (https://github.com/huggingface/safetensors), mapped
/// into memory (mmap, read-only, private) rather than copied, falling back to
/// reading it when it cannot be mapped; every header entry is checked when it
/// opens. Tensors are converted on request by `floats`, `doubles` and
/// `integers`.
///
/// The file should not be truncated by another process while it is open:
/// reading a mapped page that no longer exists stops the process (SIGBUS).
public final class SafeTensorsFile: @unchecked Sendable {
    // @unchecked: the only non-Sendable stored property is the pointer to the
    // file's bytes, which are never written after init and stay valid until
    // deinit, so concurrent reads are safe.

    /// The file's path, as given.
    public let path: String
    /// The tensor names, sorted.
    public let names: [String]
    /// The `__metadata__` strings (empty when the file has none).
    public let metadata: [String: String]
    /// Whether the bytes are memory-mapped (true) or were read into memory.
    let isMemoryMapped: Bool
    private let tensors: [String: TensorInfo]
    private let bytes: UnsafeRawPointer
    private let fileSize: Int
    private let dataStart: Int

    /// The header length limit of the reference implementation.
    static let headerLimit = 100_000_000

    /// Opens, maps and checks the safetensors file at `path`.
    public convenience init(contentsOf path: String) throws(SafeTensorsError) {
        try self.init(contentsOf: path, mapping: true)
    }

    /// Opens and checks the file at `path`, mapping it when `mapping` is true
    /// and mmap succeeds, reading it otherwise.
    init(contentsOf path: String, mapping: Bool) throws(SafeTensorsError) {
        func systemError() -> String { String(cString: strerror(errno)) }
        // O_NONBLOCK: opening a named pipe must not wait for a writer; fstat then refuses it.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw .unreadable(file: path, reason: systemError()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(file: path, reason: systemError()) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw .unreadable(file: path, reason: status.st_mode & S_IFMT == S_IFDIR ? "it is a directory"
                                  : status.st_mode & S_IFMT == S_IFIFO ? "a named pipe (FIFO), not a regular file" : "not a regular file")
        }
        let size = Int(status.st_size)
        guard size >= 8 else { throw .tooShort(file: path, size: size) }

        var base: UnsafeRawPointer
        var mapped = false
        if mapping, let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), pointer != MAP_FAILED {
            base = UnsafeRawPointer(pointer)
            mapped = true
        } else {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            var done = 0
            while done < size {
                let count = pread(descriptor, buffer + done, size - done, off_t(done))
                if count > 0 {
                    done += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    let reason = count < 0 ? systemError() : "the file shrank while being read"
                    buffer.deallocate()
                    throw .unreadable(file: path, reason: reason)
                }
            }
            base = UnsafeRawPointer(buffer)
        }
        func release() {
            if mapped { munmap(UnsafeMutableRawPointer(mutating: base), size) } else { base.deallocate() }
        }

        let headerLength = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(size - 8) else {
            release()
            throw .headerBeyondFile(file: path, headerLength: headerLength, fileSize: size)
        }
        guard headerLength <= UInt64(Self.headerLimit) else {
            release()
            throw .headerTooLarge(file: path, headerLength: headerLength, limit: Self.headerLimit)
        }
        let start = 8 + Int(headerLength)
        let parsed: (tensors: [String: TensorInfo], metadata: [String: String])
        do throws(SafeTensorsError) {
            parsed = try Self.parse(header: UnsafeRawBufferPointer(start: base + 8, count: Int(headerLength)),
                                    file: path, bufferSize: size - start)
        } catch {
            release()
            throw error
        }
        self.path = path
        self.tensors = parsed.tensors
        self.metadata = parsed.metadata
        self.names = parsed.tensors.keys.sorted()
        self.bytes = base
        self.fileSize = size
        self.dataStart = start
        self.isMemoryMapped = mapped
    }

    deinit {
        if isMemoryMapped { munmap(UnsafeMutableRawPointer(mutating: bytes), fileSize) } else { bytes.deallocate() }
    }

    /// The entry of tensor `name`, or nil if the file has none of that name.
    public subscript(name: String) -> TensorInfo? { tensors[name] }

    private func entry(_ name: String) throws(SafeTensorsError) -> (info: TensorInfo, base: UnsafeRawPointer) {
        guard let info = tensors[name] else { throw .noSuchTensor(file: path, name: name, available: names) }
        return (info, bytes + dataStart + info.offset)
    }

    /// `count` elements, element `i` made by `element(i)`.
    private static func build<T>(_ count: Int, _ element: (Int) -> T) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { buffer.initializeElement(at: index, to: element(index)) }
            initialized = count
        }
    }

    /// A copy of `count` little-endian elements of `T` at `base`, on a little-endian machine.
    private static func copy<T: BitwiseCopyable>(_ base: UnsafeRawPointer, _ count: Int, as type: T.Type) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: base, byteCount: count * MemoryLayout<T>.stride) }
            initialized = count
        }
    }

    /// The IEEE binary16 value with bit pattern `bits`, exactly, as a Float
    /// (subnormals, signed zeros, infinities and NaN payloads included).
    static func float(fromHalf bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0x1F:  // infinity or NaN: all-ones exponent, the payload moved up
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        case 0:  // zero or subnormal: mantissa x 2^-24, exact in Float
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        default:  // normal: rebias the exponent from 15 to 127
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// A floating-point tensor's values as Float, in row-major order: F32
    /// copied, F16 and BF16 widened exactly, F64 rounded to nearest (values
    /// beyond Float's range become infinities). Throws `noSuchTensor` for an
    /// unknown name and `wrongDType` for an integer tensor.
    public func floats(_ name: String) throws(SafeTensorsError) -> [Float] {
        let (info, base) = try entry(name)
        let count = info.elementCount
        switch info.dtype {
        case .f32:
            #if _endian(little)
            return Self.copy(base, count, as: Float.self)
            #else
            return Self.build(count) { Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            #endif
        case .f64:
            return Self.build(count) { Float(Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))) }
        case .f16:
            return Self.build(count) { Self.float(fromHalf: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
        case .bf16:
            return Self.build(count) { Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) << 16) }
        default:
            throw .wrongDType(file: path, tensor: name, dtype: info.dtype.rawValue, wanted: "a floating-point type (F64, F32, F16, BF16)")
        }
    }

    /// A floating-point tensor's values as Double, in row-major order: F64
    /// copied, F32, F16 and BF16 widened exactly. Throws `noSuchTensor` for an
    /// unknown name and `wrongDType` for an integer tensor.
    public func doubles(_ name: String) throws(SafeTensorsError) -> [Double] {
        let (info, base) = try entry(name)
        let count = info.elementCount
        switch info.dtype {
        case .f64:
            #if _endian(little)
            return Self.copy(base, count, as: Double.self)
            #else
            return Self.build(count) { Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
            #endif
        case .f32:
            return Self.build(count) { Double(Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))) }
        case .f16, .bf16:
            return try floats(name).map(Double.init)
        default:
            throw .wrongDType(file: path, tensor: name, dtype: info.dtype.rawValue, wanted: "a floating-point type (F64, F32, F16, BF16)")
        }
    }

    /// An integer tensor's values as Int, in row-major order (I64, I32, I16,
    /// I8, U32, U16, U8, and BOOL as 0 or 1). U64 is refused, as its values
    /// need not fit in Int; so are floating-point tensors.
    public func integers(_ name: String) throws(SafeTensorsError) -> [Int] {
        let (info, base) = try entry(name)
        let count = info.elementCount
        switch info.dtype {
        case .i64: return Self.build(count) { Int(Int64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
        case .i32: return Self.build(count) { Int(Int32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
        case .i16: return Self.build(count) { Int(Int16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self))) }
        case .u32: return Self.build(count) { Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        case .u16: return Self.build(count) { Int(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
        case .i8: return Self.build(count) { Int(base.load(fromByteOffset: $0, as: Int8.self)) }
        case .u8, .bool: return Self.build(count) { Int(base.load(fromByteOffset: $0, as: UInt8.self)) }
        default:
            throw .wrongDType(file: path, tensor: name, dtype: info.dtype.rawValue,
                              wanted: "an integer type that fits in Int (I64, I32, I16, I8, U32, U16, U8, BOOL)")
        }
    }

    // MARK: - The header

    /// Parses and checks the header: each entry's types, dtype, shape, offsets
    /// and byte count (in the order the header lists them), then that the
    /// tensors, sorted by offset, tile the data buffer exactly.
    static func parse(header: UnsafeRawBufferPointer, file: String, bufferSize: Int)
        throws(SafeTensorsError) -> (tensors: [String: TensorInfo], metadata: [String: String]) {
        func malformed(_ reason: String) -> SafeTensorsError { .malformedHeader(file: file, reason: reason) }
        guard String(validating: header, as: UTF8.self) != nil else { throw malformed("it is not valid UTF-8") }
        let root: HeaderJSON
        do throws(HeaderJSON.SyntaxError) {
            root = try HeaderJSON.parse(header)
        } catch {
            throw malformed("it is not valid JSON: \(error.message) at byte \(error.offset) of the header")
        }
        guard case let .object(members) = root else { throw malformed("it is \(root.brief), not a JSON object") }

        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in members {
            if name == "__metadata__" {
                switch value {
                case .null: continue
                case let .object(pairs):
                    for (key, item) in pairs {
                        guard case let .string(text) = item else {
                            throw malformed("__metadata__ must map strings to strings, but '\(key)' maps to \(item.brief)")
                        }
                        metadata[key] = text
                    }
                default: throw malformed("__metadata__ must be an object of strings, not \(value.brief)")
                }
                continue
            }
            tensors[name] = try entry(name, value, file: file, bufferSize: bufferSize)
        }

        // Tile [0, bufferSize): sorted by (begin, end), each tensor must begin
        // where the previous one ended, as the reference implementation requires.
        let ordered = tensors.sorted {
            ($0.value.offset, $0.value.offset + $0.value.byteCount, $0.key) < ($1.value.offset, $1.value.offset + $1.value.byteCount, $1.key)
        }
        var covered = 0
        var previous: String?
        for (name, info) in ordered {
            if info.offset < covered, let previous { throw .overlapping(file: file, first: previous, second: name) }
            if info.offset > covered { throw .gap(file: file, at: covered, end: info.offset) }
            covered = info.offset + info.byteCount
            previous = name
        }
        if covered > bufferSize { throw .truncated(file: file, expected: covered, found: bufferSize) }
        if covered < bufferSize { throw .gap(file: file, at: covered, end: bufferSize) }
        return (tensors, metadata)
    }

    /// Checks one tensor entry of the header.
    private static func entry(_ name: String, _ value: HeaderJSON, file: String, bufferSize: Int) throws(SafeTensorsError) -> TensorInfo {
        func invalid(_ reason: String) -> SafeTensorsError { .invalidEntry(file: file, tensor: name, reason: reason) }
        guard case let .object(members) = value else { throw invalid("the entry is \(value.brief), not an object") }
        func field(_ key: String) throws(SafeTensorsError) -> HeaderJSON {
            guard let found = members.first(where: { $0.key == key }) else { throw invalid("the entry has no \(key)") }
            return found.value
        }
        let dtypeValue = try field("dtype"), shapeValue = try field("shape"), offsetsValue = try field("data_offsets")

        guard case let .string(dtypeText) = dtypeValue else { throw invalid("dtype is \(dtypeValue.brief), not a string") }
        guard let dtype = DType(rawValue: dtypeText) else { throw .unknownDType(file: file, tensor: name, dtype: dtypeText) }

        guard case let .array(dimensions) = shapeValue else { throw invalid("shape is \(shapeValue.brief), not an array") }
        var shape: [Int] = []
        var byteCount = dtype.size, overflow = false
        for (axis, dimension) in dimensions.enumerated() {
            guard let size = dimension.exactInteger, size >= 0 else {
                throw .invalidShape(file: file, tensor: name, reason: "dimension \(axis) is \(dimension.brief), not a non-negative integer")
            }
            shape.append(size)
            let product = byteCount.multipliedReportingOverflow(by: size)
            byteCount = product.partialValue
            overflow = overflow || product.overflow
        }
        if overflow, !shape.contains(0) {
            throw .invalidShape(file: file, tensor: name, reason: "\(shape) in \(dtype.rawValue) is more bytes than can be addressed")
        }
        if overflow { byteCount = 0 }

        guard case let .array(offsets) = offsetsValue, offsets.count == 2,
              let begin = offsets[0].exactInteger, let end = offsets[1].exactInteger, begin >= 0, end >= 0 else {
            throw invalid("data_offsets is \(offsetsValue.brief), not [begin, end] of two non-negative integers")
        }
        guard begin <= end else {
            throw .offsetsOutOfRange(file: file, tensor: name, begin: begin, end: end, bufferSize: bufferSize)
        }
        guard byteCount == end - begin else {
            throw .byteCountMismatch(file: file, tensor: name, expected: byteCount, found: end - begin)
        }
        return TensorInfo(dtype: dtype, shape: shape, offset: begin, byteCount: byteCount)
    }
}
