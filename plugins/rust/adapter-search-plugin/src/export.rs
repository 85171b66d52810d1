//! The library table, the entry point and the guarded `extern "C"` functions
//! the host calls (create, destroy, score, select).
//!
//! A plugin crate does not use this module directly: it lists its plugins
//! in [`export_plugins!`](crate::export_plugins), which defines
//! `asp_plugin_entry` over [`library_entry`].
//!
//! Guarding: every call from the host into plugin code runs inside
//! `std::panic::catch_unwind`. An `Err` returned by the plugin becomes its
//! status, after its message went to `set_error`; a panic becomes
//! `ASP_ERR_INTERNAL` with the message "the plugin panicked: MESSAGE
//! (FILE:LINE:COLUMN)". No panic crosses the C boundary. This needs the
//! unwinding panic strategy: with `panic = "abort"` the kit does not build.

use crate::error::{Error, Result, Status};
use crate::host::{Edge, Host, LogLevel};
use crate::params::Config;
use crate::plugin::{Metric, PluginInfo, Strategy};
use crate::raw;
use crate::read_field;
use crate::sized::SizedStruct;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::ffi::CString;
use std::io::Write;
use std::os::raw::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Once;

#[cfg(panic = "abort")]
compile_error!(
    "adapter-search-plugin needs panic = \"unwind\": it turns panics into ASP_ERR_INTERNAL, which abort would make impossible"
);

/// One plugin of the library, as [`export_plugins!`](crate::export_plugins)
/// lists it: its self-description and the C functions that serve it.
pub struct Export {
    kind: i32,
    info: fn() -> PluginInfo,
    direction: i32,
    needs: u32,
    create: raw::asp_create_fn,
    destroy: raw::asp_destroy_fn,
    score: Option<raw::asp_score_fn>,
    select: Option<raw::asp_select_fn>,
}

impl Export {
    /// The metric `M`.
    pub fn metric<M: Metric>() -> Export {
        Export {
            kind: raw::ASP_KIND_METRIC,
            info: M::info,
            direction: M::DIRECTION.code(),
            needs: M::NEEDS.0,
            create: create_metric::<M>,
            destroy: destroy::<M>,
            score: Some(score::<M>),
            select: None,
        }
    }

    /// The strategy `S`.
    pub fn strategy<S: Strategy>() -> Export {
        Export {
            kind: raw::ASP_KIND_STRATEGY,
            info: S::info,
            direction: 0,
            needs: 0,
            create: create_strategy::<S>,
            destroy: destroy::<S>,
            score: None,
            select: Some(select::<S>),
        }
    }
}

