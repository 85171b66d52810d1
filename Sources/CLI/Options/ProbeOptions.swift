import ArgumentParser
import Host

/// How the probe pass is made.
struct ProbeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Training examples in the probe batch; compare takes a comma-separated list (8,32,128) and judges every metric row at each size.",
                               valueName: "n[,n...]"))
    var probeSize: String = "32"

    @Option(help: "Seed of the probe batch, the random head and the adapter inits.")
    var probeSeed: UInt64 = 0

    @Option(help: "The probe's head: random (seeded) or fitted (a linear probe trained first, 100 steps).")
    var head: ProbeSettings.Head = .random

    func validate() throws {
        _ = try validating { try sizes }
    }

    /// The sizes `--probe-size` gives, in order: one, or a sweep's list.
    var sizes: [Int] {
        get throws(RunError) { try ProbeSettings.sizes(parsing: probeSize) }
    }

    /// The settings these options give (the first size, when several are given).
    var settings: ProbeSettings { ProbeSettings(size: (try? sizes.first) ?? 32, seed: probeSeed, head: head) }

    /// The one size a command that does not sweep takes; a list is an error naming `command`.
    func single(for command: String) throws(RunError) -> Int {
        let sizes = try sizes
        guard sizes.count == 1 else {
            throw .invalidSetting("--probe-size \(probeSize): \(command) takes one probe size; a list of sizes is a sweep of `compare`")
        }
        return sizes[0]
    }
}

extension ProbeSettings.Head: ExpressibleByArgument {}
