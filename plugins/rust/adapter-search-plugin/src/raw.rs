//! The raw C ABI of `plugins/include/adapter_search.h`, ABI 1.2, written by
//! hand from the header and checked against it.
//!
//! Every item here mirrors one of the header's, under the same name: the
//! `#[repr(C)]` structs (field for field, in order), the constants, the
//! function-pointer types and the function-like macros (as `const fn`s). A C
//! function pointer that may be NULL is an `Option<unsafe extern "C" fn ...>`.
//! Nothing here is safe to use without reading the header's rules on who
//! owns what; the rest of the crate is the safe layer over it.
//!
//! # Keeping the bindings in step with the header
//!
//! [`HEADER_SHA256`] is the SHA-256 of the header these bindings were written
//! from. Two tests catch drift:
//!
//! * the host test suite (`Tests/HostTests/RustPluginKitTests.swift`) fails
//!   when the header's current digest differs from [`HEADER_SHA256`]: any
//!   change to the header, even one that keeps every size, asks for a review
//!   of this file;
//! * `tests/header_layout.rs` compiles a C program against the header with
//!   `cc` and compares every struct's size and alignment, every field's offset
//!   and size, and every constant with these bindings.
//!
//! After changing the header: update this file to match, run
//! `cargo test --offline` (with Debian's cargo, see README.md), then record
//! the new digest with `tools/rust_bindings_digest.sh --record`.

#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_void};

/// SHA-256 (lowercase hex) of the `adapter_search.h` these bindings match.
/// Recorded by `tools/rust_bindings_digest.sh --record`.
pub const HEADER_SHA256: &str = "8db64bf64358e76b6281b6a2fac8a62b741724fbf52354a584f7139260e7f734";

// ===========================================================================
// Versions and the entry point
// ===========================================================================

/// The ABI major version this header describes. A change breaks plugins.
pub const ASP_ABI_VERSION_MAJOR: u32 = 1;
/// The ABI minor version this header describes. A change only appends.
pub const ASP_ABI_VERSION_MINOR: u32 = 3;

/// `ASP_MAKE_VERSION`: packs a major and minor version into one `u32`.
pub const fn asp_make_version(major: u32, minor: u32) -> u32 {
    (major << 16) | (minor & 0xFFFF)
}
/// `ASP_VERSION_MAJOR`: the major half of a packed version.
pub const fn asp_version_major(version: u32) -> u32 {
    version >> 16
}
/// `ASP_VERSION_MINOR`: the minor half of a packed version.
pub const fn asp_version_minor(version: u32) -> u32 {
    version & 0xFFFF
}
/// The ABI version this header describes, packed.
pub const ASP_ABI_VERSION: u32 = asp_make_version(ASP_ABI_VERSION_MAJOR, ASP_ABI_VERSION_MINOR);

/// `ASP_ENTRY_SYMBOL`: the name of the one symbol a plugin library exports
/// (NUL-terminated).
pub const ASP_ENTRY_SYMBOL: &[u8] = b"asp_plugin_entry\0";

// ===========================================================================
// Status codes
// ===========================================================================

/// What a call returns: [`ASP_OK`], or one of the errors below.
pub type asp_status = i32;

/// Success.
pub const ASP_OK: asp_status = 0;
/// An argument or config value is wrong.
pub const ASP_ERR_INVALID_ARGUMENT: asp_status = 1;
/// The request is valid but not supported.
pub const ASP_ERR_UNSUPPORTED: asp_status = 2;
/// An allocation failed.
pub const ASP_ERR_OUT_OF_MEMORY: asp_status = 3;
/// The user asked to stop (should_stop).
pub const ASP_ERR_CANCELLED: asp_status = 4;
/// An output buffer lacks capacity.
pub const ASP_ERR_BUFFER_TOO_SMALL: asp_status = 5;
/// The thing asked for does not exist.
pub const ASP_ERR_NOT_FOUND: asp_status = 6;
/// The engine failed (see last_error).
pub const ASP_ERR_ENGINE: asp_status = 7;
/// A bug inside the callee.
pub const ASP_ERR_INTERNAL: asp_status = 8;

// ===========================================================================
// The adapter graph
// ===========================================================================

