//! The host's services as a plugin instance sees them (`asp_host`), and the
//! edge type.

use crate::error::{Error, Result, Status};
use crate::raw;
use crate::read_field;
use crate::services::{Checkpointing, Gated, Probe, Search};
use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::c_void;

/// One adapter: it reads residual node `source` and adds its output into
/// residual node `target` (nodes 0 ... n-1, n = 2L + 1). The same layout as
/// `asp_edge`, so the kit passes slices of it across the ABI without copying.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    /// The node the adapter reads.
    pub source: i32,
    /// The node the adapter adds into.
    pub target: i32,
}

// Edge and asp_edge must stay interchangeable: the kit casts slices.
const _: () = assert!(std::mem::size_of::<Edge>() == std::mem::size_of::<raw::asp_edge>());
const _: () = assert!(std::mem::align_of::<Edge>() == std::mem::align_of::<raw::asp_edge>());

/// The four kinds of edge of the extended search space (METHOD.md section 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// i == j (`ASP_EDGE_SEQUENTIAL`).
    Sequential,
    /// j == i + 1 (`ASP_EDGE_PARALLEL`).
    Parallel,
    /// j > i + 1 (`ASP_EDGE_LONG_RANGE`).
    LongRange,
    /// i > j (`ASP_EDGE_RECURRENT`).
    Recurrent,
}

impl Edge {
    /// The edge from `source` to `target`.
    pub const fn new(source: i32, target: i32) -> Edge {
        Edge { source, target }
    }

    /// Its kind, as the header's `asp_edge_kind` says.
    pub fn kind(self) -> EdgeKind {
        match raw::asp_edge_kind(self.into()) {
            raw::ASP_EDGE_SEQUENTIAL => EdgeKind::Sequential,
            raw::ASP_EDGE_PARALLEL => EdgeKind::Parallel,
            raw::ASP_EDGE_LONG_RANGE => EdgeKind::LongRange,
            _ => EdgeKind::Recurrent,
        }
    }

    /// The edges borrowed from a C array (`count` of them at `edges`).
    ///
    /// # Safety
    ///
    /// `edges` points to `count` readable `asp_edge`s that stay valid and
    /// unchanged for `'a`, or `count` is 0.
    pub(crate) unsafe fn slice<'a>(edges: *const raw::asp_edge, count: u32) -> &'a [Edge] {
        if count == 0 || edges.is_null() {
            return &[];
        }
        // SAFETY: the caller's contract; Edge has asp_edge's layout.
        unsafe { std::slice::from_raw_parts(edges as *const Edge, count as usize) }
    }

    /// The same edges as C `asp_edge`s (no copy).
    pub(crate) fn as_raw(edges: &[Edge]) -> *const raw::asp_edge {
        edges.as_ptr() as *const raw::asp_edge
    }
}

impl From<raw::asp_edge> for Edge {
    fn from(edge: raw::asp_edge) -> Edge {
        Edge { source: edge.source, target: edge.target }
    }
}

impl From<Edge> for raw::asp_edge {
    fn from(edge: Edge) -> raw::asp_edge {
        raw::asp_edge { source: edge.source, target: edge.target }
    }
}

impl fmt::Display for Edge {
    /// `source>target`, as the host writes edges.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}>{}", self.source, self.target)
    }
}

/// Levels of [`Host::log`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    /// `ASP_LOG_DEBUG`.
    Debug,
    /// `ASP_LOG_INFO`.
    Info,
    /// `ASP_LOG_WARNING`.
    Warning,
    /// `ASP_LOG_ERROR`.
    Error,
}

impl LogLevel {
    fn code(self) -> i32 {
        match self {
            LogLevel::Debug => raw::ASP_LOG_DEBUG,
            LogLevel::Info => raw::ASP_LOG_INFO,
            LogLevel::Warning => raw::ASP_LOG_WARNING,
            LogLevel::Error => raw::ASP_LOG_ERROR,
        }
    }
}

/// The host's services for one instance: logging, progress, cancellation,
/// the instance's seeded random stream, the adapter graph and the engine
/// extensions.
///
/// The kit builds one `Host` when the host calls `create` and lends it, as
/// `&Host`, to `create`, `score` and `select`; a plugin never owns one. It
/// is neither `Send` nor `Sync`: the ABI lets a plugin call host services
/// only from the thread inside a call into it, during that call. Whatever a
/// service lends (matrix views, singular values, loaded state) borrows the
/// `&Host` and so cannot outlive the call.
///
/// The host's table is sized: the kit copies each service out only when the
/// table's `struct_size` covers it (`ASP_HAS_FIELD`). A service the table
/// lacks takes a default where the header has one (`log`, `progress` do
/// nothing; `should_stop` is false) and is an [`Status::Unsupported`] error
/// otherwise.
pub struct Host {
    /// The services the host's table covers; the rest stay NULL (None).
    table: raw::asp_host,
}

