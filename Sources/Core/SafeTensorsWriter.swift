import Foundation

/// Writes safetensors files (https://github.com/huggingface/safetensors) that
/// Hugging Face's library and `SafeTensorsFile` read: tensors sorted by name
/// and laid out in that order, `__metadata__` first in the header, the header
/// padded with spaces to a multiple of 8 bytes so the data buffer starts
/// 8-byte aligned. The file is written to a temporary file in the same folder
/// and renamed over `path`, so a reader never sees a half-written file and a
/// failed write leaves any previous file in place.
public enum SafeTensorsWriter {
    /// Writes float32 tensors (`values` in row-major order, `shape`
    /// outermost first, `[]` for a scalar) and `metadata` to `path` as F32.
    /// Throws `invalidTensor` if a shape disagrees with its values, a
    /// dimension is negative, or a name repeats or is `__metadata__`; and
    /// `unwritable` if the file cannot be created, written or renamed.
    public static func write(_ tensors: [(name: String, shape: [Int], values: [Float])], metadata: [String: String] = [:],
                             to path: String) throws(SafeTensorsError) {
        try write(tensors.map { ($0.name, $0.shape, $0.values) }, dtype: .f32, metadata: metadata, to: path)
    }

    /// Writes float64 tensors as F64, exactly as `write(_:metadata:to:)`
    /// writes float32 ones (useful for fixtures that must keep every bit).
    public static func write(float64 tensors: [(name: String, shape: [Int], values: [Double])], metadata: [String: String] = [:],
                             to path: String) throws(SafeTensorsError) {
        try write(tensors.map { ($0.name, $0.shape, $0.values) }, dtype: .f64, metadata: metadata, to: path)
    }

    /// Writes `tensors`, whose elements are stored as `dtype` (of the same size as `Element`).
    static func write<Element: BitwiseCopyable>(_ tensors: [(name: String, shape: [Int], values: [Element])], dtype: DType,
                                                metadata: [String: String], to path: String) throws(SafeTensorsError) {
        precondition(MemoryLayout<Element>.stride == dtype.size, "\(Element.self) is not stored as \(dtype.rawValue)")
        let sorted = tensors.sorted { $0.name < $1.name }
        var entries: [(name: String, shape: [Int], byteCount: Int)] = []
        var previous: String?
        for tensor in sorted {
            func invalid(_ reason: String) -> SafeTensorsError { .invalidTensor(file: path, tensor: tensor.name, reason: reason) }
            if tensor.name == "__metadata__" { throw invalid("the name __metadata__ is reserved for the metadata") }
            if tensor.name == previous { throw invalid("two tensors have this name") }
            previous = tensor.name
            if let negative = tensor.shape.first(where: { $0 < 0 }) { throw invalid("shape \(tensor.shape) has a negative dimension \(negative)") }
            var count = 1, overflow = false
            for dimension in tensor.shape {
                let product = count.multipliedReportingOverflow(by: dimension)
                count = product.partialValue
                overflow = overflow || product.overflow
            }
            guard !overflow || tensor.shape.contains(0), (overflow ? 0 : count) == tensor.values.count else {
                throw invalid("shape \(tensor.shape) needs \(overflow ? "more than Int.max" : String(count)) values, but \(tensor.values.count) were given")
            }
            entries.append((tensor.name, tensor.shape, tensor.values.count * dtype.size))
        }

        var header = Array(headerJSON(entries, dtype: dtype, metadata: metadata).utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var prefix = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        prefix += header

        try writeAtomically(to: path) { (write: (UnsafeRawBufferPointer) throws(SafeTensorsError) -> Void) throws(SafeTensorsError) in
            // Array.withUnsafeBytes rethrows untyped errors, so the typed one travels in a Result.
            func emit<T: BitwiseCopyable>(_ array: [T]) throws(SafeTensorsError) {
                try array.withUnsafeBytes { bytes in Result { () throws(SafeTensorsError) in try write(bytes) } }.get()
            }
            try emit(prefix)
            for tensor in sorted {
                #if _endian(little)
                try emit(tensor.values)
                #else
                var swapped: [UInt8] = []
                tensor.values.withUnsafeBytes { bytes in
                    for start in stride(from: 0, to: bytes.count, by: dtype.size) { swapped += bytes[start..<start + dtype.size].reversed() }
                }
                try emit(swapped)
                #endif
            }
        }
    }

    /// The header JSON, without padding: `__metadata__` (keys sorted) first,
    /// then the tensors in the order given, their offsets consecutive from 0.
    static func headerJSON(_ entries: [(name: String, shape: [Int], byteCount: Int)], dtype: DType,
                           metadata: [String: String]) -> String {
        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { JSONString.quoted($0.key) + ":" + JSONString.quoted($0.value) }
            members.append(#""__metadata__":{"# + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for entry in entries {
            let shape = entry.shape.map(String.init).joined(separator: ",")
            members.append(JSONString.quoted(entry.name) + #":{"dtype":"\#(dtype.rawValue)","shape":[\#(shape)],"data_offsets":[\#(offset),\#(offset + entry.byteCount)]}"#)
            offset += entry.byteCount
        }
        return "{" + members.joined(separator: ",") + "}"
    }

    /// Creates a temporary file next to `path`, lets `body` write to it
    /// through the function it is given, flushes it to disk and renames it
    /// over `path`; on any failure removes the temporary file.
    static func writeAtomically(to path: String,
                                _ body: ((UnsafeRawBufferPointer) throws(SafeTensorsError) -> Void) throws(SafeTensorsError) -> Void)
        throws(SafeTensorsError) {
        func failure(_ what: String) -> SafeTensorsError { .unwritable(file: path, reason: "\(what): \(String(cString: strerror(errno)))") }
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw failure("cannot create \(temporary)") }
        var closed = false
        do throws(SafeTensorsError) {
            try body { (bytes: UnsafeRawBufferPointer) throws(SafeTensorsError) in
                var done = 0
                while done < bytes.count {
                    let count = Foundation.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
                    if count > 0 {
                        done += count
                    } else if count < 0 && errno == EINTR {
                        continue
                    } else {
                        throw failure("writing \(temporary) failed")
                    }
                }
            }
            guard fsync(descriptor) == 0 else { throw failure("flushing \(temporary) failed") }
            closed = true
            guard close(descriptor) == 0 else { throw failure("closing \(temporary) failed") }
            guard rename(temporary, path) == 0 else { throw failure("renaming \(temporary) to it failed") }
        } catch {
            if !closed { close(descriptor) }
            unlink(temporary)
            throw error
        }
    }
}