/// Edge kind: i == j.
pub const ASP_EDGE_SEQUENTIAL: i32 = 1;
/// Edge kind: j == i + 1.
pub const ASP_EDGE_PARALLEL: i32 = 2;
/// Edge kind: j > i + 1.
pub const ASP_EDGE_LONG_RANGE: i32 = 3;
/// Edge kind: i > j.
pub const ASP_EDGE_RECURRENT: i32 = 4;

/// `ASP_EDGE_KIND_BIT`: the bit of an edge kind in a kind mask.
pub const fn asp_edge_kind_bit(kind: i32) -> u32 {
    1u32 << kind
}
/// A kind mask with every edge kind set.
pub const ASP_EDGE_KINDS_ALL: u32 = asp_edge_kind_bit(ASP_EDGE_SEQUENTIAL)
    | asp_edge_kind_bit(ASP_EDGE_PARALLEL)
    | asp_edge_kind_bit(ASP_EDGE_LONG_RANGE)
    | asp_edge_kind_bit(ASP_EDGE_RECURRENT);

/// One adapter: reads residual node `source`, adds into node `target`.
/// Fixed forever: it has no size field and never grows.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct asp_edge {
    /// The node the adapter reads.
    pub source: i32,
    /// The node the adapter adds into.
    pub target: i32,
}

/// The kind of an edge, one of `ASP_EDGE_*` (the header's inline function).
pub const fn asp_edge_kind(edge: asp_edge) -> i32 {
    if edge.source == edge.target {
        ASP_EDGE_SEQUENTIAL
    } else if edge.target == edge.source + 1 {
        ASP_EDGE_PARALLEL
    } else if edge.target > edge.source + 1 {
        ASP_EDGE_LONG_RANGE
    } else {
        ASP_EDGE_RECURRENT
    }
}

/// A set of edges: one placement of adapters. Sized.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_placement {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// Number of edges in `edges`.
    pub edge_count: u32,
    /// The edges, distinct. Borrowed: valid for the call it is passed to.
    pub edges: *const asp_edge,
}

// ===========================================================================
// Self-description: parameters and plugin descriptors
// ===========================================================================

/// Plugin kind: scores edges (descriptor->score).
pub const ASP_KIND_METRIC: i32 = 1;
/// Plugin kind: selects a placement (descriptor->select).
pub const ASP_KIND_STRATEGY: i32 = 2;

/// Metric direction: a larger score is a more promising edge.
pub const ASP_HIGHER_IS_BETTER: i32 = 1;
/// Metric direction: a smaller score is a more promising edge.
pub const ASP_LOWER_IS_BETTER: i32 = -1;

/// Needs the probe pass: H_k, D_k, G_ij.
pub const ASP_NEEDS_PROBE: u32 = 1;
/// Needs the singular values of G_ij.
pub const ASP_NEEDS_SPECTRUM: u32 = 2;
/// Needs a seeded non-zero adapter init.
pub const ASP_NEEDS_ADAPTER_INIT: u32 = 4;
/// Needs passes beyond the probe (run_pass).
pub const ASP_NEEDS_EXTRA_PASSES: u32 = 8;

/// Parameter type: decimal integer, e.g. "3" or "-2".
pub const ASP_PARAM_INT: i32 = 1;
/// Parameter type: decimal real, e.g. "0.6" or "1e-3".
pub const ASP_PARAM_REAL: i32 = 2;
/// Parameter type: "true" or "false".
pub const ASP_PARAM_BOOL: i32 = 3;
/// Parameter type: any UTF-8 text.
pub const ASP_PARAM_STRING: i32 = 4;

/// `minimum` is an inclusive lower bound.
pub const ASP_PARAM_HAS_MINIMUM: u32 = 1;
/// `maximum` is an inclusive upper bound.
pub const ASP_PARAM_HAS_MAXIMUM: u32 = 2;

