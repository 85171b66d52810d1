/// The durable strategy state of one run, by plugin id: the
/// `CheckpointStore` a run hands its plugins, kept in the results store so
/// that `--resume` finds it. A run that runs one plugin several times (a
/// study: each strategy at each k and seed) gives each its own `scope`.
public final class StoreCheckpoints: CheckpointStore, Sendable {
    /// Where the state lives.
    public let store: ResultsStore
    /// The run it belongs to.
    public let run: String
    /// What the state is kept under besides the plugin id, if anything.
    public let scope: String?

    /// The checkpoints of run `run` in `store`, under `scope` when given.
    public init(store: ResultsStore, run: String, scope: String? = nil) {
        self.store = store
        self.run = run
        self.scope = scope
    }

    /// The key of plugin `plugin`'s state.
    private func key(_ plugin: String) -> String { scope.map { "\($0)/\(plugin)" } ?? plugin }

    /// Stores the state of plugin `plugin`, committed before this returns.
    public func save(plugin: String, state: [UInt8]) throws {
        try store.saveState(run: run, plugin: key(plugin), state: state)
    }

    /// The state saved last for plugin `plugin` in this run, or nil.
    public func load(plugin: String) throws -> [UInt8]? {
        try store.state(run: run, plugin: key(plugin))
    }
}
