/*
 * adapter_search.h — the AdapterSearch plugin ABI, version 1.
 *
 * This header is the whole contract between the `adapter-search` host and
 * the plugins it loads: strategies (which edges to put adapters on) and
 * metrics (how promising an edge looks). It is C99, needs no other project
 * header, and nothing but fixed-width integers, double, float, UTF-8
 * NUL-terminated strings, pointers to the structs below and opaque handles
 * cross it. A plugin may be written in C, C++, Rust, Swift or anything else
 * that can export one C symbol. The rules it keeps are docs/PLUGIN_ABI.md;
 * what the engine behind it computes is docs/METHOD.md (repository root).
 *
 * ---------------------------------------------------------------------------
 * Lifecycle
 *   load     the host dlopen()s the library (RTLD_NOW | RTLD_LOCAL) and looks
 *            up ASP_ENTRY_SYMBOL, the only symbol a library should export.
 *   entry    asp_plugin_entry(host_abi_version) returns the library table:
 *            the ABI version the library implements and its plugins.
 *   create   descriptor->create(host, config, &instance) once per use.
 *   run      descriptor->score(...) for metrics, descriptor->select(...) for
 *            strategies, any number of times.
 *   destroy  descriptor->destroy(instance).
 *   unload   the host dlclose()s the library after every instance is gone.
 *
 * Versioning
 *   ASP_ABI_VERSION packs major << 16 | minor. A host of ABI 1.y loads any
 *   library of ABI 1.x (x may be larger or smaller than y); a different major
 *   is refused by the host, naming both versions. Minor versions only append:
 *   new fields go at the end of sized structs, new services at the end of
 *   service tables, new capabilities under new extension ids.
 *   1.1 appended asp_evaluation.diverged.
 *   1.2 added the extension "asp.gated/1" (gated training).
 *   1.3 added the extension "asp.findings/1" (named findings of a strategy)
 *       and offers "asp.search/1" to metrics for other metrics' scores.
 *
 * Sized structs
 *   Every struct that may grow starts with `uint32_t struct_size`, set by
 *   whoever fills the struct to sizeof of the struct as it compiled it. A
 *   reader uses a field only if struct_size covers the whole field (see
 *   ASP_HAS_FIELD) and takes the documented default otherwise. Arrays of sized
 *   structs are passed as arrays of pointers, so every element carries its
 *   own size.
 *
 * Errors
 *   Every call that can fail returns an asp_status. On failure the callee may
 *   first hand a message to the host through asp_host.set_error (plugins) or
 *   asp_host.last_error (hosts, for service calls). A plugin never aborts,
 *   exits or longjmps out of a call on bad input: it returns an error.
 *
 * Ownership
 *   Each function says who allocates and who frees, and how long a returned
 *   pointer stays valid. Strings handed to a callee are borrowed for the call
 *   and copied if kept. Pointers a plugin publishes in its library table
 *   (descriptors, strings, parameter tables) must stay valid and unchanged
 *   until the library is unloaded.
 *
 * Threading
 *   The host calls into one instance from one thread at a time, but may use
 *   different instances (of the same or different plugins) on different
 *   threads at once. asp_plugin_entry may be called more than once, from any
 *   thread, and must return the same table each time. Host services may be
 *   called only from the thread that is inside a call into the plugin, during
 *   that call, except asp_host.log, which any thread may call while the
 *   instance exists.
 * ---------------------------------------------------------------------------
 */
#ifndef ADAPTER_SEARCH_H
#define ADAPTER_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===========================================================================
 * Versions and the entry point
 * ======================================================================== */

/** The ABI major version this header describes. A change breaks plugins. */
#define ASP_ABI_VERSION_MAJOR 1
/** The ABI minor version this header describes. A change only appends. */
#define ASP_ABI_VERSION_MINOR 3
/** Packs a major and minor version into one uint32_t. */
#define ASP_MAKE_VERSION(major, minor) \
    ((uint32_t)(((uint32_t)(major) << 16) | ((uint32_t)(minor) & 0xFFFFu)))
