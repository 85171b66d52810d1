import Foundation

/// The dynamic symbols a shared library exports, read from its ELF file
/// (64-bit, little-endian: what this host loads) without any tool: what
/// `nm -D --defined-only` lists. PLUGIN_ABI.md rule 2 allows one,
/// `asp_plugin_entry`.
enum ELFSymbols {
    /// Why a file's symbols cannot be read.
    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    /// The names of the symbols `path` defines in its dynamic symbol table
    /// (`.dynsym`) with global, weak or unique binding and default or
    /// protected visibility, in table order.
    static func exported(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ReadError(description: "cannot read \(path)") }
        return try exported(from: [UInt8](data))
    }

    /// `exported(_:)` of an ELF image in memory.
    static func exported(from bytes: [UInt8]) throws -> [String] {
        func fail(_ problem: String) -> ReadError { ReadError(description: "not a readable ELF shared library: \(problem)") }
        func integer<T: FixedWidthInteger>(_ offset: Int, _: T.Type) throws -> T {
            guard offset >= 0, offset + MemoryLayout<T>.size <= bytes.count else { throw fail("truncated at byte \(offset)") }
            var value = T.zero
            for index in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + index]) << (8 * index) }
            return value
        }
        func int(_ value: UInt64) throws -> Int {
            guard value <= UInt64(Int.max) else { throw fail("an offset of \(value)") }
            return Int(value)
        }
        guard bytes.count >= 64, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else {
            throw fail("no ELF magic number")
        }
        guard bytes[4] == 2, bytes[5] == 1 else { throw fail("not a 64-bit little-endian ELF file") }
        let sectionTable = try int(try integer(0x28, UInt64.self))
        let sectionSize = Int(try integer(0x3A, UInt16.self)), sectionCount = Int(try integer(0x3C, UInt16.self))
        guard sectionCount > 0, sectionSize >= 64 else { throw fail("no section headers") }
        /// (type, offset, size, link, entry size) of section `index`.
        func section(_ index: Int) throws -> (type: UInt32, offset: Int, size: Int, link: Int, entrySize: Int) {
            let base = sectionTable + index * sectionSize
            return (try integer(base + 4, UInt32.self), try int(try integer(base + 0x18, UInt64.self)),
                    try int(try integer(base + 0x20, UInt64.self)), Int(try integer(base + 0x28, UInt32.self)),
                    try int(try integer(base + 0x38, UInt64.self)))
        }
        let dynamicSymbolType: UInt32 = 11  // SHT_DYNSYM
        guard let table = try (0..<sectionCount).map(section).first(where: { $0.type == dynamicSymbolType }) else {
            throw fail("no dynamic symbol table (.dynsym)")
        }
        guard table.link < sectionCount else { throw fail("the symbol table links to section \(table.link)") }
        let strings = try section(table.link)
        func name(_ offset: Int) throws -> String {
            guard offset < strings.size else { throw fail("a symbol name outside its string table") }
            var end = strings.offset + offset
            while true {
                guard end < bytes.count, end < strings.offset + strings.size else { throw fail("an unterminated symbol name") }
                if bytes[end] == 0 { break }
                end += 1
            }
            return String(decoding: bytes[(strings.offset + offset)..<end], as: UTF8.self)
        }
        let entrySize = table.entrySize == 0 ? 24 : table.entrySize
        guard entrySize >= 24 else { throw fail("symbol entries of \(entrySize) bytes") }
        var names: [String] = []
        for index in 0..<(table.size / entrySize) {
            let base = table.offset + index * entrySize
            let info = try integer(base + 4, UInt8.self), other = try integer(base + 5, UInt8.self)
            let sectionIndex = try integer(base + 6, UInt16.self)
            let binding = info >> 4, visibility = other & 3
            // Defined (not SHN_UNDEF), global (1), weak (2) or GNU unique (10), default (0) or protected (3) visibility.
            guard sectionIndex != 0, [1, 2, 10].contains(binding), visibility == 0 || visibility == 3 else { continue }
            let symbol = try name(Int(try integer(base, UInt32.self)))
            if !symbol.isEmpty { names.append(symbol) }
        }
        return names
    }
}
