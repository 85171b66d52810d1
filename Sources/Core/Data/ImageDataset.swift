import CZlib
import Foundation

/// Images and their labels, for ViT backbones: N x C x H x W float32 pixels.
public struct ImageDataset: Sendable, Equatable {
    public var pixels: [Float]
    public var labels: [Int]
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(pixels: [Float], labels: [Int], channels: Int, height: Int, width: Int) {
        precondition(pixels.count == labels.count * channels * height * width, "pixel count does not match the shape")
        self.pixels = pixels
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Images.
    public var count: Int { labels.count }

    /// Class indices must be below this: a task of more classes is no image classification dataset.
    public static let classLimit = 65_536

    /// Images and labels from two files (.npy, or IDX gzipped or not):
    /// images N x C x H x W or N x H x W (one channel), labels N class
    /// indices. Pixels stored as bytes are scaled to [0, 1]; others are kept.
    public static func read(images: String, labels: String) throws -> ImageDataset {
        let array = try NumericArray.read(images), classes = try NumericArray.read(labels)
        let shape = array.shape.count == 3 ? [array.shape[0], 1, array.shape[1], array.shape[2]] : array.shape
        guard shape.count == 4 else {
            throw DataError.malformedLine(file: images, line: 0, reason: "images have shape \(array.shape), not N x C x H x W or N x H x W")
        }
        guard classes.shape == [shape[0]] else {
            throw DataError.malformedLine(file: labels, line: 0, reason: "labels have shape \(classes.shape), the images need [\(shape[0])]")
        }
        if let bad = classes.values.first(where: { !($0 >= 0 && $0 < Float(Self.classLimit)) || $0 != $0.rounded() }) {
            throw DataError.malformedLine(file: labels, line: 0,
                                          reason: "label \(bad) is not a class index (0, 1, 2, ... below \(Self.classLimit))")
        }
        let pixels = array.isBytes ? array.values.map { $0 / 255 } : array.values
        return ImageDataset(pixels: pixels, labels: classes.values.map { Int($0) }, channels: shape[1], height: shape[2], width: shape[3])
    }

    /// Checks the images fit a backbone taking `channels` x `size` x `size`.
    public func check(channels: Int, size: Int, file: String) throws {
        guard self.channels == channels, height == size, width == size else {
            throw DataError.malformedLine(file: file, line: 0, reason: "images are \(self.channels) x \(height) x \(width), "
                                          + "the backbone takes \(channels) x \(size) x \(size)")
        }
    }
}

/// An n-dimensional array read from a file: its shape and values as Float.
public struct NumericArray: Sendable, Equatable {
    /// The dimensions, outermost first.
    public var shape: [Int]
    /// The elements in row-major order.
    public var values: [Float]
    /// Whether the file stored unsigned bytes (as 8-bit pixels are).
    public var isBytes: Bool

    /// An array of given shape and values.
    public init(shape: [Int], values: [Float], isBytes: Bool = false) {
        self.shape = shape
        self.values = values
        self.isBytes = isBytes
    }

    /// The number of elements of `shape`, or nil when a size is negative or
    /// the count exceeds `limit` (the bytes there are: no element is smaller
    /// than a byte), which also keeps every product below overflow.
    static func elementCount(_ shape: [Int], fitting limit: Int) -> Int? {
        var count = 1
        for size in shape {
            guard size >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, product <= limit else { return nil }
            count = product
        }
        return count
    }

    /// Reads a .npy file, or else an IDX file (gzipped or not).
    public static func read(_ path: String) throws -> NumericArray {
        path.hasSuffix(".npy") ? try NPYFile.read(path) : try IDXFile.read(path)
    }
}

/// IDX files (the MNIST format), plain or gzip-compressed.
public enum IDXFile {
    /// Reads an IDX file: magic 0 0 type dims, big-endian sizes, then data.
    public static func read(_ path: String) throws -> NumericArray {
        let bytes = try contents(path)
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
            throw DataError.malformedLine(file: path, line: 0, reason: "not an IDX file (bad magic number)")
        }
        let dims = Int(bytes[3])
        guard bytes.count >= 4 + 4 * dims else { throw DataError.malformedLine(file: path, line: 0, reason: "truncated IDX header") }
        let shape = (0..<dims).map { d in (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) } }
        let start = 4 + 4 * dims
        guard let count = NumericArray.elementCount(shape, fitting: bytes.count) else {
            throw DataError.malformedLine(file: path, line: 0, reason: "the IDX shape \(shape) holds more elements than the file")
        }
        let size: Int
        switch bytes[2] {
        case 0x08, 0x09: size = 1
        case 0x0B: size = 2
        case 0x0C, 0x0D: size = 4
        case 0x0E: size = 8
        default: throw DataError.malformedLine(file: path, line: 0, reason: "unknown IDX element type 0x\(String(bytes[2], radix: 16))")
        }
        guard bytes.count == start + count * size else {
            throw DataError.malformedLine(file: path, line: 0, reason: "IDX data holds \(bytes.count - start) bytes, the shape \(shape) needs \(count * size)")
        }
        if bytes[2] == 0x08 {  // unsigned bytes, the common case: no byte order to undo
            return NumericArray(shape: shape, values: bytes.withUnsafeBufferPointer { raw in
                [Float](unsafeUninitializedCapacity: count) { out, initialized in
                    for index in 0..<count { out[index] = Float(raw[start + index]) }
                    initialized = count
                }
            }, isBytes: true)
        }
        let values: [Float] = (0..<count).map { index in
            let offset = start + index * size
            var bits: UInt64 = 0
            for byte in 0..<size { bits = bits << 8 | UInt64(bytes[offset + byte]) }  // big-endian
            switch bytes[2] {
            case 0x09: return Float(Int8(truncatingIfNeeded: bits))
            case 0x0B: return Float(Int16(truncatingIfNeeded: bits))
            case 0x0C: return Float(Int32(truncatingIfNeeded: bits))
            case 0x0D: return Float(bitPattern: UInt32(bits))
            default: return Float(Double(bitPattern: bits))
            }
        }
        return NumericArray(shape: shape, values: values)
    }

    /// The file's bytes, gunzipped when it is gzip.
    static func contents(_ path: String) throws -> [UInt8] {
        try RegularFile.require(path)
        guard let file = gzopen(path, "rb") else { throw DataError.unreadable(file: path) }
        defer { gzclose(file) }
        var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let read = gzread(file, &chunk, UInt32(chunk.count))
            guard read >= 0 else { throw DataError.malformedLine(file: path, line: 0, reason: "corrupt gzip data") }
            if read == 0 { break }
            chunk.withUnsafeBufferPointer { bytes.append(contentsOf: $0.prefix(Int(read))) }
        }
        guard !bytes.isEmpty else { throw DataError.empty(file: path) }
        return bytes
    }
}