/** The major half of a packed version. */
#define ASP_VERSION_MAJOR(version) ((uint32_t)(version) >> 16)
/** The minor half of a packed version. */
#define ASP_VERSION_MINOR(version) ((uint32_t)(version) & 0xFFFFu)
/** The ABI version this header describes, packed. */
#define ASP_ABI_VERSION \
    ASP_MAKE_VERSION(ASP_ABI_VERSION_MAJOR, ASP_ABI_VERSION_MINOR)

/** The name of the one symbol a plugin library exports. */
#define ASP_ENTRY_SYMBOL "asp_plugin_entry"

/** Nonzero when the sized struct at `ptr` is large enough to hold `field`. */
#define ASP_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/** Marks the entry point for export from a shared library. */
#if defined(_WIN32)
#define ASP_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define ASP_EXPORT __attribute__((visibility("default")))
#else
#define ASP_EXPORT
#endif

/* ===========================================================================
 * Status codes
 * ======================================================================== */

/** What a call returns: ASP_OK, or one of the errors below. */
typedef int32_t asp_status;

#define ASP_OK 0                    /**< Success. */
#define ASP_ERR_INVALID_ARGUMENT 1  /**< An argument or config value is wrong. */
#define ASP_ERR_UNSUPPORTED 2       /**< The request is valid but not supported. */
#define ASP_ERR_OUT_OF_MEMORY 3     /**< An allocation failed. */
#define ASP_ERR_CANCELLED 4         /**< The user asked to stop (should_stop). */
#define ASP_ERR_BUFFER_TOO_SMALL 5  /**< An output buffer lacks capacity. */
#define ASP_ERR_NOT_FOUND 6         /**< The thing asked for does not exist. */
#define ASP_ERR_ENGINE 7            /**< The engine failed (see last_error). */
#define ASP_ERR_INTERNAL 8          /**< A bug inside the callee. */

/* ===========================================================================
 * The adapter graph
 * ======================================================================== */

/** Edge kinds of the extended search space (docs/METHOD.md section 2). */
#define ASP_EDGE_SEQUENTIAL 1  /**< i == j */
#define ASP_EDGE_PARALLEL 2    /**< j == i + 1 */
#define ASP_EDGE_LONG_RANGE 3  /**< j > i + 1 */
#define ASP_EDGE_RECURRENT 4   /**< i > j */

/** The bit of an edge kind in a kind mask. */
#define ASP_EDGE_KIND_BIT(kind) (1u << (kind))
/** A kind mask with every edge kind set. */
#define ASP_EDGE_KINDS_ALL                                         \
    (ASP_EDGE_KIND_BIT(ASP_EDGE_SEQUENTIAL) |                      \
     ASP_EDGE_KIND_BIT(ASP_EDGE_PARALLEL) |                        \
     ASP_EDGE_KIND_BIT(ASP_EDGE_LONG_RANGE) |                      \
     ASP_EDGE_KIND_BIT(ASP_EDGE_RECURRENT))

/**
 * One adapter: it reads residual node `source` and adds its output into
 * residual node `target`. Nodes are numbered 0 ... n-1 with n = 2L + 1 for a
 * backbone of L blocks. This struct is fixed forever (it never grows).
 */
typedef struct asp_edge {
    int32_t source;
    int32_t target;
} asp_edge;

/** The kind of an edge, one of ASP_EDGE_*. */
static inline int32_t asp_edge_kind(asp_edge edge) {
    if (edge.source == edge.target) return ASP_EDGE_SEQUENTIAL;
    if (edge.target == edge.source + 1) return ASP_EDGE_PARALLEL;
    if (edge.target > edge.source + 1) return ASP_EDGE_LONG_RANGE;
    return ASP_EDGE_RECURRENT;
}

/** A set of edges: one placement of adapters. Sized. */
typedef struct asp_placement {
    uint32_t struct_size;
    /** Number of edges in `edges`. */
    uint32_t edge_count;
    /** The edges, distinct. Borrowed: valid for the call it is passed to. */
    const asp_edge *edges;
} asp_placement;

/* ===========================================================================
 * Self-description: parameters and plugin descriptors
 * ======================================================================== */

