import Core
import Foundation
import Testing

@Suite struct ImageDataTests {
    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
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
        let array = try NPYFile.read(try write(NPYFile.bytes(descr: "<f4", shape: [2, 2], data: data), "a.npy"))
        #expect(array == NumericArray(shape: [2, 2], values: floats))
        let bytes = try NPYFile.read(try write(NPYFile.bytes(descr: "|u1", shape: [3], data: [0, 128, 255]), "b.npy"))
        #expect(bytes == NumericArray(shape: [3], values: [0, 128, 255], isBytes: true))
    }

    @Test func badImageFilesAreClearErrors() throws {
        let notNPY = try write(Array("hello world, not numpy".utf8), "c.npy")
        #expect(throws: DataError.malformedLine(file: notNPY, line: 0, reason: "not a .npy file")) { try NPYFile.read(notNPY) }
        let complex = try write(NPYFile.bytes(descr: "<c8", shape: [1], data: [UInt8](repeating: 0, count: 8)), "d.npy")
        #expect(throws: DataError.self) { try NPYFile.read(complex) }
        let short = try write(NPYFile.bytes(descr: "<f4", shape: [4], data: [0, 0, 0, 0]), "e.npy")
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
        #expect(try IDXFile.read(try write([0, 0, 8, 1, 0, 0, 0, 2, 7, 9], "h.idx")) == NumericArray(shape: [2], values: [7, 9], isBytes: true))

        let images = try write(NPYFile.bytes(descr: "|u1", shape: [2, 2, 2], data: [0, 255, 51, 0, 1, 2, 3, 4]), "i.npy")
        let read = try ImageDataset.read(images: images, labels: try write(NPYFile.bytes(descr: "|u1", shape: [2], data: [1, 0]), "j.npy"))
        #expect(read.pixels.prefix(3) == [0, 1, 0.2] && read.labels == [1, 0] && read.channels == 1 && read.height == 2)
        let threeLabels = try write(NPYFile.bytes(descr: "|u1", shape: [3], data: [1, 0, 1]), "k.npy")
        #expect(throws: DataError.malformedLine(file: threeLabels, line: 0, reason: "labels have shape [3], the images need [2]")) {
            try ImageDataset.read(images: images, labels: threeLabels)
        }
        let fractional = try write(NPYFile.bytes(descr: "<f4", shape: [2], data: [Float(0.5), 1].flatMap { withUnsafeBytes(of: $0) { Array($0) } }), "l.npy")
        #expect(throws: DataError.malformedLine(file: fractional, line: 0, reason: "label 0.5 is not a class index (0, 1, 2, ... below 65536)")) {
            try ImageDataset.read(images: images, labels: fractional)
        }
    }
}