/// One parameter a plugin accepts. Sized. All strings are owned by the
/// library and live until it is unloaded.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_param_descriptor {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// One of `ASP_PARAM_*`.
    pub type_: i32,
    /// Name used in configs: `[a-z0-9_-]+`, unique per plugin.
    pub name: *const c_char,
    /// One line of help for users.
    pub help: *const c_char,
    /// The default value as text, valid for `type`. Never NULL.
    pub default_value: *const c_char,
    /// `ASP_PARAM_HAS_*` bits; bounds apply to INT and REAL parameters.
    pub flags: u32,
    /// Inclusive lower bound if `ASP_PARAM_HAS_MINIMUM` is set.
    pub minimum: f64,
    /// Inclusive upper bound if `ASP_PARAM_HAS_MAXIMUM` is set.
    pub maximum: f64,
}

/// The configuration of one instance: every declared parameter as key/value
/// text. Sized. Borrowed for the duration of create.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_config {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// Number of entries in `keys` and `values`.
    pub count: u32,
    /// `count` parameter names, NUL-terminated.
    pub keys: *const *const c_char,
    /// `count` values as text, NUL-terminated, in the order of `keys`.
    pub values: *const *const c_char,
}

/// What a strategy is asked for. Sized. Borrowed for the call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_select_request {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// How many edges the placement should hold. Always at least 1.
    pub k: u32,
}

/// `create`: makes an instance into `*instance`.
pub type asp_create_fn = unsafe extern "C" fn(
    descriptor: *const asp_plugin_descriptor,
    host: *const asp_host,
    config: *const asp_config,
    instance: *mut *mut c_void,
) -> asp_status;
/// `destroy`: frees an instance. Never fails.
pub type asp_destroy_fn = unsafe extern "C" fn(instance: *mut c_void);
/// `score`: a metric scores `count` edges into `scores`.
pub type asp_score_fn = unsafe extern "C" fn(
    instance: *mut c_void,
    edges: *const asp_edge,
    count: u32,
    scores: *mut f64,
) -> asp_status;
/// `select`: a strategy writes at most `capacity` edges and their number.
pub type asp_select_fn = unsafe extern "C" fn(
    instance: *mut c_void,
    request: *const asp_select_request,
    edges: *mut asp_edge,
    capacity: u32,
    count: *mut u32,
) -> asp_status;

/// One plugin of a library. Sized. The fields up to and including `select`
/// are required ([`asp_plugin_descriptor_min_size`]); `param_count` and
/// `params` default to "no parameters".
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_plugin_descriptor {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// `ASP_KIND_METRIC` or `ASP_KIND_STRATEGY`.
    pub kind: i32,
    /// Unique id, `[A-Za-z0-9._-]+`. Never NULL.
    pub id: *const c_char,
    /// Display name. Never NULL.
    pub name: *const c_char,
    /// The plugin's own version. Never NULL.
    pub version: *const c_char,
    /// A sentence or two on what it does. Never NULL.
    pub description: *const c_char,
    /// Metrics: `ASP_HIGHER_IS_BETTER` or `ASP_LOWER_IS_BETTER`. Strategies: 0.
    pub direction: i32,
    /// Metrics: `ASP_NEEDS_*` bits. Strategies: 0.
    pub needs: u32,
    /// Creates an instance (see [`asp_create_fn`]). Required.
    pub create: Option<asp_create_fn>,
    /// Destroys an instance (see [`asp_destroy_fn`]). Required.
    pub destroy: Option<asp_destroy_fn>,
    /// Metrics only; NULL for strategies.
    pub score: Option<asp_score_fn>,
    /// Strategies only; NULL for metrics.
    pub select: Option<asp_select_fn>,
    /// Optional: number of entries in `params`. Default: 0.
    pub param_count: u32,
    /// Optional: `param_count` pointers. Default: none.
    pub params: *const *const asp_param_descriptor,
}

/// `ASP_PLUGIN_DESCRIPTOR_MIN_SIZE`: the smallest `struct_size` a host
/// accepts for [`asp_plugin_descriptor`] (through `select`).
pub fn asp_plugin_descriptor_min_size() -> usize {
    crate::sized::field_end!(asp_plugin_descriptor, select)
}

/// What `asp_plugin_entry` returns. Sized. Owned by the library; valid until
/// it is unloaded.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_library {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// The ABI version the library implements: `ASP_ABI_VERSION`.
    pub abi_version: u32,
    /// Number of plugins.
    pub plugin_count: u32,
    /// `plugin_count` pointers, none NULL.
    pub plugins: *const *const asp_plugin_descriptor,
}

