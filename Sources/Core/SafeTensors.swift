import Foundation

/// Why a safetensors file cannot be read. Each message names the file.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// The file cannot be opened or read.
    case unreadable(file: String, reason: String)
    /// Shorter than the 8-byte header length.
    case tooShort(file: String, size: Int)
    /// The header length points past the end of the file.
    case headerBeyondFile(file: String, headerLength: UInt64, fileSize: Int)
    /// The header is not a UTF-8 JSON object of the expected form.
    case malformedHeader(file: String, reason: String)
    /// A dtype this reader does not know.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// data_offsets with begin > end.
    case offsetsOutOfRange(file: String, tensor: String, begin: Int, end: Int, bufferSize: Int)
    /// The file ends before the data its header promises.
    case truncated(file: String, expected: Int, found: Int)
    /// Two tensors share bytes.
    case overlapping(file: String, first: String, second: String)
    /// Bytes of the data buffer that no tensor covers.
    case gap(file: String, at: Int)
    /// The byte count does not match the shape and dtype.
    case byteCountMismatch(file: String, tensor: String, expected: Int, found: Int)
    /// No tensor of that name.
    case noSuchTensor(file: String, name: String, available: [String])
    /// The tensor is not of a type the accessor converts.
    case wrongDType(file: String, tensor: String, dtype: String, wanted: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): "\(file): cannot read: \(reason)"
        case let .tooShort(file, size): "\(file): \(size) bytes is too short for a safetensors file (8-byte header length first)"
        case let .headerBeyondFile(file, length, size):
            "\(file): header length \(length) reaches past the end of the file (\(size) bytes): not safetensors, or truncated"
        case let .malformedHeader(file, reason): "\(file): malformed safetensors header: \(reason)"
        case let .unknownDType(file, tensor, dtype): "\(file): tensor '\(tensor)' has unknown dtype '\(dtype)'"
        case let .offsetsOutOfRange(file, tensor, begin, end, size):
            "\(file): tensor '\(tensor)' has data_offsets [\(begin), \(end)]: begin after end (data buffer of \(size) bytes)"
        case let .truncated(file, expected, found):
            "\(file): truncated: the header promises \(expected) bytes of data, the file holds \(found)"
        case let .overlapping(file, first, second): "\(file): tensors '\(first)' and '\(second)' overlap"
        case let .gap(file, at): "\(file): byte \(at) of the data buffer belongs to no tensor"
        case let .byteCountMismatch(file, tensor, expected, found):
            "\(file): tensor '\(tensor)' holds \(found) bytes, but its shape and dtype need \(expected)"
        case let .noSuchTensor(file, name, available):
            "\(file): no tensor '\(name)'; it has \(available.prefix(5).joined(separator: ", "))\(available.count > 5 ? ", ..." : "")"
        case let .wrongDType(file, tensor, dtype, wanted): "\(file): tensor '\(tensor)' is \(dtype), not \(wanted)"
        }
    }
}

/// The element types of safetensors.
public enum DType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool: 1
        }
    }
}

/// One tensor's entry in the header.
public struct TensorInfo: Equatable, Sendable {
    public var dtype: DType
    public var shape: [Int]
    /// Where its bytes start in the data buffer.
    public var offset: Int
    /// How many bytes it holds.
    public var byteCount: Int
}

/// A safetensors file (https://github.com/huggingface/safetensors), mapped
/// into memory rather than copied, with every header entry checked.
public final class SafeTensorsFile: @unchecked Sendable {
    /// The file's path.
    public let path: String
    /// Tensor names, sorted.
    public let names: [String]
    /// The `__metadata__` strings.
    public let metadata: [String: String]
    private let tensors: [String: TensorInfo]
    private let mapping: UnsafeMutableRawPointer
    private let mappedSize: Int
    private let dataStart: Int

    /// Maps and checks the file at `path`.
    public init(contentsOf path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw SafeTensorsError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw SafeTensorsError.unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        let size = Int(status.st_size)
        guard size >= 8 else { throw SafeTensorsError.tooShort(file: path, size: size) }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw SafeTensorsError.unreadable(file: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        do {
            let headerLength = UInt64(littleEndian: mapped.loadUnaligned(as: UInt64.self))
            guard headerLength <= UInt64(size - 8) else {
                throw SafeTensorsError.headerBeyondFile(file: path, headerLength: headerLength, fileSize: size)
            }
            let header = Data(bytes: mapped + 8, count: Int(headerLength))
            let start = 8 + Int(headerLength)
            (tensors, metadata) = try SafeTensorsFile.parse(header, file: path, bufferSize: size - start)
            names = tensors.keys.sorted()
            mapping = mapped
            mappedSize = size
            dataStart = start
        } catch {
            munmap(mapped, size)
            throw error
        }
    }

    deinit { munmap(mapping, mappedSize) }

    /// The entry of tensor `name`, or nil.
    public subscript(name: String) -> TensorInfo? { tensors[name] }

    private func info(_ name: String) throws -> TensorInfo {
        guard let info = tensors[name] else { throw SafeTensorsError.noSuchTensor(file: path, name: name, available: names) }
        return info
    }

    private func bytes(_ info: TensorInfo) -> UnsafeRawPointer { UnsafeRawPointer(mapping + dataStart + info.offset) }

    /// A floating-point tensor's values as Float (F16 and BF16 widened, F64 rounded).
    public func floats(_ name: String) throws -> [Float] {
        let info = try info(name), base = bytes(info), count = info.byteCount / info.dtype.size
        switch info.dtype {
        case .f32: return (0..<count).map { base.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
        case .f64: return (0..<count).map { Float(base.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self)) }
        case .f16: return (0..<count).map { Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
        case .bf16:
            return (0..<count).map { Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) << 16) }
        default: throw SafeTensorsError.wrongDType(file: path, tensor: name, dtype: info.dtype.rawValue, wanted: "a float type")
        }
    }

