/// The outcome of one check of `adapter-search plugins test`: what was
/// checked, of which plugin (or of the library), and whether it held.
public struct HarnessCheck: Codable, Equatable, Sendable {
    /// Whether a check held.
    public enum Status: String, Codable, Sendable {
        /// The plugin keeps what the ABI promises here.
        case pass
        /// It does not: `detail` says how.
        case fail
        /// The check does not apply (`detail` says why); never a failure.
        case skip
    }

    /// "library" (or "manifest") for checks of the file, else the plugin's id.
    public var subject: String
    /// What was checked, e.g. "same seed, same choice".
    public var check: String
    /// Whether it held.
    public var status: Status
    /// What a pass found, why a check failed or was skipped; may be empty.
    public var detail: String

    /// A check outcome.
    public init(subject: String, check: String, status: Status, detail: String = "") {
        self.subject = subject
        self.check = check
        self.status = status
        self.detail = detail
    }

    /// "gga: same seed, same choice".
    public var name: String { "\(subject): \(check)" }

    /// The line the report prints: "PASS name (detail)", "FAIL name: why"
    /// or "SKIP name: why".
    public var line: String {
        switch status {
        case .pass: "PASS \(name)" + (detail.isEmpty ? "" : " (\(detail))")
        case .fail: "FAIL \(name): \(detail)"
        case .skip: "SKIP \(name): \(detail)"
        }
    }
}

/// What `plugins test` did: how the plugins were run, and every check's
/// outcome in order. The keys are those `--json` prints.
public struct HarnessReport: Codable, Sendable {
    /// The file tested, as an absolute path.
    public var file: String
    /// The probe metrics were scored on.
    public var probe: String
    /// How strategies' evaluations and gated trainings were answered.
    public var evaluations: String
    /// The candidate edges strategies chose among, and the k they were asked for.
    public var strategies: String
    /// The seeds plugins' random streams were drawn from.
    public var seeds: [UInt64]
    /// Whether the checks ran in a child process ("child process") or in this one.
    public var isolation: String
    /// Every check, in the order run.
    public var checks: [HarnessCheck]

    /// A report of checks still to come.
    public init(file: String, probe: String, evaluations: String, strategies: String, seeds: [UInt64], isolation: String,
                checks: [HarnessCheck] = []) {
        self.file = file
        self.probe = probe
        self.evaluations = evaluations
        self.strategies = strategies
        self.seeds = seeds
        self.isolation = isolation
        self.checks = checks
    }

    /// Checks that failed.
    public var failed: Int { checks.count { $0.status == .fail } }
    /// Checks that passed.
    public var passed: Int { checks.count { $0.status == .pass } }
    /// Checks that did not apply.
    public var skipped: Int { checks.count { $0.status == .skip } }

    /// True when no check failed (and at least one ran).
    public var succeeded: Bool { failed == 0 && !checks.isEmpty }

    /// The lines above the checks: what was tested and how.
    public var heading: String {
        """
        testing \(file)
          probe        \(probe)
          strategies   \(strategies)
          evaluations  \(evaluations)
          seeds        \(seeds.map(String.init).joined(separator: " and "))
          run          \(isolation)

        """
    }

    /// The last line: how many checks passed, failed and were skipped.
    public var summary: String {
        "\(checks.count) check\(checks.count == 1 ? "" : "s"): \(passed) passed, \(failed) failed, \(skipped) skipped"
            + (succeeded ? "" : checks.isEmpty ? " (nothing was checked)" : "")
    }

    /// The whole report as text: the heading, one line per check, the summary.
    public var text: String {
        heading + checks.map { $0.line + "\n" }.joined() + "\n" + summary + "\n"
    }

    private enum CodingKeys: String, CodingKey {
        case file, probe, evaluations, strategies, seeds, isolation, checks, passed, failed, skipped
    }

    /// Writes the report with its counts (`passed`, `failed`, `skipped`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(probe, forKey: .probe)
        try container.encode(evaluations, forKey: .evaluations)
        try container.encode(strategies, forKey: .strategies)
        try container.encode(seeds, forKey: .seeds)
        try container.encode(isolation, forKey: .isolation)
        try container.encode(checks, forKey: .checks)
        try container.encode(passed, forKey: .passed)
        try container.encode(failed, forKey: .failed)
        try container.encode(skipped, forKey: .skipped)
    }

    /// Reads a report `encode(to:)` wrote; the counts are recomputed from the checks.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        file = try container.decode(String.self, forKey: .file)
        probe = try container.decode(String.self, forKey: .probe)
        evaluations = try container.decode(String.self, forKey: .evaluations)
        strategies = try container.decode(String.self, forKey: .strategies)
        seeds = try container.decode([UInt64].self, forKey: .seeds)
        isolation = try container.decode(String.self, forKey: .isolation)
        checks = try container.decode([HarnessCheck].self, forKey: .checks)
    }
}
