import ArgumentParser
import Host

/// `adapter-search plugins`: what plugins there are and what they take.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List and inspect strategy and metric plugins.",
        subcommands: [List.self, Inspect.self, New.self, Test.self])

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
        static let configuration = CommandConfiguration(abstract: "Show the descriptors and parameters of one plugin: a library, a metric manifest (.metric.json) or a Python script (.py).")

        @Argument(help: "The plugin library (.so), metric manifest (.metric.json) or Python plugin script (.py) to inspect.")
        var file: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let found = try PluginDiscovery.loadFile(file)
            print(json ? try PluginListing.json(found) : PluginListing.details(found), terminator: json ? "\n" : "")
        }
    }

    /// `plugins new --lang LANG --kind KIND ID DIR`.
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a complete plugin project (from the repository's example in that language) and say how to build and check it.")

        @Option(help: "The language: \(PluginLanguage.allCases.map(\.rawValue).joined(separator: ", ")).")
        var lang: PluginLanguage

        @Option(help: "What the plugin is: metric or strategy.")
        var kind: PluginKind

        @Argument(help: "The new plugin's id, e.g. org.example.my-metric ([A-Za-z0-9._-]).")
        var id: String

        @Argument(help: "The project folder to create (missing or empty).")
        var folder: String

        @Option(help: "The display name plugins list shows (default: the id).")
        var name: String?

        @Option(help: "The repository's plugins/ folder (default: found above the adapter-search executable).")
        var pluginsFolder: String?

        func run() throws {
            let project = try PluginProject(language: lang, kind: kind, id: id, name: name, folder: folder,
                                            plugins: try PluginProject.pluginsFolder(explicit: pluginsFolder))
            let written = try project.write()
            print("wrote \(project.folder.path): \(written.joined(separator: ", "))")
            if let build = project.buildCommand { print("build: \(build)") }
            print("check: adapter-search plugins test \(project.pluginFile)")
            switch kind {
            case .metric: print("use:   adapter-search score --plugin \(project.pluginFile) --metric \(id)")
            case .strategy: print("use:   adapter-search search --plugin \(project.pluginFile) --strategy \(id) --k 3")
            }
        }
    }
}

extension PluginLanguage: ExpressibleByArgument {}
extension PluginKind: ExpressibleByArgument {}
