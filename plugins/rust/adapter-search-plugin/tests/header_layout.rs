//! The raw bindings against the header itself: a C program compiled with
//! `cc` against `plugins/include/adapter_search.h` prints the size and
//! alignment of every struct, the offset and size of every field and the
//! value of every constant; the bindings must give the same. The test also
//! scans the header for struct typedefs and `#define ASP_*` constants that
//! the list below lacks, so an addition to the header fails here too.
//!
//! What it cannot see (a field's type changed to another of the same size,
//! a function pointer's parameters) the header digest check in the host
//! tests catches (`raw::HEADER_SHA256`).

use adapter_search_plugin::raw::*;
use adapter_search_plugin::sized::pointee_size;
use std::collections::BTreeSet;
use std::mem::{align_of, size_of, MaybeUninit};
use std::path::PathBuf;
use std::process::Command;

/// Lines "NAME VALUE..." from the bindings, and the C statements printing
/// the same lines from the header. `rust_field => "c_field"` names a field
/// whose C name is a Rust keyword.
macro_rules! layouts {
    ($($type:ident { $($field:ident $(=> $c_field:literal)?),* $(,)? })*) => {
        fn rust_layout() -> Vec<String> {
            let mut lines = Vec::new();
            $(
                lines.push(format!("{} size {} align {}", stringify!($type), size_of::<$type>(), align_of::<$type>()));
                $({
                    let uninit = MaybeUninit::<$type>::uninit();
                    let base = uninit.as_ptr();
                    let field = unsafe { std::ptr::addr_of!((*base).$field) };
                    lines.push(format!("{}.{} offset {} size {}", stringify!($type), stringify!($field),
                                       field as usize - base as usize, pointee_size(field)));
                })*
            )*
            lines
        }

        fn c_layout() -> String {
            let mut code = String::new();
            $(
                code.push_str(&format!(
                    "    printf(\"{0} size %zu align %zu\\n\", sizeof({0}), (size_t)_Alignof({0}));\n",
                    stringify!($type)));
                $({
                    #[allow(unused_mut, unused_assignments)]
                    let mut c_field = stringify!($field);
                    $(c_field = $c_field;)?
                    code.push_str(&format!(
                        "    printf(\"{0}.{1} offset %zu size %zu\\n\", offsetof({0}, {2}), sizeof((({0} *)0)->{2}));\n",
                        stringify!($type), stringify!($field), c_field));
                })*
            )*
            code
        }

        fn bound_structs() -> Vec<&'static str> {
            vec![$(stringify!($type)),*]
        }
    };
}

layouts! {
    asp_edge { source, target }
    asp_placement { struct_size, edge_count, edges }
    asp_param_descriptor { struct_size, type_ => "type", name, help, default_value, flags, minimum, maximum }
    asp_config { struct_size, count, keys, values }
    asp_select_request { struct_size, k }
    asp_plugin_descriptor {
        struct_size, kind, id, name, version, description, direction, needs, create, destroy, score, select,
        param_count, params,
    }
    asp_library { struct_size, abi_version, plugin_count, plugins }
    asp_host {
        struct_size, abi_version, context, log, set_error, last_error, progress, should_stop, random_u64,
        get_extension, node_count, candidate_edges,
    }
    asp_matrix_view { struct_size, rows, cols, data }
    asp_probe_info { struct_size, width, tokens, examples, classes, loss }
    asp_pass_request {
        struct_size, batch_seed, examples, input, weights, loss, perturbation_count, perturbed_edges, perturbations,
    }
    asp_probe_api {
        struct_size, info, activations, gradients, edge_gradient, singular_values, rank, adapter_init, run_pass,
    }
    asp_budget { struct_size, steps, examples }
    asp_evaluation { struct_size, accuracy, loss, parameters, seconds, diverged }
    asp_search_api { struct_size, scores, evaluate }
    asp_checkpointing_api { struct_size, save_state, load_state }
    asp_gated_budget {
        struct_size, steps, learning_rate, gate_learning_rate, sparsity, initial_temperature, final_temperature,
        initial_logit,
    }
    asp_gated_result { struct_size, accuracy, loss, seconds, diverged }
    asp_gated_api { struct_size, train_gated }
    asp_findings_api { struct_size, report_text, report_number }
}

