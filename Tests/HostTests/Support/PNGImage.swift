import CZlib
import Foundation

/// A decoded PNG: just enough of the format to read what a browser's
/// screenshot writes (8-bit RGB or RGBA, not interlaced).
struct PNGImage {
    /// Pixels across.
    var width: Int
    /// Pixels down.
    var height: Int
    /// Red, green, blue per pixel, row by row (alpha dropped).
    var rgb: [UInt8]

    /// The pixel at column `x`, row `y`.
    func pixel(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let at = (y * width + x) * 3
        return (rgb[at], rgb[at + 1], rgb[at + 2])
    }

    /// Decodes the PNG file at `path`.
    init(contentsOf path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func fail(_ reason: String) -> TestSetupError { TestSetupError(description: "\(path): \(reason)") }
        func bigEndian(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        guard bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { throw fail("not a PNG") }
        var at = 8, compressed: [UInt8] = [], channels = 0
        (width, height) = (0, 0)
        while at + 8 <= bytes.count {
            let length = bigEndian(at), type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
            let body = (at + 8)..<(at + 8 + length)
            guard body.upperBound + 4 <= bytes.count else { throw fail("truncated chunk \(type)") }
            switch type {
            case "IHDR":
                (width, height) = (bigEndian(body.lowerBound), bigEndian(body.lowerBound + 4))
                let depth = bytes[body.lowerBound + 8], colour = bytes[body.lowerBound + 9], interlace = bytes[body.lowerBound + 12]
                guard depth == 8, colour == 2 || colour == 6, interlace == 0 else {
                    throw fail("unsupported depth \(depth), colour type \(colour), interlace \(interlace)")
                }
                channels = colour == 2 ? 3 : 4
            case "IDAT": compressed += bytes[body]
            default: break
            }
            if type == "IEND" { break }
            at = body.upperBound + 4
        }
        guard channels > 0 else { throw fail("no IHDR") }
        let stride = width * channels
        var raw = [UInt8](repeating: 0, count: height * (stride + 1))
        var size = uLongf(raw.count)
        let status = uncompress(&raw, &size, compressed, uLong(compressed.count))
        guard status == Z_OK, Int(size) == raw.count else { throw fail("zlib status \(status), \(size) bytes") }

        // Undo the per-row filters (None, Sub, Up, Average, Paeth).
        var pixels = [UInt8](repeating: 0, count: height * stride)
        for row in 0..<height {
            let filter = raw[row * (stride + 1)], line = row * (stride + 1) + 1, out = row * stride
            for index in 0..<stride {
                let x = Int(raw[line + index])
                let a = index >= channels ? Int(pixels[out + index - channels]) : 0
                let b = row > 0 ? Int(pixels[out - stride + index]) : 0
                let c = index >= channels && row > 0 ? Int(pixels[out - stride + index - channels]) : 0
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predicted = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw fail("unknown filter \(filter) in row \(row)")
                }
                pixels[out + index] = UInt8((x + predicted) & 0xFF)
            }
        }
        rgb = channels == 3 ? pixels : (0..<(width * height)).flatMap { pixels[($0 * 4)..<($0 * 4 + 3)] }
    }
}
