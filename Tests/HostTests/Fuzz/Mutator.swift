import Core
import Foundation

/// Seeded mutations of seed inputs, for the fuzz targets: byte-level edits
/// (bit flips, interesting bytes, inserted, deleted, duplicated or
/// truncated runs, splices with another seed) and text-aware ones (a number
/// replaced by an extreme one, a quote or separator dropped in). The same
/// seed gives the same inputs, so a failure replays.
struct Mutator {
    private var random: SeededRandom
    private let corpus: [[UInt8]]

    /// Bytes that often mean something to a parser.
    private static let interestingBytes: [UInt8] = [0, 0xFF, 0x7F, 0x80, 0x01, 0x93] + Array("\"',\n\r\t{}[]:=>0123456789-e.\\ ".utf8)
    /// Numbers that break careless arithmetic.
    private static let interestingNumbers = ["0", "-1", "1e30", "-1e30", "1e400", "NaN", "nan", "inf", "4294967296", "2147483648",
                                             "9223372036854775807", "9223372036854775808", "18446744073709551616", "1e-320",
                                             "0.5", "65537", "1000000000", "-0", "3.0", "007"]

    init(seeds corpus: [[UInt8]], seed: UInt64) {
        precondition(!corpus.isEmpty, "a fuzz target needs seed inputs")
        self.corpus = corpus
        random = SeededRandom(seed: seed, stream: "fuzz")
    }

    /// The next input: a seed with one to four mutations.
    mutating func next() -> [UInt8] {
        var bytes = corpus[index(corpus.count)]
        for _ in 0...index(4) { mutate(&bytes) }
        return bytes
    }

    private mutating func index(_ bound: Int) -> Int { Int.random(in: 0..<max(bound, 1), using: &random) }

    private mutating func mutate(_ bytes: inout [UInt8]) {
        let at = index(bytes.count + 1)
        switch index(9) {
        case 0 where !bytes.isEmpty: bytes[min(at, bytes.count - 1)] ^= UInt8(1 << index(8))
        case 1 where !bytes.isEmpty: bytes[min(at, bytes.count - 1)] = Self.interestingBytes[index(Self.interestingBytes.count)]
        case 2: bytes.insert(contentsOf: (0..<(1 + index(8))).map { _ in UInt8(index(256)) }, at: at)
        case 3 where !bytes.isEmpty:
            let end = min(bytes.count, at + 1 + index(16))
            bytes.removeSubrange(min(at, bytes.count - 1)..<end)
        case 4 where !bytes.isEmpty:
            let start = min(at, bytes.count - 1), end = min(bytes.count, start + 1 + index(32))
            bytes.insert(contentsOf: bytes[start..<end], at: index(bytes.count + 1))
        case 5: bytes.removeSubrange(at...)
        case 6:
            let other = corpus[index(corpus.count)]
            let cut = index(other.count + 1)
            bytes = Array(bytes.prefix(at)) + Array(other.suffix(from: cut))
        case 7: replaceNumber(in: &bytes)
        default: bytes.insert(Self.interestingBytes[index(Self.interestingBytes.count)], at: at)
        }
    }

    /// Replaces one run of digits (with its sign, point and exponent) by an interesting number.
    private mutating func replaceNumber(in bytes: inout [UInt8]) {
        let digits = bytes.indices.filter { (48...57).contains(bytes[$0]) }
        guard !digits.isEmpty else { return }
        var start = digits[index(digits.count)], end = start
        let numeric: Set<UInt8> = Set(Array("0123456789.eE+-".utf8))
        while start > 0, numeric.contains(bytes[start - 1]) { start -= 1 }
        while end < bytes.count, numeric.contains(bytes[end]) { end += 1 }
        bytes.replaceSubrange(start..<end, with: Array(Self.interestingNumbers[index(Self.interestingNumbers.count)].utf8))
    }
}
