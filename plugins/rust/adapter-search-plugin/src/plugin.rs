//! What a plugin is: its self-description and the [`Metric`] and
//! [`Strategy`] traits.

use crate::error::Result;
use crate::host::{Edge, Host};
use crate::params::{Config, Param};
use crate::raw;

/// What a plugin says about itself (PLUGIN_ABI.md rule 10). The kit copies
/// it into the C descriptor once, when the library is first loaded; the
/// copy lives until the library is unloaded.
#[derive(Clone, Debug, PartialEq)]
pub struct PluginInfo {
    /// Unique id: short (`gga`) or reverse-domain (`org.example.metric`),
    /// `[A-Za-z0-9._-]+`.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// The plugin's own version, e.g. "1.0.0".
    pub version: &'static str,
    /// A sentence or two on what it does.
    pub description: &'static str,
    /// The parameters it accepts, with defaults and ranges.
    pub params: Vec<Param>,
}

/// Whether a larger metric value means a more promising edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `ASP_HIGHER_IS_BETTER`.
    HigherIsBetter,
    /// `ASP_LOWER_IS_BETTER`.
    LowerIsBetter,
}

impl Direction {
    /// The C code.
    pub fn code(self) -> i32 {
        match self {
            Direction::HigherIsBetter => raw::ASP_HIGHER_IS_BETTER,
            Direction::LowerIsBetter => raw::ASP_LOWER_IS_BETTER,
        }
    }

    /// The direction of a C code, if it is one.
    pub fn from_code(code: i32) -> Option<Direction> {
        match code {
            raw::ASP_HIGHER_IS_BETTER => Some(Direction::HigherIsBetter),
            raw::ASP_LOWER_IS_BETTER => Some(Direction::LowerIsBetter),
            _ => None,
        }
    }
}

/// What a metric needs from the host (`ASP_NEEDS_*` bits), combined with `|`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Needs(pub u32);

impl Needs {
    /// Nothing beyond the basic services.
    pub const NONE: Needs = Needs(0);
    /// The probe pass: H_k, D_k, G_ij.
    pub const PROBE: Needs = Needs(raw::ASP_NEEDS_PROBE);
    /// The singular values of G_ij.
    pub const SPECTRUM: Needs = Needs(raw::ASP_NEEDS_SPECTRUM);
    /// A seeded non-zero adapter init.
    pub const ADAPTER_INIT: Needs = Needs(raw::ASP_NEEDS_ADAPTER_INIT);
    /// Passes beyond the probe (run_pass).
    pub const EXTRA_PASSES: Needs = Needs(raw::ASP_NEEDS_EXTRA_PASSES);

    /// True when no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for Needs {
    type Output = Needs;
    fn bitor(self, other: Needs) -> Needs {
        Needs(self.0 | other.0)
    }
}

/// A metric: scores edges. One value of the type is one instance, created
/// by [`Metric::create`] and dropped when the host destroys the instance.
///
/// Every call runs inside the kit's guard: an `Err` goes to the host as its
/// status with its message (`set_error`), and a panic becomes
/// `ASP_ERR_INTERNAL` with the panic's message. After a panic the instance
/// refuses every further call (its state may be broken); it is still
/// dropped on destroy.
pub trait Metric: Sized + 'static {
    /// The self-description (id, name, version, description, parameters).
    fn info() -> PluginInfo;

    /// Whether a larger score means a more promising edge.
    const DIRECTION: Direction;

    /// What the metric needs from the host. Every need is served by the
    /// probe extension: the kit refuses to create the metric on a host that
    /// does not offer `asp.probe/1` when this is not [`Needs::NONE`].
    const NEEDS: Needs;

    /// Creates an instance from its parameter values, already parsed and
    /// checked against [`PluginInfo::params`]. `host` is lent for the call.
    fn create(config: &Config, host: &Host) -> Result<Self>;

    /// One finite score per edge, in the order of `edges`. The kit checks
    /// the count (a wrong count is `ASP_ERR_INTERNAL`); the host rejects
    /// NaN and infinity. A long call polls [`Host::check_cancelled`].
    fn score(&mut self, host: &Host, edges: &[Edge]) -> Result<Vec<f64>>;
}

/// A strategy: chooses a placement of about `k` edges.
///
/// Guarded like [`Metric`]: errors become statuses with messages, panics
/// become `ASP_ERR_INTERNAL`.
pub trait Strategy: Sized + 'static {
    /// The self-description (id, name, version, description, parameters).
    fn info() -> PluginInfo;

    /// Creates an instance from its parameter values, already parsed and
    /// checked against [`PluginInfo::params`]. `host` is lent for the call.
    fn create(config: &Config, host: &Host) -> Result<Self>;

    /// The chosen edges, distinct. `k` is at least 1 (a request too short to
    /// hold `k` means 1, its default). The kit checks distinctness and the
    /// host's capacity (a larger answer is `ASP_ERR_BUFFER_TOO_SMALL` with
    /// the count needed).
    fn select(&mut self, host: &Host, k: u32) -> Result<Vec<Edge>>;
}
