import ArgumentParser
import Foundation

/// `adapter-search plugins`: what plugins there are and what they take.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List and inspect strategy and metric plugins.",
        subcommands: [List.self, Inspect.self])

    /// `plugins list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every plugin found (a table, or --json).")

        @OptionGroup var plugins: PluginOptions

        @Flag(help: "Print a JSON array of objects (id, kind, name, version, abi, library, ...).")
        var json = false

        func run() throws {
            let found = try plugins.load()
            if json {
                print(try PluginListing.json(found))
            } else {
                print(PluginListing.table(found), terminator: "")
            }
        }
    }

    /// `plugins inspect FILE`.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the descriptors and parameters of one plugin library.")

        @Argument(help: "The plugin library (.so) or metric manifest (.metric.json) to inspect.")
        var file: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let found = try PluginDiscovery.loadFile(file)
            print(json ? try PluginListing.json(found) : PluginListing.details(found), terminator: json ? "\n" : "")
        }
    }
}

/// How plugins are shown to users.
enum PluginListing {
    /// One JSON object per plugin.
    struct Entry: Codable {
        var id: String
        var kind: PluginKind
        var name: String
        var version: String
        var abi: String
        var library: String
        var description: String
        var direction: String?
        var needs: [String]?
        var parameters: [ParameterDescriptor]
    }

    static func entry(_ plugin: PluginDescriptor) -> Entry {
        Entry(id: plugin.id, kind: plugin.kind, name: plugin.name, version: plugin.version,
              abi: versionText(plugin.library.abiVersion), library: plugin.library.path, description: plugin.summary,
              direction: plugin.kind == .metric ? (plugin.direction > 0 ? "higher-is-better" : "lower-is-better") : nil,
              needs: plugin.kind == .metric ? plugin.needsNames : nil, parameters: plugin.parameters)
    }

    static func json(_ plugins: [PluginDescriptor]) throws -> String {
        try jsonText(plugins.map(entry), formatting: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// An aligned table, one plugin a row.
    static func table(_ plugins: [PluginDescriptor]) -> String {
        let rows = [["ID", "KIND", "VERSION", "ABI", "NAME", "LIBRARY"]] + plugins.map {
            [$0.id, $0.kind.rawValue, $0.version, versionText($0.library.abiVersion), $0.name, $0.library.path]
        }
        return TextTable.render(rows)
    }

    /// Every field of every plugin, for `inspect`.
    static func details(_ plugins: [PluginDescriptor]) -> String {
        var text = ""
        for plugin in plugins {
            text += "\(plugin.id) (\(plugin.kind.rawValue)) \(plugin.version), ABI \(versionText(plugin.library.abiVersion))\n"
            text += "  name:        \(plugin.name)\n"
            text += "  description: \(plugin.summary)\n"
            if plugin.kind == .metric {
                text += "  direction:   \(plugin.direction > 0 ? "higher is better" : "lower is better")\n"
                text += "  needs:       \(plugin.needsNames.joined(separator: ", "))\n"
            }
            if plugin.parameters.isEmpty { text += "  parameters:  none\n" }
            for parameter in plugin.parameters {
                var range = ""
                if parameter.minimum != nil || parameter.maximum != nil {
                    range = " in [\(parameter.minimum.map { "\($0)" } ?? "-inf"), \(parameter.maximum.map { "\($0)" } ?? "inf")]"
                }
                text += "  --param \(parameter.name)=<\(parameter.type.rawValue)> (default \(parameter.defaultValue)\(range)): \(parameter.help)\n"
            }
            text += "\n"
        }
        return text
    }
}

/// Left-aligned columns separated by two spaces.
enum TextTable {
    static func render(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
