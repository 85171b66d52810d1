//! The engine extensions: `asp.probe/1` (metrics), `asp.search/1`,
//! `asp.gated/1` and `asp.checkpointing/1` (strategies).
//!
//! Each is reached through [`Host`](crate::Host) (`host.probe()`, ...) and
//! borrows it, so nothing these services lend outlives the call into the
//! plugin. Every table is sized: a service the host's table does not cover
//! is an [`Status::Unsupported`](crate::Status::Unsupported) error naming it.
//! A service that fails returns an [`Error`] with its status and the host's
//! message.

use crate::error::{Error, Result};
use crate::host::{c_text, Edge, Host};
use crate::plugin::Direction;
use crate::raw;
use crate::read_field;
use crate::sized::SizedStruct;
use std::os::raw::c_void;

/// Copies the fields of the sized table at `from` that its `struct_size`
/// covers into a zeroed table (the others stay NULL).
macro_rules! copy_table {
    ($from:expr, $type:ty, [$($field:ident),*]) => {{
        let from: *const $type = $from;
        let mut table = <$type as SizedStruct>::sized();
        // SAFETY: the caller's contract: the host's table, read within its size.
        $(if let Some(value) = unsafe { read_field!(from, $type, $field) } { table.$field = value; })*
        table
    }};
}

/// The service `function` of extension `id`, or an unsupported error.
fn service<F: Copy>(function: Option<F>, id: &str, name: &str) -> Result<F> {
    function.ok_or_else(|| Error::unsupported(format!("the host's {} table has no {}", id, name)))
}

// ===========================================================================
// asp.probe/1
// ===========================================================================

/// A read-only row-major float32 matrix the host lends until the current
/// call into the plugin returns (the `'h` borrow of the [`Host`]).
#[derive(Clone, Copy, Debug)]
pub struct MatrixView<'h> {
    rows: usize,
    cols: usize,
    values: &'h [f32],
}

impl<'h> MatrixView<'h> {
    /// The view the host filled in, checked: `rows * cols` values behind a
    /// non-NULL pointer (an empty matrix may have a NULL one).
    ///
    /// # Safety
    ///
    /// `view` was filled by a host service of this call: `data` points to
    /// `rows * cols` floats valid for `'h`.
    unsafe fn from_raw(view: &raw::asp_matrix_view, what: &str) -> Result<MatrixView<'h>> {
        let rows = view.rows as usize;
        let cols = view.cols as usize;
        let count = rows
            .checked_mul(cols)
            .ok_or_else(|| Error::engine(format!("{}: a {} x {} view is too large", what, rows, cols)))?;
        let values: &'h [f32] = if count == 0 {
            &[]
        } else if view.data.is_null() {
            return Err(Error::engine(format!("{}: the host lent a {} x {} view with no data", what, rows, cols)));
        } else {
            // SAFETY: the caller's contract.
            unsafe { std::slice::from_raw_parts(view.data, count) }
        };
        Ok(MatrixView { rows, cols, values })
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The `rows * cols` values, row-major.
    pub fn values(&self) -> &'h [f32] {
        self.values
    }

    /// The element at `row`, `col`; `None` outside the matrix.
    pub fn get(&self, row: usize, col: usize) -> Option<f32> {
        if row < self.rows && col < self.cols {
            Some(self.values[row * self.cols + col])
        } else {
            None
        }
    }

    /// The sum of the squares of all values, accumulated in f64.
    pub fn squared_frobenius_norm(&self) -> f64 {
        self.values.iter().map(|&value| f64::from(value) * f64::from(value)).sum()
    }

    /// The Frobenius norm, the square root of [`MatrixView::squared_frobenius_norm`].
    pub fn frobenius_norm(&self) -> f64 {
        self.squared_frobenius_norm().sqrt()
    }
}