/** Plugin kinds. */
#define ASP_KIND_METRIC 1    /**< Scores edges (descriptor->score). */
#define ASP_KIND_STRATEGY 2  /**< Selects a placement (descriptor->select). */

/** Metric directions. */
#define ASP_HIGHER_IS_BETTER 1
#define ASP_LOWER_IS_BETTER (-1)

/** What a metric needs from the host (bits of asp_plugin_descriptor.needs). */
#define ASP_NEEDS_PROBE 1u            /**< the probe pass: H_k, D_k, G_ij */
#define ASP_NEEDS_SPECTRUM 2u         /**< singular values of G_ij */
#define ASP_NEEDS_ADAPTER_INIT 4u     /**< a seeded non-zero adapter init */
#define ASP_NEEDS_EXTRA_PASSES 8u     /**< passes beyond the probe (run_pass) */

/** Parameter value types. Values always travel as text (see asp_config). */
#define ASP_PARAM_INT 1     /**< decimal integer, e.g. "3" or "-2" */
#define ASP_PARAM_REAL 2    /**< decimal real, e.g. "0.6" or "1e-3" */
#define ASP_PARAM_BOOL 3    /**< "true" or "false" */
#define ASP_PARAM_STRING 4  /**< any UTF-8 text */

/** Bits of asp_param_descriptor.flags. */
#define ASP_PARAM_HAS_MINIMUM 1u  /**< `minimum` is an inclusive lower bound */
#define ASP_PARAM_HAS_MAXIMUM 2u  /**< `maximum` is an inclusive upper bound */

/**
 * One parameter a plugin accepts. Sized. All strings are owned by the
 * library and live until it is unloaded.
 */
typedef struct asp_param_descriptor {
    uint32_t struct_size;
    /** One of ASP_PARAM_*. */
    int32_t type;
    /** Name used in configs, e.g. "gamma": [a-z0-9_-]+, unique per plugin. */
    const char *name;
    /** One line of help for users. */
    const char *help;
    /** The default value as text, valid for `type`. Never NULL. */
    const char *default_value;
    /** ASP_PARAM_HAS_* bits; bounds apply to INT and REAL parameters. */
    uint32_t flags;
    /** Inclusive lower bound if ASP_PARAM_HAS_MINIMUM is set. */
    double minimum;
    /** Inclusive upper bound if ASP_PARAM_HAS_MAXIMUM is set. */
    double maximum;
} asp_param_descriptor;

/**
 * The configuration of one instance: every parameter the plugin declared,
 * as key/value text. The host fills in defaults and checks each value
 * against its descriptor (type, bounds) before create; the plugin still
 * parses defensively. Sized. Borrowed for the duration of create: copy what
 * you keep.
 */
typedef struct asp_config {
    uint32_t struct_size;
    uint32_t count;
    const char *const *keys;
    const char *const *values;
} asp_config;

struct asp_host;

/** What a strategy is asked for. Sized. Borrowed for the call. */
typedef struct asp_select_request {
    uint32_t struct_size;
    /**
     * How many edges the placement should hold. Strategies that define their
     * own size (parallel-every) may ignore it. Always at least 1.
     */
    uint32_t k;
} asp_select_request;

/**
 * One plugin of a library. Sized. The fields up to and including `select`
 * are required (ASP_PLUGIN_DESCRIPTOR_MIN_SIZE); later fields are optional
 * and take the stated default when struct_size does not cover them.
 */
