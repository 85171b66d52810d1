import Foundation

/// How plugins are shown to users.
public enum PluginListing {
    /// One JSON object per plugin.
    public struct Entry: Codable {
        public var id: String
        public var kind: PluginKind
        public var name: String
        public var version: String
        public var abi: String
        public var library: String
        public var description: String
        public var direction: String?
        public var needs: [String]?
        public var parameters: [ParameterDescriptor]
    }

    public static func entry(_ plugin: PluginDescriptor) -> Entry {
        Entry(id: plugin.id, kind: plugin.kind, name: plugin.name, version: plugin.version,
              abi: versionText(plugin.library.abiVersion), library: plugin.library.path, description: plugin.summary,
              direction: plugin.kind == .metric ? (plugin.direction > 0 ? "higher-is-better" : "lower-is-better") : nil,
              needs: plugin.kind == .metric ? plugin.needsNames : nil, parameters: plugin.parameters)
    }

    public static func json(_ plugins: [PluginDescriptor]) throws -> String {
        try jsonText(plugins.map(entry), formatting: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// An aligned table, one plugin a row, its parameters as `NAME=DEFAULT`.
    public static func table(_ plugins: [PluginDescriptor]) -> String {
        let rows = [["ID", "KIND", "VERSION", "ABI", "NAME", "PARAMETERS", "LIBRARY"]] + plugins.map {
            [$0.id, $0.kind.rawValue, $0.version, versionText($0.library.abiVersion), $0.name,
             parameterDefaults($0), $0.library.path]
        }
        return TextTable.render(rows)
    }

    /// `NAME=DEFAULT` for each declared parameter, space-separated; `-` for none.
    static func parameterDefaults(_ plugin: PluginDescriptor) -> String {
        plugin.parameters.isEmpty ? "-" : plugin.parameters.map { "\($0.name)=\($0.defaultValue)" }.joined(separator: " ")
    }

    /// Every field of every plugin, for `inspect`.
    public static func details(_ plugins: [PluginDescriptor]) -> String {
        var text = ""
        for plugin in plugins {
            text += "\(plugin.id) (\(plugin.kind.rawValue)) \(plugin.version), ABI \(versionText(plugin.library.abiVersion))\n"
            text += "  name:        \(plugin.name)\n"
            text += "  description: \(plugin.summary)\n"
            if plugin.kind == .metric {
                text += "  direction:   \(plugin.direction > 0 ? "higher is better" : "lower is better")\n"
                text += "  needs:       \(plugin.needsNames.joined(separator: ", "))\n"
            }
            if plugin.parameters.isEmpty {
                text += "  parameters:  none\n"
            } else {
                text += plugin.kind == .strategy
                    ? "  parameters:  (search --set NAME=VALUE or --set \(plugin.id).NAME=VALUE; study --strategy \(plugin.id):NAME=VALUE)\n"
                    : "  parameters:  (score, compare, search, study: --set \(plugin.id).NAME=VALUE)\n"
            }
            for parameter in plugin.parameters {
                var range = ""
                if parameter.minimum != nil || parameter.maximum != nil {
                    range = " in [\(parameter.minimum.map { "\($0)" } ?? "-inf"), \(parameter.maximum.map { "\($0)" } ?? "inf")]"
                }
                text += "    \(parameter.name)=<\(parameter.type.rawValue)> (default \(parameter.defaultValue)\(range)): \(parameter.help)\n"
            }
            text += "\n"
        }
        return text
    }
}
