import CAdapterSearch

/// A float32 row-major matrix lent by the host for the current call.
public struct MatrixView {
    /// Rows.
    public let rows: Int
    /// Columns.
    public let cols: Int
    /// The `rows * cols` values, row-major; valid until the current call returns.
    public let values: UnsafeBufferPointer<Float>

    init(_ view: asp_matrix_view) {
        rows = Int(view.rows)
        cols = Int(view.cols)
        values = UnsafeBufferPointer(start: view.data, count: rows * cols)
    }

    /// A view of `values` (row-major, `rows * cols` of them), valid as long as they are.
    public init(rows: Int, cols: Int, values: UnsafeBufferPointer<Float>) throws(PluginError) {
        guard rows >= 0, cols >= 0, values.count == rows * cols else {
            throw PluginError.invalidArgument("a \(rows) x \(cols) view needs \(rows * cols) values, not \(values.count)")
        }
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// The element at `row`, `col`.
    public subscript(row: Int, col: Int) -> Float { values[row * cols + col] }
}

/// What a probe measured.
public struct ProbeInfo: Sendable {
    /// Hidden width d.
    public var width: Int
    /// Non-padding tokens N.
    public var tokens: Int
    /// Examples B.
    public var examples: Int
    /// Classes of the task head.
    public var classes: Int
    /// The probe's loss.
    public var loss: Double
}

/// An extra forward and backward pass (`asp_pass_request`).
public struct PassRequest {
    /// Where node 0 comes from.
    public enum Input: Int32 { case data = 0, ones = 1 }
    /// The backbone's weights.
    public enum Weights: Int32 { case asIs = 0, absolute = 1 }
    /// The loss backward starts from.
    public enum Loss: Int32 { case crossEntropy = 0, sumOfOutputs = 1 }

    /// 0: the probe batch; another seed draws a batch with it.
    public var batchSeed: UInt64
    /// Batch size; 0 means the probe's.
    public var examples: Int
    public var input: Input
    public var weights: Weights
    public var loss: Loss
    /// Dense width x width maps added on edges during the pass, row-major.
    public var perturbations: [(edge: Edge, map: [Float])]

    /// A request; the defaults repeat the probe pass.
    public init(batchSeed: UInt64 = 0, examples: Int = 0, input: Input = .data, weights: Weights = .asIs,
                loss: Loss = .crossEntropy, perturbations: [(edge: Edge, map: [Float])] = []) {
        self.batchSeed = batchSeed
        self.examples = examples
        self.input = input
        self.weights = weights
        self.loss = loss
        self.perturbations = perturbations
    }
}

/// The probe pass (METHOD.md section 4), the `asp.probe/1` extension.
public struct ProbeServices {
    let api: UnsafePointer<asp_probe_api>
    let host: PluginHost

    /// What probe `probe` measured (0: the run's probe).
    public func info(probe: Int = 0) throws -> ProbeInfo {
        var info = asp_probe_info()
        info.struct_size = UInt32(MemoryLayout<asp_probe_info>.size)
        try host.call("probe info") { api.pointee.info($0, UInt32(probe), &info) }
        return ProbeInfo(width: Int(info.width), tokens: Int(info.tokens), examples: Int(info.examples),
                         classes: Int(info.classes), loss: info.loss)
    }

    private func view(_ what: String, _ body: (UnsafeMutableRawPointer?, UnsafeMutablePointer<asp_matrix_view>) -> asp_status) throws -> MatrixView {
        var view = asp_matrix_view()
        view.struct_size = UInt32(MemoryLayout<asp_matrix_view>.size)
        try host.call(what) { body($0, &view) }
        return MatrixView(view)
    }

    /// H_k: the activations at node `node`, tokens x width.
    public func activations(node: Int, probe: Int = 0) throws -> MatrixView {
        try view("activations of node \(node)") { api.pointee.activations($0, UInt32(probe), UInt32(node), $1) }
    }

    /// D_k: dL/dh at node `node`, tokens x width.
    public func gradients(node: Int, probe: Int = 0) throws -> MatrixView {
        try view("gradients of node \(node)") { api.pointee.gradients($0, UInt32(probe), UInt32(node), $1) }
    }

    /// G_ij = H_i^T D_j, width x width.
    public func edgeGradient(_ edge: Edge, probe: Int = 0) throws -> MatrixView {
        try view("edge gradient of \(edge)") { api.pointee.edge_gradient($0, UInt32(probe), edge.cValue, $1) }
    }

    /// The singular values of G_ij in descending order (float64).
    public func singularValues(_ edge: Edge, probe: Int = 0) throws -> UnsafeBufferPointer<Double> {
        var values: UnsafePointer<Double>?
        var count: UInt32 = 0
        try host.call("singular values of \(edge)") {
            api.pointee.singular_values($0, UInt32(probe), edge.cValue, &values, &count)
        }
        return UnsafeBufferPointer(start: values, count: Int(count))
    }

    /// The number of singular values of G_ij above `relativeTolerance * sigma_max`.
    public func rank(_ edge: Edge, relativeTolerance: Double, probe: Int = 0) throws -> Int {
        var rank: UInt32 = 0
        try host.call("rank of \(edge)") {
            api.pointee.rank($0, UInt32(probe), edge.cValue, relativeTolerance, &rank)
        }
        return Int(rank)
    }

    /// The seeded non-zero adapter init of rank `rank` for `edge`:
    /// W_down (rank x width) and W_up (width x rank).
    public func adapterInit(_ edge: Edge, rank: Int) throws -> (down: MatrixView, up: MatrixView) {
        var down = asp_matrix_view(), up = asp_matrix_view()
        down.struct_size = UInt32(MemoryLayout<asp_matrix_view>.size)
        up.struct_size = down.struct_size
        try host.call("adapter init of \(edge)") {
            api.pointee.adapter_init($0, edge.cValue, UInt32(rank), &down, &up)
        }
        return (MatrixView(down), MatrixView(up))
    }

    /// Runs an extra pass and returns its probe number, whose views follow
    /// the same rules as probe 0's. Costs a forward and backward pass.
    public func runPass(_ request: PassRequest) throws -> Int {
        var probe: UInt32 = 0
        let edges = request.perturbations.map(\.edge.cValue)
        let maps = request.perturbations.map(\.map)
        try withPointers(to: maps) { pointers in
            var pass = asp_pass_request(
                struct_size: UInt32(MemoryLayout<asp_pass_request>.size), batch_seed: request.batchSeed,
                examples: UInt32(request.examples), input: request.input.rawValue, weights: request.weights.rawValue,
                loss: request.loss.rawValue, perturbation_count: UInt32(edges.count), perturbed_edges: nil, perturbations: nil)
            try edges.withUnsafeBufferPointer { edgeBuffer in
                try pointers.withUnsafeBufferPointer { mapBuffer in
                    pass.perturbed_edges = edgeBuffer.baseAddress
                    pass.perturbations = mapBuffer.baseAddress
                    try host.call("extra pass") { api.pointee.run_pass($0, &pass, &probe) }
                }
            }
        }
        return Int(probe)
    }
}

/// Lends base pointers of every array in `arrays` for the duration of `body`.
private func withPointers<R>(to arrays: [[Float]], _ body: ([UnsafePointer<Float>?]) throws -> R) rethrows -> R {
    var pointers: [UnsafePointer<Float>?] = []
    func lend(_ index: Int) throws -> R {
        guard index < arrays.count else { return try body(pointers) }
        return try arrays[index].withUnsafeBufferPointer { buffer in
            pointers.append(buffer.baseAddress)
            return try lend(index + 1)
        }
    }
    return try lend(0)
}