    /// A floating-point tensor's values as Double.
    public func doubles(_ name: String) throws -> [Double] {
        let info = try info(name)
        if info.dtype == .f64 {
            let base = bytes(info)
            return (0..<info.byteCount / 8).map { base.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) }
        }
        return try floats(name).map(Double.init)
    }

    /// An integer tensor's values (I64, I32, I16, I8, U8, BOOL) as Int.
    public func integers(_ name: String) throws -> [Int] {
        let info = try info(name), base = bytes(info), count = info.byteCount / info.dtype.size
        switch info.dtype {
        case .i64: return (0..<count).map { Int(base.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
        case .i32: return (0..<count).map { Int(base.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
        case .i16: return (0..<count).map { Int(base.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
        case .i8: return (0..<count).map { Int(base.loadUnaligned(fromByteOffset: $0, as: Int8.self)) }
        case .u8, .bool: return (0..<count).map { Int(base.loadUnaligned(fromByteOffset: $0, as: UInt8.self)) }
        default: throw SafeTensorsError.wrongDType(file: path, tensor: name, dtype: info.dtype.rawValue, wanted: "an integer type")
        }
    }

    /// Parses and checks the header: entries, offsets within the buffer,
    /// byte counts, no overlap and no gap (the tensors tile the buffer, as
    /// the reference implementation requires).
    static func parse(_ header: Data, file: String, bufferSize: Int) throws -> ([String: TensorInfo], [String: String]) {
        func malformed(_ reason: String) -> SafeTensorsError { .malformedHeader(file: file, reason: reason) }
        guard String(data: header, encoding: .utf8) != nil else { throw malformed("not UTF-8") }
        guard let object = try? JSONSerialization.jsonObject(with: header) else { throw malformed("not valid JSON") }
        guard let entries = object as? [String: Any] else { throw malformed("not a JSON object") }
        var tensors: [String: TensorInfo] = [:], metadata: [String: String] = [:]
        func integer(_ value: Any, _ what: String) throws -> Int {
            guard let number = value as? NSNumber,
                  number.doubleValue == number.doubleValue.rounded(), number.doubleValue >= 0,
                  number.doubleValue < 9e15 else { throw malformed("\(what) must be a non-negative integer") }
            return number.intValue
        }
        for (name, value) in entries {
            if name == "__metadata__" {
                guard let strings = value as? [String: String] else { throw malformed("__metadata__ must map strings to strings") }
                metadata = strings
                continue
            }
            guard let entry = value as? [String: Any] else { throw malformed("entry '\(name)' is not an object") }
            guard let dtypeText = entry["dtype"] as? String else { throw malformed("entry '\(name)' has no string dtype") }
            guard let dtype = DType(rawValue: dtypeText) else {
                throw SafeTensorsError.unknownDType(file: file, tensor: name, dtype: dtypeText)
            }
            guard let shapeValues = entry["shape"] as? [Any] else { throw malformed("entry '\(name)' has no shape array") }
            let shape = try shapeValues.map { try integer($0, "a dimension of '\(name)'") }
            guard let offsets = entry["data_offsets"] as? [Any], offsets.count == 2 else {
                throw malformed("entry '\(name)' has no [begin, end] data_offsets")
            }
            let begin = try integer(offsets[0], "data_offsets of '\(name)'"), end = try integer(offsets[1], "data_offsets of '\(name)'")
            guard begin <= end else {
                throw SafeTensorsError.offsetsOutOfRange(file: file, tensor: name, begin: begin, end: end, bufferSize: bufferSize)
            }
            let expected = shape.reduce(dtype.size) { $0.multipliedReportingOverflow(by: $1).partialValue }
            guard expected == end - begin else {
                throw SafeTensorsError.byteCountMismatch(file: file, tensor: name, expected: expected, found: end - begin)
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, offset: begin, byteCount: end - begin)
        }
        let ordered = tensors.sorted { ($0.value.offset, $0.value.offset + $0.value.byteCount, $0.key) < ($1.value.offset, $1.value.offset + $1.value.byteCount, $1.key) }
        let needed = ordered.map { $0.value.offset + $0.value.byteCount }.max() ?? 0
        guard needed <= bufferSize else { throw SafeTensorsError.truncated(file: file, expected: needed, found: bufferSize) }
        var covered = 0
        for (index, (name, info)) in ordered.enumerated() {
            if info.offset < covered {
                throw SafeTensorsError.overlapping(file: file, first: ordered[index - 1].key, second: name)
            }
            if info.offset > covered { throw SafeTensorsError.gap(file: file, at: covered) }
            covered = info.offset + info.byteCount
        }
        if covered < bufferSize { throw SafeTensorsError.gap(file: file, at: covered) }
        return (tensors, metadata)
    }
}

/// Writes float32 tensors as a safetensors file.
public enum SafeTensorsWriter {
    /// Writes `tensors` (name, shape, values) with `metadata`, names sorted,
    /// the header padded with spaces to a multiple of 8; atomically.
    public static func write(_ tensors: [(name: String, shape: [Int], values: [Float])], metadata: [String: String] = [:],
                             to path: String) throws {
        var header: [String: Any] = [:], offset = 0
        let sorted = tensors.sorted { $0.name < $1.name }
        for tensor in sorted {
            precondition(tensor.shape.reduce(1, *) == tensor.values.count, "\(tensor.name): shape does not match its values")
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + 4 * tensor.values.count]]
            offset += 4 * tensor.values.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data(withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) })
        data.append(json)
        for tensor in sorted {
            tensor.values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!)
                .assumingMemoryBound(to: UInt8.self), count: 4 * $0.count)) }
        }
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
