@testable import Core
import Foundation
import Testing

/// The safetensors reader and writer: round trips, the bit-level dtype
/// conversions, a file from Hugging Face's own library, the real MiniLM
/// checkpoint, and one clear error, naming the file, for each way a file can
/// be broken.
@Suite final class SafeTensorsTests {
    /// A fresh folder per test, removed afterwards.
    let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference_dtypes.safetensors").path

    // MARK: - Helpers

    /// The little-endian bytes of `values`.
    func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    /// Writes an 8-byte little-endian header length (the header's, or
    /// `length`), the header bytes and `data` to a new file, cut to
    /// `truncateTo` bytes if given, and returns its path.
    func file(headerBytes: [UInt8], data: [UInt8] = [], length: UInt64? = nil, truncateTo: Int? = nil) throws -> String {
        var bytes = littleEndian([length ?? UInt64(headerBytes.count)]) + headerBytes + data
        if let truncateTo { bytes = Array(bytes.prefix(truncateTo)) }
        let path = folder + "/\(UUID().uuidString).safetensors"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `file(headerBytes:...)` with the header given as text.
    func file(header: String, data: [UInt8] = [], length: UInt64? = nil, truncateTo: Int? = nil) throws -> String {
        try file(headerBytes: Array(header.utf8), data: data, length: length, truncateTo: truncateTo)
    }

    /// The error opening `path` throws; records an issue if it opens, or if
    /// the message does not name the file.
    func failure(opening path: String, sourceLocation: SourceLocation = #_sourceLocation) -> SafeTensorsError? {
        do throws(SafeTensorsError) {
            _ = try SafeTensorsFile(contentsOf: path)
            Issue.record("\(path) opened, but an error was expected", sourceLocation: sourceLocation)
            return nil
        } catch {
            #expect(error.description.hasPrefix(path + ": "), "the message must name the file: \(error)", sourceLocation: sourceLocation)
            return error
        }
    }

    /// The error `body` throws, or nil (recording an issue).
    func failure<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(SafeTensorsError) -> T) -> SafeTensorsError? {
        do throws(SafeTensorsError) {
            _ = try body()
            Issue.record("no error was thrown", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// Bitwise equality, except that any NaN equals any NaN (-0 differs from 0).
    func same(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.isNaN ? $1.isNaN : $0.bitPattern == $1.bitPattern }
    }

    func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.isNaN ? $1.isNaN : $0.bitPattern == $1.bitPattern }
    }

    let twoFloats = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    let eightBytes = [UInt8](repeating: 0, count: 8)

    // MARK: - Writer and reader round trips

    @Test func float32RoundTripKeepsValuesShapesAndMetadata() throws {
        let path = folder + "/f32.safetensors"
        let matrix: [Float] = [1, -2.5, 0.1, -0.0, .infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -1e-20, 3, 4, 5]
        let metadata = ["format": "pt", "quote\"and\\slash/": "line\nbreak\ttab\u{01}", "é ünïcode ✓": "値"]
        try SafeTensorsWriter.write([("z.matrix", [3, 4], matrix), ("a.vector", [2], [7, 8]), ("m.scalar", [], [42]),
                                     ("m.empty", [0, 5], [])], metadata: metadata, to: path)
        let file = try SafeTensorsFile(contentsOf: path)
        #expect(file.names == ["a.vector", "m.empty", "m.scalar", "z.matrix"])
        #expect(file.metadata == metadata)
        #expect(file["z.matrix"] == TensorInfo(dtype: .f32, shape: [3, 4], offset: 12, byteCount: 48))
        #expect(file["a.vector"] == TensorInfo(dtype: .f32, shape: [2], offset: 0, byteCount: 8))
        #expect(file["m.empty"] == TensorInfo(dtype: .f32, shape: [0, 5], offset: 8, byteCount: 0))
        #expect(file["m.scalar"] == TensorInfo(dtype: .f32, shape: [], offset: 8, byteCount: 4))
        #expect(file["missing"] == nil)
        #expect(same(try file.floats("z.matrix"), matrix))
        #expect(try file.floats("a.vector") == [7, 8])
        #expect(try file.floats("m.scalar") == [42])
        #expect(try file.floats("m.empty") == [])
        #expect(same(try file.doubles("z.matrix"), matrix.map(Double.init)))
    }