typedef struct asp_plugin_descriptor {
    uint32_t struct_size;
    /** ASP_KIND_METRIC or ASP_KIND_STRATEGY. */
    int32_t kind;
    /**
     * Unique id: a short name ("gga") or reverse-domain
     * ("org.example.my-metric"); [A-Za-z0-9._-]+. Never NULL.
     */
    const char *id;
    /** Display name, e.g. "Gradient-guided adapters". Never NULL. */
    const char *name;
    /** The plugin's own version, e.g. "1.2.0". Never NULL. */
    const char *version;
    /** A sentence or two on what it does. Never NULL. */
    const char *description;
    /** Metrics: ASP_HIGHER_IS_BETTER or ASP_LOWER_IS_BETTER. Strategies: 0. */
    int32_t direction;
    /** Metrics: ASP_NEEDS_* bits. Strategies: 0. */
    uint32_t needs;

    /**
     * Creates an instance.
     *   descriptor  this descriptor, so one function can serve every plugin
     *               of a library.
     *   host        the host's services; valid until destroy returns.
     *   config      every declared parameter, borrowed for this call.
     *   instance    out: the new instance, owned by the plugin until destroy.
     * Returns ASP_OK, or an error (after set_error) with *instance untouched.
     * Threading: any thread.
     */
    asp_status (*create)(const struct asp_plugin_descriptor *descriptor,
                         const struct asp_host *host, const asp_config *config,
                         void **instance);

    /** Destroys an instance and frees everything it owns. Never fails. */
    void (*destroy)(void *instance);

    /**
     * Metrics: scores `count` edges into scores[0 .. count-1]; NULL for
     * strategies. `edges` is borrowed; `scores` is caller-allocated with room
     * for `count` doubles. A score may be any finite double; the host reports
     * NaN or infinity as an error of this metric.
     */
    asp_status (*score)(void *instance, const asp_edge *edges, uint32_t count,
                        double *scores);

    /**
     * Strategies: chooses a placement; NULL for metrics. Writes at most
     * `capacity` distinct edges into caller-allocated `edges` and their
     * number into *count. If more room is needed, sets *count to the number
     * needed and returns ASP_ERR_BUFFER_TOO_SMALL. The host always offers
     * room for every candidate edge.
     */
    asp_status (*select)(void *instance, const asp_select_request *request,
                         asp_edge *edges, uint32_t capacity, uint32_t *count);

    /* ---- optional from here on ---------------------------------------- */

    /** Number of entries in `params`. Default: 0. */
    uint32_t param_count;
    /** The parameters, `param_count` pointers. Default: none. */
    const asp_param_descriptor *const *params;
} asp_plugin_descriptor;

/** The smallest struct_size a host accepts for asp_plugin_descriptor. */
#define ASP_PLUGIN_DESCRIPTOR_MIN_SIZE \
    (offsetof(asp_plugin_descriptor, select) + sizeof(void (*)(void)))

/**
 * What asp_plugin_entry returns: the library's ABI version and its plugins.
 * Sized. Owned by the library; valid until it is unloaded.
 */
typedef struct asp_library {
    uint32_t struct_size;
    /** The ABI version the library implements: ASP_ABI_VERSION. */
    uint32_t abi_version;
    /** Number of plugins. */
    uint32_t plugin_count;
    /** The plugins, `plugin_count` pointers, none NULL. */
    const asp_plugin_descriptor *const *plugins;
} asp_library;

/** `extern "C"` when compiled as C++, nothing in C. */
#ifdef __cplusplus
#define ASP_EXTERN_C extern "C"
#else
#define ASP_EXTERN_C
#endif

/**
 * Defines a library in one line: the library table over `plugin_array` (an
 * array of `const asp_plugin_descriptor *`) and the exported entry point,
 * which returns it to any host of major version ASP_ABI_VERSION_MAJOR and
 * refuses (NULL) any other. Use it once, at file scope, with no semicolon:
 *
 *     static const asp_plugin_descriptor *const plugins[] = {&my_metric};
 *     ASP_DEFINE_LIBRARY(plugins)
 */
#define ASP_DEFINE_LIBRARY(plugin_array)                                     \
    static const asp_library asp_library_table_ = {                          \
        sizeof(asp_library), ASP_ABI_VERSION,                                \
        (uint32_t)(sizeof(plugin_array) / sizeof((plugin_array)[0])),        \
        plugin_array};                                                       \
    ASP_EXTERN_C ASP_EXPORT const asp_library *asp_plugin_entry(             \
        uint32_t host_abi_version) {                                         \
        return ASP_VERSION_MAJOR(host_abi_version) == ASP_ABI_VERSION_MAJOR  \
                   ? &asp_library_table_                                     \
                   : NULL;                                                   \
    }

