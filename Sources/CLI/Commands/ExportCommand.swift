import ArgumentParser
import Core
import Host

/// `adapter-search export`: writes a trained placement as AdapterHub
/// bottleneck adapters, listing every edge AdapterHub cannot express.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trained placement (a 'train --out' folder) as AdapterHub adapters for PyTorch; edges AdapterHub cannot express are listed.")

    @Option(help: "A folder written by 'adapter-search train --out' (adapters.safetensors, placement.json).")
    var placementDir: String

    @Option(help: "The backbone folder the placement was trained on (its config.json).")
    var model: String = CacheFolder.miniLM

    @Option(help: "The export folder to write.")
    var out: String

    @Flag(help: "Fail (exit 1) when any edge cannot be exported, after writing the export.")
    var strict = false

    @Flag(help: "Print export.json (names, edges, unexpressed edges with reasons) instead of text.")
    var json = false

    func run() throws {
        let config = try AdapterHubExport.config(of: model)
        let trained = try TrainedPlacement.read(from: placementDir, config: config, model: model)
        let export = try AdapterHubExport.write(trained, model: model, config: config, to: out)
        if json {
            print(export.summary.text())
        } else {
            print("placement   \(export.placement)")
            print("exported    \(export.exportedPlacement)")
            for adapter in export.adapters {
                print("adapter     \(adapter.name): \(adapter.members.map { $0.entry.edge.description }.joined(separator: ", "))")
            }
            print("not exported \(export.unexpressed.count) edge(s), listed in \(out)/unexpressed_edges.json")
        }
        if strict, !export.unexpressed.isEmpty {
            throw ValidationError("\(export.unexpressed.count) edge(s) of the placement cannot be expressed in AdapterHub (--strict)")
        }
    }
}