impl Host {
    /// Copies the host's table at `host`, reading only the fields its
    /// `struct_size` covers.
    ///
    /// # Safety
    ///
    /// `host` is a valid `asp_host` of the host (the one `create` received),
    /// and the functions and context it holds stay valid as long as the
    /// returned `Host` is used.
    pub unsafe fn from_raw(host: *const raw::asp_host) -> Host {
        let mut table = raw::asp_host {
            // SAFETY: the caller's contract: a host table, read within its size.
            struct_size: unsafe { read_field!(host, raw::asp_host, struct_size) }.unwrap_or(0),
            abi_version: 0,
            context: std::ptr::null_mut(),
            log: None,
            set_error: None,
            last_error: None,
            progress: None,
            should_stop: None,
            random_u64: None,
            get_extension: None,
            node_count: None,
            candidate_edges: None,
        };
        macro_rules! copy {
            ($($field:ident),*) => {
                // SAFETY: as above.
                $(if let Some(value) = unsafe { read_field!(host, raw::asp_host, $field) } { table.$field = value; })*
            };
        }
        copy!(abi_version, context, log, set_error, last_error, progress, should_stop, random_u64,
              get_extension, node_count, candidate_edges);
        Host { table }
    }

    /// The host's opaque context, passed back as every service's first argument.
    pub(crate) fn context(&self) -> *mut c_void {
        self.table.context
    }

    /// The ABI version the host speaks, packed (`ASP_MAKE_VERSION`); 0 when
    /// its table is too short to say.
    pub fn abi_version(&self) -> u32 {
        self.table.abi_version
    }

    /// Logs one line at `level`. The host copies it; a NUL inside `message`
    /// becomes U+FFFD. Does nothing if the host offers no log.
    pub fn log(&self, level: LogLevel, message: &str) {
        if let Some(log) = self.table.log {
            let text = c_text(message);
            // SAFETY: a service of this host, called during a call into the plugin.
            unsafe { log(self.context(), level.code(), text.as_ptr()) }
        }
    }

    /// Reports progress: `fraction` in [0, 1] and a short message. Does
    /// nothing if the host offers no progress report.
    pub fn progress(&self, fraction: f64, message: &str) {
        if let Some(progress) = self.table.progress {
            let text = c_text(message);
            // SAFETY: as in log.
            unsafe { progress(self.context(), fraction, text.as_ptr()) }
        }
    }

    /// True once the user asked to stop; false if the host cannot say. A
    /// long call polls it (or [`Host::check_cancelled`]).
    pub fn should_stop(&self) -> bool {
        match self.table.should_stop {
            // SAFETY: as in log.
            Some(should_stop) => unsafe { should_stop(self.context()) != 0 },
            None => false,
        }
    }

    /// `Err` with [`Status::Cancelled`] once the user asked to stop.
    pub fn check_cancelled(&self) -> Result<()> {
        if self.should_stop() {
            Err(Error::cancelled())
        } else {
            Ok(())
        }
    }

    /// The next 64 bits of this instance's random stream, seeded from the
    /// run's seed and the plugin id (runs repeat exactly).
    pub fn random_u64(&self) -> Result<u64> {
        let random = self.service(self.table.random_u64, "random_u64")?;
        // SAFETY: as in log.
        Ok(unsafe { random(self.context()) })
    }

    /// A uniform integer in `0..bound` from [`Host::random_u64`], without
    /// modulo bias. `bound` 0 is an invalid argument.
    pub fn random_below(&self, bound: u64) -> Result<u64> {
        if bound == 0 {
            return Err(Error::invalid_argument("random_below(0): the bound must be positive"));
        }
        let threshold = bound.wrapping_neg() % bound; // 2^64 mod bound
        loop {
            let bits = self.random_u64()?;
            if bits >= threshold {
                return Ok(bits % bound);
            }
        }
    }

    /// The number of residual nodes n = 2L + 1 of the backbone.
    pub fn node_count(&self) -> Result<u32> {
        let node_count = self.service(self.table.node_count, "node_count")?;
        // SAFETY: as in log.
        Ok(unsafe { node_count(self.context()) })
    }