/// The type of the one exported symbol, `asp_plugin_entry`.
pub type asp_plugin_entry_fn = unsafe extern "C" fn(host_abi_version: u32) -> *const asp_library;

// ===========================================================================
// Host services
// ===========================================================================

/// Log level.
pub const ASP_LOG_DEBUG: i32 = 0;
/// Log level.
pub const ASP_LOG_INFO: i32 = 1;
/// Log level.
pub const ASP_LOG_WARNING: i32 = 2;
/// Log level.
pub const ASP_LOG_ERROR: i32 = 3;

/// The services every host offers, passed to create. Sized. Owned by the
/// host, valid until destroy returns.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_host {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// The ABI version the host speaks.
    pub abi_version: u32,
    /// Opaque host state for this instance.
    pub context: *mut c_void,
    /// Logs one line (borrowed). Any thread, while the instance exists.
    pub log: Option<unsafe extern "C" fn(context: *mut c_void, level: i32, message: *const c_char)>,
    /// Records the message (borrowed, copied) of the error the current call returns.
    pub set_error: Option<unsafe extern "C" fn(context: *mut c_void, message: *const c_char)>,
    /// The message of the last failed service call, or ""; valid until the next service call.
    pub last_error: Option<unsafe extern "C" fn(context: *mut c_void) -> *const c_char>,
    /// Reports progress: a fraction in [0, 1] and a short message (borrowed).
    pub progress: Option<unsafe extern "C" fn(context: *mut c_void, fraction: f64, message: *const c_char)>,
    /// Nonzero when the user asked to stop.
    pub should_stop: Option<unsafe extern "C" fn(context: *mut c_void) -> i32>,
    /// The next 64 bits of this instance's seeded random stream.
    pub random_u64: Option<unsafe extern "C" fn(context: *mut c_void) -> u64>,
    /// An optional capability by id with revision, or NULL; owned by the host until destroy returns.
    pub get_extension: Option<unsafe extern "C" fn(context: *mut c_void, id: *const c_char) -> *const c_void>,
    /// Number of residual nodes n = 2L + 1.
    pub node_count: Option<unsafe extern "C" fn(context: *mut c_void) -> u32>,
    /// The candidate edges, two-call pattern (ASP_ERR_BUFFER_TOO_SMALL with the count needed).
    pub candidate_edges: Option<
        unsafe extern "C" fn(context: *mut c_void, edges: *mut asp_edge, capacity: u32, count: *mut u32) -> asp_status,
    >,
}

// ---------------------------------------------------------------------------
// Extension "asp.probe/1"
// ---------------------------------------------------------------------------

/// The probe extension's id (NUL-terminated).
pub const ASP_EXT_PROBE: &[u8] = b"asp.probe/1\0";

/// A read-only row-major float32 matrix owned by the host. Sized.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_matrix_view {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// Rows.
    pub rows: u32,
    /// Columns.
    pub cols: u32,
    /// `rows * cols` floats, row-major; valid until the current call returns.
    pub data: *const f32,
}

/// What a probe measured. Sized.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_probe_info {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// Hidden width d.
    pub width: u32,
    /// N: non-padding tokens in the probe batch.
    pub tokens: u32,
    /// B: examples in the probe batch.
    pub examples: u32,
    /// Number of classes of the task head.
    pub classes: u32,
    /// The probe's loss.
    pub loss: f64,
}

/// Extra pass input: a batch of the task's data.
pub const ASP_INPUT_DATA: i32 = 0;
/// Extra pass input: every input feature set to one.
pub const ASP_INPUT_ONES: i32 = 1;
/// Extra pass weights: as they are.
pub const ASP_WEIGHTS_AS_IS: i32 = 0;
/// Extra pass weights: every backbone weight replaced by |w|.
pub const ASP_WEIGHTS_ABSOLUTE: i32 = 1;
/// Extra pass loss: cross-entropy.
pub const ASP_LOSS_CROSS_ENTROPY: i32 = 0;
/// Extra pass loss: the sum of the head's outputs (synflow).
pub const ASP_LOSS_SUM_OF_OUTPUTS: i32 = 1;