/// NumPy .npy files (versions 1-3; little-endian or byte-typed, C order).
public enum NPYFile {
    /// A version-1 .npy file: `descr` (a NumPy type string such as "<f4" or
    /// "|u1"), the shape, and the raw little-endian, C-order `data`.
    public static func bytes(descr: String, shape: [Int], data: [UInt8]) -> [UInt8] {
        let dimensions = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dimensions), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = UInt16(header.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + data
    }

    /// Writes float32 `values` of `shape` as a .npy file at `path`.
    public static func write(_ values: [Float], shape: [Int], to path: String) throws {
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values for the shape \(shape)")
        let data = values.withUnsafeBytes { Array($0) }  // little-endian on every platform Swift runs this on
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes(descr: "<f4", shape: shape, data: data))) else {
            throw DataError.unwritable(file: path)
        }
    }

    public static func read(_ path: String) throws -> NumericArray {
        try RegularFile.require(path)
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError.unreadable(file: path) }
        let bytes = [UInt8](data)
        func malformed(_ reason: String) -> DataError { .malformedLine(file: path, line: 0, reason: reason) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else { throw malformed("not a .npy file") }
        guard bytes[6] == 1 || bytes.count >= 12 else { throw malformed("truncated .npy header") }
        let headerLength = bytes[6] == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        let start = (bytes[6] == 1 ? 10 : 12) + headerLength
        guard bytes.count >= start, let header = String(bytes: bytes[(start - headerLength)..<start], encoding: .ascii) else {
            throw malformed("truncated .npy header")
        }
        func field(_ key: String) -> String? {
            guard let range = header.range(of: "'\(key)':") else { return nil }
            return String(header[range.upperBound...]).trimmingWhitespace
        }
        guard let descr = field("descr")?.split(separator: "'").first.map(String.init) else { throw malformed("no descr") }
        guard field("fortran_order")?.hasPrefix("False") == true else { throw malformed("Fortran-ordered arrays are not read") }
        guard let shapeText = field("shape"), let open = shapeText.firstIndex(of: "("), let close = shapeText.firstIndex(of: ")") else {
            throw malformed("no shape")
        }
        guard open < close else { throw malformed("no shape") }
        let shape = shapeText[shapeText.index(after: open)..<close].split(separator: ",").compactMap { Int($0.trimmingWhitespace) }
        guard let count = NumericArray.elementCount(shape, fitting: bytes.count) else {
            throw malformed("the shape \(shape) holds more elements than the file, or a negative size")
        }
        let kinds: [String: (Int, (UnsafeRawPointer) -> Float)] = [
            "<f4": (4, { $0.loadUnaligned(as: Float.self) }), "<f8": (8, { Float($0.loadUnaligned(as: Double.self)) }),
            "|u1": (1, { Float($0.load(as: UInt8.self)) }), "<i8": (8, { Float($0.loadUnaligned(as: Int64.self)) }),
            "<i4": (4, { Float($0.loadUnaligned(as: Int32.self)) }), "|i1": (1, { Float($0.load(as: Int8.self)) }),
        ]
        guard let (size, load) = kinds[descr] else { throw malformed("dtype \(descr) is not read (use <f4, <f8, |u1, <i4 or <i8)") }
        guard bytes.count == start + count * size else {
            throw malformed("data holds \(bytes.count - start) bytes, the shape \(shape) needs \(count * size)")
        }
        let values = bytes.withUnsafeBytes { raw in (0..<count).map { load(raw.baseAddress! + start + $0 * size) } }
        return NumericArray(shape: shape, values: values, isBytes: descr == "|u1")
    }
}

/// Fashion-MNIST from Debian's dataset-fashion-mnist.
public enum FashionMNIST {
    public static let defaultFolder = "/usr/share/datasets/fashion-mnist"
    public static let classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// The train (60,000) or test (10,000) images, 1 x 28 x 28, pixels scaled to [0, 1].
    public static func load(train: Bool, folder: String = defaultFolder) throws -> ImageDataset {
        let (images, labels) = files(train: train, folder: folder)
        return try ImageDataset.read(images: images, labels: labels)
    }

    /// The IDX files (gzipped) of the train or test split.
    public static func files(train: Bool, folder: String = defaultFolder) -> (images: String, labels: String) {
        let prefix = folder + (train ? "/train" : "/t10k")
        return (prefix + "-images-idx3-ubyte.gz", prefix + "-labels-idx1-ubyte.gz")
    }
}
