import ArgumentParser
import Host

/// `adapter-search plugins`: what plugins there are and what they take.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List and inspect strategy and metric plugins.",
        subcommands: [List.self, Inspect.self, Test.self])

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

