import Foundation
import Testing

/// adapter_search.h itself: the whole contract must compile cleanly as C
/// and as C++.
@Suite("The ABI header")
struct HeaderTests {
    /// The flags every compile of the header gets: all warnings, as errors.
    static let strict = ["-Wall", "-Wextra", "-Werror", "-pedantic"]

    @Test("adapter_search.h compiles as C99 and as C++11 with -Wall -Wextra -Werror -pedantic", arguments: [
        (compiler: "cc", language: ["-x", "c", "-std=c99"]),
        (compiler: "c++", language: ["-x", "c++", "-std=c++11"]),
    ])
    func headerCompiles(compiler: String, language: [String]) throws {
        try withTemporaryDirectory { directory in
            let source = Locations.fixtures.appendingPathComponent("header_check.c").path
            let object = directory.appendingPathComponent("header_check.o").path
            try runTool(compiler, language + Self.strict + ["-I", Locations.include.path, "-c", source, "-o", object])
            #expect(FileManager.default.fileExists(atPath: object))
        }
    }

    @Test("adapter_search.hpp compiles as C++17 with stricter warnings still, with g++ and clang++, and refuses C++14", arguments: ["g++", "clang++"])
    func cppKitCompiles(compiler: String) throws {
        try withTemporaryDirectory { directory in
            let source = Locations.fixtures.appendingPathComponent("kit_check.cpp").path
            let library = directory.appendingPathComponent("kit_check.so").path
            let stricter = ["-Wshadow", "-Wconversion", "-Wsign-conversion", "-Wold-style-cast"]
            try runTool(compiler, ["-std=c++17"] + Self.strict + stricter
                        + ["-fPIC", "-shared", "-fvisibility=hidden", "-I", Locations.include.path, "-o", library, source])
            #expect(FileManager.default.fileExists(atPath: library))

            let older = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                       [compiler, "-std=c++14", "-fsyntax-only", "-I", Locations.include.path, source])
            #expect(older.status != 0 && older.stderr.contains("adapter_search.hpp needs C++17 or later"), "\(older.stderr)")
        }
    }
}
