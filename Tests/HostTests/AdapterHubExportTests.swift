import Core
import Foundation
@testable import Host
import Testing

/// The AdapterHub export: which edges map where, the config files' exact
/// form, the weights' names, shapes and values, agreement with the real
/// `adapters` library (fixtures from tools/golden/adapterhub_export.py), and
/// the `export` command's failures on bad input.
@Suite struct AdapterHubExportTests {
    static let fixture = Locations.fixtures.appendingPathComponent("adapterhub-export")

    /// An export of `placement` (random adapters) for a tiny backbone of `family`.
    func exporting(_ placement: String, family: BackboneConfig.Family, width: Int = 16, layers: Int = 3) throws -> AdapterHubExport {
        let config = BackboneConfig(family: family, width: width, layers: layers, heads: 2, intermediateWidth: 32)
        let spec = try Placement(parsing: placement, nodeCount: config.nodeCount)
        let state = TrainableState<Float>.initial(spec, width: width, classes: 2, seed: 1)
        return AdapterHubExport(state: state, config: config, classes: ["x", "y"], modelName: "tiny")
    }

    /// name -> edges, for short expectations.
    func layout(_ export: AdapterHubExport) -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: export.adapters.map { ($0.name, $0.members.map { $0.entry.edge.description }) })
    }

    @Test func postNormKeepsSequentialEdgesAndListsTheRestWithReasons() throws {
        let export = try exporting("0>0,1>1,2>2,3>4,0>3,6>1,5>5:r4:gelu,4>4:alpha=0.5,6>6:channel", family: .bert)
        #expect(layout(export) == ["sequential": ["1>1", "2>2"], "sequential_attention_gelu": ["5>5"],
                                   "sequential_output_alpha0p5": ["4>4"], "sequential_output_channel": ["6>6"]])
        #expect(export.unexpressed.map(\.edge.description) == ["0>0", "3>4", "0>3", "6>1"])
        #expect(export.unexpressed.map(\.reason) == [.embeddingTarget, .parallelBeforeNorm, .longRange, .recurrent])
        #expect(export.exportedPlacement.edges.map(\.description) == ["1>1", "2>2", "5>5", "4>4", "6>6"])
    }

    @Test func preNormExportsParallelEdgesButOnlyOneAdapterPerSubLayer() throws {
        let export = try exporting("0>1,1>2,2>2,3>4,0>0", family: .vit)
        #expect(layout(export) == ["parallel": ["0>1", "1>2"], "sequential_output": ["2>2"], "parallel_output": ["3>4"]]
                || layout(export) == ["parallel_attention": ["0>1"], "parallel_output": ["3>4"], "sequential_output": ["2>2"]])
        #expect(export.unexpressed.map(\.edge.description) == ["1>2", "0>0"])
        #expect(export.unexpressed.first?.reason == .sharedSubLayer(kept: Edge(2, 2)))
        let parallel = try #require(export.adapters.first { $0.isParallel && $0.members.contains { $0.entry.edge == Edge(0, 1) } })
        guard case let .object(fields) = parallel.config(width: 16, totalLayers: 3) else { Issue.record("not an object"); return }
        let config = Dictionary(uniqueKeysWithValues: fields)
        #expect(config["is_parallel"] == .bool(true) && config["original_ln_after"] == .bool(true))
    }

    /// AdapterHub has no learned activation: a `:rational` adapter is listed
    /// (so `--strict` refuses it), never exported as a GELU or linear one.
    @Test func rationalAdaptersAreListedNotExported() throws {
        let export = try exporting("1>1:r4:rational,2>2:r4,3>3:r4:gelu,4>4:r4:rational:channel,0>3:r4:rational", family: .bert)
        #expect(layout(export) == ["sequential_output": ["2>2"], "sequential_attention_gelu": ["3>3"]])
        #expect(export.unexpressed.map(\.edge.description) == ["1>1", "4>4", "0>3"])
        #expect(export.unexpressed.map(\.reason) == [.rationalActivation, .rationalActivation, .longRange])
        #expect(export.exportedPlacement.description == "2>2:r4,3>3:r4:gelu")
        let reason = UnexpressedEdge.Reason.rationalActivation.description
        #expect(reason.contains(":rational") && reason.contains("non_linearity") && reason.contains(":gelu"), "\(reason)")
        #expect(try exporting("1>2:r4:rational", family: .vit).unexpressed.map(\.reason) == [.rationalActivation],
                "a parallel edge AdapterHub could express in ViT is still listed")
    }

    @Test func ranksBecomeReductionFactorsOrAreListed() throws {
        #expect(AdapterHubAdapter.reductionFactor(width: 384, rank: 8) == .int(48))
        #expect(AdapterHubAdapter.reductionFactor(width: 16, rank: 3) == .float(16.0 / 3))
        #expect(AdapterHubAdapter.reductionFactor(width: 16, rank: 32) == .float(0.5))
        // Python: 5 // (5 / 3) == 2.0, so rank 3 at d = 5 needs 5 / 3.5 (5 // 1.4285714285714286 == 3.0).
        #expect(AdapterHubAdapter.pythonFloorDivide(5, 5.0 / 3) == 2)
        #expect(AdapterHubAdapter.reductionFactor(width: 5, rank: 3) == .float(5 / 3.5))
        // Every rank below 2d at every width up to 1100 gets a factor (checked against Python when written).
        #expect((1...300).allSatisfy { d in (1..<(2 * d)).allSatisfy { AdapterHubAdapter.reductionFactor(width: d, rank: $0) != nil } })
        let mixed = try exporting("2>2:r2,4>4:r4", family: .bert)
        #expect(mixed.adapters.first?.reductionFactor(width: 16) == .object([("0", .int(8)), ("1", .int(4))]))
    }

    @Test func configFileHasAdapterHubsExactKeysAndFloats() throws {
        let export = try exporting("1>1,2>2", family: .bert)
        let text = export.adapters[0].adapterConfigFile(config: export.config, modelName: "tiny").text()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["config", "hidden_size", "model_class", "model_name", "model_type", "name", "version"])
        let config = try #require(json["config"] as? [String: Any])
        #expect(Set(config.keys) == [
            "mh_adapter", "output_adapter", "reduction_factor", "non_linearity", "original_ln_before", "original_ln_after",
            "ln_before", "ln_after", "init_weights", "init_weights_seed", "is_parallel", "scaling", "use_gating",
            "residual_before_ln", "adapter_residual_before_ln", "inv_adapter", "inv_adapter_reduction_factor", "cross_adapter",
            "leave_out", "dropout", "phm_layer", "phm_dim", "factorized_phm_W", "shared_W_phm", "shared_phm_rule",
            "factorized_phm_rule", "phm_c_init", "phm_init_range", "learn_phm", "hypercomplex_nonlinearity", "phm_rank",
            "phm_bias", "stochastic_depth",
        ])
        #expect(text.contains("\"scaling\": 1.0") && text.contains("\"dropout\": 0.0") && text.contains("\"leave_out\": [1, 2]"))
        #expect(config["non_linearity"] as? String == "linear" && config["residual_before_ln"] as? Bool == false)
        #expect(json["version"] as? String == AdapterHubExport.libraryVersion && json["model_type"] as? String == "bert")
    }

    @Test func weightsKeepTheirValuesUnderAdapterHubsNames() throws {
        try withTemporaryDirectory { folder in
            let export = try exporting("3>3:r2:channel,4>4:r4", family: .bert)
            try export.write(to: folder.path)
            let channel = try SafeTensorsFile(contentsOf: folder.path + "/sequential_attention_channel/adapter.safetensors")
            let prefix = "bert.encoder.layer.1.attention.output.adapters.sequential_attention_channel."
            #expect(Set(channel.names) == Set(["adapter_down.0.weight", "adapter_down.0.bias", "adapter_up.weight", "adapter_up.bias",
                                               "scaling"].map { prefix + $0 }))
            let adapter = export.adapters.first { $0.name == "sequential_attention_channel" }!.members[0].adapter
            #expect(channel[prefix + "adapter_down.0.weight"]?.shape == [2, 16] && channel[prefix + "adapter_up.weight"]?.shape == [16, 2])
            #expect(try channel.floats(prefix + "adapter_down.0.weight") == adapter.down.weight.values)
            #expect(try channel.floats(prefix + "adapter_up.weight") == adapter.up.weight.values)
            #expect(try channel.floats(prefix + "scaling") == adapter.scale)
            let plain = try SafeTensorsFile(contentsOf: folder.path + "/sequential_output/adapter.safetensors")
            #expect(plain.names.allSatisfy { $0.hasPrefix("bert.encoder.layer.1.output.adapters.sequential_output.") } && plain.names.count == 4)
            let head = try SafeTensorsFile(contentsOf: folder.path + "/head.safetensors")
            #expect(head["weight"]?.shape == [2, 16] && head["bias"]?.shape == [2])
            let listed = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("unexpressed_edges.json")))
            #expect((listed as? [Any])?.isEmpty == true)
            let vit = try self.exporting("1>1,1>2", family: .vit)
            #expect(vit.adapters.flatMap { $0.tensors(family: .vit).map(\.name) }.contains(
                "vit.encoder.layer.0.output.output_adapters.adapters.parallel_output.adapter_up.weight"))
        }
    }

    /// A trained placement folder reads back as written: the same state and
    /// classes, tensors under the format's names, and placement.json in its
    /// exact form (sorted keys, alpha 1 written as `1`, '/' escaped).
    @Test func trainedPlacementFilesReadBackWhatWasWritten() throws {
        let config = BackboneConfig(family: .bert, width: 8, layers: 3, heads: 2, intermediateWidth: 16)
        let placement = try Placement(parsing: "1>1,3>2:r2:gelu:channel:init=lora,0>4:r1:alpha=0.5", nodeCount: config.nodeCount)
        let state = TrainableState<Float>.initial(placement, width: 8, classes: 2, seed: 3, stopsGradientAtRecurrentSources: true)
        try withTemporaryDirectory { folder in
            try TrainedPlacement(state: state, classes: ["a/b", "c"]).write(to: folder.path)
            let read = try TrainedPlacement.read(from: folder.path, config: config, model: "tiny")
            #expect(read.classes == ["a/b", "c"] && read.state.graph.placement == placement)
            func values(_ state: TrainableState<Float>) -> [[Float]] {
                [state.head.weight.values, state.head.bias] + state.graph.adapters.flatMap {
                    [$0.down.weight.values, $0.down.bias, $0.up.weight.values, $0.up.bias, $0.scale]
                }
            }
            #expect(values(read.state) == values(state) && read.state.graph.adapters.map(\.activation) == [.linear, .gelu, .linear])
            #expect(read.state.graph.stopsGradientAtRecurrentSources)
            let weights = try SafeTensorsFile(contentsOf: folder.path + "/" + TrainedPlacementFormat.weightsFileName)
            #expect(Set(weights.names) == Set([TrainedPlacementFormat.headWeight, TrainedPlacementFormat.headBias]
                + placement.entries.flatMap { entry in
                    TrainedPlacementFormat.AdapterTensor.present(for: entry.options).map { TrainedPlacementFormat.tensorName($0, of: entry.edge) }
                }))
            #expect(weights.names.contains("adapters.3_2.down.weight") && weights.metadata == ["placement": placement.description])
            let json = try String(contentsOf: folder.appendingPathComponent(TrainedPlacementFormat.placementFileName), encoding: .utf8)
            #expect(json.hasPrefix("""
                {
                  "classes" : [
                    "a\\/b",
                    "c"
                  ],
                  "edges" : [
                    {
                      "activation" : "linear",
                      "init" : "standard",
                      "kind" : "sequential",
                      "rank" : 8,
                      "scale" : 1,
                      "source" : 1,
                      "target" : 1
                    },
                """))
            #expect(json.hasSuffix("""
                      "scale" : 0.5,
                      "source" : 0,
                      "target" : 4
                    }
                  ],
                  "placement" : "1>1:r8,3>2:r2:gelu:channel:init=lora,0>4:r1:alpha=0.5",
                  "stop_gradient_at_recurrent_sources" : true
                }
                """))
            let file = try JSONDecoder().decode(TrainedPlacementFormat.PlacementFile.self, from: Data(json.utf8))
            #expect(file == TrainedPlacementFormat.PlacementFile(graph: state.graph, classes: ["a/b", "c"]))
            #expect(file.edges?[1].scale == .channel && file.edges?[1].kind == "recurrent" && file.edges?[2].scale == .alpha(0.5))
        }
    }

    /// A `:rational` adapter's coefficients are written next to its weights
    /// and read back as trained; a file whose coefficient tensors are missing
    /// or of another shape is refused, naming the tensor.
    @Test func rationalCoefficientsReadBackAndAreRequired() throws {
        let config = BackboneConfig(family: .bert, width: 8, layers: 3, heads: 2, intermediateWidth: 16)
        let placement = try Placement(parsing: "1>1:r2:rational,3>2:r2:gelu,0>4:r1:rational:channel", nodeCount: config.nodeCount)
        var state = TrainableState<Float>.initial(placement, width: 8, classes: 2, seed: 3)
        // Trained-looking coefficients, so that reading cannot pass by re-initialising to the GELU fit.
        state.graph.adapters[0].phi = .rational(RationalActivation(numerator: [0.5, -1, 2, -3, 4, -5], denominator: [-0.25, 0.5, -0.75, 1]))
        typealias Format = TrainedPlacementFormat
        try withTemporaryDirectory { folder in
            try TrainedPlacement(state: state, classes: ["a", "b"]).write(to: folder.path)
            let read = try TrainedPlacement.read(from: folder.path, config: config, model: "tiny")
            #expect(read.state.graph.adapters.map(\.phi) == state.graph.adapters.map(\.phi))
            #expect(read.state.graph.adapters[2].phi == .rational(.geluFit))
            let weightsPath = folder.path + "/" + Format.weightsFileName
            let file = try SafeTensorsFile(contentsOf: weightsPath)
            #expect(file["adapters.1_1.rational.numerator"]?.shape == [6] && file["adapters.1_1.rational.denominator"]?.shape == [4])
            #expect(try file.floats("adapters.1_1.rational.denominator") == [-0.25, 0.5, -0.75, 1])
            #expect(file.names.filter { $0.contains("rational") }.sorted() == ["adapters.0_4.rational.denominator", "adapters.0_4.rational.numerator",
                                                                            "adapters.1_1.rational.denominator", "adapters.1_1.rational.numerator"],
                    "only rational adapters carry coefficients")

            /// Rewrites the weights file with `change` applied to its tensors.
            func rewrite(_ change: ([(name: String, shape: [Int], values: [Float])]) -> [(name: String, shape: [Int], values: [Float])]) throws {
                let tensors = try file.names.map { (name: $0, shape: file[$0]!.shape, values: try file.floats($0)) }
                try SafeTensorsWriter.write(change(tensors), metadata: file.metadata, to: weightsPath)
            }
            try rewrite { $0.filter { $0.name != "adapters.0_4.rational.numerator" } }
            let missing = #expect(throws: ExportError.self) { try TrainedPlacement.read(from: folder.path, config: config, model: "tiny") }
            #expect(missing == .missingTensor(file: weightsPath, tensor: "adapters.0_4.rational.numerator"))
            #expect(missing?.description.contains("has no tensor 'adapters.0_4.rational.numerator'") == true)
            try rewrite { tensors in  // (from the file as first written: 0>4's numerator is back)
                tensors.map { $0.name == "adapters.1_1.rational.denominator" ? ($0.name, [3], Array($0.values.prefix(3))) : $0 }
            }
            let misshaped = #expect(throws: ExportError.self) { try TrainedPlacement.read(from: folder.path, config: config, model: "tiny") }
            #expect(misshaped == .shapeMismatch(file: weightsPath, tensor: "adapters.1_1.rational.denominator", expected: [4], found: [3]))
        }
    }

    @Test(arguments: [("[1]", "not a JSON object"), ("{}", "no string 'placement'"), ("{\"placement\": \"0>0\", \"classes\": [1]}",
                                                                                        "no list of strings 'classes'")])
    func aMalformedPlacementFileSaysWhatIsMissing(_ json: String, _ reason: String) throws {
        let config = BackboneConfig(family: .bert, width: 8, layers: 3, heads: 2, intermediateWidth: 16)
        let state = TrainableState<Float>.initial(try Placement(parsing: "0>0", nodeCount: config.nodeCount), width: 8, classes: 1, seed: 1)
        try withTemporaryDirectory { folder in
            try TrainedPlacement(state: state, classes: ["a"]).write(to: folder.path)
            try Data(json.utf8).write(to: folder.appendingPathComponent("placement.json"))
            let error = #expect(throws: ExportError.self) { try TrainedPlacement.read(from: folder.path, config: config, model: "tiny") }
            #expect(error == .malformedPlacementFile(path: folder.path + "/placement.json", reason: reason))
        }
    }

    /// The fixture's export, reproduced, computes in AdapterSearch's engine what
    /// the real AdapterHub library computed when it loaded it.
    @Test func exportMatchesTheAdapterHubLibrary() throws {
        let fixture = Self.fixture.path
        let config = try BackboneConfig(contentsOf: fixture + "/model/config.json")
        let trained = try TrainedPlacement.read(from: fixture + "/trained", config: config, model: fixture + "/model")
        let export = AdapterHubExport(state: trained.state, config: config, classes: trained.classes, modelName: "model")
        try withTemporaryDirectory { folder in
            try export.write(to: folder.path)
            let reference = URL(fileURLWithPath: fixture + "/export")
            for name in export.adapters.map(\.name) {
                for file in ["adapter_config.json", "adapter.safetensors"] {
                    #expect(try Data(contentsOf: folder.appendingPathComponent("\(name)/\(file)"))
                            == Data(contentsOf: reference.appendingPathComponent("\(name)/\(file)")), "\(name)/\(file)")
                }
            }
            for file in ["head.safetensors", "unexpressed_edges.json", "export.json"] {
                #expect(try Data(contentsOf: folder.appendingPathComponent(file)) == Data(contentsOf: reference.appendingPathComponent(file)), "\(file)")
            }
        }
        let golden = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture.appendingPathComponent("golden.json")))
            as? [String: Any])
        #expect(golden["adapter_names"] as? [String] == export.adapters.map(\.name))
        let ids = try #require(golden["input_ids"] as? [[Int]]), mask = try #require(golden["attention_mask"] as? [[Int]])
        let layout = BatchLayout(examples: ids.count, length: ids[0].count, isToken: mask.flatMap { $0.map { $0 == 1 } })
        let input = BackboneInput<Float>.tokens(ids: ids.flatMap { $0.map(Int32.init) }, types: [Int32](repeating: 0, count: layout.rows),
                                                layout: layout)
        let backbone = try Backbone<Float>.load(directory: fixture + "/model")
        let exported = export.exportedPlacement
        let adapters = exported.entries.map { entry in
            trained.state.graph.adapters[trained.state.graph.placement.entries.firstIndex { $0.edge == entry.edge }!]
        }
        let forward = backbone.forward(input, adapters: AdapterGraph(placement: exported, adapters: adapters))
        func flat(_ value: Any?) -> [Double] { (value as? [Any])?.flatMap { flat($0) } ?? (value as? Double).map { [$0] } ?? [] }
        func maxDifference(_ ours: [Float], _ theirs: [Double]) -> Double {
            zip(ours, theirs).map { abs(Double($0) - $1) }.max() ?? .infinity
        }
        let pooled = flat(golden["pooled"]), without = flat(golden["pooled_without_adapters"])
        #expect(pooled.count == forward.pooled.values.count)
        #expect(maxDifference(forward.pooled.values, pooled) < 1e-4)
        #expect(maxDifference(forward.pooled.values, without) > 0.1, "the adapters must change the output for the check to mean anything")
        let logits = export.head.forward(forward.pooled)
        #expect(maxDifference(logits.values, flat(golden["logits"])) < 1e-4)
        // Block outputs (nodes 2, 4, 6) on real tokens.
        let outputs = try #require(golden["layer_outputs"] as? [String: Any])
        for node in [2, 4, 6] {
            let theirs = flat(outputs[String(node)]), ours = try #require(forward.nodes[node])
            let rows = (0..<layout.rows).filter { layout.isToken[$0] }
            let difference = rows.flatMap { row in (0..<config.width).map { abs(Double(ours[row, $0]) - theirs[row * config.width + $0]) } }.max()!
            #expect(difference < 1e-4, "node \(node)")
        }
    }

    @Test func exportCommandWritesTheFolderAndWarnsOfEveryLeftOutEdge() throws {
        try withTemporaryDirectory { folder in
            let setup = try TinyTextTask.write(in: folder)
            let trained = folder.appendingPathComponent("trained").path, out = folder.appendingPathComponent("export").path
            let training = try runAdapterSearch(["train", "--model", setup.model, "--train-file", setup.data[0], "--validation-file", setup.data[1],
                                                 "--test-file", setup.data[2], "--steps", "2", "--batch-size", "8",
                                                 "--placement", "1>1:r2,2>2:r2,1>2:r2", "--out", trained])
            #expect(training.status == 0, "\(training.stderr)")
            let result = try runAdapterSearch(["export", "--placement-dir", trained, "--model", setup.model, "--out", out])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderrLines(startingWith: "warning: edge 1>2 (parallel) not exported").count == 1)
            #expect(FileManager.default.fileExists(atPath: out + "/sequential/adapter_config.json"))
            #expect(FileManager.default.fileExists(atPath: out + "/sequential/adapter.safetensors"))
            let listed = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/unexpressed_edges.json"))) as? [[String: Any]]
            #expect(listed?.map { $0["edge"] as? String } == ["1>2"])
            let strict = try runAdapterSearch(["export", "--placement-dir", trained, "--model", setup.model, "--out", out, "--strict"])
            #expect(strict.status != 0 && strict.stderr.contains("--strict"))

            // A folder without placement.json.
            try FileManager.default.removeItem(atPath: trained + "/placement.json")
            let missing = try runAdapterSearch(["export", "--placement-dir", trained, "--model", setup.model, "--out", out])
            #expect(missing.status != 0 && missing.stderr.contains("placement.json does not exist"), "\(missing.stderr)")
        }
    }

    @Test func exportCommandListsARationalAdapterAndStrictRefusesIt() throws {
        try withTemporaryDirectory { folder in
            let setup = try TinyTextTask.write(in: folder)
            let trained = folder.appendingPathComponent("trained").path, out = folder.appendingPathComponent("export").path
            let training = try runAdapterSearch(["train", "--model", setup.model, "--train-file", setup.data[0], "--validation-file", setup.data[1],
                                                 "--test-file", setup.data[2], "--steps", "2", "--batch-size", "8",
                                                 "--placement", "1>1:r2:rational,2>2:r2:gelu", "--out", trained])
            #expect(training.status == 0, "\(training.stderr)")
            let result = try runAdapterSearch(["export", "--placement-dir", trained, "--model", setup.model, "--out", out])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderrLines(startingWith: "warning: edge 1>1 (sequential) not exported").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("learned rational function"))
            let listed = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/unexpressed_edges.json"))) as? [[String: Any]]
            #expect(listed?.map { $0["edge"] as? String } == ["1>1"])
            #expect(FileManager.default.fileExists(atPath: out + "/sequential_output_gelu/adapter_config.json"))
            let strict = try runAdapterSearch(["export", "--placement-dir", trained, "--model", setup.model, "--out", out, "--strict"])
            #expect(strict.status != 0 && strict.stderr.contains("--strict"), "\(strict.stderr)")
        }
    }

    @Test func exportCommandRejectsAFolderTrainedOnAnotherWidth() throws {
        try withTemporaryDirectory { folder in
            let setup = try TinyTextTask.write(in: folder)
            let trained = folder.appendingPathComponent("trained").path
            let training = try runAdapterSearch(["train", "--model", setup.model, "--train-file", setup.data[0], "--validation-file", setup.data[1],
                                                 "--test-file", setup.data[2], "--steps", "1", "--batch-size", "8",
                                                 "--placement", "1>1:r2", "--out", trained])
            #expect(training.status == 0, "\(training.stderr)")
            var config = BackboneConfig(family: .bert, width: 8, layers: 2, heads: 2, intermediateWidth: 16)
            config.vocabularySize = 14; config.maxPositions = 32; config.typeVocabularySize = 2
            let other = folder.appendingPathComponent("other").path
            try Backbone<Float>.random(config, seed: 1).save(config, to: other)
            let result = try runAdapterSearch(["export", "--placement-dir", trained, "--model", other,
                                               "--out", folder.appendingPathComponent("export").path])
            #expect(result.status != 0)
            #expect(result.stderr.contains("width 16") && result.stderr.contains("width 8"), "\(result.stderr)")
        }
    }
}