/**
 * The one exported symbol, named ASP_ENTRY_SYMBOL. The host passes the ABI
 * version it speaks (ASP_ABI_VERSION as the host compiled it). The library
 * returns its table, or NULL to refuse a host whose major version it does
 * not implement. Threading: any thread; idempotent. Never fails otherwise.
 */
typedef const asp_library *(*asp_plugin_entry_fn)(uint32_t host_abi_version);

/* ===========================================================================
 * Host services
 * ======================================================================== */

/** Log levels for asp_host.log. */
#define ASP_LOG_DEBUG 0
#define ASP_LOG_INFO 1
#define ASP_LOG_WARNING 2
#define ASP_LOG_ERROR 3

/**
 * The services every host offers, passed to create. Sized: a plugin checks
 * ASP_HAS_FIELD before calling a field added after 1.0. Owned by the host,
 * valid until destroy returns. `context` is opaque to the plugin and is
 * passed back as the first argument of every service.
 */
typedef struct asp_host {
    uint32_t struct_size;
    /** The ABI version the host speaks. */
    uint32_t abi_version;
    /** Opaque host state for this instance. */
    void *context;

    /** Logs one line (borrowed). Any thread, while the instance exists. */
    void (*log)(void *context, int32_t level, const char *message);

    /**
     * Records the message (borrowed, copied) explaining the error the
     * current call is about to return. The last message before the return
     * wins.
     */
    void (*set_error)(void *context, const char *message);

    /**
     * The message of the last failed service call made from this instance,
     * or "" when there is none. Valid until the next service call.
     */
    const char *(*last_error)(void *context);

    /** Reports progress: fraction in [0, 1] and a short message (borrowed). */
    void (*progress)(void *context, double fraction, const char *message);

    /**
     * Nonzero when the user asked to stop. A long call should poll it and
     * return ASP_ERR_CANCELLED.
     */
    int32_t (*should_stop)(void *context);

    /**
     * The next 64 random bits of this instance's stream. The stream is
     * seeded from the run's seed and the plugin id, so runs repeat exactly.
     */
    uint64_t (*random_u64)(void *context);

    /**
     * Looks up an optional capability by id with revision, e.g.
     * ASP_EXT_PROBE. Returns a table owned by the host, valid until destroy
     * returns, or NULL when the host does not offer it.
     */
    const void *(*get_extension)(void *context, const char *id);

    /** Number of residual nodes n = 2L + 1 of the backbone. */
    uint32_t (*node_count)(void *context);

    /**
     * The edges this run searches over (the enabled kinds), in a fixed
     * order. Writes up to `capacity` edges into caller-allocated `edges` and
     * their number into *count; with too little room sets *count to the
     * number needed and returns ASP_ERR_BUFFER_TOO_SMALL. `edges` may be
     * NULL when capacity is 0.
     */
    asp_status (*candidate_edges)(void *context, asp_edge *edges,
                                  uint32_t capacity, uint32_t *count);
} asp_host;

/* ---------------------------------------------------------------------------
 * Extension "asp.probe/1": the probe pass (docs/METHOD.md section 4), for metrics.
 *
 * Probe 0 is the run's probe: one forward and backward pass on the probe
 * batch. run_pass makes further probes. A view's pointers are valid until
 * the current call into the plugin returns; never free them.
 * ------------------------------------------------------------------------ */

#define ASP_EXT_PROBE "asp.probe/1"

/** A read-only row-major float32 matrix owned by the host. Sized. */
typedef struct asp_matrix_view {
    uint32_t struct_size;
    uint32_t rows;
    uint32_t cols;
    const float *data;
} asp_matrix_view;

/** What a probe measured. Sized. */
typedef struct asp_probe_info {
    uint32_t struct_size;
    /** Hidden width d. */
    uint32_t width;
    /** N: non-padding tokens (or patches) in the probe batch. */
    uint32_t tokens;
    /** B: examples in the probe batch. */
    uint32_t examples;
    /** Number of classes of the task head. */
    uint32_t classes;
    /** The probe's loss. */
    double loss;
} asp_probe_info;

