//! The kit's C side driven the way the host drives it: `export_plugins!`,
//! the library table, and create / score / select / destroy through the
//! descriptors, against a small host written here. Panics, errors, sized
//! requests and buffers.

#![deny(unsafe_op_in_unsafe_fn)]

use adapter_search_plugin::raw::*;
use adapter_search_plugin::{
    export_plugins, Config, Direction, Edge, Error, Host, Metric, Needs, Param, PluginInfo, Result, Strategy,
};
use std::cell::RefCell;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};

// ---------------------------------------------------------------------------
// Plugins under test
// ---------------------------------------------------------------------------

/// A metric whose `mode` parameter says how its calls go wrong.
struct Moody {
    mode: String,
}

impl Metric for Moody {
    fn info() -> PluginInfo {
        PluginInfo {
            id: "test.moody",
            name: "Moody",
            version: "0.1.0",
            description: "Goes wrong on request.",
            params: vec![
                Param::string("mode", "ok", "ok, panic, error, wrong-count, panic-in-create, panic-in-drop"),
                Param::real("gain", 2.0, "score factor").range(0.0, 10.0),
            ],
        }
    }
    const DIRECTION: Direction = Direction::LowerIsBetter;
    const NEEDS: Needs = Needs::NONE;

    fn create(config: &Config, _host: &Host) -> Result<Self> {
        let mode = config.string("mode")?.to_string();
        if mode == "panic-in-create" {
            panic!("no instance today");
        }
        Ok(Moody { mode })
    }

    fn score(&mut self, host: &Host, edges: &[Edge]) -> Result<Vec<f64>> {
        match self.mode.as_str() {
            "panic" => panic!("scoring {} edges went wrong", edges.len()),
            "error" => Err(Error::engine("the engine is tired")),
            "wrong-count" => Ok(vec![0.0]),
            _ => Ok(edges
                .iter()
                .map(|edge| f64::from(edge.source * 10 + edge.target) + host.node_count().unwrap_or(0) as f64)
                .collect()),
        }
    }
}

impl Drop for Moody {
    fn drop(&mut self) {
        if self.mode == "panic-in-drop" {
            panic!("cannot let go");
        }
    }
}

/// A metric that needs the probe, which the test host does not offer.
struct NeedsProbe;

impl Metric for NeedsProbe {
    fn info() -> PluginInfo {
        PluginInfo { id: "test.needs-probe", name: "Needs probe", version: "0.1.0", description: "d", params: vec![] }
    }
    const DIRECTION: Direction = Direction::HigherIsBetter;
    const NEEDS: Needs = Needs::PROBE;
    fn create(_config: &Config, _host: &Host) -> Result<Self> {
        Ok(NeedsProbe)
    }
    fn score(&mut self, _host: &Host, edges: &[Edge]) -> Result<Vec<f64>> {
        Ok(vec![0.0; edges.len()])
    }
}

/// A strategy taking the first k candidates (or one twice, on request).
struct FirstK {
    repeat: bool,
}

impl Strategy for FirstK {
    fn info() -> PluginInfo {
        PluginInfo {
            id: "test.first-k",
            name: "First k",
            version: "0.1.0",
            description: "d",
            params: vec![Param::bool("repeat", false, "choose the first edge twice")],
        }
    }
    fn create(config: &Config, _host: &Host) -> Result<Self> {
        Ok(FirstK { repeat: config.bool("repeat")? })
    }
    fn select(&mut self, host: &Host, k: u32) -> Result<Vec<Edge>> {
        let mut edges: Vec<Edge> = host.candidate_edges()?.into_iter().take(k as usize).collect();
        if self.repeat {
            edges.push(edges[0]);
        }
        Ok(edges)
    }
}

export_plugins!(metric Moody, metric NeedsProbe, strategy FirstK);

// ---------------------------------------------------------------------------
// A host
// ---------------------------------------------------------------------------

/// What the plugin told the host.
#[derive(Default)]
struct Recorder {
    errors: RefCell<Vec<String>>,
    logs: RefCell<Vec<(i32, String)>>,
}

fn recorder(context: *mut c_void) -> &'static Recorder {
    unsafe { &*(context as *const Recorder) }
}