    @Test func float64RoundTripKeepsEveryBit() throws {
        let path = folder + "/f64.safetensors"
        let values: [Double] = [1.0 / 3.0, -1e300, .leastNonzeroMagnitude, -0.0, .pi, .nan, -.infinity, 0.1]
        try SafeTensorsWriter.write(float64: [("values", [2, 2, 2], values), ("bias", [1], [-7.25])],
                                    metadata: ["source": "fixture"], to: path)
        let file = try SafeTensorsFile(contentsOf: path)
        #expect(file.names == ["bias", "values"])
        #expect(file.metadata == ["source": "fixture"])
        #expect(file["values"] == TensorInfo(dtype: .f64, shape: [2, 2, 2], offset: 8, byteCount: 64))
        #expect(same(try file.doubles("values"), values))
        #expect(try file.doubles("bias") == [-7.25])
        // As Float: rounded to nearest, 1e300 beyond Float's range becomes -inf, 5e-324 becomes 0.
        #expect(same(try file.floats("values"), [Float(1.0 / 3.0), -.infinity, 0, -0.0, Float(Double.pi), .nan, -.infinity, 0.1]))
    }

    @Test func theHeaderIsSortedAndPaddedWithSpacesToAMultipleOf8() throws {
        let path = folder + "/layout.safetensors"
        try SafeTensorsWriter.write([("b", [1], [2]), ("a", [1], [1]), ("c/d", [1], [3])], metadata: ["k": "v"], to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(length % 8 == 0)
        let header = String(decoding: bytes[8..<8 + length], as: UTF8.self)
        let json = #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
            + #""b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"c/d":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        #expect(header == json + String(repeating: " ", count: length - json.utf8.count))
        #expect(length - json.utf8.count < 8)
        #expect(bytes.count == 8 + length + 12)
        #expect(Array(bytes[(8 + length)...]) == littleEndian([Float(1).bitPattern, Float(2).bitPattern, Float(3).bitPattern]))
    }

    @Test func theWriterRefusesTensorsItCannotStoreAndLeavesNoFile() throws {
        let path = folder + "/refused.safetensors"
        let cases: [(tensors: [(name: String, shape: [Int], values: [Float])], tensor: String, words: String)] = [
            ([("a", [2, 3], [1, 2, 3])], "a", "needs 6 values, but 3"),
            ([("a", [-1], [])], "a", "negative"),
            ([("a", [1], [1]), ("a", [1], [2])], "a", "two tensors"),
            ([("__metadata__", [1], [1])], "__metadata__", "reserved"),
            ([("a", [Int.max, 4], [1])], "a", "more than Int.max"),
        ]
        for (tensors, tensor, words) in cases {
            let error = failure { () throws(SafeTensorsError) in try SafeTensorsWriter.write(tensors, to: path) }
            guard case let .invalidTensor(file, name, reason)? = error else { Issue.record("expected invalidTensor, got \(String(describing: error))"); continue }
            #expect(file == path && name == tensor && reason.contains(words), "\(reason)")
            #expect(error!.description.hasPrefix(path + ": "))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [])
    }

    @Test func anUnwritablePathIsAnErrorNamingIt() throws {
        let path = folder + "/no/such/folder/out.safetensors"
        let error = failure { () throws(SafeTensorsError) in try SafeTensorsWriter.write([("a", [1], [1])], to: path) }
        guard case let .unwritable(file, reason)? = error else { Issue.record("expected unwritable, got \(String(describing: error))"); return }
        #expect(file == path && reason.contains("No such file or directory"))
        #expect(error!.description.hasPrefix(path + ": cannot write"))
    }

    @Test func rewritingReplacesTheFileAtomically() throws {
        let path = folder + "/model.safetensors"
        try SafeTensorsWriter.write([("w", [2], [1, 2])], to: path)
        let old = try SafeTensorsFile(contentsOf: path)
        try SafeTensorsWriter.write([("w", [3], [4, 5, 6])], to: path)
        // The old mapping still sees the old file: the new one was renamed
        // over it, never written into it.
        #expect(try old.floats("w") == [1, 2])
        #expect(try SafeTensorsFile(contentsOf: path).floats("w") == [4, 5, 6])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["model.safetensors"])
    }

    // MARK: - Dtype conversions

    /// A file with one tensor `name` of `dtype` holding `bits` (16-bit patterns).
    func halfFile(_ dtype: String, _ bits: [UInt16]) throws -> SafeTensorsFile {
        let header = #"{"t":{"dtype":"\#(dtype)","shape":[\#(bits.count)],"data_offsets":[0,\#(2 * bits.count)]}}"#
        return try SafeTensorsFile(contentsOf: try file(header: header, data: littleEndian(bits)))
    }

    @Test func halfPrecisionDecodesToHandComputedValues() throws {
        let table: [(bits: UInt16, value: Float)] = [
            (0x0000, 0), (0x8000, -0.0), (0x3C00, 1), (0xC000, -2), (0x3800, 0.5), (0x3555, 0.333251953125),
            (0x7BFF, 65504), (0xFBFF, -65504),
            (0x0001, 0x1p-24),                    // smallest subnormal, 5.96e-8
            (0x8001, -0x1p-24),
            (0x03FF, 1023 * 0x1p-24),             // largest subnormal, 6.0976e-5
            (0x0400, 0x1p-14),                    // smallest normal
            (0x2E66, 0.0999755859375),            // 0.1 rounded to half
            (0x7C00, .infinity), (0xFC00, -.infinity),
        ]
        let file = try halfFile("F16", table.map(\.bits) + [0x7E00, 0xFE00, 0x7C01])
        let floats = try file.floats("t")
        #expect(same(Array(floats.prefix(table.count)), table.map(\.value)))
        #expect(floats[1].sign == .minus && floats[1] == 0, "negative zero keeps its sign")
        #expect(floats.suffix(3).allSatisfy { $0.isNaN }, "quiet, negative and signalling NaN stay NaN")
        #expect(floats[table.count + 1].sign == .minus)
        #expect(same(try file.doubles("t"), floats.map(Double.init)))
    }

    @Test func halfPrecisionDecodingIsExactForEveryBitPattern() throws {
        let patterns = (0...UInt16.max).map { $0 }
        let floats = try halfFile("F16", patterns).floats("t")
        for bits in patterns {
            // The definition: (-1)^s x 2^(e-15) x 1.m, or 2^-14 x 0.m when e = 0.
            let sign: Double = bits & 0x8000 == 0 ? 1 : -1, exponent = Int(bits >> 10) & 0x1F, mantissa = Double(bits & 0x3FF)
            let expected: Double = switch exponent {
            case 0: sign * mantissa * 0x1p-24
            case 31: mantissa == 0 ? sign * .infinity : .nan
            default: sign * (1 + mantissa / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
            }
            let found = floats[Int(bits)]
            #expect(expected.isNaN ? found.isNaN : Double(found).bitPattern == expected.bitPattern, "0x\(String(bits, radix: 16))")
            #expect(found.sign == (bits & 0x8000 == 0 ? .plus : .minus))
            #expect(SafeTensorsFile.float(fromHalf: bits).bitPattern == found.bitPattern)
            #if !(os(macOS) && arch(x86_64))
            let native = Float(Float16(bitPattern: bits))
            #expect(native.isNaN ? found.isNaN : native.bitPattern == found.bitPattern, "0x\(String(bits, radix: 16))")
            #endif
        }
    }

    @Test func bfloat16DecodesToHandComputedValues() throws {
        let table: [(bits: UInt16, value: Float)] = [
            (0x3F80, 1), (0xBF00, -0.5), (0x0000, 0), (0x8000, -0.0), (0x4049, 3.140625),
            (0x0001, 0x1p-133),                          // smallest subnormal
            (0x0080, 0x1p-126),                          // smallest normal
            (0x7F7F, 3.3895313892515355e38),             // largest finite
            (0x7F80, .infinity), (0xFF80, -.infinity), (0x4780, 65536),
        ]
        let file = try halfFile("BF16", table.map(\.bits) + [0x7FC0, 0xFFC1])
        let floats = try file.floats("t")
        #expect(same(Array(floats.prefix(table.count)), table.map(\.value)))
        #expect(floats[3].sign == .minus)
        #expect(floats.suffix(2).allSatisfy { $0.isNaN })
        #expect(floats.map(\.bitPattern) == (table.map(\.bits) + [0x7FC0, 0xFFC1]).map { UInt32($0) << 16 })
        #expect(same(try file.doubles("t"), floats.map(Double.init)))
    }

    @Test func integerTypesReadAsIntAndTheWrongAccessorIsAnError() throws {
        let data = littleEndian([Int64(-5), Int64(1) << 40]) + littleEndian([Int32.min, 7]) + littleEndian([Int16(-300)])
            + littleEndian([UInt32.max]) + littleEndian([UInt16.max]) + [0xFF, 0x7F] + [200] + [1, 0] + littleEndian([UInt64.max])
        let header = #"{"i64":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},"i32":{"dtype":"I32","shape":[2],"data_offsets":[16,24]},"#
            + #""i16":{"dtype":"I16","shape":[1],"data_offsets":[24,26]},"u32":{"dtype":"U32","shape":[1],"data_offsets":[26,30]},"#
            + #""u16":{"dtype":"U16","shape":[1],"data_offsets":[30,32]},"i8":{"dtype":"I8","shape":[2],"data_offsets":[32,34]},"#
            + #""u8":{"dtype":"U8","shape":[1],"data_offsets":[34,35]},"flags":{"dtype":"BOOL","shape":[2],"data_offsets":[35,37]},"#
            + #""u64":{"dtype":"U64","shape":[1],"data_offsets":[37,45]}}"#
        let path = try file(header: header, data: data)
        let file = try SafeTensorsFile(contentsOf: path)
        #expect(try file.integers("i64") == [-5, 1 << 40])
        #expect(try file.integers("i32") == [Int(Int32.min), 7])
        #expect(try file.integers("i16") == [-300])
        #expect(try file.integers("u32") == [Int(UInt32.max)])
        #expect(try file.integers("u16") == [65535])
        #expect(try file.integers("i8") == [-1, 127])
        #expect(try file.integers("u8") == [200])
        #expect(try file.integers("flags") == [1, 0])
        #expect(failure { () throws(SafeTensorsError) in try file.integers("u64") }
            == .wrongDType(file: path, tensor: "u64", dtype: "U64", wanted: "an integer type that fits in Int (I64, I32, I16, I8, U32, U16, U8, BOOL)"))
        let floatError = failure { () throws(SafeTensorsError) in try file.floats("i64") }
        guard case .wrongDType(path, "i64", "I64", _)? = floatError else { Issue.record("expected wrongDType, got \(String(describing: floatError))"); return }
        #expect(floatError!.description.hasPrefix(path + ": tensor 'i64' is I64, not a floating-point type"))
        guard case .wrongDType(path, "flags", "BOOL", _)? = failure({ () throws(SafeTensorsError) in try file.doubles("flags") }) else {
            Issue.record("expected wrongDType"); return
        }
    }

    @Test func anUnknownNameIsAnErrorListingTheNearestNames() throws {
        let path = folder + "/names.safetensors"
        let names = ["bert.embeddings.word_embeddings.weight", "bert.pooler.dense.bias", "a", "b", "c", "d", "e", "f"]
        try SafeTensorsWriter.write(names.map { ($0, [1], [0]) }, to: path)
        let file = try SafeTensorsFile(contentsOf: path)
        let error = failure { () throws(SafeTensorsError) in try file.floats("embeddings.word_embeddings.weight") }
        #expect(error == .noSuchTensor(file: path, name: "embeddings.word_embeddings.weight", available: names.sorted()))
        let message = error?.description ?? ""
        #expect(message.hasPrefix(path + ": no tensor 'embeddings.word_embeddings.weight'; it has 8, among them bert.embeddings.word_embeddings.weight, "),
                "\(message)")
        #expect(message.hasSuffix(", ..."))
        #expect(failure { () throws(SafeTensorsError) in try file.doubles("zzz") } == .noSuchTensor(file: path, name: "zzz", available: names.sorted()))
        #expect(failure { () throws(SafeTensorsError) in try file.integers("zzz") } == .noSuchTensor(file: path, name: "zzz", available: names.sorted()))
    }

    // MARK: - Real files

    @Test func readsAFileWrittenByTheReferenceLibrary() throws {
        // tools/golden/safetensors_fixture.py wrote these values with safetensors.torch.save_file.
        let file = try SafeTensorsFile(contentsOf: Self.fixture)
        #expect(file.names == ["bf16", "f16", "f32", "f32_empty", "f32_scalar", "f64", "flags", "i64"])
        #expect(file.metadata == ["format": "pt", "generator": "tools/golden/safetensors_fixture.py"])
        #expect(file["f32"]?.dtype == .f32 && file["f32"]?.shape == [3, 3] && file["f32"]?.byteCount == 36)
        #expect(file["f16"]?.dtype == .f16 && file["f16"]?.shape == [2, 6] && file["f16"]?.byteCount == 24)
        #expect(file["bf16"]?.dtype == .bf16 && file["bf16"]?.shape == [2, 4] && file["bf16"]?.byteCount == 16)
        #expect(file["f64"]?.dtype == .f64 && file["f64"]?.shape == [2, 2] && file["f64"]?.byteCount == 32)
        #expect(file["f32_scalar"]?.shape == [] && file["f32_empty"]?.shape == [0, 3] && file["f32_empty"]?.byteCount == 0)
        #expect(file["i64"]?.dtype == .i64 && file["flags"]?.dtype == .bool)

        #expect(same(try file.floats("f32"), [0, -0.0, 1, -2.5, .greatestFiniteMagnitude, 0x1p-149, .infinity, -.infinity, .nan]))
        #expect(try file.floats("f32_scalar") == [0.25])
        #expect(try file.floats("f32_empty") == [])
        #expect(same(try file.floats("f16"), [1, -2, 65504, -65504, 0x1p-24, 0x1p-14,
                                                1023 * 0x1p-24, -0.0, .infinity, -.infinity, .nan, 0.0999755859375]))
        #expect(same(try file.floats("bf16"), [1, -0.5, 3.140625, 0x1p-133, 3.3895313892515355e38, .infinity, -0.0, .nan]))
        #expect(same(try file.doubles("f64"), [1.0 / 3.0, -1e300, 0x0.0000000000001p-1022, 0.1]))
        #expect(same(try file.floats("f64"), [Float(1.0 / 3.0), -.infinity, 0, 0.1]))
        #expect(try file.integers("i64") == [-1, 0, 1 << 40])
        #expect(try file.integers("flags") == [1, 0])
    }

    @Test func readsTheMiniLMCheckpoint() throws {
        let path = CacheFolder.miniLM + "/model.safetensors"
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("\(path) is missing: run `bash scripts/setup` to fetch all-MiniLM-L6-v2 (or set \(CacheFolder.environmentVariable))")
            return
        }
        let file = try SafeTensorsFile(contentsOf: path)
        #expect(file.isMemoryMapped)
        #expect(file.names.count == 104)
        #expect(file.metadata == ["format": "pt"])
        #expect(!file.names.contains { $0.hasPrefix("bert.") }, "this checkpoint has no 'bert.' prefix")
        #expect(file["embeddings.word_embeddings.weight"] == TensorInfo(dtype: .f32, shape: [30522, 384], offset: 796_672, byteCount: 30522 * 384 * 4))
        #expect(file["embeddings.position_ids"]?.dtype == .i64 && file["embeddings.position_ids"]?.shape == [1, 512])
        #expect(Set(file.names.compactMap { file[$0]?.dtype }) == [.f32, .i64])
        #expect(file.names.filter { $0.hasPrefix("encoder.layer.") && $0.hasSuffix(".attention.self.query.weight") }.count == 6)
        // The tensors tile the data buffer: their sizes add up to the file's size after the header.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(file.names.reduce(0) { $0 + file[$1]!.byteCount } == size - 8 - 11408)
        let words = try file.floats("embeddings.word_embeddings.weight")
        #expect(words.count == 30522 * 384)
        #expect(words.prefix(4).map(\.bitPattern) == [0xBCA3_C000, 0xBB5F_0000, 0xBC70_8000, 0x3C3F_C000])  // row 0, from PyTorch
        let cls = words[101 * 384..<102 * 384].reduce(0.0) { $0 + Double($1) }
        #expect(abs(cls - 2.1904991320334375) < 1e-9, "sum of row 101 ([CLS]): \(cls)")
        #expect(try file.integers("embeddings.position_ids") == Array(0..<512))
    }

    @Test func readingWithoutMmapGivesTheSameTensors() throws {
        let mapped = try SafeTensorsFile(contentsOf: Self.fixture)
        let read = try SafeTensorsFile(contentsOf: Self.fixture, mapping: false)
        #expect(mapped.isMemoryMapped && !read.isMemoryMapped)
        #expect(read.names == mapped.names && read.metadata == mapped.metadata)
        for name in mapped.names {
            #expect(read[name] == mapped[name])
            if mapped[name]!.dtype.isFloatingPoint {
                #expect(same(try read.floats(name), try mapped.floats(name)), "\(name)")
            } else {
                #expect(try read.integers(name) == mapped.integers(name), "\(name)")
            }
        }
        // The same checks apply on the reading path.
        let path = try file(header: twoFloats, data: [0, 0, 0])
        do throws(SafeTensorsError) {
            _ = try SafeTensorsFile(contentsOf: path, mapping: false)
            Issue.record("a truncated file opened")
        } catch {
            #expect(error == .truncated(file: path, expected: 8, found: 3))
        }
    }

    @Test func oneFileServesConcurrentReaders() async throws {
        let file = try SafeTensorsFile(contentsOf: Self.fixture)
        let results = await withTaskGroup(of: [Float].self) { group in
            for _ in 0..<8 { group.addTask { (try? file.floats("f16")) ?? [] } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let expected = try file.floats("f16")
        #expect(results.count == 8 && results.allSatisfy { same($0, expected) } && expected.count == 12)
    }

    // MARK: - Broken files: one error case each, the message naming the file

    @Test func aMissingFileOrAFolderIsUnreadable() throws {
        let missing = folder + "/missing.safetensors"
        guard case let .unreadable(_, reason)? = failure(opening: missing) else { Issue.record("expected unreadable"); return }
        #expect(reason.contains("No such file or directory"))
        guard case .unreadable(folder, "it is a directory")? = failure(opening: folder) else { Issue.record("expected unreadable"); return }
    }

    @Test func aFileShorterThanTheLengthPrefixIsTooShort() throws {
        for size in [0, 5, 7] {
            let path = try file(header: "", truncateTo: size)
            #expect(failure(opening: path) == .tooShort(file: path, size: size))
        }
    }

    @Test func aHeaderLengthBeyondTheFileSaysTruncated() throws {
        for length: UInt64 in [1 << 40, .max, UInt64(twoFloats.utf8.count + 9)] {
            let path = try file(header: twoFloats, data: eightBytes, length: length)
            let error = failure(opening: path)
            #expect(error == .headerBeyondFile(file: path, headerLength: length, fileSize: 8 + twoFloats.utf8.count + 8))
            #expect(error?.description.contains("truncated") == true)
        }
    }

    @Test func aHeaderLengthOverTheReferenceLimitIsTooLarge() throws {
        // A sparse file just big enough to hold the claimed header.
        let length = UInt64(SafeTensorsFile.headerLimit + 1)
        let path = try file(header: "{}", length: length)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: length + 8)
        try handle.close()
        let error = failure(opening: path)
        #expect(error == .headerTooLarge(file: path, headerLength: length, limit: 100_000_000))
    }

    @Test func headersThatAreNotAJSONObjectAreMalformed() throws {
        let cases: [(header: [UInt8], words: String)] = [
            ([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D], "not valid UTF-8"),
            (Array(#"{"a": {"dtype": "F32", "#.utf8), "not valid JSON: unexpected end of the header"),
            (Array("".utf8), "not valid JSON"),
            (Array("[1, 2, 3]".utf8), "it is an array, not a JSON object"),
            (Array(#""a string""#.utf8), "not a JSON object"),
            (Array(#"{"a":1,} "#.utf8), "expected a string key"),
            (Array("{} x".utf8), "unexpected text after the JSON value"),
            (Array("{}\0\0\0\0".utf8), "unexpected text after the JSON value"),
            (Array(#"{'a': 1}"#.utf8), "expected a string key"),
            (Array(#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}"#.utf8),
             #"the key "a" appears twice"#),
            (Array(#"{"__metadata__":{"epoch":3}}"#.utf8), "__metadata__ must map strings to strings, but 'epoch' maps to 3"),
            (Array(#"{"__metadata__":["x"]}"#.utf8), "__metadata__ must be an object of strings, not an array"),
            (Array((String(repeating: "[", count: 200) + String(repeating: "]", count: 200)).utf8), "nested more than 64 levels"),
            (Array(#"{"a\u00":1}"#.utf8), "four hex digits"),
            (Array(#"{"a\q":1}"#.utf8), #"invalid escape '\q'"#),
            (Array("{\"a\tb\":1}".utf8), "control character"),
            (Array(#"{"\ud800":1}"#.utf8), "surrogate"),
            (Array(#"{"a":01}"#.utf8), "expected ',' or '}'"),
            (Array(#"{"a":-}"#.utf8), "expected a digit"),
            (Array(#"{"a":tru}"#.utf8), "expected 'true'"),
        ]
        for (header, words) in cases {
            let path = try file(headerBytes: header, data: eightBytes)
            guard case let .malformedHeader(file, reason)? = failure(opening: path) else {
                Issue.record("\(String(decoding: header, as: UTF8.self)): expected malformedHeader"); continue
            }
            #expect(file == path && reason.contains(words), "\(String(decoding: header, as: UTF8.self)): \(reason)")
        }
    }

    @Test func entriesWithoutTheirFieldsOrWithWrongJSONTypesAreInvalid() throws {
        let cases: [(entry: String, words: String)] = [
            ("5", "the entry is 5, not an object"),
            (#"[0, 8]"#, "the entry is an array, not an object"),
            (#"{"shape":[2],"data_offsets":[0,8]}"#, "the entry has no dtype"),
            (#"{"dtype":"F32","data_offsets":[0,8]}"#, "the entry has no shape"),
            (#"{"dtype":"F32","shape":[2]}"#, "the entry has no data_offsets"),
            (#"{"dtype":32,"shape":[2],"data_offsets":[0,8]}"#, "dtype is 32, not a string"),
            (#"{"dtype":null,"shape":[2],"data_offsets":[0,8]}"#, "dtype is null, not a string"),
            (#"{"dtype":"F32","shape":"2","data_offsets":[0,8]}"#, #"shape is the string "2", not an array"#),
            (#"{"dtype":"F32","shape":{"0":2},"data_offsets":[0,8]}"#, "shape is an object, not an array"),
            (#"{"dtype":"F32","shape":[2],"data_offsets":[0]}"#, "data_offsets is an array, not [begin, end]"),
            (#"{"dtype":"F32","shape":[2],"data_offsets":[0,8,16]}"#, "not [begin, end]"),
            (#"{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}"#, "not [begin, end]"),
            (#"{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}"#, "two non-negative integers"),
            (#"{"dtype":"F32","shape":[2],"data_offsets":["0","8"]}"#, "not [begin, end]"),
            (#"{"dtype":"F32","shape":[2],"data_offsets":8}"#, "data_offsets is 8, not [begin, end]"),
        ]
        for (entry, words) in cases {
            let path = try file(header: #"{"a":"# + entry + "}", data: eightBytes)
            guard case let .invalidEntry(file, "a", reason)? = failure(opening: path) else { Issue.record("\(entry): expected invalidEntry"); continue }
            #expect(file == path && reason.contains(words), "\(entry): \(reason)")
        }
    }

    @Test func anUnknownDTypeIsNamed() throws {
        for dtype in ["F8_E9", "f32", "FLOAT", ""] {
            let path = try file(header: #"{"a":{"dtype":"\#(dtype)","shape":[2],"data_offsets":[0,8]}}"#, data: eightBytes)
            let error = failure(opening: path)
            #expect(error == .unknownDType(file: path, tensor: "a", dtype: dtype))
            #expect(error?.description.contains("it knows F64, F32, F16, BF16") == true)
        }
    }

    @Test func negativeOrNonIntegerDimensionsAreInvalidShapes() throws {
        let cases: [(shape: String, words: String)] = [
            ("[-2]", "dimension 0 is -2, not a non-negative integer"),
            ("[2, 1.5]", "dimension 1 is 1.5"),
            ("[2.0]", "dimension 0 is 2.0"),
            ("[2e0]", "dimension 0 is 2e0"),
            ("[true]", "dimension 0 is true"),
            (#"["2"]"#, #"dimension 0 is the string "2""#),
            ("[null]", "dimension 0 is null"),
            ("[[2]]", "dimension 0 is an array"),
            ("[99999999999999999999]", "dimension 0 is 99999999999999999999"),
            ("[4294967296, 4294967296]", "more bytes than can be addressed"),
        ]
        for (shape, words) in cases {
            let path = try file(header: #"{"a":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,8]}}"#, data: eightBytes)
            guard case let .invalidShape(file, "a", reason)? = failure(opening: path) else { Issue.record("\(shape): expected invalidShape"); continue }
            #expect(file == path && reason.contains(words), "\(shape): \(reason)")
        }
        // An overflowing product with a zero dimension is an empty tensor, not an overflow.
        let empty = try file(header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}"#)
        #expect(try SafeTensorsFile(contentsOf: empty)["a"]?.byteCount == 0)
    }

    @Test func offsetsThatBeginAfterTheyEndAreOutOfRange() throws {
        let path = try file(header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#, data: eightBytes)
        let error = failure(opening: path)
        #expect(error == .offsetsOutOfRange(file: path, tensor: "a", begin: 8, end: 0, bufferSize: 8))
        #expect(error?.description.contains("data_offsets [8, 0], which begin after they end") == true)
    }

    @Test func aDataBufferShorterThanTheHeaderPromisesIsTruncated() throws {
        let one = try file(header: twoFloats, data: [0, 0, 0])
        let error = failure(opening: one)
        #expect(error == .truncated(file: one, expected: 8, found: 3))
        #expect(error?.description.contains("truncated: the header promises 8 bytes of tensor data, the file holds 3") == true)
        let header = #"{"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let two = try file(header: header, data: [UInt8](repeating: 1, count: 16), truncateTo: 8 + header.utf8.count + 12)
        #expect(failure(opening: two) == .truncated(file: two, expected: 16, found: 12))
        let none = try file(header: twoFloats)
        #expect(failure(opening: none) == .truncated(file: none, expected: 8, found: 0))
    }

    @Test func tensorsThatShareBytesOverlap() throws {
        let cases: [(header: String, first: String, second: String)] = [
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, "a", "b"),
            (#"{"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, "a", "b"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}"#, "a", "e"),
        ]
        for (header, first, second) in cases {
            let path = try file(header: header, data: eightBytes)
            let error = failure(opening: path)
            #expect(error == .overlapping(file: path, first: first, second: second), "\(header)")
            #expect(error?.description.contains("tensors '\(first)' and '\(second)' overlap") == true)
        }
    }

    @Test func bytesNoTensorCoversAreAGap() throws {
        let cases: [(header: String, size: Int, at: Int, end: Int)] = [
            (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8, 0, 4),
            (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, 12, 4, 8),
            (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 8, 4, 8),
            ("{}", 3, 0, 3),
        ]
        for (header, size, at, end) in cases {
            let path = try file(header: header, data: [UInt8](repeating: 0, count: size))
            let error = failure(opening: path)
            #expect(error == .gap(file: path, at: at, end: end), "\(header)")
            #expect(error?.description.contains("bytes \(at)..<\(end) of the data buffer belong to no tensor") == true)
        }
    }

    @Test func aShapeThatDisagreesWithTheByteCountIsAMismatch() throws {
        let cases: [(entry: String, expected: Int, found: Int)] = [
            (#"{"dtype":"F32","shape":[3],"data_offsets":[0,8]}"#, 12, 8),
            (#"{"dtype":"BF16","shape":[2],"data_offsets":[0,8]}"#, 4, 8),
            (#"{"dtype":"F64","shape":[],"data_offsets":[0,4]}"#, 8, 4),
        ]
        for (entry, expected, found) in cases {
            let path = try file(header: #"{"a":"# + entry + "}", data: [UInt8](repeating: 0, count: found))
            let error = failure(opening: path)
            #expect(error == .byteCountMismatch(file: path, tensor: "a", expected: expected, found: found))
            #expect(error?.description.contains("spans \(found) bytes, but its shape and dtype need \(expected)") == true)
        }
    }

    @Test func whatTheReferenceAcceptsIsAccepted() throws {
        // Leading and trailing whitespace, unknown keys in an entry, a null
        // __metadata__, escapes in names, entries out of offset order, zero-size
        // tensors at both ends, and a file with no tensors at all.
        let header = " \n{\"__metadata__\":null,\"w\\/\\u00e9\\ud83d\\ude00\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8],\"x\":[{}]},"
            + #""z":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
            + #""0":{"dtype":"I8","shape":[0, 7],"data_offsets":[0,0]}}      "#
        let file = try SafeTensorsFile(contentsOf: try file(header: header, data: littleEndian([Float(1).bitPattern, Float(2).bitPattern])))
        #expect(file.names == ["0", "a", "w/é😀", "z"])
        #expect(file.metadata == [:])
        #expect(try file.floats("w/é😀") == [2] && file.floats("a") == [1] && file.floats("z") == [])
        #expect(try file.integers("0") == [])
        #expect(try SafeTensorsFile(contentsOf: try self.file(header: "{}")).names == [])
    }
}
