import CAdapterSearch
import Core

/// The C service tables the host hands plugins. Every function recovers its
/// `PluginContext` from the opaque context pointer and serves from it.
enum HostServices {
    /// A new `asp_host` for `context`; the caller owns it (deallocate after destroy).
    static func makeHostTable(for context: PluginContext) -> UnsafeMutablePointer<asp_host> {
        let table = UnsafeMutablePointer<asp_host>.allocate(capacity: 1)
        table.initialize(to: asp_host(
            struct_size: UInt32(MemoryLayout<asp_host>.size),
            abi_version: hostABIVersion,
            context: Unmanaged.passUnretained(context).toOpaque(),
            log: { raw, level, message in
                guard let message, let context = PluginContext.from(raw) else { return }
                context.environment.log(context.pluginID, level, String(cString: message))
            },
            set_error: { raw, message in
                PluginContext.from(raw)?.pluginError = message.map { String(cString: $0) } ?? "(no message)"
            },
            last_error: { raw in
                guard let context = PluginContext.from(raw) else { return HostServices.nullContextMessage }
                return UnsafePointer(context.lastErrorPointer)
            },
            progress: { raw, fraction, message in
                guard let context = PluginContext.from(raw) else { return }
                context.environment.progress(context.pluginID, fraction, message.map { String(cString: $0) } ?? "")
            },
            should_stop: { raw in PluginContext.from(raw).map { $0.environment.shouldStop() ? 1 : 0 } ?? 1 },
            random_u64: { raw in PluginContext.from(raw)?.nextRandom() ?? 0 },
            get_extension: { raw, id in
                guard let id, let context = PluginContext.from(raw) else { return nil }
                switch String(cString: id) {
                case ASP_EXT_PROBE where context.environment.probe != nil: return UnsafeRawPointer(HostServices.probeTable)
                case ASP_EXT_SEARCH where context.environment.search != nil: return UnsafeRawPointer(HostServices.searchTable)
                case ASP_EXT_GATED where context.environment.search != nil: return UnsafeRawPointer(HostServices.gatedTable)
                case ASP_EXT_FINDINGS where context.environment.findings != nil: return UnsafeRawPointer(HostServices.findingsTable)
                case ASP_EXT_CHECKPOINTING where context.environment.checkpoints != nil:
                    return UnsafeRawPointer(HostServices.checkpointingTable)
                default: return nil
                }
            },
            node_count: { raw in UInt32(PluginContext.from(raw)?.environment.nodeCount ?? 0) },
            candidate_edges: { raw, edges, capacity, count in
                PluginContext.serve(raw) { context in
                    let candidates = context.environment.candidates
                    guard let count else { throw HostServices.invalid("count is NULL") }
                    count.pointee = UInt32(candidates.count)
                    guard candidates.count <= Int(capacity) else {
                        throw ServiceError(status: ASP_ERR_BUFFER_TOO_SMALL,
                                           description: "candidate_edges needs room for \(candidates.count) edges")
                    }
                    guard let edges else { if candidates.isEmpty { return }; throw HostServices.invalid("edges is NULL") }
                    for (index, edge) in candidates.enumerated() { edges[index] = edge.cValue }
                }
            }))
        return table
    }

