import Foundation

/// Frozen node values per example, computed once and served to every later
/// batch, placement and evaluation that needs them (the frozen prefix of
/// METHOD.md section 7's training on a frozen backbone).
///
/// Each example's rows of a node are kept without padding, in memory up to
/// `memoryBudget` bytes, beyond it in a spill file (deleted when the cache
/// goes away). A batch is assembled from them with zero padding rows: no
/// real token reads a padding row (attention masks padding keys; pooling
/// skips them), so only padding rows differ from a pass over the input.
/// Batches name their examples by `LabelledBatch.keys`; a batch without keys
/// is computed, not cached.
public final class PrefixCache<Scalar: Real>: @unchecked Sendable {
    // @unchecked: every mutable property is guarded by `lock`.

    /// What the cache has done so far.
    public struct Statistics: Equatable, Sendable {
        /// Example-node values served from the cache.
        public var hits = 0
        /// Example-node values computed by a pass.
        public var misses = 0
        /// Bytes held in memory.
        public var memoryBytes = 0
        /// Bytes written to the spill file.
        public var spilledBytes = 0
    }

    private enum Location {
        case memory([Scalar])
        case spilled(offset: Int, count: Int)
    }

    private struct Key: Hashable {
        var example: Int
        var node: Int
    }

    /// The backbone whose nodes are cached.
    public let backbone: Backbone<Scalar>
    /// Bytes of node values kept in memory before spilling to disk.
    public let memoryBudget: Int
    private let spillFolder: String
    private let lock = NSLock()
    private var entries: [Key: Location] = [:]
    private var spillDescriptor: Int32 = -1
    private var spillEnd = 0
    private var counts = Statistics()

    /// A cache of `backbone`'s nodes holding up to `memoryBudget` bytes in
    /// memory and spilling the rest to an unlinked file in `spillFolder`.
    public init(backbone: Backbone<Scalar>, memoryBudget: Int = 4 << 30,
                spillFolder: String = FileManager.default.temporaryDirectory.path) {
        self.backbone = backbone
        self.memoryBudget = memoryBudget
        self.spillFolder = spillFolder
    }

    deinit {
        if spillDescriptor >= 0 { close(spillDescriptor) }
    }

    /// What the cache has done so far.
    public var statistics: Statistics { lock.withLock { counts } }

    /// The frozen prefix `graph` needs for `batch`: the nodes of
    /// `AdapterGraph.frozenNodes`, from the cache where it has them, computed
    /// (and stored) where it does not.
    public func prefix(_ batch: LabelledBatch<Scalar>, for graph: AdapterGraph<Scalar>) throws -> FrozenPrefix<Scalar> {
        let start = graph.firstChangedNode(nodeCount: backbone.nodeCount)
        guard let keys = batch.keys else { return backbone.frozenPrefix(batch.input, for: graph) }
        let nodes = graph.frozenNodes(nodeCount: backbone.nodeCount)
        let layout = backbone.layout(of: batch.input)
        let lengths = (0..<layout.examples).map { example in
            (0..<layout.length).lazy.filter { layout.isToken[example * layout.length + $0] }.count
        }
        let computed = try fill(batch, keys: keys, lengths: lengths, nodes: nodes)

        let width = backbone.width
        var values: [Int: Matrix<Scalar>] = [:]
        for node in nodes {
            var matrix = Matrix<Scalar>(zeros: layout.rows, width)
            for (example, key) in keys.enumerated() {
                let rows = try read(Key(example: key, node: node))
                precondition(rows.count == lengths[example] * width, "example \(key) changed length")
                matrix.values.withUnsafeMutableBufferPointer { target in
                    _ = UnsafeMutableBufferPointer(rebasing: target[(example * layout.length * width)...]).initialize(from: rows)
                }
            }
            values[node] = matrix
        }
        lock.withLock { counts.hits += keys.count * nodes.count - computed }
        return FrozenPrefix(start: start, values: values, layout: layout)
    }

    /// Computes and stores `nodes` of the examples that miss any of them
    /// (one pass over just those examples); returns how many example-node
    /// values it computed.
    private func fill(_ batch: LabelledBatch<Scalar>, keys: [Int], lengths: [Int], nodes: [Int]) throws -> Int {
        let missing = lock.withLock {
            keys.indices.filter { example in nodes.contains { entries[Key(example: keys[example], node: $0)] == nil } }
        }
        guard !missing.isEmpty else { return 0 }
        let subset = batch.selecting(missing)
        let computed = backbone.frozenPrefix(subset.input, through: nodes.max()!)
        let width = backbone.width, length = computed.layout.length
        for node in nodes {
            let matrix = computed.values[node]!
            for (position, example) in missing.enumerated() {
                let key = Key(example: keys[example], node: node)
                let start = position * length * width
                try store(Array(matrix.values[start..<start + lengths[example] * width]), at: key)
            }
        }
        lock.withLock { counts.misses += missing.count * nodes.count }
        return missing.count * nodes.count
    }

    private func store(_ rows: [Scalar], at key: Key) throws {
        try lock.withLock {
            guard entries[key] == nil else { return }
            let bytes = rows.count * MemoryLayout<Scalar>.stride
            if counts.memoryBytes + bytes <= memoryBudget {
                entries[key] = .memory(rows)
                counts.memoryBytes += bytes
                return
            }
            if spillDescriptor < 0 { spillDescriptor = try Self.openSpillFile(in: spillFolder) }
            try rows.withUnsafeBytes { buffer in
                try Self.check(pwrite(spillDescriptor, buffer.baseAddress, bytes, off_t(spillEnd)) == bytes, "write to", spillFolder)
            }
            entries[key] = .spilled(offset: spillEnd, count: rows.count)
            spillEnd += bytes
            counts.spilledBytes += bytes
        }
    }

    private func read(_ key: Key) throws -> [Scalar] {
        let location = lock.withLock { entries[key]! }
        switch location {
        case let .memory(rows):
            return rows
        case let .spilled(offset, count):
            return try [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
                let bytes = count * MemoryLayout<Scalar>.stride
                try Self.check(pread(spillDescriptor, buffer.baseAddress, bytes, off_t(offset)) == bytes, "read from", spillFolder)
                initialized = count
            }
        }
    }

    /// A new file in `folder`, unlinked at once so that it vanishes with the process.
    private static func openSpillFile(in folder: String) throws -> Int32 {
        var template = Array((folder + "/adapter-search-prefix-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try check(descriptor >= 0, "create a file in", folder)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return descriptor
    }

    private static func check(_ condition: Bool, _ action: String, _ folder: String) throws {
        guard condition else { throw PrefixCacheError(reason: "cannot \(action) the spill file in \(folder): \(String(cString: strerror(errno)))") }
    }
}

/// The prefix cache could not spill to disk.
public struct PrefixCacheError: Error, CustomStringConvertible {
    /// What failed.
    public var reason: String
    /// A message a user can act on.
    public var description: String { reason + " (free space there, or pass a larger memory budget)" }
}