    /// The edges this run searches over, in the host's fixed order (the
    /// two-call pattern: ask for the count, then fetch).
    pub fn candidate_edges(&self) -> Result<Vec<Edge>> {
        let candidate_edges = self.service(self.table.candidate_edges, "candidate_edges")?;
        let mut needed = 0u32;
        // SAFETY: capacity 0 with a NULL buffer is allowed; `needed` is ours.
        let status = unsafe { candidate_edges(self.context(), std::ptr::null_mut(), 0, &mut needed) };
        if status != raw::ASP_OK && status != raw::ASP_ERR_BUFFER_TOO_SMALL {
            self.check(status, "candidate_edges")?;
        }
        if needed == 0 {
            return Ok(Vec::new());
        }
        let mut edges = vec![Edge::default(); needed as usize];
        let mut written = 0u32;
        // SAFETY: `edges` has room for `needed` edges; Edge has asp_edge's layout.
        let status = unsafe {
            candidate_edges(self.context(), edges.as_mut_ptr() as *mut raw::asp_edge, needed, &mut written)
        };
        self.check(status, "candidate_edges")?;
        edges.truncate(written.min(needed) as usize);
        Ok(edges)
    }

    /// The probe services (`asp.probe/1`), or [`Status::Unsupported`] when
    /// the host does not offer them in this run.
    pub fn probe(&self) -> Result<Probe<'_>> {
        // SAFETY: the host returns an asp_probe_api for this id.
        unsafe { Ok(Probe::new(self, self.extension(raw::ASP_EXT_PROBE)? as *const raw::asp_probe_api)) }
    }

    /// The search services (`asp.search/1`), or [`Status::Unsupported`].
    pub fn search(&self) -> Result<Search<'_>> {
        // SAFETY: the host returns an asp_search_api for this id.
        unsafe { Ok(Search::new(self, self.extension(raw::ASP_EXT_SEARCH)? as *const raw::asp_search_api)) }
    }

    /// The gated-training service (`asp.gated/1`, ABI 1.2), or
    /// [`Status::Unsupported`] (always so on a 1.0 or 1.1 host).
    pub fn gated(&self) -> Result<Gated<'_>> {
        // SAFETY: the host returns an asp_gated_api for this id.
        unsafe { Ok(Gated::new(self, self.extension(raw::ASP_EXT_GATED)? as *const raw::asp_gated_api)) }
    }

    /// The checkpointing services (`asp.checkpointing/1`), or [`Status::Unsupported`].
    pub fn checkpointing(&self) -> Result<Checkpointing<'_>> {
        // SAFETY: the host returns an asp_checkpointing_api for this id.
        unsafe {
            Ok(Checkpointing::new(
                self,
                self.extension(raw::ASP_EXT_CHECKPOINTING)? as *const raw::asp_checkpointing_api,
            ))
        }
    }

    /// The extension table registered under `id` (NUL-terminated), or an
    /// unsupported error naming it.
    fn extension(&self, id: &'static [u8]) -> Result<*const c_void> {
        let name = String::from_utf8_lossy(&id[..id.len() - 1]).into_owned();
        let get_extension = self.service(self.table.get_extension, "get_extension")?;
        // SAFETY: `id` is NUL-terminated (the raw constants are).
        let table = unsafe { get_extension(self.context(), id.as_ptr() as *const _) };
        if table.is_null() {
            Err(Error::unsupported(format!("the host does not offer {}", name)))
        } else {
            Ok(table)
        }
    }

    /// Hands the host the message of the error the current call returns.
    pub(crate) fn set_error(&self, message: &str) {
        if let Some(set_error) = self.table.set_error {
            let text = c_text(message);
            // SAFETY: as in log; the host copies the message.
            unsafe { set_error(self.context(), text.as_ptr()) }
        }
    }

    /// The message of the last failed service call, or "" (copied out: the
    /// host's string lives only until the next service call).
    pub(crate) fn last_error(&self) -> String {
        let last_error = match self.table.last_error {
            Some(function) => function,
            None => return String::new(),
        };
        // SAFETY: as in log; the result is NULL or a NUL-terminated string.
        unsafe {
            let text = last_error(self.context());
            if text.is_null() {
                String::new()
            } else {
                CStr::from_ptr(text).to_string_lossy().into_owned()
            }
        }
    }

    /// `Ok` for `ASP_OK`; otherwise an error with the service's status and
    /// "`what` failed: " followed by the host's last_error message.
    pub(crate) fn check(&self, status: raw::asp_status, what: impl fmt::Display) -> Result<()> {
        match Status::from_code(status) {
            None => Ok(()),
            Some(status) => {
                let reason = self.last_error();
                let message = if reason.is_empty() {
                    format!("{} failed", what)
                } else {
                    format!("{} failed: {}", what, reason)
                };
                Err(Error::new(status, message))
            }
        }
    }

    /// The service `function` of the host table, or an unsupported error
    /// naming it when the table does not have it.
    fn service<F: Copy>(&self, function: Option<F>, name: &str) -> Result<F> {
        function.ok_or_else(|| Error::unsupported(format!("the host's services table has no {}", name)))
    }
}

/// `text` as a C string; a NUL inside it becomes U+FFFD.
pub(crate) fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', "\u{FFFD}")).unwrap_or_default()
}