/// What a probe measured (`asp_probe_info`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbeInfo {
    /// Hidden width d.
    pub width: u32,
    /// N: non-padding tokens (or patches) in the probe batch.
    pub tokens: u32,
    /// B: examples in the probe batch.
    pub examples: u32,
    /// Number of classes of the task head.
    pub classes: u32,
    /// The probe's loss.
    pub loss: f64,
}

/// Where an extra pass's node 0 comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassInput {
    /// A batch of the task's data (`ASP_INPUT_DATA`).
    Data,
    /// Every input feature set to one (`ASP_INPUT_ONES`).
    Ones,
}

/// The backbone weights of an extra pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassWeights {
    /// As they are (`ASP_WEIGHTS_AS_IS`).
    AsIs,
    /// Every backbone weight replaced by |w| (`ASP_WEIGHTS_ABSOLUTE`).
    Absolute,
}

/// The loss an extra pass differentiates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassLoss {
    /// Cross-entropy (`ASP_LOSS_CROSS_ENTROPY`).
    CrossEntropy,
    /// The sum of the head's outputs (`ASP_LOSS_SUM_OF_OUTPUTS`, synflow).
    SumOfOutputs,
}

/// An extra forward and backward pass (`asp_pass_request`). The default
/// repeats the probe pass.
#[derive(Clone, Debug, PartialEq)]
pub struct PassRequest {
    /// 0: the probe batch; another seed draws a batch with it.
    pub batch_seed: u64,
    /// Batch size; 0 means the probe's.
    pub examples: u32,
    /// Where node 0 comes from.
    pub input: PassInput,
    /// The backbone's weights.
    pub weights: PassWeights,
    /// The loss backward starts from.
    pub loss: PassLoss,
    /// Dense width x width row-major maps added on edges during the pass:
    /// h_target += h_source W_e.
    pub perturbations: Vec<(Edge, Vec<f32>)>,
}

impl Default for PassRequest {
    fn default() -> PassRequest {
        PassRequest {
            batch_seed: 0,
            examples: 0,
            input: PassInput::Data,
            weights: PassWeights::AsIs,
            loss: PassLoss::CrossEntropy,
            perturbations: Vec::new(),
        }
    }
}

/// The probe pass (METHOD.md section 4), extension `asp.probe/1`. Probe 0 is
/// the run's probe; [`Probe::run_pass`] makes more.
pub struct Probe<'h> {
    host: &'h Host,
    table: raw::asp_probe_api,
}

const PROBE: &str = "asp.probe/1";

impl<'h> Probe<'h> {
    /// # Safety
    ///
    /// `table` is the host's `asp_probe_api`, valid while `host` is.
    pub(crate) unsafe fn new(host: &'h Host, table: *const raw::asp_probe_api) -> Probe<'h> {
        let table = copy_table!(table, raw::asp_probe_api,
            [info, activations, gradients, edge_gradient, singular_values, rank, adapter_init, run_pass]);
        Probe { host, table }
    }

    /// What probe `probe` measured (0: the run's probe).
    pub fn info(&self, probe: u32) -> Result<ProbeInfo> {
        let info_fn = service(self.table.info, PROBE, "info")?;
        let mut info = raw::asp_probe_info::sized();
        // SAFETY: a service of this host; `info` is ours, sized.
        let status = unsafe { info_fn(self.host.context(), probe, &mut info) };
        self.host.check(status, format_args!("probe info of probe {}", probe))?;
        Ok(ProbeInfo {
            width: info.width,
            tokens: info.tokens,
            examples: info.examples,
            classes: info.classes,
            loss: info.loss,
        })
    }

    /// H_k: the activations at node `node` of probe `probe`, tokens x width.
    pub fn activations(&self, probe: u32, node: u32) -> Result<MatrixView<'h>> {
        let function = service(self.table.activations, PROBE, "activations")?;
        let what = format!("activations of node {}", node);
        // SAFETY: a service of this host writing into our sized view.
        self.view(&what, |context, view| unsafe { function(context, probe, node, view) })
    }