/// Integer constants: (name, value in the bindings).
fn integer_constants() -> Vec<(&'static str, i64)> {
    macro_rules! integers {
        ($($name:ident),* $(,)?) => { vec![$((stringify!($name), $name as i64)),*] };
    }
    integers![
        ASP_ABI_VERSION_MAJOR, ASP_ABI_VERSION_MINOR, ASP_ABI_VERSION,
        ASP_OK, ASP_ERR_INVALID_ARGUMENT, ASP_ERR_UNSUPPORTED, ASP_ERR_OUT_OF_MEMORY, ASP_ERR_CANCELLED,
        ASP_ERR_BUFFER_TOO_SMALL, ASP_ERR_NOT_FOUND, ASP_ERR_ENGINE, ASP_ERR_INTERNAL,
        ASP_EDGE_SEQUENTIAL, ASP_EDGE_PARALLEL, ASP_EDGE_LONG_RANGE, ASP_EDGE_RECURRENT, ASP_EDGE_KINDS_ALL,
        ASP_KIND_METRIC, ASP_KIND_STRATEGY, ASP_HIGHER_IS_BETTER, ASP_LOWER_IS_BETTER,
        ASP_NEEDS_PROBE, ASP_NEEDS_SPECTRUM, ASP_NEEDS_ADAPTER_INIT, ASP_NEEDS_EXTRA_PASSES,
        ASP_PARAM_INT, ASP_PARAM_REAL, ASP_PARAM_BOOL, ASP_PARAM_STRING,
        ASP_PARAM_HAS_MINIMUM, ASP_PARAM_HAS_MAXIMUM,
        ASP_LOG_DEBUG, ASP_LOG_INFO, ASP_LOG_WARNING, ASP_LOG_ERROR,
        ASP_INPUT_DATA, ASP_INPUT_ONES, ASP_WEIGHTS_AS_IS, ASP_WEIGHTS_ABSOLUTE,
        ASP_LOSS_CROSS_ENTROPY, ASP_LOSS_SUM_OF_OUTPUTS,
    ]
}

/// String constants: (name, value in the bindings without its NUL).
fn string_constants() -> Vec<(&'static str, &'static [u8])> {
    macro_rules! strings {
        ($($name:ident),* $(,)?) => { vec![$((stringify!($name), &$name[..$name.len() - 1])),*] };
    }
    strings![ASP_ENTRY_SYMBOL, ASP_EXT_PROBE, ASP_EXT_SEARCH, ASP_EXT_CHECKPOINTING, ASP_EXT_GATED, ASP_EXT_FINDINGS]
}

/// The function-like macros and the inline function, at a few arguments:
/// (C expression, value from the bindings).
fn computed_values() -> Vec<(String, i64)> {
    let mut values = vec![
        ("ASP_MAKE_VERSION(3, 70000)".to_string(), asp_make_version(3, 70000) as i64),
        ("ASP_VERSION_MAJOR(0x00050009u)".to_string(), asp_version_major(0x0005_0009) as i64),
        ("ASP_VERSION_MINOR(0x00050009u)".to_string(), asp_version_minor(0x0005_0009) as i64),
        ("ASP_PLUGIN_DESCRIPTOR_MIN_SIZE".to_string(), asp_plugin_descriptor_min_size() as i64),
    ];
    for kind in 1..=4 {
        values.push((format!("ASP_EDGE_KIND_BIT({})", kind), asp_edge_kind_bit(kind) as i64));
    }
    for (source, target) in [(2, 2), (2, 3), (2, 5), (3, 1), (0, 0), (4, 0)] {
        let edge = asp_edge { source, target };
        values.push((format!("asp_edge_kind((asp_edge){{{}, {}}})", source, target), asp_edge_kind(edge) as i64));
    }
    values
}

fn header_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../include/adapter_search.h")
}