unsafe extern "C" fn log(context: *mut c_void, level: i32, message: *const c_char) {
    let text = unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned();
    recorder(context).logs.borrow_mut().push((level, text));
}
unsafe extern "C" fn set_error(context: *mut c_void, message: *const c_char) {
    let text = unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned();
    recorder(context).errors.borrow_mut().push(text);
}
unsafe extern "C" fn last_error(_context: *mut c_void) -> *const c_char {
    b"\0".as_ptr() as *const c_char
}
unsafe extern "C" fn get_extension(_context: *mut c_void, _id: *const c_char) -> *const c_void {
    std::ptr::null()
}
unsafe extern "C" fn node_count(_context: *mut c_void) -> u32 {
    5
}
const CANDIDATES: [asp_edge; 3] =
    [asp_edge { source: 0, target: 1 }, asp_edge { source: 1, target: 1 }, asp_edge { source: 2, target: 4 }];
unsafe extern "C" fn candidate_edges(_context: *mut c_void, edges: *mut asp_edge, capacity: u32, count: *mut u32) -> asp_status {
    unsafe { *count = CANDIDATES.len() as u32 };
    if (capacity as usize) < CANDIDATES.len() {
        return ASP_ERR_BUFFER_TOO_SMALL;
    }
    for (index, edge) in CANDIDATES.iter().enumerate() {
        unsafe { *edges.add(index) = *edge };
    }
    ASP_OK
}

/// A host table over `recorder` with every 1.0 service but progress,
/// should_stop and random_u64 (left NULL: the kit must cope).
fn host_table(recorder: &Recorder) -> asp_host {
    asp_host {
        struct_size: std::mem::size_of::<asp_host>() as u32,
        abi_version: ASP_ABI_VERSION,
        context: recorder as *const Recorder as *mut c_void,
        log: Some(log),
        set_error: Some(set_error),
        last_error: Some(last_error),
        progress: None,
        should_stop: None,
        random_u64: None,
        get_extension: Some(get_extension),
        node_count: Some(node_count),
        candidate_edges: Some(candidate_edges),
    }
}

fn descriptor(id: &str) -> &'static asp_plugin_descriptor {
    let library = unsafe { &*asp_plugin_entry(ASP_ABI_VERSION) };
    let plugins = unsafe { std::slice::from_raw_parts(library.plugins, library.plugin_count as usize) };
    plugins
        .iter()
        .map(|&plugin| unsafe { &*plugin })
        .find(|plugin| unsafe { CStr::from_ptr(plugin.id) }.to_str() == Ok(id))
        .unwrap_or_else(|| panic!("no plugin {}", id))
}

/// Creates an instance of `id` with `pairs` as its config.
fn create(id: &str, host: &asp_host, pairs: &[(&str, &str)]) -> (asp_status, *mut c_void) {
    let keys: Vec<CString> = pairs.iter().map(|(key, _)| CString::new(*key).unwrap()).collect();
    let values: Vec<CString> = pairs.iter().map(|(_, value)| CString::new(*value).unwrap()).collect();
    let key_pointers: Vec<*const c_char> = keys.iter().map(|key| key.as_ptr()).collect();
    let value_pointers: Vec<*const c_char> = values.iter().map(|value| value.as_ptr()).collect();
    let config = asp_config {
        struct_size: std::mem::size_of::<asp_config>() as u32,
        count: pairs.len() as u32,
        keys: key_pointers.as_ptr(),
        values: value_pointers.as_ptr(),
    };
    let descriptor = descriptor(id);
    let mut instance: *mut c_void = std::ptr::null_mut();
    let status = unsafe { (descriptor.create.unwrap())(descriptor, host, &config, &mut instance) };
    (status, instance)
}

fn score(id: &str, instance: *mut c_void, edges: &[asp_edge]) -> (asp_status, Vec<f64>) {
    let mut scores = vec![f64::NAN; edges.len()];
    let status =
        unsafe { (descriptor(id).score.unwrap())(instance, edges.as_ptr(), edges.len() as u32, scores.as_mut_ptr()) };
    (status, scores)
}