    /// D_k: dL/dh at node `node` of probe `probe`, tokens x width.
    pub fn gradients(&self, probe: u32, node: u32) -> Result<MatrixView<'h>> {
        let function = service(self.table.gradients, PROBE, "gradients")?;
        let what = format!("gradients of node {}", node);
        // SAFETY: as in activations.
        self.view(&what, |context, view| unsafe { function(context, probe, node, view) })
    }

    /// G_ij = H_i^T D_j of probe `probe`, width x width.
    pub fn edge_gradient(&self, probe: u32, edge: Edge) -> Result<MatrixView<'h>> {
        let function = service(self.table.edge_gradient, PROBE, "edge_gradient")?;
        let what = format!("edge gradient of {}", edge);
        // SAFETY: as in activations.
        self.view(&what, |context, view| unsafe { function(context, probe, edge.into(), view) })
    }

    /// The singular values of G_ij in descending order (float64), lent by
    /// the host until the call into the plugin returns.
    pub fn singular_values(&self, probe: u32, edge: Edge) -> Result<&'h [f64]> {
        let function = service(self.table.singular_values, PROBE, "singular_values")?;
        let mut values: *const f64 = std::ptr::null();
        let mut count = 0u32;
        // SAFETY: a service of this host writing into our locals.
        let status = unsafe { function(self.host.context(), probe, edge.into(), &mut values, &mut count) };
        self.host.check(status, format_args!("singular values of {}", edge))?;
        if count == 0 {
            return Ok(&[]);
        }
        if values.is_null() {
            return Err(Error::engine(format!("singular values of {}: the host lent no values", edge)));
        }
        // SAFETY: the host lends `count` doubles until the call returns.
        Ok(unsafe { std::slice::from_raw_parts(values, count as usize) })
    }

    /// The number of singular values of G_ij above
    /// `relative_tolerance * sigma_max` (0 when G_ij is zero).
    pub fn rank(&self, probe: u32, edge: Edge, relative_tolerance: f64) -> Result<u32> {
        let function = service(self.table.rank, PROBE, "rank")?;
        let mut rank = 0u32;
        // SAFETY: a service of this host writing into our local.
        let status = unsafe { function(self.host.context(), probe, edge.into(), relative_tolerance, &mut rank) };
        self.host.check(status, format_args!("rank of {}", edge))?;
        Ok(rank)
    }

    /// The seeded non-zero adapter init of rank `rank` for `edge`: W_down
    /// (rank x width) and W_up (width x rank).
    pub fn adapter_init(&self, edge: Edge, rank: u32) -> Result<(MatrixView<'h>, MatrixView<'h>)> {
        let function = service(self.table.adapter_init, PROBE, "adapter_init")?;
        let mut down = raw::asp_matrix_view::sized();
        let mut up = raw::asp_matrix_view::sized();
        // SAFETY: a service of this host writing into our sized views.
        let status = unsafe { function(self.host.context(), edge.into(), rank, &mut down, &mut up) };
        let what = format!("adapter init of {}", edge);
        self.host.check(status, &what)?;
        // SAFETY: the host filled both views for this call.
        unsafe { Ok((MatrixView::from_raw(&down, &what)?, MatrixView::from_raw(&up, &what)?)) }
    }

    /// Runs an extra pass and returns its probe number, whose views follow
    /// the same rules as probe 0's. Costs a forward and backward pass: run
    /// it once and keep the number.
    pub fn run_pass(&self, request: &PassRequest) -> Result<u32> {
        let function = service(self.table.run_pass, PROBE, "run_pass")?;
        let count = u32::try_from(request.perturbations.len())
            .map_err(|_| Error::invalid_argument("too many perturbations"))?;
        let edges: Vec<raw::asp_edge> = request.perturbations.iter().map(|(edge, _)| (*edge).into()).collect();
        let maps: Vec<*const f32> = request.perturbations.iter().map(|(_, map)| map.as_ptr()).collect();
        let mut pass = raw::asp_pass_request::sized();
        pass.batch_seed = request.batch_seed;
        pass.examples = request.examples;
        pass.input = match request.input {
            PassInput::Data => raw::ASP_INPUT_DATA,
            PassInput::Ones => raw::ASP_INPUT_ONES,
        };
        pass.weights = match request.weights {
            PassWeights::AsIs => raw::ASP_WEIGHTS_AS_IS,
            PassWeights::Absolute => raw::ASP_WEIGHTS_ABSOLUTE,
        };
        pass.loss = match request.loss {
            PassLoss::CrossEntropy => raw::ASP_LOSS_CROSS_ENTROPY,
            PassLoss::SumOfOutputs => raw::ASP_LOSS_SUM_OF_OUTPUTS,
        };
        pass.perturbation_count = count;
        pass.perturbed_edges = if count == 0 { std::ptr::null() } else { edges.as_ptr() };
        pass.perturbations = if count == 0 { std::ptr::null() } else { maps.as_ptr() };
        let mut probe = 0u32;
        // SAFETY: a service of this host; the request and what it points to
        // live until it returns.
        let status = unsafe { function(self.host.context(), &pass, &mut probe) };
        self.host.check(status, "extra pass")?;
        Ok(probe)
    }

    /// Calls a view service with a sized output view and checks the result.
    fn view(
        &self,
        what: &str,
        call: impl FnOnce(*mut c_void, *mut raw::asp_matrix_view) -> raw::asp_status,
    ) -> Result<MatrixView<'h>> {
        let mut view = raw::asp_matrix_view::sized();
        let status = call(self.host.context(), &mut view);
        self.host.check(status, what)?;
        // SAFETY: the host filled the view for this call.
        unsafe { MatrixView::from_raw(&view, what) }
    }
}

