// swift-tools-version:6.0
import PackageDescription

/// The Swift plugin SDK on its own: a plugin package depends on this package
/// alone and pulls in nothing of the host's (no GRDB, no ArgumentParser).
///
/// A path dependency's package identity is its folder's name, so a plugin
/// names it as `package: "AdapterSearchPluginSDK"`:
///
///     .package(path: "<repository>/plugins/swift/AdapterSearchPluginSDK"),
///     ...
///     .product(name: "AdapterSearchPluginSDK", package: "AdapterSearchPluginSDK")
let package = Package(
    name: "AdapterSearchPluginSDK",
    products: [
        // What a Swift plugin depends on: `import PluginSDK` (and `CAdapterSearch`).
        .library(name: "AdapterSearchPluginSDK", targets: ["PluginSDK"]),
        // The header as a module, and the parameter rules: what the host
        // (the root package) shares with the SDK.
        .library(name: "CAdapterSearch", targets: ["CAdapterSearch"]),
        .library(name: "PluginParameters", targets: ["PluginParameters"]),
    ],
    targets: [
        // The C ABI: plugins/include/adapter_search.h, the whole contract.
        .systemLibrary(name: "CAdapterSearch"),
        // Parameter value rules, shared by the host and the SDK.
        .target(name: "PluginParameters"),
        // The Swift SDK over the header: what Swift plugins build on.
        .target(name: "PluginSDK", dependencies: ["CAdapterSearch", "PluginParameters"]),
    ]
)