/// Defines the library's one exported symbol, `asp_plugin_entry`, over the
/// plugins listed, each `metric TYPE` (a [`Metric`](crate::Metric)) or
/// `strategy TYPE` (a [`Strategy`](crate::Strategy)). Use it once per
/// `cdylib`, at the crate root:
///
/// ```ignore
/// adapter_search_plugin::export_plugins!(metric FrobeniusNorm, strategy Spread);
/// ```
///
/// The entry returns the library table to any host of major version
/// `ASP_ABI_VERSION_MAJOR` and NULL (a refusal) to any other. The table is
/// built on the first call and then shared, valid until the library is
/// unloaded. A plugin whose self-description is invalid (see
/// [`library_entry`]) makes every call return NULL, with the reason written
/// to standard error once.
#[macro_export]
macro_rules! export_plugins {
    ($($kind:ident $plugin:ty),+ $(,)?) => {
        /// The AdapterSearch plugin entry point (`ASP_ENTRY_SYMBOL`): the
        /// library table for a host of ABI major 1, NULL for any other.
        #[no_mangle]
        pub extern "C" fn asp_plugin_entry(host_abi_version: u32) -> *const $crate::raw::asp_library {
            fn plugins() -> ::std::vec::Vec<$crate::Export> {
                ::std::vec![$($crate::__export_one!($kind $plugin)),+]
            }
            $crate::library_entry(host_abi_version, plugins)
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __export_one {
    (metric $plugin:ty) => {
        $crate::Export::metric::<$plugin>()
    };
    (strategy $plugin:ty) => {
        $crate::Export::strategy::<$plugin>()
    };
}

static BUILD: Once = Once::new();
static LIBRARY: AtomicPtr<raw::asp_library> = AtomicPtr::new(std::ptr::null_mut());

/// What `asp_plugin_entry` does: NULL for a host of another major version;
/// otherwise the library table over `plugins()`, built on the first call
/// (thread-safe) and returned unchanged after. The table, its descriptors,
/// strings and parameter tables are allocated once and never freed: they
/// must stay valid until the library is unloaded.
///
/// Building checks every plugin's self-description: ids of
/// `[A-Za-z0-9._-]+`, unique in the library; names, versions and
/// descriptions without NUL; parameter names of `[a-z0-9_-]+`, unique per
/// plugin, each default valid for its type and range. A failure (or a panic
/// in `plugins()` or an `info()`) leaves the library without a table: every
/// call returns NULL, and the reason is written to standard error once.
pub fn library_entry(host_abi_version: u32, plugins: fn() -> Vec<Export>) -> *const raw::asp_library {
    if raw::asp_version_major(host_abi_version) != raw::ASP_ABI_VERSION_MAJOR {
        return std::ptr::null();
    }
    BUILD.call_once(|| {
        // Nothing in here may panic out: a poisoned Once would panic on
        // every later call.
        let built = catch_unwind(|| {
            install_panic_hook();
            build_library(plugins())
        });
        match built {
            Ok(Ok(library)) => LIBRARY.store(library, Ordering::Release),
            Ok(Err(reason)) => complain(&reason),
            Err(payload) => complain(&format!("building the library table panicked: {}", panic_text(&payload))),
        }
    });
    LIBRARY.load(Ordering::Acquire)
}

/// Says on standard error why the library exports nothing.
fn complain(reason: &str) {
    let _ = writeln!(std::io::stderr(), "adapter-search-plugin: {}; the library exports no plugin", reason);
}

/// A string that lives until the library is unloaded (never freed).
fn permanent(text: &str, what: &str) -> std::result::Result<*const std::os::raw::c_char, String> {
    CString::new(text)
        .map(|text| text.into_raw() as *const _)
        .map_err(|_| format!("{} '{}' holds a NUL byte", what, text.replace('\0', "\\0")))
}

/// Leaks `items` as a C array (NULL when empty).
fn permanent_array<T>(items: Vec<*const T>) -> *const *const T {
    if items.is_empty() {
        std::ptr::null()
    } else {
        Box::leak(items.into_boxed_slice()).as_ptr()
    }
}

/// Allocates the library table for `exports`, checking every declaration.
fn build_library(exports: Vec<Export>) -> std::result::Result<*mut raw::asp_library, String> {
    let mut ids = HashSet::new();
    let mut descriptors = Vec::with_capacity(exports.len());
    for export in &exports {
        let info = (export.info)();
        let valid_id = !info.id.is_empty()
            && info.id.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'_' || byte == b'-');
        if !valid_id {
            return Err(format!("plugin id '{}' is not [A-Za-z0-9._-]+", info.id));
        }
        if !ids.insert(info.id) {
            return Err(format!("plugin id '{}' is exported twice", info.id));
        }
        let mut names = HashSet::new();
        let mut params = Vec::with_capacity(info.params.len());
        for param in &info.params {
            if let Some(problem) = param.declaration_problem() {
                return Err(format!("plugin '{}': {}", info.id, problem));
            }
            if !names.insert(param.name) {
                return Err(format!("plugin '{}' declares parameter '{}' twice", info.id, param.name));
            }
            let mut flags = 0;
            if param.minimum.is_some() {
                flags |= raw::ASP_PARAM_HAS_MINIMUM;
            }
            if param.maximum.is_some() {
                flags |= raw::ASP_PARAM_HAS_MAXIMUM;
            }
            let descriptor = raw::asp_param_descriptor {
                type_: param.kind.code(),
                name: permanent(param.name, "a parameter name")?,
                help: permanent(param.help, "a parameter's help")?,
                default_value: permanent(&param.default, "a parameter's default")?,
                flags,
                minimum: param.minimum.unwrap_or(0.0),
                maximum: param.maximum.unwrap_or(0.0),
                ..raw::asp_param_descriptor::sized()
            };
            params.push(Box::leak(Box::new(descriptor)) as *const raw::asp_param_descriptor);
        }
        let descriptor = raw::asp_plugin_descriptor {
            kind: export.kind,
            id: permanent(info.id, "the plugin id")?,
            name: permanent(info.name, "the plugin name")?,
            version: permanent(info.version, "the plugin version")?,
            description: permanent(info.description, "the plugin description")?,
            direction: export.direction,
            needs: export.needs,
            create: Some(export.create),
            destroy: Some(export.destroy),
            score: export.score,
            select: export.select,
            param_count: params.len() as u32,
            params: permanent_array(params),
            ..raw::asp_plugin_descriptor::sized()
        };
        descriptors.push(Box::leak(Box::new(descriptor)) as *const raw::asp_plugin_descriptor);
    }
    let library = raw::asp_library {
        abi_version: raw::ASP_ABI_VERSION,
        plugin_count: descriptors.len() as u32,
        plugins: permanent_array(descriptors),
        ..raw::asp_library::sized()
    };
    Ok(Box::leak(Box::new(library)))
}

// ===========================================================================
// Panics
// ===========================================================================

thread_local! {
    /// How many guarded calls this thread is inside.
    static GUARDED: Cell<u32> = Cell::new(0);
    /// Where the last guarded panic on this thread happened.
    static PANIC_LOCATION: RefCell<Option<String>> = RefCell::new(None);
}

/// Installs, once, a panic hook that records where a panic inside a
/// guarded call happened (for its message) and keeps it off standard error;
/// every other panic, and every panic when RUST_BACKTRACE is set, goes on to
/// the previous hook (the default one prints it).
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let guarded = GUARDED.try_with(|depth| depth.get() > 0).unwrap_or(false);
        if guarded {
            let location = info
                .location()
                .map(|location| format!("{}:{}:{}", location.file(), location.line(), location.column()));
            let _ = PANIC_LOCATION.try_with(|slot| *slot.borrow_mut() = location);
        }
        if !guarded || std::env::var_os("RUST_BACKTRACE").is_some() {
            previous(info);
        }
    }));
}