// ===========================================================================
// asp.search/1
// ===========================================================================

/// A training budget (`asp_budget`); zero fields take the run's default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// Optimiser steps.
    pub steps: u32,
    /// Training examples drawn per placement (0: the whole train split).
    pub examples: u32,
}

/// The outcome of training one placement (`asp_evaluation`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// Validation accuracy in [0, 1]; NaN when the training diverged.
    pub accuracy: f64,
    /// Validation loss; NaN when the training diverged.
    pub loss: f64,
    /// Trainable parameters (adapters and head).
    pub parameters: u64,
    /// Wall-clock training and evaluation time, seconds.
    pub seconds: f64,
    /// The training diverged (the 1.1 flag, or a NaN accuracy from a 1.0
    /// host): the placement has no accuracy; treat it as the worst.
    pub diverged: bool,
}

/// Scores by metric id and training of placements, extension `asp.search/1`.
pub struct Search<'h> {
    host: &'h Host,
    table: raw::asp_search_api,
}

const SEARCH: &str = "asp.search/1";

impl<'h> Search<'h> {
    /// # Safety
    ///
    /// `table` is the host's `asp_search_api`, valid while `host` is.
    pub(crate) unsafe fn new(host: &'h Host, table: *const raw::asp_search_api) -> Search<'h> {
        let table = copy_table!(table, raw::asp_search_api, [scores, evaluate]);
        Search { host, table }
    }

    /// The scores of `edges` under metric `metric_id`, and its direction.
    /// Scores are computed once per run and cached by the host.
    pub fn scores(&self, metric_id: &str, edges: &[Edge]) -> Result<(Vec<f64>, Direction)> {
        let function = service(self.table.scores, SEARCH, "scores")?;
        let count = u32::try_from(edges.len()).map_err(|_| Error::invalid_argument("too many edges"))?;
        let mut scores = vec![0.0f64; edges.len()];
        let mut direction = 0i32;
        let id = c_text(metric_id);
        // SAFETY: a service of this host; buffers sized for `count`.
        let status = unsafe {
            function(self.host.context(), id.as_ptr(), Edge::as_raw(edges), count, scores.as_mut_ptr(), &mut direction)
        };
        self.host.check(status, format_args!("scores by {}", metric_id))?;
        let direction = Direction::from_code(direction)
            .ok_or_else(|| Error::engine(format!("metric {} has no direction ({})", metric_id, direction)))?;
        Ok((scores, direction))
    }

    /// Trains and validates each placement under `budget` (`None`: the run's
    /// default) and returns one evaluation per placement, in order. Ask for
    /// every placement you need in one call: the host may train them in
    /// parallel.
    pub fn evaluate<P: AsRef<[Edge]>>(&self, placements: &[P], budget: Option<Budget>) -> Result<Vec<Evaluation>> {
        let function = service(self.table.evaluate, SEARCH, "evaluate")?;
        let count = u32::try_from(placements.len()).map_err(|_| Error::invalid_argument("too many placements"))?;
        let mut raw_placements = Vec::with_capacity(placements.len());
        for placement in placements {
            let edges = placement.as_ref();
            let mut raw_placement = raw::asp_placement::sized();
            raw_placement.edge_count =
                u32::try_from(edges.len()).map_err(|_| Error::invalid_argument("a placement has too many edges"))?;
            raw_placement.edges = Edge::as_raw(edges);
            raw_placements.push(raw_placement);
        }
        let placement_pointers: Vec<*const raw::asp_placement> =
            raw_placements.iter().map(|placement| placement as *const _).collect();
        let mut results = vec![raw::asp_evaluation::sized(); placements.len()];
        let result_pointers: Vec<*mut raw::asp_evaluation> =
            results.iter_mut().map(|result| result as *mut _).collect();
        let raw_budget = budget.map(|budget| raw::asp_budget {
            steps: budget.steps,
            examples: budget.examples,
            ..raw::asp_budget::sized()
        });
        let budget_pointer = raw_budget.as_ref().map_or(std::ptr::null(), |budget| budget as *const _);
        // SAFETY: a service of this host; every array holds `count` entries
        // that live until it returns.
        let status = unsafe {
            function(self.host.context(), placement_pointers.as_ptr(), count, budget_pointer, result_pointers.as_ptr())
        };
        self.host.check(status, "evaluate")?;
        Ok(results
            .iter()
            .map(|result| Evaluation {
                accuracy: result.accuracy,
                loss: result.loss,
                parameters: result.parameters,
                seconds: result.seconds,
                diverged: result.diverged != 0 || result.accuracy.is_nan(),
            })
            .collect())
    }
}

// ===========================================================================
// asp.gated/1
// ===========================================================================

/// How a gated training runs (`asp_gated_budget`). The default is the
/// built-in learned-switch strategy's; `steps` and `learning_rate` 0 take
/// the run's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GatedBudget {
    /// Optimiser steps; 0: the run's.
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

impl Default for GatedBudget {
    fn default() -> GatedBudget {
        GatedBudget {
            steps: 0,
            learning_rate: 0.0,
            gate_learning_rate: 0.05,
            sparsity: 0.2,
            initial_temperature: 1.0,
            final_temperature: 0.1,
            initial_logit: 1.0,
        }
    }
}

/// What a gated training gave (`asp_gated_result` and the probabilities).
#[derive(Clone, Debug, PartialEq)]
pub struct GatedOutcome {
    /// Each edge's final gate probability, in the order given; NaN when
    /// the training diverged.
    pub probabilities: Vec<f64>,
    /// Validation accuracy of the gated model (open gates kept).
    pub accuracy: f64,
    /// Its validation loss.
    pub loss: f64,
    /// Wall-clock seconds, validation included.
    pub seconds: f64,
    /// The training diverged.
    pub diverged: bool,
}

/// Candidate adapters trained together behind learned gates, extension
/// `asp.gated/1` (ABI 1.2).
pub struct Gated<'h> {
    host: &'h Host,
    table: raw::asp_gated_api,
}

