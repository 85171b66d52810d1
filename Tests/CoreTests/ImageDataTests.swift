import Core
import Foundation
import Testing

@Suite struct ImageDataTests {
    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A version-1 .npy file with `descr`, `shape` and raw little-endian data.
    func npy(_ descr: String, _ shape: String, _ data: [UInt8]) -> [UInt8] {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = UInt16(header.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + data
    }

    @Test func fashionMNISTFromDebiansIDXFiles() throws {
        let train = try FashionMNIST.load(train: true), test = try FashionMNIST.load(train: false)
        #expect(train.count == 60_000 && test.count == 10_000)
        #expect(train.channels == 1 && train.height == 28 && train.width == 28)
        #expect((0..<10).allSatisfy { label in train.labels.filter { $0 == label }.count == 6_000 })
        #expect(train.pixels.min() == 0 && train.pixels.max() == 1)
        try train.check(channels: 1, size: 28, file: "fashion-mnist")
        #expect(throws: DataError.malformedLine(file: "fashion-mnist", line: 0,
                                                reason: "images are 1 x 28 x 28, the backbone takes 3 x 224 x 224")) {
            try train.check(channels: 3, size: 224, file: "fashion-mnist")
        }
    }

    @Test func npyArraysOfEachDType() throws {
        let floats: [Float] = [1.5, -2, 0.25, 8]
        let data = floats.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        let array = try NPYFile.read(try write(npy("<f4", "(2, 2)", data), "a.npy"))
        #expect(array == NumericArray(shape: [2, 2], values: floats))
        let bytes = try NPYFile.read(try write(npy("|u1", "(3,)", [0, 128, 255]), "b.npy"))
        #expect(bytes == NumericArray(shape: [3], values: [0, 128, 255]))
    }

    @Test func badImageFilesAreClearErrors() throws {
        let notNPY = try write(Array("hello world, not numpy".utf8), "c.npy")
        #expect(throws: DataError.malformedLine(file: notNPY, line: 0, reason: "not a .npy file")) { try NPYFile.read(notNPY) }
        let complex = try write(npy("<c8", "(1,)", [UInt8](repeating: 0, count: 8)), "d.npy")
        #expect(throws: DataError.self) { try NPYFile.read(complex) }
        let short = try write(npy("<f4", "(4,)", [0, 0, 0, 0]), "e.npy")
        #expect(throws: DataError.malformedLine(file: short, line: 0, reason: "data holds 4 bytes, the shape [4] needs 16")) {
            try NPYFile.read(short)
        }
        let badMagic = try write([1, 2, 8, 1, 0, 0, 0, 1, 7], "f.idx")
        #expect(throws: DataError.malformedLine(file: badMagic, line: 0, reason: "not an IDX file (bad magic number)")) {
            try IDXFile.read(badMagic)
        }
        let truncated = try write([0, 0, 8, 1, 0, 0, 0, 5, 1, 2], "g.idx")
        #expect(throws: DataError.malformedLine(file: truncated, line: 0, reason: "IDX data holds 2 bytes, the shape [5] needs 5")) {
            try IDXFile.read(truncated)
        }
        #expect(try IDXFile.read(try write([0, 0, 8, 1, 0, 0, 0, 2, 7, 9], "h.idx")) == NumericArray(shape: [2], values: [7, 9]))
    }
}
