import ArgumentParser
import Host

/// `--set`: plugin parameters, for every command that runs metrics or strategies.
struct ParameterOptions: ParsableArguments {
    @Option(name: .customLong("set"),
            help: ArgumentHelp("A plugin parameter, PLUGIN.NAME=VALUE (repeatable); on commands that run a strategy, NAME=VALUE sets that strategy's.",
                               valueName: "plugin.name=value"))
    var assignments: [String] = []

    func validate() throws {
        for text in assignments { _ = try ParameterAssignment(parsing: text) }
    }

    /// The parameters of `strategy` and, by id, of every other plugin named.
    func split(strategy: String?) throws -> (strategy: [String: String], plugins: [String: [String: String]]) {
        try ParameterAssignment.split(assignments, strategy: strategy)
    }
}