    /// The `asp.probe/1` table, shared by every instance.
    nonisolated(unsafe) static let probeTable: UnsafeMutablePointer<asp_probe_api> = {
        let table = UnsafeMutablePointer<asp_probe_api>.allocate(capacity: 1)
        table.initialize(to: asp_probe_api(
            struct_size: UInt32(MemoryLayout<asp_probe_api>.size),
            info: { raw, probe, out in
                PluginContext.serve(raw) { context in
                    guard let out else { throw invalid("info is NULL") }
                    let info = try context.environment.requireProbe().info(probe: Int(probe))
                    let sized = SizedOutput(out)
                    sized.set(\.width, UInt32(info.width))
                    sized.set(\.tokens, UInt32(info.tokens))
                    sized.set(\.examples, UInt32(info.examples))
                    sized.set(\.classes, UInt32(info.classes))
                    sized.set(\.loss, info.loss)
                }
            },
            activations: { raw, probe, node, out in
                lendMatrix(raw, out) { try $0.activations(probe: Int(probe), node: Int(node)) }
            },
            gradients: { raw, probe, node, out in
                lendMatrix(raw, out) { try $0.gradients(probe: Int(probe), node: Int(node)) }
            },
            edge_gradient: { raw, probe, edge, out in
                lendMatrix(raw, out) { try $0.edgeGradient(probe: Int(probe), edge: Edge(edge)) }
            },
            singular_values: { raw, probe, edge, values, count in
                PluginContext.serve(raw) { context in
                    guard let values, let count else { throw invalid("values or count is NULL") }
                    let spectrum = try context.environment.requireProbe().singularValues(probe: Int(probe), edge: Edge(edge))
                    values.pointee = context.lend(spectrum)
                    count.pointee = UInt32(spectrum.count)
                }
            },
            rank: { raw, probe, edge, tolerance, rank in
                PluginContext.serve(raw) { context in
                    guard let rank else { throw invalid("rank is NULL") }
                    guard tolerance >= 0, tolerance.isFinite else { throw invalid("relative_tolerance must be finite and >= 0") }
                    rank.pointee = UInt32(try context.environment.requireProbe().rank(probe: Int(probe), edge: Edge(edge),
                                                                                      relativeTolerance: tolerance))
                }
            },
            adapter_init: { raw, edge, rank, down, up in
                PluginContext.serve(raw) { context in
                    guard let down, let up else { throw invalid("down or up is NULL") }
                    guard rank > 0 else { throw invalid("rank must be at least 1") }
                    let matrices = try context.environment.requireProbe().adapterInit(edge: Edge(edge), rank: Int(rank))
                    lend(matrices.down, into: down, context)
                    lend(matrices.up, into: up, context)
                }
            },
            run_pass: { raw, request, probe in
                PluginContext.serve(raw) { context in
                    guard let request, let probe else { throw invalid("request or probe is NULL") }
                    let provider = try context.environment.requireProbe()
                    let width = try provider.info(probe: 0).width
                    probe.pointee = UInt32(try provider.runPass(try passRequest(request, width: width)))
                }
            }))
        return table
    }()

    /// The `asp.search/1` table, shared by every instance.
    nonisolated(unsafe) static let searchTable: UnsafeMutablePointer<asp_search_api> = {
        let table = UnsafeMutablePointer<asp_search_api>.allocate(capacity: 1)
        table.initialize(to: asp_search_api(
            struct_size: UInt32(MemoryLayout<asp_search_api>.size),
            scores: { raw, metric, edges, count, scores, direction in
                PluginContext.serve(raw) { context in
                    guard let metric, let scores, let direction else { throw invalid("metric, scores or direction is NULL") }
                    let input = try edgeArray(edges, count)
                    let result = try context.environment.requireSearch().scores(metric: String(cString: metric), edges: input)
                    guard result.scores.count == input.count else {
                        throw ServiceError(status: ASP_ERR_ENGINE,
                                           description: "the engine gave \(result.scores.count) scores for \(input.count) edges")
                    }
                    for (index, value) in result.scores.enumerated() { scores[index] = value }
                    direction.pointee = result.direction
                }
            },
            evaluate: { raw, placements, count, budget, results in
                PluginContext.serve(raw) { context in
                    guard count == 0 || (placements != nil && results != nil) else {
                        throw invalid("placements or results is NULL")
                    }
                    let input = try (0..<Int(count)).map { index -> [Edge] in
                        guard let pointer = placements![index] else { throw invalid("placement #\(index) is NULL") }
                        let placement = SizedStruct(pointer)
                        guard let edgeCount = placement[\.edge_count], let edges = placement[\.edges] else {
                            throw invalid("placement #\(index) has struct_size \(placement.declaredSize), too small")
                        }
                        return try edgeArray(edges, edgeCount)
                    }
                    var parsedBudget = Budget()
                    if let budget {
                        let sized = SizedStruct(budget)
                        parsedBudget = Budget(steps: Int(sized[\.steps] ?? 0), examples: Int(sized[\.examples] ?? 0))
                    }
                    let evaluations = try context.environment.requireSearch().evaluate(input, budget: parsedBudget)
                    guard evaluations.count == input.count else {
                        throw ServiceError(status: ASP_ERR_ENGINE,
                                           description: "the engine gave \(evaluations.count) results for \(input.count) placements")
                    }
                    for (index, evaluation) in evaluations.enumerated() {
                        guard let pointer = results![index] else { throw invalid("result #\(index) is NULL") }
                        let out = SizedOutput(pointer)
                        out.set(\.accuracy, evaluation.accuracy)
                        out.set(\.loss, evaluation.loss)
                        out.set(\.parameters, UInt64(evaluation.parameters))
                        out.set(\.seconds, evaluation.seconds)
                        out.set(\.diverged, evaluation.diverged ? 1 : 0)
                    }
                }
            }))
        return table
    }()