impl<'h> Gated<'h> {
    /// # Safety
    ///
    /// `table` is the host's `asp_gated_api`, valid while `host` is.
    pub(crate) unsafe fn new(host: &'h Host, table: *const raw::asp_gated_api) -> Gated<'h> {
        let table = copy_table!(table, raw::asp_gated_api, [train_gated]);
        Gated { host, table }
    }

    /// Trains an adapter on each of `edges` (distinct) together, each
    /// behind a gate, under `budget`, and validates the gated model. The
    /// result is not stored by the host: checkpoint it if it must survive a
    /// crash.
    pub fn train(&self, edges: &[Edge], budget: &GatedBudget) -> Result<GatedOutcome> {
        let function = service(self.table.train_gated, "asp.gated/1", "train_gated")?;
        let count = u32::try_from(edges.len()).map_err(|_| Error::invalid_argument("too many edges"))?;
        let raw_budget = raw::asp_gated_budget {
            steps: budget.steps,
            learning_rate: budget.learning_rate,
            gate_learning_rate: budget.gate_learning_rate,
            sparsity: budget.sparsity,
            initial_temperature: budget.initial_temperature,
            final_temperature: budget.final_temperature,
            initial_logit: budget.initial_logit,
            ..raw::asp_gated_budget::sized()
        };
        let mut probabilities = vec![f64::NAN; edges.len()];
        let mut result = raw::asp_gated_result::sized();
        // SAFETY: a service of this host; buffers sized for `count`.
        let status = unsafe {
            function(self.host.context(), Edge::as_raw(edges), count, &raw_budget, probabilities.as_mut_ptr(), &mut result)
        };
        self.host.check(status, "train_gated")?;
        Ok(GatedOutcome {
            probabilities,
            accuracy: result.accuracy,
            loss: result.loss,
            seconds: result.seconds,
            diverged: result.diverged != 0,
        })
    }
}

// ===========================================================================
// asp.checkpointing/1
// ===========================================================================

/// Strategy state that survives a crash, extension `asp.checkpointing/1`.
pub struct Checkpointing<'h> {
    host: &'h Host,
    table: raw::asp_checkpointing_api,
}

