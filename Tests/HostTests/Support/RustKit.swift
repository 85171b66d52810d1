import Foundation

/// The Rust plugin kit in plugins/rust, built with Debian's cargo and rustc
/// (/usr/bin; scripts/setup installs them). A rustup toolchain elsewhere on
/// PATH is never used: cargo is called by its path and told which rustc.
/// When the toolchain is missing every test that needs it fails with
/// `RustKit.missingToolchain`, never skips.
enum RustKit {
    /// Debian's cargo.
    static let cargo = "/usr/bin/cargo"
    /// Debian's rustc, handed to cargo as RUSTC.
    static let rustc = "/usr/bin/rustc"
    /// Debian's rustdoc, handed to `cargo test` as RUSTDOC (doc tests).
    static let rustdoc = "/usr/bin/rustdoc"
    /// The cargo workspace: the kit and the example metric.
    static let workspace = Locations.packageRoot.appendingPathComponent("plugins/rust")
    /// The hand-written bindings, which record the header's digest.
    static let bindings = workspace.appendingPathComponent("adapter-search-plugin/src/raw.rs")
    /// The example metric's ids.
    static let metric = "example.rust.gradient-norm"
    static let panickingMetric = "example.rust.panicking"

    /// What a test says when the toolchain is missing.
    static func missingToolchain(_ tools: [String]) -> TestSetupError {
        TestSetupError(description: "the Rust plugin kit needs Debian's cargo and rustc, and \(tools.joined(separator: ", ")) "
                       + "is missing: run `bash scripts/setup` (it installs the Debian packages cargo and rustc) "
                       + "or `apt-get install cargo rustc`")
    }

    /// Throws `missingToolchain` unless cargo, rustc and rustdoc are at `directory`.
    static func checkToolchain(in directory: String = "/usr/bin") throws {
        let missing = ["cargo", "rustc", "rustdoc"].map { directory + "/" + $0 }
            .filter { !FileManager.default.isExecutableFile(atPath: $0) }
        if !missing.isEmpty { throw missingToolchain(missing) }
    }

    /// The arguments of the build, exactly as README.md gives them.
    static let buildArguments = ["build", "--release", "--offline", "--manifest-path",
                                 workspace.appendingPathComponent("Cargo.toml").path]

    /// Runs cargo with `arguments`, CARGO_TARGET_DIR `targetDirectory` and
    /// RUSTC (and RUSTDOC for tests) set to Debian's; throws with cargo's
    /// output if it fails.
    @discardableResult
    static func runCargo(_ arguments: [String], targetDirectory: URL, rustdoc useRustdoc: Bool = false) throws -> ProcessResult {
        try checkToolchain()
        var environment = ProcessInfo.processInfo.environment
        environment["CARGO_TARGET_DIR"] = targetDirectory.path
        environment["RUSTC"] = rustc
        if useRustdoc { environment["RUSTDOC"] = rustdoc }
        let result = try runProcess(URL(fileURLWithPath: cargo), arguments, environment: environment)
        guard result.status == 0 else {
            throw TestSetupError(description: "cargo \(arguments.joined(separator: " ")) failed (status \(result.status)):\n"
                                 + result.stderr + result.stdout)
        }
        return result
    }

    /// The example library, as built by the README's command and with the
    /// test-only feature `test-panics`: the bytes of each, built once per
    /// test run in a temporary target folder that is removed afterwards.
    private static let built: Result<(plain: Data, panicking: Data), TestSetupError> = Result {
        try withTemporaryDirectory { target in
            let library = target.appendingPathComponent("release/libexample_metric.so")
            try runCargo(buildArguments, targetDirectory: target)
            let plain = try Data(contentsOf: library)
            try runCargo(buildArguments + ["--features", "example-metric/test-panics"], targetDirectory: target)
            return (plain, try Data(contentsOf: library))
        }
    }.mapError { $0 as? TestSetupError ?? TestSetupError(description: "building the Rust example failed: \($0)") }

    /// Writes the example library (with the panicking metric when
    /// `panicking`) into `directory` and returns its path.
    static func example(in directory: URL, panicking: Bool = false) throws -> String {
        let bytes = try built.get()
        let path = directory.appendingPathComponent(panicking ? "libexample_metric_panics.so" : "libexample_metric.so")
        try (panicking ? bytes.panicking : bytes.plain).write(to: path)
        return path.path
    }
}
