import ArgumentParser
import Host

/// The `--store FILE` option of every command that reads or writes results.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("store"),
            help: ArgumentHelp("The results store (default: $\(ResultsStore.environmentVariable), else \(ResultsStore.defaultRelativePath)).",
                               valueName: "file"))
    var file: String?

    /// The store file these options name.
    var path: String { file ?? ResultsStore.defaultPath() }

    /// Opens the store; with `create: false` a missing store is an error.
    func open(create: Bool) throws(StoreError) -> ResultsStore {
        try ResultsStore(path: path, create: create)
    }
}
