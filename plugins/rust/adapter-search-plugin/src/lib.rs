//! Write AdapterSearch plugins (metrics and strategies) in Rust.
//!
//! The host loads a plugin library through one C symbol, `asp_plugin_entry`,
//! and the ABI of `plugins/include/adapter_search.h` (rules in
//! docs/PLUGIN_ABI.md). This crate has two layers:
//!
//! * [`raw`]: the header's structs, constants and function-pointer types,
//!   `#[repr(C)]` and checked against the header by tests;
//! * a safe layer over it: implement [`Metric`] (score edges through the
//!   probe services) or [`Strategy`] (select k edges through the search
//!   services), talk to the host through [`Host`], declare parameters with
//!   [`Param`] and read them from [`Config`], and export the library with
//!   [`export_plugins!`].
//!
//! ```ignore
//! use adapter_search_plugin::{export_plugins, Config, Direction, Edge, Host, Metric, Needs, PluginInfo, Result};
//!
//! struct GradientNorm;
//!
//! impl Metric for GradientNorm {
//!     fn info() -> PluginInfo {
//!         PluginInfo { id: "org.example.norm", name: "Norm", version: "1.0.0",
//!                      description: "||G_ij||_F.", params: vec![] }
//!     }
//!     const DIRECTION: Direction = Direction::HigherIsBetter;
//!     const NEEDS: Needs = Needs::PROBE;
//!     fn create(_config: &Config, _host: &Host) -> Result<Self> { Ok(GradientNorm) }
//!     fn score(&mut self, host: &Host, edges: &[Edge]) -> Result<Vec<f64>> {
//!         let probe = host.probe()?;
//!         edges.iter().map(|&edge| Ok(probe.edge_gradient(0, edge)?.frobenius_norm())).collect()
//!     }
//! }
//!
//! export_plugins!(metric GradientNorm);
//! ```
//!
//! Built as a `cdylib`, such a crate exports `asp_plugin_entry` and nothing
//! else (plugins/rust/example-metric is a complete example).
//!
//! # Ownership and errors, in short
//!
//! * What the library publishes (descriptors, strings, parameter tables) is
//!   built once, on the first entry call, and never freed.
//! * A plugin value is owned by the kit from `create` until the host's
//!   `destroy`, which drops it. The [`Host`] and everything its services
//!   lend (matrix views, singular values, state) are borrowed for one call.
//! * Plugin code returns [`Result`]: an [`Error`] reaches the host as its
//!   status code plus its message (`set_error`). A panic is caught at the
//!   boundary and becomes `ASP_ERR_INTERNAL` with the panic's message; the
//!   instance then refuses further calls. Host services that fail return an
//!   `Error` carrying the host's status and message.

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod raw;
#[macro_use]
pub mod sized;
mod error;
mod export;
mod host;
mod params;
mod plugin;
mod services;

pub use error::{Error, Result, Status};
pub use export::{library_entry, Export};
pub use host::{Edge, EdgeKind, Host, LogLevel};
pub use params::{Config, Param, ParamType};
pub use plugin::{Direction, Metric, Needs, PluginInfo, Strategy};
pub use services::{
    Budget, Checkpointing, Evaluation, Gated, GatedBudget, GatedOutcome, MatrixView, PassInput, PassLoss,
    PassRequest, PassWeights, Probe, ProbeInfo, Search,
};