/** Inputs of an extra pass (run_pass). */
#define ASP_INPUT_DATA 0  /**< a batch of the task's data */
#define ASP_INPUT_ONES 1  /**< data-free: every input feature set to one */
/** Weights of an extra pass. */
#define ASP_WEIGHTS_AS_IS 0
#define ASP_WEIGHTS_ABSOLUTE 1  /**< every backbone weight replaced by |w| */
/** Losses of an extra pass. */
#define ASP_LOSS_CROSS_ENTROPY 0
#define ASP_LOSS_SUM_OF_OUTPUTS 1  /**< sum of the head's outputs (synflow) */

/**
 * An extra forward and backward pass (grasp, synflow, jacov, NASWOT).
 * Sized. Borrowed for the call.
 */
typedef struct asp_pass_request {
    uint32_t struct_size;
    /** Which batch: 0 is the probe batch; others draw a batch with that seed. */
    uint64_t batch_seed;
    /** Batch size; 0 means the probe's. */
    uint32_t examples;
    /** ASP_INPUT_*. */
    int32_t input;
    /** ASP_WEIGHTS_*. */
    int32_t weights;
    /** ASP_LOSS_*. */
    int32_t loss;
    /**
     * Dense maps added on edges during the pass: h_target += h_source W_e,
     * W_e a width x width row-major matrix. For Hessian-gradient products by
     * finite differences. Borrowed.
     */
    uint32_t perturbation_count;
    const asp_edge *perturbed_edges;
    const float *const *perturbations;
} asp_pass_request;

/** The probe services. Sized table owned by the host. */
typedef struct asp_probe_api {
    uint32_t struct_size;

    /** Describes probe `probe` into caller-allocated *info (sized). */
    asp_status (*info)(void *context, uint32_t probe, asp_probe_info *info);

    /** H_k: node `node`'s activations, tokens x width, into *view. */
    asp_status (*activations)(void *context, uint32_t probe, uint32_t node,
                              asp_matrix_view *view);

    /** D_k: dL/dh at node `node`, tokens x width, into *view. */
    asp_status (*gradients)(void *context, uint32_t probe, uint32_t node,
                            asp_matrix_view *view);

    /** G_ij = H_i^T D_j, width x width, into *view. */
    asp_status (*edge_gradient)(void *context, uint32_t probe, asp_edge edge,
                                asp_matrix_view *view);

    /**
     * The singular values of G_ij, computed in float64, in descending order:
     * *values points to *count doubles owned by the host.
     */
    asp_status (*singular_values)(void *context, uint32_t probe, asp_edge edge,
                                  const double **values, uint32_t *count);

    /**
     * The number of singular values of G_ij greater than
     * relative_tolerance * sigma_max (0 when G_ij is zero). The host may
     * count them without a full SVD; the count equals the one read off
     * singular_values except where a value lies within rounding of the
     * threshold.
     */
    asp_status (*rank)(void *context, uint32_t probe, asp_edge edge,
                       double relative_tolerance, uint32_t *rank);

    /**
     * A seeded non-zero adapter init of rank `rank` for `edge`: W_down
     * (rank x width) and W_up (width x rank), both drawn small. The same
     * (run seed, edge, rank) always gives the same matrices.
     */
    asp_status (*adapter_init)(void *context, asp_edge edge, uint32_t rank,
                               asp_matrix_view *down, asp_matrix_view *up);

    /**
     * Runs an extra pass and writes the new probe's number into *probe. Its
     * views follow the same rules as probe 0's. Cost: a forward and backward
     * pass of the backbone.
     */
    asp_status (*run_pass)(void *context, const asp_pass_request *request,
                           uint32_t *probe);
} asp_probe_api;

/* ---------------------------------------------------------------------------
 * Extension "asp.search/1": scores and training, for strategies.
 *
 * Since 1.3 a host also offers it to metrics, for `scores` alone: a metric
 * that combines others (rank-ensemble) reads their scores on the probe it is
 * itself scoring from. For a metric, `scores` fails with
 * ASP_ERR_INVALID_ARGUMENT when the metric asked for would be scoring itself
 * (directly, or through the metrics it asks for: a cycle, named in the
 * message) and ASP_ERR_NOT_FOUND for an unknown id; `evaluate`, and
 * `train_gated` of "asp.gated/1", fail with ASP_ERR_UNSUPPORTED. A host of
 * 1.2 or earlier returns NULL for ASP_EXT_SEARCH to a metric.
 * ------------------------------------------------------------------------ */

