import ArgumentParser
import Core
import Foundation

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
        let config = try Self.config(of: model)
        let trained = try TrainedPlacement.read(from: placementDir, config: config, model: model)
        let export = try Self.export(trained, model: model, config: config, to: out)
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

    /// The backbone config of the checkpoint folder `model`.
    static func config(of model: String) throws(ExportError) -> BackboneConfig {
        do {
            return try BackboneConfig(contentsOf: model + "/config.json")
        } catch {
            throw ExportError.modelConfig(reason: "\(error)")
        }
    }

    /// Writes `trained` as AdapterHub adapters into `folder`, warning on
    /// standard error about each edge AdapterHub cannot express.
    static func export(_ trained: TrainedPlacement, model: String, config: BackboneConfig, to folder: String) throws -> AdapterHubExport {
        let export = AdapterHubExport(state: trained.state, config: config, classes: trained.classes, modelName: modelName(of: model))
        try export.write(to: folder)
        for item in export.unexpressed {
            printError("warning: edge \(item.edge) (\(item.edge.kind)) not exported to AdapterHub: \(item.reason)")
        }
        return export
    }

    /// The checkpoint's name: config.json's `_name_or_path` when set, else the folder's name.
    static func modelName(of folder: String) -> String {
        if let data = FileManager.default.contents(atPath: folder + "/config.json"),
           let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let name = json["_name_or_path"] as? String, !name.isEmpty {
            return name
        }
        return URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent
    }
}
