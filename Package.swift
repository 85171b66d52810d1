// swift-tools-version:6.0
import PackageDescription

/// The plugin libraries export one symbol, `asp_plugin_entry`; this linker
/// script hides everything else (PLUGIN_ABI.md rule 2).
let exportOnlyTheEntry: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "--version-script=\(Context.packageDirectory)/plugins/sdk/exports.map"])
]

/// The plugin SDK package's products (plugins/swift/AdapterSearchPluginSDK).
let sdk: Target.Dependency = .product(name: "AdapterSearchPluginSDK", package: "AdapterSearchPluginSDK")
let header: Target.Dependency = .product(name: "CAdapterSearch", package: "AdapterSearchPluginSDK")
let parameterRules: Target.Dependency = .product(name: "PluginParameters", package: "AdapterSearchPluginSDK")

let package = Package(
    name: "AdapterSearch",
    products: [
        .executable(name: "adapter-search", targets: ["CLI"]),
        .library(name: "AdapterSearchMetrics", type: .dynamic, targets: ["Metrics"]),
        .library(name: "AdapterSearchStrategies", type: .dynamic, targets: ["Strategies"]),
        // The Python bridge: plugin scripts (*.py) as plugins; beside the host like the built-ins.
        .library(name: "AdapterSearchPython", type: .dynamic, targets: ["PythonBridge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The results store (SQLite; on Linux it links the system libsqlite3).
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        // The C header as a module, the parameter rules and the Swift plugin
        // SDK: a package of their own, so a Swift plugin depends on nothing else.
        .package(path: "plugins/swift/AdapterSearchPluginSDK"),
    ],
    targets: [
        // OpenBLAS (cblas) and LAPACKE.
        .systemLibrary(name: "CLinearAlgebra", path: "Sources/CLinearAlgebra"),
        // zlib, for gzip-compressed data files.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // libffi, to call the plain C functions metric manifests declare.
        .systemLibrary(name: "CFFI", path: "Sources/CFFI"),
        // OpenSSL's libcrypto, for SHA-256 digests of tasks' files.
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        // CPython's embedding API (Debian's python3-dev), for the Python bridge only.
        .systemLibrary(name: "CPython", path: "Sources/CPython", pkgConfig: "python3-embed",
                       providers: [.apt(["python3-dev"])]),

        // The engine's vectorised float32 element-wise kernels.
        // Reassociation lets the sums and maxima of the softmax vectorise;
        // NaN and infinity semantics are kept.
        .target(name: "CKernels", cSettings: [.unsafeFlags([
            "-O3", "-fassociative-math", "-fno-signed-zeros", "-fno-trapping-math", "-fno-math-errno",
        ])]),

        // The engine.
        .target(name: "Core", dependencies: ["CLinearAlgebra", "CKernels", "CZlib"],
                swiftSettings: [.unsafeFlags(["-cross-module-optimization"])]),

        // The built-in plugins: C ABI only, never Core.
        .target(name: "Metrics", dependencies: [sdk], linkerSettings: exportOnlyTheEntry),
        .target(name: "Strategies", dependencies: [sdk], linkerSettings: exportOnlyTheEntry),

        // The Python bridge (C over the CPython API): embeds python3 and turns a
        // plugin script's declarations into descriptors of the ABI. Its built-in
        // module adapter_search.py is compiled in with #embed. It exports the
        // entry (no plugins of its own) and include/adapter_search_python.h.
        .target(name: "PythonBridge", dependencies: [header, "CPython"],
                exclude: ["adapter_search.py", "exports.map"],
                cSettings: [.unsafeFlags(["-fvisibility=hidden", "-I\(Context.packageDirectory)/plugins/include"])],
                linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/PythonBridge/exports.map"])]),

        // The host: plugin loading and isolation, the engine services, runs,
        // the results store, statistics, the report, export. No command-line parsing.
        .target(
            name: "Host",
            dependencies: [
                "Core", header, parameterRules, "CLinearAlgebra", "CFFI", "CCrypto",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            linkerSettings: [.linkedLibrary("dl")]
        ),

        // The `adapter-search` command: ArgumentParser commands and options over Host.
        .executableTarget(
            name: "CLI",
            dependencies: ["Host", "Core", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        .testTarget(name: "CoreTests", dependencies: ["Core"], exclude: ["Fixtures"]),
        .testTarget(name: "PluginTests", dependencies: ["Host", "Core", header, sdk]),
        // The tests run the built `adapter-search` (the CLI target) as users do.
        // Fixtures/ holds C sources the tests compile with `cc` at test time.
        .testTarget(name: "HostTests", dependencies: ["Host", "CLI", "Core", header, .product(name: "GRDB", package: "GRDB.swift")],
                    exclude: ["Fixtures"]),
    ]
)