#define ASP_EXT_SEARCH "asp.search/1"

/** A training budget. Sized. Zero fields mean "the run's default". */
typedef struct asp_budget {
    uint32_t struct_size;
    /** Optimiser steps. */
    uint32_t steps;
    /** Training examples drawn per placement (0: the whole train split). */
    uint32_t examples;
} asp_budget;

/** The outcome of training one placement. Sized; filled by the host. */
typedef struct asp_evaluation {
    uint32_t struct_size;
    /** Validation accuracy in [0, 1]; NaN when the training diverged. */
    double accuracy;
    /** Validation loss; NaN when the training diverged. */
    double loss;
    /** Trainable parameters (adapters and head). */
    uint64_t parameters;
    /** Wall-clock training and evaluation time, seconds. */
    double seconds;
    /**
     * Since 1.1: 1 when the placement's training diverged (its loss, a
     * parameter or its logits became NaN or infinite), 0 otherwise. Such a
     * placement has no accuracy: treat it as the worst. A plugin built
     * against 1.0 sees only the NaN accuracy.
     */
    uint32_t diverged;
} asp_evaluation;

/** The search services. Sized table owned by the host. */
typedef struct asp_search_api {
    uint32_t struct_size;

    /**
     * Scores `count` edges with metric `metric_id` (borrowed) into
     * caller-allocated scores[0 .. count-1], and that metric's direction
     * into *direction (ASP_HIGHER_IS_BETTER or ASP_LOWER_IS_BETTER).
     * Scores are computed once per run and cached. ASP_ERR_NOT_FOUND for an
     * unknown metric id, ASP_ERR_INVALID_ARGUMENT for an edge outside the
     * backbone or (for a metric caller) a cycle; nothing is written then.
     */
    asp_status (*scores)(void *context, const char *metric_id,
                         const asp_edge *edges, uint32_t count,
                         double *scores, int32_t *direction);

    /**
     * Trains and validates each of `count` placements under `budget` (NULL:
     * the run's default) and fills results[i] (caller-allocated, each with
     * its struct_size set). Every result is stored the moment it exists; a
     * placement already evaluated under the same budget in this run (or the
     * run being resumed) is answered from the store without training. The
     * placements of one call form one batch that the run's executor may
     * train in parallel (local worker processes, a Slurm job array): ask
     * for every placement you need at once rather than one per call. The
     * call returns when every result exists.
     */
    asp_status (*evaluate)(void *context, const asp_placement *const *placements,
                           uint32_t count, const asp_budget *budget,
                           asp_evaluation *const *results);
} asp_search_api;

/* ---------------------------------------------------------------------------
 * Extension "asp.checkpointing/1": strategy state that survives a crash.
 * ------------------------------------------------------------------------ */

#define ASP_EXT_CHECKPOINTING "asp.checkpointing/1"

/** The checkpointing services. Sized table owned by the host. */
typedef struct asp_checkpointing_api {
    uint32_t struct_size;

    /**
     * Stores `size` bytes (borrowed, copied) as this instance's state,
     * replacing any earlier state. Durable once it returns ASP_OK.
     */
    asp_status (*save_state)(void *context, const void *bytes, uint64_t size);

    /**
     * The state last saved by this strategy in this run or the run being
     * resumed: *bytes points to *size bytes owned by the host, valid until
     * the current call returns. ASP_ERR_NOT_FOUND when there is none.
     */
    asp_status (*load_state)(void *context, const void **bytes, uint64_t *size);
} asp_checkpointing_api;

/* ---------------------------------------------------------------------------
 * Extension "asp.gated/1" (since 1.2): candidate adapters trained together,
 * each behind a learned switch, for strategies. A host of 1.0 or 1.1 returns
 * NULL for it from get_extension.
 * ------------------------------------------------------------------------ */

#define ASP_EXT_GATED "asp.gated/1"