/// The text of a panic's payload.
fn panic_text(payload: &Box<dyn Any + Send>) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// How a guarded call ended, when it did not succeed.
enum Failure {
    /// The plugin returned this error.
    Returned(Error),
    /// The plugin panicked; the message says with what and where.
    Panicked(String),
}

/// Runs `body` with panics caught.
fn guard<T>(body: impl FnOnce() -> Result<T>) -> std::result::Result<T, Failure> {
    let _ = GUARDED.try_with(|depth| depth.set(depth.get() + 1));
    let _ = PANIC_LOCATION.try_with(|slot| slot.borrow_mut().take());
    let outcome = catch_unwind(AssertUnwindSafe(body));
    let _ = GUARDED.try_with(|depth| depth.set(depth.get().saturating_sub(1)));
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(Failure::Returned(error)),
        Err(payload) => {
            let mut message = format!("the plugin panicked: {}", panic_text(&payload));
            // The payload's own drop may panic: keep that inside too.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            if let Ok(Some(location)) = PANIC_LOCATION.try_with(|slot| slot.borrow_mut().take()) {
                message.push_str(&format!(" ({})", location));
            }
            Err(Failure::Panicked(message))
        }
    }
}

/// Tells the host about a failure and returns its status.
fn report(host: &Host, failure: &Failure) -> raw::asp_status {
    match failure {
        Failure::Returned(error) => {
            host.set_error(&error.message);
            error.status.code()
        }
        Failure::Panicked(message) => {
            host.set_error(message);
            raw::ASP_ERR_INTERNAL
        }
    }
}

// ===========================================================================
// Instances and the C functions
// ===========================================================================

/// One live instance: the plugin value and the host it was created with.
struct Instance<T> {
    plugin: T,
    host: Host,
    /// Set when a call panicked: the plugin's state may be broken, so every
    /// later call is refused.
    poisoned: bool,
}

impl<T> Instance<T> {
    /// Runs one guarded call on the plugin and returns its status.
    fn call(&mut self, body: impl FnOnce(&mut T, &Host) -> Result<()>) -> raw::asp_status {
        if self.poisoned {
            self.host.set_error("an earlier call into this instance panicked; it refuses further calls");
            return raw::ASP_ERR_INTERNAL;
        }
        let Instance { plugin, host, .. } = self;
        let host: &Host = host;
        match guard(|| body(plugin, host)) {
            Ok(()) => raw::ASP_OK,
            Err(failure) => {
                if let Failure::Panicked(_) = failure {
                    self.poisoned = true;
                }
                report(&self.host, &failure)
            }
        }
    }
}

/// Creates an instance: reads the host table, parses the config against the
/// declared parameters and runs `make`, all guarded.
///
/// # Safety
///
/// The arguments are those the host passes to `create`.
unsafe fn create_instance<T: 'static>(
    host: *const raw::asp_host,
    config: *const raw::asp_config,
    out: *mut *mut c_void,
    info: fn() -> PluginInfo,
    make: impl FnOnce(&Config, &Host) -> Result<T>,
) -> raw::asp_status {
    if host.is_null() || out.is_null() {
        // No host to tell why: the status alone.
        return raw::ASP_ERR_INVALID_ARGUMENT;
    }
    // SAFETY: the host's table, valid until destroy returns.
    let host = unsafe { Host::from_raw(host) };
    let created = guard(|| {
        let declared = info().params;
        // SAFETY: the host's config, valid for this call.
        let config = unsafe { Config::from_raw(config, &declared) }?;
        make(&config, &host)
    });
    match created {
        Ok(plugin) => {
            let instance = Box::new(Instance { plugin, host, poisoned: false });
            // SAFETY: `out` is the host's, checked non-NULL.
            unsafe { *out = Box::into_raw(instance) as *mut c_void };
            raw::ASP_OK
        }
        Err(failure) => report(&host, &failure),
    }
}