const CHECKPOINTING: &str = "asp.checkpointing/1";

impl<'h> Checkpointing<'h> {
    /// # Safety
    ///
    /// `table` is the host's `asp_checkpointing_api`, valid while `host` is.
    pub(crate) unsafe fn new(host: &'h Host, table: *const raw::asp_checkpointing_api) -> Checkpointing<'h> {
        let table = copy_table!(table, raw::asp_checkpointing_api, [save_state, load_state]);
        Checkpointing { host, table }
    }

    /// Stores `bytes` (copied by the host) as this instance's state,
    /// replacing any earlier state. Durable once it returns `Ok`.
    pub fn save(&self, bytes: &[u8]) -> Result<()> {
        let function = service(self.table.save_state, CHECKPOINTING, "save_state")?;
        // SAFETY: a service of this host reading `bytes` during the call.
        let status = unsafe { function(self.host.context(), bytes.as_ptr() as *const c_void, bytes.len() as u64) };
        self.host.check(status, "save state")
    }

    /// The state this strategy saved last in this run or the run being
    /// resumed (copied out), or `None` when there is none.
    pub fn load(&self) -> Result<Option<Vec<u8>>> {
        let function = service(self.table.load_state, CHECKPOINTING, "load_state")?;
        let mut bytes: *const c_void = std::ptr::null();
        let mut size = 0u64;
        // SAFETY: a service of this host writing into our locals.
        let status = unsafe { function(self.host.context(), &mut bytes, &mut size) };
        if status == raw::ASP_ERR_NOT_FOUND {
            return Ok(None);
        }
        self.host.check(status, "load state")?;
        let size = usize::try_from(size).map_err(|_| Error::engine("load state: the state is too large"))?;
        if size == 0 {
            return Ok(Some(Vec::new()));
        }
        if bytes.is_null() {
            return Err(Error::engine("load state: the host lent no bytes"));
        }
        // SAFETY: the host lends `size` bytes until the call returns.
        Ok(Some(unsafe { std::slice::from_raw_parts(bytes as *const u8, size) }.to_vec()))
    }
}