/**
 * How a gated training runs (METHOD.md section 7, "Gated training"). Sized;
 * filled by the plugin. Every field is read: zero is a value, except where
 * a field says it takes the run's.
 */
typedef struct asp_gated_budget {
    uint32_t struct_size;
    /** Optimiser steps; 0: the run's steps. */
    uint32_t steps;
    /** Peak learning rate of the adapters and the head; 0: the run's. */
    double learning_rate;
    /** Learning rate of the gates' logits (Adam, constant); > 0. */
    double gate_learning_rate;
    /** lambda >= 0: the weight of the mean probability that a gate is open. */
    double sparsity;
    /** Temperature of the relaxed gates at the first step; > 0. */
    double initial_temperature;
    /** Temperature at the last step (annealed geometrically); > 0. */
    double final_temperature;
    /** Every gate's logit before training; sigmoid of it is the probability it starts open. */
    double initial_logit;
} asp_gated_budget;

/** The outcome of a gated training. Sized; filled by the host. */
typedef struct asp_gated_result {
    uint32_t struct_size;
    /**
     * Validation accuracy of the gated model: the adapters whose gates
     * ended open (probability > 1/2) at full strength, the others removed.
     * NaN when the training diverged.
     */
    double accuracy;
    /** Its validation loss; NaN when the training diverged. */
    double loss;
    /** Wall-clock seconds, validation included. */
    double seconds;
    /** 1 when the training diverged (no probability means anything), 0 otherwise. */
    uint32_t diverged;
} asp_gated_result;

/** The gated-training service. Sized table owned by the host. */
typedef struct asp_gated_api {
    uint32_t struct_size;

    /**
     * Trains an adapter on each of the `count` edges (borrowed; distinct,
     * inside the backbone) together, each behind a relaxed Bernoulli gate,
     * with the run's adapter options, batch size, seed and validation split,
     * under `budget` (required), then validates the gated model. Writes each
     * edge's final gate probability sigmoid(logit) into caller-allocated
     * probabilities[0 .. count-1] (NaN when the training diverged) and the
     * outcome into *result (caller-allocated, its struct_size set).
     * Recurrent candidates make the two passes every placement makes. Cost:
     * `steps` forward and backward passes of the backbone with every
     * candidate; the result is not stored: a strategy that must survive a
     * crash checkpoints it. ASP_ERR_INVALID_ARGUMENT for an edge outside
     * the backbone, an edge given twice, no edge, or a budget field out of
     * range; ASP_ERR_CANCELLED when the user stopped the run.
     */
    asp_status (*train_gated)(void *context, const asp_edge *edges, uint32_t count,
                              const asp_gated_budget *budget, double *probabilities,
                              asp_gated_result *result);
} asp_gated_api;

/* ---------------------------------------------------------------------------
 * Extension "asp.findings/1" (since 1.3): named findings a strategy reports
 * about the placement it is choosing (which metric it settled on, a
 * correlation it measured), for strategies. The host stores them with the
 * selection (a search run's outcome, a study's choice) and shows them with
 * it. A host of 1.2 or earlier returns NULL for it from get_extension.
 * ------------------------------------------------------------------------ */

#define ASP_EXT_FINDINGS "asp.findings/1"

/**
 * The findings services. Sized table owned by the host. A finding belongs to
 * the select call during which it is reported; reporting a name again in
 * that call replaces its value, and the host keeps the order in which names
 * were first reported. A name is 1 to 64 characters of [A-Za-z0-9._-].
 * Both functions copy what they are given (borrowed) and fail with
 * ASP_ERR_INVALID_ARGUMENT, recording nothing, for a NULL or bad name, a
 * NULL text, a text longer than 4096 bytes or a non-finite number.
 */
typedef struct asp_findings_api {
    uint32_t struct_size;

    /** Reports finding `name` with UTF-8 text `value`, e.g. "metric" = "nuclear-norm". */
    asp_status (*report_text)(void *context, const char *name, const char *value);

    /** Reports finding `name` with a finite number `value`, e.g. "rho" = 0.61. */
    asp_status (*report_number)(void *context, const char *name, double value);
} asp_findings_api;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ADAPTER_SEARCH_H */
