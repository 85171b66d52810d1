import ArgumentParser
import Host

/// How the probe pass is made.
struct ProbeOptions: ParsableArguments {
    @Option(help: "Training examples in the probe batch.")
    var probeSize: Int = 32

    @Option(help: "Seed of the probe batch, the random head and the adapter inits.")
    var probeSeed: UInt64 = 0

    @Option(help: "The probe's head: random (seeded) or fitted (a linear probe trained first, 100 steps).")
    var head: ProbeSettings.Head = .random

    func validate() throws {
        guard probeSize > 0 else { throw ValidationError("--probe-size must be positive") }
    }

    /// The settings these options give.
    var settings: ProbeSettings { ProbeSettings(size: probeSize, seed: probeSeed, head: head) }
}

extension ProbeSettings.Head: ExpressibleByArgument {}