    /// The `asp.gated/1` table, shared by every instance.
    nonisolated(unsafe) static let gatedTable: UnsafeMutablePointer<asp_gated_api> = {
        let table = UnsafeMutablePointer<asp_gated_api>.allocate(capacity: 1)
        table.initialize(to: asp_gated_api(
            struct_size: UInt32(MemoryLayout<asp_gated_api>.size),
            train_gated: { raw, edges, count, budget, probabilities, result in
                PluginContext.serve(raw) { context in
                    guard let budget, let result, count == 0 || probabilities != nil else {
                        throw invalid("budget, probabilities or result is NULL")
                    }
                    let sized = SizedStruct(budget)
                    guard let steps = sized[\.steps], let learningRate = sized[\.learning_rate],
                          let gateLearningRate = sized[\.gate_learning_rate], let sparsity = sized[\.sparsity],
                          let initialTemperature = sized[\.initial_temperature], let finalTemperature = sized[\.final_temperature],
                          let initialLogit = sized[\.initial_logit] else {
                        throw invalid("the gated budget has struct_size \(sized.declaredSize), too small")
                    }
                    let request = GatedRequest(steps: Int(steps), learningRate: learningRate, gateLearningRate: gateLearningRate,
                                               sparsity: sparsity, initialTemperature: initialTemperature,
                                               finalTemperature: finalTemperature, initialLogit: initialLogit)
                    let trained = try context.environment.requireSearch().trainGated(try edgeArray(edges, count), budget: request)
                    guard trained.probabilities.count == Int(count) else {
                        throw ServiceError(status: ASP_ERR_ENGINE,
                                           description: "the engine gave \(trained.probabilities.count) gates for \(count) edges")
                    }
                    for (index, probability) in trained.probabilities.enumerated() { probabilities![index] = probability }
                    let out = SizedOutput(result)
                    out.set(\.accuracy, trained.accuracy)
                    out.set(\.loss, trained.loss)
                    out.set(\.seconds, trained.seconds)
                    out.set(\.diverged, trained.diverged ? 1 : 0)
                }
            }))
        return table
    }()

    /// The `asp.findings/1` table, shared by every instance.
    nonisolated(unsafe) static let findingsTable: UnsafeMutablePointer<asp_findings_api> = {
        let table = UnsafeMutablePointer<asp_findings_api>.allocate(capacity: 1)
        table.initialize(to: asp_findings_api(
            struct_size: UInt32(MemoryLayout<asp_findings_api>.size),
            report_text: { raw, name, value in
                PluginContext.serve(raw) { context in
                    guard let name, let value else { throw invalid("name or value is NULL") }
                    try context.environment.requireFindings().report(String(cString: name), .text(String(cString: value)))
                }
            },
            report_number: { raw, name, value in
                PluginContext.serve(raw) { context in
                    guard let name else { throw invalid("name is NULL") }
                    try context.environment.requireFindings().report(String(cString: name), .number(value))
                }
            }))
        return table
    }()

    /// The `asp.checkpointing/1` table, shared by every instance.
    nonisolated(unsafe) static let checkpointingTable: UnsafeMutablePointer<asp_checkpointing_api> = {
        let table = UnsafeMutablePointer<asp_checkpointing_api>.allocate(capacity: 1)
        table.initialize(to: asp_checkpointing_api(
            struct_size: UInt32(MemoryLayout<asp_checkpointing_api>.size),
            save_state: { raw, bytes, size in
                PluginContext.serve(raw) { context in
                    guard size == 0 || bytes != nil else { throw invalid("bytes is NULL") }
                    let state = size == 0 ? [] : Array(UnsafeRawBufferPointer(start: bytes, count: Int(size)))
                    try context.environment.requireCheckpoints().save(plugin: context.pluginID, state: state)
                }
            },
            load_state: { raw, bytes, size in
                PluginContext.serve(raw) { context in
                    guard let bytes, let size else { throw invalid("bytes or size is NULL") }
                    guard let state = try context.environment.requireCheckpoints().load(plugin: context.pluginID) else {
                        throw ServiceError(status: ASP_ERR_NOT_FOUND, description: "no saved state")
                    }
                    bytes.pointee = UnsafeRawPointer(context.lend(state))
                    size.pointee = UInt64(state.count)
                }
            }))
        return table
    }()

