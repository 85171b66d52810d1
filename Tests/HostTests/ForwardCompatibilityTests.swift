import CAdapterSearch
import Core
import Foundation
import Testing
@testable import Host

/// Libraries built against other 1.x headers: shorter structs from older
/// ones, longer structs and a higher minor version from newer ones.
@Suite("ABI 1.x compatibility")
struct ForwardCompatibilityTests {
    @Test("A descriptor of ASP_PLUGIN_DESCRIPTOR_MIN_SIZE bytes, before a guard page, loads with no parameters")
    func shortDescriptorBeforeAGuardPage() throws {
        try withTemporaryDirectory { directory in
            // Every struct of this library ends where a PROT_NONE page
            // begins: a read past a declared size kills the test process.
            let path = try CCompiler.fixture("short_structs", into: directory)
            let plugins = try PluginLoader.load(path)
            #expect(plugins.map(\.id) == ["fixture.short", "fixture.guarded-param"])

            let short = plugins[0]
            #expect(short.parameters.isEmpty)
            #expect(short.kind == .metric && short.name == "Fixture metric" && short.version == "0.0.1")
            // The host calls create, score and destroy through the short descriptor too.
            let instance = try PluginInstance(short, environment: PluginEnvironment(
                nodeCount: 3, candidates: Edge.all(nodeCount: 3)))
            #expect(try instance.score([Edge(1, 2), Edge(2, 0)]) == [102, 200])

            let guarded = plugins[1]
            #expect(guarded.parameters == [ParameterDescriptor(name: "gain", type: .real, defaultValue: "2.5",
                                                               minimum: 0, maximum: 10, help: "a guarded parameter")])

            // And the executable, in a process of its own.
            let inspected = try runAdapterSearch(["plugins", "inspect", path])
            #expect(inspected.status == 0, "stderr: \(inspected.stderr)")
            #expect(inspected.stdout.contains("fixture.short (metric)") && inspected.stdout.contains("parameters:  none"))
        }
    }

    @Test("A library of ABI 1.9 with longer descriptor and parameter structs loads; the host reads what it knows")
    func newerMinorVersion() throws {
        try withTemporaryDirectory { directory in
            let path = try CCompiler.fixture("newer_minor", into: directory)
            let plugins = try PluginLoader.load(path)
            let plugin = try #require(plugins.first)
            #expect(plugins.count == 1 && plugin.id == "fixture.newer")
            #expect(versionText(plugin.library.abiVersion) == "1.9")
            #expect(plugin.parameters == [ParameterDescriptor(name: "steps", type: .int, defaultValue: "3", minimum: 1,
                                                              maximum: nil, help: "an integer from the future")])
            let instance = try PluginInstance(plugin, environment: PluginEnvironment(
                nodeCount: 2, candidates: Edge.all(nodeCount: 2)), configuration: ["steps": "5"])
            #expect(try instance.score([Edge(1, 0)]) == [100])
        }
    }
}
