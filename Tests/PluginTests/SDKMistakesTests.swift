@testable import PluginSDK
import Testing

/// A plugin author's mistakes in the Swift SDK come back as errors the host
/// reports, never as a crash of the host that loaded the plugin.
@Suite struct SDKMistakesTests {
    @Test func askingForAParameterNeverDeclaredOrOfAnotherKindIsAnError() throws {
        let configuration = try Configuration(nil, declared: [.int("steps", default: 3, help: "steps"),
                                                              .string("metric", default: "snip", help: "metric")])
        #expect(try configuration.int("steps") == 3 && configuration.string("metric") == "snip")
        for ask in [{ _ = try configuration.int("stpes") }, { _ = try configuration.real("steps") },
                    { _ = try configuration.bool("metric") }] {
            let error = #expect(throws: PluginError.self) { try ask() }
            #expect("\(error.map { "\($0)" } ?? "")".contains("never declared"))
        }
    }
}