    /// The `ASP_ERR_INVALID_ARGUMENT` error for a bad argument the plugin passed.
    /// What `last_error` answers for a NULL context.
    nonisolated(unsafe) static let nullContextMessage: UnsafePointer<CChar> = {
        let text = Array("a host service was called with a NULL context: pass asp_host.context as given".utf8CString)
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: text.count)  // lives as long as the process
        copy.initialize(from: text, count: text.count)
        return UnsafePointer(copy)
    }()

    private static func invalid(_ message: String) -> ServiceError {
        ServiceError(status: ASP_ERR_INVALID_ARGUMENT, description: message)
    }

    /// The `count` edges at `edges` (which may be NULL only when `count` is 0).
    private static func edgeArray(_ edges: UnsafePointer<asp_edge>?, _ count: UInt32) throws -> [Edge] {
        guard count == 0 || edges != nil else { throw invalid("edges is NULL") }
        return (0..<Int(count)).map { Edge(edges![$0]) }
    }

    /// Fills `view` with `matrix`, its values lent until the current call returns.
    private static func lend(_ matrix: Matrix<Float>, into view: UnsafeMutablePointer<asp_matrix_view>, _ context: PluginContext) {
        let out = SizedOutput(view)
        out.set(\.rows, UInt32(matrix.rows))
        out.set(\.cols, UInt32(matrix.cols))
        out.set(\.data, context.lend(matrix.values))
    }

    /// Serves a probe call that answers a matrix: `body` computes it from the
    /// probe, and it is lent to the plugin in `view`.
    private static func lendMatrix(_ raw: UnsafeMutableRawPointer?, _ view: UnsafeMutablePointer<asp_matrix_view>?,
                                   _ body: (ProbeProvider) throws -> Matrix<Float>) -> asp_status {
        guard let context = PluginContext.from(raw) else { return ASP_ERR_INVALID_ARGUMENT }
        return context.serve {
            guard let view else { throw invalid("view is NULL") }
            lend(try body(context.environment.requireProbe()), into: view, context)
        }
    }

    /// The request with its perturbation maps (width x width each) copied out.
    private static func passRequest(_ pointer: UnsafePointer<asp_pass_request>, width: Int) throws -> PassRequest {
        let request = SizedStruct(pointer)
        guard request.covers(\asp_pass_request.perturbations) else {
            throw invalid("asp_pass_request has struct_size \(request.declaredSize), too small for ABI 1.0")
        }
        guard let input = PassRequest.Input(rawValue: request.required(\.input)),
              let weights = PassRequest.Weights(rawValue: request.required(\.weights)),
              let loss = PassRequest.Loss(rawValue: request.required(\.loss)) else {
            throw invalid("unknown input, weights or loss in asp_pass_request")
        }
        let count = Int(request.required(\.perturbation_count))
        let edges = request.required(\.perturbed_edges), maps = request.required(\.perturbations)
        guard count == 0 || (edges != nil && maps != nil) else { throw invalid("perturbations are NULL") }
        let perturbations = try (0..<count).map { index -> (edge: Edge, map: Matrix<Float>) in
            guard let map = maps![index] else { throw invalid("perturbation #\(index) is NULL") }
            let values = Array(UnsafeBufferPointer(start: map, count: width * width))
            return (Edge(edges![index]), Matrix(rows: width, cols: width, values: values))
        }
        return PassRequest(batchSeed: request.required(\.batch_seed), examples: Int(request.required(\.examples)),
                           input: input, weights: weights, loss: loss, perturbations: perturbations)
    }
}

extension PluginContext {
    /// The context behind an opaque `asp_host.context`; nil for a NULL one
    /// (a plugin's mistake: the service then answers ASP_ERR_INVALID_ARGUMENT,
    /// or does nothing where it returns no status, and the host carries on).
    static func from(_ raw: UnsafeMutableRawPointer?) -> PluginContext? {
        raw.map { Unmanaged<PluginContext>.fromOpaque($0).takeUnretainedValue() }
    }

    /// What a status-returning service entry does: runs `body` with the
    /// context behind `raw` (`serve`: the status, the last error kept), or
    /// ASP_ERR_INVALID_ARGUMENT when `raw` is no context of the host's.
    static func serve(_ raw: UnsafeMutableRawPointer?, _ body: (PluginContext) throws -> Void) -> asp_status {
        guard let context = from(raw) else { return ASP_ERR_INVALID_ARGUMENT }
        return context.serve { try body(context) }
    }
}

extension Edge {
    /// The edge from its C form.
    init(_ edge: asp_edge) { self.init(Int(edge.source), Int(edge.target)) }
    /// The C form.
    var cValue: asp_edge { asp_edge(source: Int32(source), target: Int32(target)) }
}