/// An extra forward and backward pass. Sized. Borrowed for the call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_pass_request {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// 0 is the probe batch; others draw a batch with that seed.
    pub batch_seed: u64,
    /// Batch size; 0 means the probe's.
    pub examples: u32,
    /// `ASP_INPUT_*`.
    pub input: i32,
    /// `ASP_WEIGHTS_*`.
    pub weights: i32,
    /// `ASP_LOSS_*`.
    pub loss: i32,
    /// Number of maps in `perturbed_edges` and `perturbations`.
    pub perturbation_count: u32,
    /// The edges the maps are added on. Borrowed.
    pub perturbed_edges: *const asp_edge,
    /// `perturbation_count` width x width row-major maps. Borrowed.
    pub perturbations: *const *const f32,
}

/// The probe services. Sized table owned by the host.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_probe_api {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// Describes probe `probe` into caller-allocated *info (sized).
    pub info: Option<unsafe extern "C" fn(context: *mut c_void, probe: u32, info: *mut asp_probe_info) -> asp_status>,
    /// H_k: node `node`'s activations, tokens x width, into *view.
    pub activations: Option<
        unsafe extern "C" fn(context: *mut c_void, probe: u32, node: u32, view: *mut asp_matrix_view) -> asp_status,
    >,
    /// D_k: dL/dh at node `node`, tokens x width, into *view.
    pub gradients: Option<
        unsafe extern "C" fn(context: *mut c_void, probe: u32, node: u32, view: *mut asp_matrix_view) -> asp_status,
    >,
    /// G_ij = H_i^T D_j, width x width, into *view.
    pub edge_gradient: Option<
        unsafe extern "C" fn(context: *mut c_void, probe: u32, edge: asp_edge, view: *mut asp_matrix_view) -> asp_status,
    >,
    /// The singular values of G_ij (float64, descending), lent by the host.
    pub singular_values: Option<
        unsafe extern "C" fn(
            context: *mut c_void,
            probe: u32,
            edge: asp_edge,
            values: *mut *const f64,
            count: *mut u32,
        ) -> asp_status,
    >,
    /// The number of singular values above relative_tolerance * sigma_max.
    pub rank: Option<
        unsafe extern "C" fn(
            context: *mut c_void,
            probe: u32,
            edge: asp_edge,
            relative_tolerance: f64,
            rank: *mut u32,
        ) -> asp_status,
    >,
    /// A seeded non-zero adapter init of rank `rank`: W_down and W_up.
    pub adapter_init: Option<
        unsafe extern "C" fn(
            context: *mut c_void,
            edge: asp_edge,
            rank: u32,
            down: *mut asp_matrix_view,
            up: *mut asp_matrix_view,
        ) -> asp_status,
    >,
    /// Runs an extra pass and writes the new probe's number into *probe.
    pub run_pass: Option<
        unsafe extern "C" fn(context: *mut c_void, request: *const asp_pass_request, probe: *mut u32) -> asp_status,
    >,
}

// ---------------------------------------------------------------------------
// Extension "asp.search/1"
// ---------------------------------------------------------------------------

/// The search extension's id (NUL-terminated).
pub const ASP_EXT_SEARCH: &[u8] = b"asp.search/1\0";

/// A training budget. Sized. Zero fields mean "the run's default".
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_budget {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// Optimiser steps.
    pub steps: u32,
    /// Training examples drawn per placement (0: the whole train split).
    pub examples: u32,
}

/// The outcome of training one placement. Sized; filled by the host.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_evaluation {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// Validation accuracy in [0, 1]; NaN when the training diverged.
    pub accuracy: f64,
    /// Validation loss; NaN when the training diverged.
    pub loss: f64,
    /// Trainable parameters (adapters and head).
    pub parameters: u64,
    /// Wall-clock training and evaluation time, seconds.
    pub seconds: f64,
    /// Since 1.1: 1 when the training diverged, 0 otherwise.
    pub diverged: u32,
}

