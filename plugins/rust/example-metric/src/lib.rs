//! An AdapterSearch metric plugin in Rust, built with the kit in
//! `plugins/rust/adapter-search-plugin`.
//!
//! The metric "example.rust.gradient-norm" scores edge (i, j) by the
//! Frobenius norm of its edge gradient on the probe batch,
//!
//! ```text
//!     G_ij = H_i^T D_j                      (width x width)
//!     score(i, j) = ||G_ij||_F ^ exponent
//! ```
//!
//! read from the host's probe service (`asp.probe/1`, `edge_gradient`) and
//! summed in f64. With the default `exponent` 1 it is the built-in
//! `gradient-norm` metric (Sources/Metrics/GradientNorm.swift), so the two
//! give the same scores; `exponent` 2 gives the squared norm. Higher is
//! better.
//!
//! Build (the command the host tests run; Debian's cargo and rustc):
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/asp-rust RUSTC=/usr/bin/rustc \
//!     /usr/bin/cargo build --release --offline --manifest-path plugins/rust/Cargo.toml
//! ```
//!
//! then `adapter-search plugins inspect /tmp/asp-rust/release/libexample_metric.so`.
//! The library exports `asp_plugin_entry` and nothing else.

use adapter_search_plugin::{export_plugins, Config, Direction, Edge, Host, Metric, Needs, Param, PluginInfo, Result};

/// One instance of the metric: the exponent it was created with.
pub struct GradientNorm {
    /// The power the norm is raised to, in [0.25, 4].
    exponent: f64,
}

impl Metric for GradientNorm {
    fn info() -> PluginInfo {
        PluginInfo {
            id: "example.rust.gradient-norm",
            name: "Edge gradient norm (Rust example)",
            version: "1.0.0",
            description: "||G_ij||_F ^ exponent, the Frobenius norm of the edge gradient H_i^T D_j from the probe; \
                          at exponent 1 the built-in gradient-norm.",
            params: vec![Param::real("exponent", 1.0, "the power the norm is raised to (2: the squared norm)")
                .range(0.25, 4.0)],
        }
    }

    const DIRECTION: Direction = Direction::HigherIsBetter;
    const NEEDS: Needs = Needs::PROBE;

    fn create(config: &Config, _host: &Host) -> Result<Self> {
        // The kit has parsed the value and checked it against [0.25, 4].
        Ok(GradientNorm { exponent: config.real("exponent")? })
    }

    fn score(&mut self, host: &Host, edges: &[Edge]) -> Result<Vec<f64>> {
        // The kit checked at create that the host offers the probe.
        let probe = host.probe()?;
        let mut scores = Vec::with_capacity(edges.len());
        for &edge in edges {
            // Long calls poll for Ctrl-C.
            host.check_cancelled()?;
            // A failed service comes back as an Error with the host's
            // status and message; `?` hands it on to the host.
            let gradient = probe.edge_gradient(0, edge)?;
            scores.push(gradient.frobenius_norm().powf(self.exponent));
        }
        Ok(scores)
    }
}

// plugins new: omit from here (the kit's own panic tests)
#[cfg(feature = "test-panics")]
mod panicking {
    //! A metric that panics on request, for the host tests of the kit's
    //! panic guard. Built only with `--features test-panics`.

    use adapter_search_plugin::{Config, Direction, Edge, Host, Metric, Needs, Param, PluginInfo, Result};

    /// Panics in `create` or in `score`, as its `panic-in` parameter says.
    pub struct Panicking {
        panic_in_score: bool,
    }

    impl Metric for Panicking {
        fn info() -> PluginInfo {
            PluginInfo {
                id: "example.rust.panicking",
                name: "Panicking metric (test only)",
                version: "1.0.0",
                description: "Panics in create or score, to test that a panic comes back as an error.",
                params: vec![Param::string("panic-in", "score", "where to panic: create or score")],
            }
        }

        const DIRECTION: Direction = Direction::HigherIsBetter;
        const NEEDS: Needs = Needs::NONE;

        fn create(config: &Config, _host: &Host) -> Result<Self> {
            let place = config.string("panic-in")?;
            if place == "create" {
                panic!("deliberate panic in create");
            }
            Ok(Panicking { panic_in_score: place == "score" })
        }

        fn score(&mut self, _host: &Host, edges: &[Edge]) -> Result<Vec<f64>> {
            if self.panic_in_score {
                let empty: Vec<f64> = Vec::new();
                // An index out of bounds: a panic the plugin did not write itself.
                let _ = empty[edges.len()];
            }
            Ok(vec![1.0; edges.len()])
        }
    }
}

#[cfg(not(feature = "test-panics"))]
// plugins new: omit to here
export_plugins!(metric GradientNorm);

// plugins new: omit from here
#[cfg(feature = "test-panics")]
export_plugins!(metric GradientNorm, metric panicking::Panicking);
// plugins new: omit to here