unsafe extern "C" fn create_metric<M: Metric>(
    _descriptor: *const raw::asp_plugin_descriptor,
    host: *const raw::asp_host,
    config: *const raw::asp_config,
    out: *mut *mut c_void,
) -> raw::asp_status {
    // SAFETY: the host's arguments to create.
    unsafe {
        create_instance(host, config, out, M::info, |config, host| {
            if !M::NEEDS.is_empty() {
                // Every need is served by the probe: refuse early, naming it.
                host.probe().map_err(|error| {
                    Error::new(Status::Unsupported, format!("this metric needs the probe pass: {}", error))
                })?;
            }
            M::create(config, host)
        })
    }
}

unsafe extern "C" fn create_strategy<S: Strategy>(
    _descriptor: *const raw::asp_plugin_descriptor,
    host: *const raw::asp_host,
    config: *const raw::asp_config,
    out: *mut *mut c_void,
) -> raw::asp_status {
    // SAFETY: the host's arguments to create.
    unsafe { create_instance(host, config, out, S::info, S::create) }
}

unsafe extern "C" fn destroy<T: 'static>(instance: *mut c_void) {
    if instance.is_null() {
        return;
    }
    // SAFETY: `instance` came from create's Box::into_raw, and the host
    // destroys it once.
    let instance = unsafe { Box::from_raw(instance as *mut Instance<T>) };
    let Instance { plugin, host, .. } = *instance;
    // Destroy never fails: a panicking drop is logged, not returned.
    if let Err(Failure::Panicked(message)) = guard(move || {
        drop(plugin);
        Ok(())
    }) {
        host.log(LogLevel::Error, &format!("destroy: {}", message));
    }
}

unsafe extern "C" fn score<M: Metric>(
    instance: *mut c_void,
    edges: *const raw::asp_edge,
    count: u32,
    scores: *mut f64,
) -> raw::asp_status {
    if instance.is_null() {
        return raw::ASP_ERR_INVALID_ARGUMENT;
    }
    // SAFETY: an instance create made; the host calls it from one thread at a time.
    let instance = unsafe { &mut *(instance as *mut Instance<M>) };
    instance.call(|metric, host| {
        if count > 0 && (edges.is_null() || scores.is_null()) {
            return Err(Error::invalid_argument("score was given NULL edges or scores"));
        }
        // SAFETY: the host lends `count` edges for the call.
        let input = unsafe { Edge::slice(edges, count) };
        let result = metric.score(host, input)?;
        if result.len() != input.len() {
            return Err(Error::internal(format!("returned {} scores for {} edges", result.len(), input.len())));
        }
        if count > 0 {
            // SAFETY: the host offers room for `count` doubles.
            unsafe { std::slice::from_raw_parts_mut(scores, count as usize) }.copy_from_slice(&result);
        }
        Ok(())
    })
}

unsafe extern "C" fn select<S: Strategy>(
    instance: *mut c_void,
    request: *const raw::asp_select_request,
    edges: *mut raw::asp_edge,
    capacity: u32,
    count: *mut u32,
) -> raw::asp_status {
    if instance.is_null() {
        return raw::ASP_ERR_INVALID_ARGUMENT;
    }
    // SAFETY: an instance create made; the host calls it from one thread at a time.
    let instance = unsafe { &mut *(instance as *mut Instance<S>) };
    instance.call(|strategy, host| {
        if count.is_null() {
            return Err(Error::invalid_argument("select was given a NULL count"));
        }
        // A sized input: k only if the request's size covers it, else its default 1.
        // SAFETY: the host's request, valid for the call.
        let k = if request.is_null() { 1 } else { unsafe { read_field!(request, raw::asp_select_request, k) }.unwrap_or(1) };
        if k == 0 {
            return Err(Error::invalid_argument("k must be at least 1"));
        }
        let chosen = strategy.select(host, k)?;
        let mut seen = HashSet::new();
        if let Some(repeated) = chosen.iter().find(|edge| !seen.insert(**edge)) {
            return Err(Error::internal(format!("chose edge {} twice", repeated)));
        }
        let needed = u32::try_from(chosen.len())
            .map_err(|_| Error::internal(format!("chose {} edges, more than a u32 counts", chosen.len())))?;
        // SAFETY: `count` is the host's, checked non-NULL.
        unsafe { *count = needed };
        if needed > capacity || (needed > 0 && edges.is_null()) {
            return Err(Error::new(
                Status::BufferTooSmall,
                format!("room for {} edges needed, {} given", needed, capacity),
            ));
        }
        for (index, edge) in chosen.iter().enumerate() {
            // SAFETY: index < needed <= capacity.
            unsafe { *edges.add(index) = (*edge).into() };
        }
        Ok(())
    })
}
