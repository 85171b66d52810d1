import Core
import Foundation
import Testing

/// Every way a safetensors file can be broken gets its own clear error that
/// names the file; good files of every float dtype read back exactly.
@Suite struct SafeTensorsCorruptionTests {
    /// Writes an 8-byte little-endian header length (or `lengthOverride`),
    /// the header text and the data bytes to a new temporary file.
    func file(header: String, data: [UInt8] = [], lengthOverride: UInt64? = nil, truncateTo: Int? = nil) throws -> String {
        let headerBytes = Array(header.utf8)
        var bytes = withUnsafeBytes(of: (lengthOverride ?? UInt64(headerBytes.count)).littleEndian) { Array($0) }
        bytes += headerBytes + data
        if let truncateTo { bytes = Array(bytes.prefix(truncateTo)) }
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("safetensors-\(UUID().uuidString).safetensors").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Opens `path` and returns the error it throws.
    func error(_ path: String) -> SafeTensorsError? {
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try SafeTensorsFile(contentsOf: path)
            return nil
        } catch {
            return error as? SafeTensorsError
        }
    }

    let twoFloats = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    let eightBytes = [UInt8](repeating: 0, count: 8)

    @Test func aFileShorterThanTheLengthPrefix() throws {
        let path = try file(header: "", truncateTo: 5)
        guard case .tooShort(let file, 5)? = error(path) else { Issue.record("expected tooShort"); return }
        #expect(file == path)
    }

    @Test func aHeaderLengthBeyondTheFile() throws {
        let path = try file(header: twoFloats, data: eightBytes, lengthOverride: 1 << 40)
        let found = error(path)
        guard case .headerBeyondFile(path, 1 << 40, _)? = found else { Issue.record("got \(String(describing: found))"); return }
        #expect(found!.description.contains(path))
    }

    @Test func malformedJSONAndNonObjectHeaders() throws {
        for header in [#"{"a": {"dtype": "F32", "#, "[1, 2, 3]", #"{"a": 5}"#, #"{"a":{"dtype":"F32","shape":[2]}}"#,
                       #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}"#,
                       #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#] {
            let path = try file(header: header, data: eightBytes)
            guard case .malformedHeader(path, _)? = error(path) else { Issue.record("\(header) gave no malformedHeader"); continue }
        }
    }

    @Test func anUnknownDType() throws {
        let path = try file(header: #"{"a":{"dtype":"F8_E9","shape":[2],"data_offsets":[0,8]}}"#, data: eightBytes)
        guard case .unknownDType(path, "a", "F8_E9")? = error(path) else { Issue.record("expected unknownDType"); return }
    }

    @Test func offsetsOutOfOrder() throws {
        let path = try file(header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#, data: eightBytes)
        guard case .offsetsOutOfRange(path, "a", 8, 0, 8)? = error(path) else { Issue.record("expected offsetsOutOfRange"); return }
    }

    @Test func truncatedData() throws {
        let path = try file(header: twoFloats, data: [0, 0, 0])
        let found = error(path)
        guard case .truncated(path, 8, 3)? = found else { Issue.record("got \(String(describing: found))"); return }
        #expect(found!.description.contains("truncated"))
    }

    @Test func overlappingTensors() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        let path = try file(header: header, data: eightBytes)
        guard case .overlapping(path, _, _)? = error(path) else { Issue.record("expected overlapping"); return }
    }

    @Test func aGapInTheDataBuffer() throws {
        let path = try file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: eightBytes)
        guard case .gap(path, 0)? = error(path) else { Issue.record("expected gap"); return }
    }

    @Test func aShapeThatDisagreesWithTheByteCount() throws {
        let path = try file(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eightBytes)
        guard case .byteCountMismatch(path, "a", 12, 8)? = error(path) else { Issue.record("expected byteCountMismatch"); return }
    }

    @Test func everyFloatDTypeReadsBackExactly() throws {
        // F16: 1.0 = 0x3C00, -2.5 = 0xC100, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001.
        // BF16: the high half of the float32 bits: 1.0 = 0x3F80, -0.5 = 0xBF00.
        var data: [UInt8] = []
        for half: UInt16 in [0x3C00, 0xC100, 0x7BFF, 0x0001] { data += withUnsafeBytes(of: half.littleEndian) { Array($0) } }
        for brain: UInt16 in [0x3F80, 0xBF00] { data += withUnsafeBytes(of: brain.littleEndian) { Array($0) } }
        for single: Float in [0.25, -3] { data += withUnsafeBytes(of: single.bitPattern.littleEndian) { Array($0) } }
        data += withUnsafeBytes(of: (1.0 / 3.0).bitPattern.littleEndian) { Array($0) }
        data += withUnsafeBytes(of: Int64(-7).littleEndian) { Array($0) }
        let header = #"{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},"#
            + #""f":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},"d":{"dtype":"F64","shape":[1],"data_offsets":[20,28]},"#
            + #""i":{"dtype":"I64","shape":[1],"data_offsets":[28,36]},"__metadata__":{"format":"pt"}}"#
        let path = try file(header: header, data: data)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tensors = try SafeTensorsFile(contentsOf: path)
        #expect(tensors.names == ["b", "d", "f", "h", "i"])
        #expect(tensors.metadata == ["format": "pt"])
        #expect(try tensors.floats("h") == [1, -2.5, 65504, 0x1p-24])
        #expect(try tensors.floats("b") == [1, -0.5])
        #expect(try tensors.floats("f") == [0.25, -3])
        #expect(try tensors.doubles("d") == [1.0 / 3.0])
        #expect(try tensors.integers("i") == [-7])
        #expect(tensors["h"]?.dtype == .f16 && tensors["h"]?.shape == [4] && tensors["h"]?.byteCount == 8)
        #expect(throws: SafeTensorsError.self) { try tensors.floats("missing") }
        #expect(throws: SafeTensorsError.self) { try tensors.integers("f") }
    }
}