fn destroy(id: &str, instance: *mut c_void) {
    unsafe { (descriptor(id).destroy.unwrap())(instance) }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn the_entry_serves_one_table_to_major_1_and_refuses_others() {
    let first = asp_plugin_entry(ASP_ABI_VERSION);
    assert!(!first.is_null());
    assert_eq!(asp_plugin_entry(asp_make_version(1, 0)), first, "the same table for every 1.x host");
    assert_eq!(asp_plugin_entry(asp_make_version(1, 99)), first);
    assert!(asp_plugin_entry(asp_make_version(2, 0)).is_null());
    assert!(asp_plugin_entry(0).is_null());

    let library = unsafe { &*first };
    assert_eq!(library.struct_size as usize, std::mem::size_of::<asp_library>());
    assert_eq!(library.abi_version, ASP_ABI_VERSION);
    assert_eq!(library.plugin_count, 3);

    let moody = descriptor("test.moody");
    assert_eq!(moody.struct_size as usize, std::mem::size_of::<asp_plugin_descriptor>());
    assert_eq!((moody.kind, moody.direction, moody.needs), (ASP_KIND_METRIC, ASP_LOWER_IS_BETTER, 0));
    assert!(moody.score.is_some() && moody.select.is_none());
    assert_eq!(moody.param_count, 2);
    let gain = unsafe { &**moody.params.add(1) };
    assert_eq!(gain.struct_size as usize, std::mem::size_of::<asp_param_descriptor>());
    assert_eq!(unsafe { CStr::from_ptr(gain.name) }.to_str(), Ok("gain"));
    assert_eq!(unsafe { CStr::from_ptr(gain.default_value) }.to_str(), Ok("2.0"));
    assert_eq!((gain.type_, gain.flags), (ASP_PARAM_REAL, ASP_PARAM_HAS_MINIMUM | ASP_PARAM_HAS_MAXIMUM));
    assert_eq!((gain.minimum, gain.maximum), (0.0, 10.0));

    let first_k = descriptor("test.first-k");
    assert_eq!((first_k.kind, first_k.direction, first_k.needs), (ASP_KIND_STRATEGY, 0, 0));
    assert!(first_k.score.is_none() && first_k.select.is_some());
    assert_eq!(descriptor("test.needs-probe").needs, ASP_NEEDS_PROBE);
}

#[test]
fn a_metric_scores_through_the_descriptor() {
    let recorder = Recorder::default();
    let host = host_table(&recorder);
    let (status, instance) = create("test.moody", &host, &[]);
    assert_eq!(status, ASP_OK);
    let (status, scores) = score("test.moody", instance, &[asp_edge { source: 1, target: 2 }, asp_edge { source: 3, target: 0 }]);
    assert_eq!(status, ASP_OK);
    assert_eq!(scores, vec![12.0 + 5.0, 30.0 + 5.0]);
    let (status, scores) = score("test.moody", instance, &[]);
    assert_eq!((status, scores.len()), (ASP_OK, 0));
    destroy("test.moody", instance);
    assert!(recorder.errors.borrow().is_empty());
}

#[test]
fn a_panic_in_score_becomes_an_internal_error_with_its_message_and_poisons_the_instance() {
    let recorder = Recorder::default();
    let host = host_table(&recorder);
    let (status, instance) = create("test.moody", &host, &[("mode", "panic")]);
    assert_eq!(status, ASP_OK);
    let (status, _) = score("test.moody", instance, &[asp_edge { source: 0, target: 1 }]);
    assert_eq!(status, ASP_ERR_INTERNAL);
    let message = recorder.errors.borrow().last().cloned().unwrap();
    assert!(message.starts_with("the plugin panicked: scoring 1 edges went wrong ("), "{}", message);
    assert!(message.contains("tests/guard.rs:") && message.ends_with(')'), "the location: {}", message);

    let (status, _) = score("test.moody", instance, &[asp_edge { source: 0, target: 1 }]);
    assert_eq!(status, ASP_ERR_INTERNAL);
    assert!(recorder.errors.borrow().last().unwrap().contains("an earlier call into this instance panicked"));
    destroy("test.moody", instance);
}

#[test]
fn a_panic_in_create_leaves_no_instance() {
    let recorder = Recorder::default();
    let host = host_table(&recorder);
    let (status, instance) = create("test.moody", &host, &[("mode", "panic-in-create")]);
    assert_eq!(status, ASP_ERR_INTERNAL);
    assert!(instance.is_null(), "*instance untouched");
    assert!(recorder.errors.borrow()[0].starts_with("the plugin panicked: no instance today ("));
}

#[test]
fn a_panic_in_drop_is_logged_by_destroy() {
    let recorder = Recorder::default();
    let host = host_table(&recorder);
    let (status, instance) = create("test.moody", &host, &[("mode", "panic-in-drop")]);
    assert_eq!(status, ASP_OK);
    destroy("test.moody", instance);
    let logs = recorder.logs.borrow();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].0, ASP_LOG_ERROR);
    assert!(logs[0].1.starts_with("destroy: the plugin panicked: cannot let go"), "{}", logs[0].1);
}

