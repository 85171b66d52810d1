/// The durable strategy state of one run, by plugin id: the
/// `CheckpointStore` a run hands its plugins, kept in the results store so
/// that `--resume` finds it.
public final class StoreCheckpoints: CheckpointStore, Sendable {
    /// Where the state lives.
    public let store: ResultsStore
    /// The run it belongs to.
    public let run: String

    /// The checkpoints of run `run` in `store`.
    public init(store: ResultsStore, run: String) {
        self.store = store
        self.run = run
    }

    /// Stores the state of plugin `plugin`, committed before this returns.
    public func save(plugin: String, state: [UInt8]) throws {
        try store.saveState(run: run, plugin: plugin, state: state)
    }

    /// The state saved last for plugin `plugin` in this run, or nil.
    public func load(plugin: String) throws -> [UInt8]? {
        try store.state(run: run, plugin: plugin)
    }
}