/// Compiles and runs the C side; its output lines.
fn c_output() -> Vec<String> {
    let mut program = String::from("#include <stdio.h>\n#include <stddef.h>\n#include \"adapter_search.h\"\n\nint main(void) {\n");
    program.push_str(&c_layout());
    for (name, _) in integer_constants() {
        program.push_str(&format!("    printf(\"{0} %lld\\n\", (long long)({0}));\n", name));
    }
    for (name, _) in string_constants() {
        program.push_str(&format!("    printf(\"{0} %s\\n\", {0});\n", name));
    }
    for (expression, _) in computed_values() {
        program.push_str(&format!("    printf(\"%s %lld\\n\", \"{0}\", (long long)({0}));\n", expression.replace('"', "\\\"")));
    }
    program.push_str("    return 0;\n}\n");

    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("header-layout-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let source = folder.join("layout.c");
    let binary = folder.join("layout");
    std::fs::write(&source, program).unwrap();
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let include = header_path().parent().unwrap().to_path_buf();
    let compiled = Command::new(&compiler)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(&include)
        .arg("-o")
        .arg(&binary)
        .arg(&source)
        .output()
        .unwrap_or_else(|error| panic!("cannot run the C compiler '{}': {}", compiler, error));
    assert!(
        compiled.status.success(),
        "the layout program does not compile against the header (a field or constant of the bindings is gone \
         or renamed?):\n{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let run = Command::new(&binary).output().unwrap();
    assert!(run.status.success());
    let _ = std::fs::remove_dir_all(&folder);
    String::from_utf8(run.stdout).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn the_bindings_match_the_header() {
    let mut expected = rust_layout();
    expected.extend(integer_constants().iter().map(|(name, value)| format!("{} {}", name, value)));
    expected.extend(string_constants().iter().map(|(name, value)| format!("{} {}", name, String::from_utf8_lossy(value))));
    expected.extend(computed_values().iter().map(|(expression, value)| format!("{} {}", expression, value)));
    let found = c_output();
    let differences: Vec<String> = expected
        .iter()
        .zip(found.iter())
        .filter(|(rust, c)| rust != c)
        .map(|(rust, c)| format!("  bindings: {}\n  header:   {}", rust, c))
        .collect();
    assert!(
        differences.is_empty() && expected.len() == found.len(),
        "src/raw.rs disagrees with adapter_search.h ({} of {} lines):\n{}",
        differences.len(),
        expected.len(),
        differences.join("\n")
    );
}

#[test]
fn every_struct_and_constant_of_the_header_is_bound() {
    let header = std::fs::read_to_string(header_path()).unwrap();
    let structs: BTreeSet<String> = header
        .lines()
        .filter_map(|line| line.trim().strip_prefix("typedef struct "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect();
    let bound: BTreeSet<String> = bound_structs().into_iter().map(str::to_string).collect();
    let unbound: Vec<&String> = structs.difference(&bound).collect();
    assert!(unbound.is_empty(), "structs of the header without bindings (or a layout line here): {:?}", unbound);

    let mut constants: BTreeSet<String> = integer_constants().iter().map(|(name, _)| name.to_string()).collect();
    constants.extend(string_constants().iter().map(|(name, _)| name.to_string()));
    // Function-like macros and the header's own guards and helpers, bound
    // as functions or not at all (ASP_EXPORT, ASP_EXTERN_C, ASP_HAS_FIELD:
    // attributes and a macro with Rust counterparts in the kit).
    let functions_or_attributes = [
        "ASP_MAKE_VERSION", "ASP_VERSION_MAJOR", "ASP_VERSION_MINOR", "ASP_EDGE_KIND_BIT", "ASP_HAS_FIELD",
        "ASP_EXPORT", "ASP_EXTERN_C", "ASP_DEFINE_LIBRARY", "ASP_PLUGIN_DESCRIPTOR_MIN_SIZE",
    ];
    let defined: BTreeSet<String> = header
        .lines()
        .filter_map(|line| line.trim().strip_prefix("#define "))
        .filter_map(|rest| rest.split(|c: char| c == '(' || c.is_whitespace()).next())
        .filter(|name| name.starts_with("ASP_"))
        .map(str::to_string)
        .collect();
    let unbound: Vec<&String> = defined
        .iter()
        .filter(|name| !constants.contains(*name) && !functions_or_attributes.contains(&name.as_str()))
        .collect();
    assert!(unbound.is_empty(), "#define constants of the header without bindings: {:?}", unbound);
}