#[test]
fn errors_and_broken_answers_come_back_as_statuses_with_messages() {
    let recorder = Recorder::default();
    let host = host_table(&recorder);
    let (_, instance) = create("test.moody", &host, &[("mode", "error")]);
    assert_eq!(score("test.moody", instance, &[asp_edge::default()]).0, ASP_ERR_ENGINE);
    assert_eq!(recorder.errors.borrow().last().unwrap(), "the engine is tired");
    destroy("test.moody", instance);

    let (_, instance) = create("test.moody", &host, &[("mode", "wrong-count")]);
    assert_eq!(score("test.moody", instance, &[asp_edge::default(), asp_edge::default()]).0, ASP_ERR_INTERNAL);
    assert_eq!(recorder.errors.borrow().last().unwrap(), "returned 1 scores for 2 edges");
    let null_scores = unsafe { (descriptor("test.moody").score.unwrap())(instance, std::ptr::null(), 2, std::ptr::null_mut()) };
    assert_eq!(null_scores, ASP_ERR_INVALID_ARGUMENT);
    destroy("test.moody", instance);

    let (status, instance) = create("test.moody", &host, &[("gain", "11")]);
    assert_eq!((status, instance.is_null()), (ASP_ERR_INVALID_ARGUMENT, true));
    assert!(recorder.errors.borrow().last().unwrap().contains("'gain' is '11', above its maximum 10"));
    let (status, _) = create("test.moody", &host, &[("colour", "red")]);
    assert_eq!(status, ASP_ERR_INVALID_ARGUMENT);
    assert!(recorder.errors.borrow().last().unwrap().starts_with("unknown parameter 'colour'"));

    let (status, _) = create("test.needs-probe", &host, &[]);
    assert_eq!(status, ASP_ERR_UNSUPPORTED);
    assert_eq!(
        recorder.errors.borrow().last().unwrap(),
        "this metric needs the probe pass: the host does not offer asp.probe/1"
    );
}

#[test]
fn a_short_host_table_hides_the_services_it_does_not_cover() {
    let recorder = Recorder::default();
    let mut host = host_table(&recorder);
    // A host whose table ends before node_count: the kit must not call it.
    host.struct_size = adapter_search_plugin::__asp_field_end!(asp_host, get_extension) as u32;
    host.node_count = Some(node_count);
    let (status, instance) = create("test.moody", &host, &[]);
    assert_eq!(status, ASP_OK);
    let (_, scores) = score("test.moody", instance, &[asp_edge { source: 1, target: 2 }]);
    assert_eq!(scores, vec![12.0], "node_count unavailable: the metric's fallback 0");
    destroy("test.moody", instance);
}

#[test]
fn a_strategy_reads_k_within_the_request_size_and_honours_the_capacity() {
    let recorder = Recorder::default();
    let host = host_table(&recorder);
    let select = descriptor("test.first-k").select.unwrap();
    let (status, instance) = create("test.first-k", &host, &[]);
    assert_eq!(status, ASP_OK);

    let mut edges = [asp_edge::default(); 3];
    let mut count = 0u32;
    let mut request = asp_select_request { struct_size: std::mem::size_of::<asp_select_request>() as u32, k: 2 };
    assert_eq!(unsafe { select(instance, &request, edges.as_mut_ptr(), 3, &mut count) }, ASP_OK);
    assert_eq!(count, 2);
    assert_eq!(&edges[..2], &CANDIDATES[..2]);

    assert_eq!(unsafe { select(instance, &request, edges.as_mut_ptr(), 1, &mut count) }, ASP_ERR_BUFFER_TOO_SMALL);
    assert_eq!(count, 2, "says how much room it needs");
    assert_eq!(recorder.errors.borrow().last().unwrap(), "room for 2 edges needed, 1 given");

    // A request from a host too old to have k: its default, 1.
    request.struct_size = 4;
    request.k = 3;
    assert_eq!(unsafe { select(instance, &request, edges.as_mut_ptr(), 3, &mut count) }, ASP_OK);
    assert_eq!(count, 1);

    request.struct_size = std::mem::size_of::<asp_select_request>() as u32;
    request.k = 0;
    assert_eq!(unsafe { select(instance, &request, edges.as_mut_ptr(), 3, &mut count) }, ASP_ERR_INVALID_ARGUMENT);
    destroy("test.first-k", instance);

    let (_, repeating) = create("test.first-k", &host, &[("repeat", "true")]);
    request.k = 2;
    assert_eq!(unsafe { select(repeating, &request, edges.as_mut_ptr(), 3, &mut count) }, ASP_ERR_INTERNAL);
    assert_eq!(recorder.errors.borrow().last().unwrap(), "chose edge 0>1 twice");
    destroy("test.first-k", repeating);
}