/// The search services. Sized table owned by the host.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_search_api {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// Scores `count` edges with a metric by id, and that metric's direction.
    pub scores: Option<
        unsafe extern "C" fn(
            context: *mut c_void,
            metric_id: *const c_char,
            edges: *const asp_edge,
            count: u32,
            scores: *mut f64,
            direction: *mut i32,
        ) -> asp_status,
    >,
    /// Trains and validates `count` placements under a budget (NULL: the run's).
    pub evaluate: Option<
        unsafe extern "C" fn(
            context: *mut c_void,
            placements: *const *const asp_placement,
            count: u32,
            budget: *const asp_budget,
            results: *const *mut asp_evaluation,
        ) -> asp_status,
    >,
}

// ---------------------------------------------------------------------------
// Extension "asp.checkpointing/1"
// ---------------------------------------------------------------------------

/// The checkpointing extension's id (NUL-terminated).
pub const ASP_EXT_CHECKPOINTING: &[u8] = b"asp.checkpointing/1\0";

/// The checkpointing services. Sized table owned by the host.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_checkpointing_api {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// Stores `size` bytes (borrowed, copied) as this instance's state.
    pub save_state: Option<unsafe extern "C" fn(context: *mut c_void, bytes: *const c_void, size: u64) -> asp_status>,
    /// The state saved last: bytes owned by the host until the call returns; ASP_ERR_NOT_FOUND when none.
    pub load_state:
        Option<unsafe extern "C" fn(context: *mut c_void, bytes: *mut *const c_void, size: *mut u64) -> asp_status>,
}

// ---------------------------------------------------------------------------
// Extension "asp.gated/1" (since 1.2)
// ---------------------------------------------------------------------------

/// The gated-training extension's id (NUL-terminated).
pub const ASP_EXT_GATED: &[u8] = b"asp.gated/1\0";

/// How a gated training runs. Sized; filled by the plugin.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_gated_budget {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// Optimiser steps; 0: the run's steps.
    pub steps: u32,
    /// Peak learning rate of the adapters and the head; 0: the run's.
    pub learning_rate: f64,
    /// Learning rate of the gates' logits; > 0.
    pub gate_learning_rate: f64,
    /// lambda >= 0: the weight of the mean probability that a gate is open.
    pub sparsity: f64,
    /// Temperature at the first step; > 0.
    pub initial_temperature: f64,
    /// Temperature at the last step; > 0.
    pub final_temperature: f64,
    /// Every gate's logit before training.
    pub initial_logit: f64,
}

/// The outcome of a gated training. Sized; filled by the host.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_gated_result {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// Validation accuracy of the gated model; NaN when it diverged.
    pub accuracy: f64,
    /// Its validation loss; NaN when it diverged.
    pub loss: f64,
    /// Wall-clock seconds, validation included.
    pub seconds: f64,
    /// 1 when the training diverged, 0 otherwise.
    pub diverged: u32,
}

/// The gated-training service. Sized table owned by the host.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_gated_api {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// Trains adapters on `count` edges together behind gates; probabilities and result are caller-allocated.
    pub train_gated: Option<
        unsafe extern "C" fn(
            context: *mut c_void,
            edges: *const asp_edge,
            count: u32,
            budget: *const asp_gated_budget,
            probabilities: *mut f64,
            result: *mut asp_gated_result,
        ) -> asp_status,
    >,
}

// ---------------------------------------------------------------------------
// Extension "asp.findings/1" (since 1.3)
// ---------------------------------------------------------------------------

/// The findings extension's id (NUL-terminated).
pub const ASP_EXT_FINDINGS: &[u8] = b"asp.findings/1\0";

/// The findings services: named findings a strategy reports about its selection. Sized table owned by the host.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asp_findings_api {
    /// `sizeof` of the struct as its filler compiled it (see [`crate::sized`]).
    pub struct_size: u32,
    /// Reports finding `name` with UTF-8 text `value` (both borrowed, copied).
    pub report_text:
        Option<unsafe extern "C" fn(context: *mut c_void, name: *const c_char, value: *const c_char) -> asp_status>,
    /// Reports finding `name` (borrowed, copied) with a finite number.
    pub report_number: Option<unsafe extern "C" fn(context: *mut c_void, name: *const c_char, value: f64) -> asp_status>,
}
