/*
 * example_metric.c — a complete AdapterSearch metric plugin in plain C99.
 *
 * A teaching example: it shows everything a metric does through the ABI in
 * plugins/include/adapter_search.h and nothing else.
 *
 *   - export exactly one symbol, asp_plugin_entry (ASP_EXPORT); keep the rest
 *     `static` and build with -fvisibility=hidden;
 *   - describe the plugin and its one parameter in static, constant tables;
 *   - parse the configuration defensively in create;
 *   - ask the host for the optional "asp.probe/1" extension and check its
 *     size before using it;
 *   - report every failure through host->set_error plus a status code, never
 *     abort or exit.
 *
 * Build:  make -C plugins/examples            (or see the Makefile)
 * Try:    adapter-search plugins inspect plugins/examples/build/example_metric.so
 *
 * ---------------------------------------------------------------------------
 * The metric: "example.activation-energy"
 *
 * An adapter on edge (i, j) reads residual node i and writes into node j.
 * Its weight gradient on the probe batch is the edge gradient
 *
 *     G_ij = H_i^T D_j                    (width x width)
 *
 * where H_i (tokens x width) are the activations at node i and D_j
 * (tokens x width) the loss gradients at node j. Forming G_ij costs
 * O(N d^2) per edge. This metric looks only at the two factors, O(N d) per
 * node, through their mean squares ("energies"):
 *
 *     A_i = mean(H_i .* H_i) = ||H_i||_F^2 / (N d)
 *     B_j = mean(D_j .* D_j) = ||D_j||_F^2 / (N d)
 *
 *     score(i, j) = ( A_i^(1 - balance) * B_j^balance )^2
 *
 * With the default balance = 0.5 the score is A_i * B_j, and since
 * ||H_i^T D_j||_F <= ||H_i||_F ||D_j||_F (Cauchy-Schwarz on every entry),
 *
 *     score(i, j) = ||H_i||_F^2 ||D_j||_F^2 / (N d)^2  >=  ||G_ij||_F^2 / (N d)^2,
 *
 * an upper bound on the (normalised) squared gradient norm the adapter can
 * see. The bound is tight when every column of H_i and of D_j is a multiple
 * of the same token vector, that is when activations and gradients rise and
 * fall together over the tokens. `balance` moves the weight between the
 * two factors: 0 scores by the source's activation energy alone (A_i^2),
 * 1 by the target's gradient energy alone (B_j^2). Higher is better.
 * ------------------------------------------------------------------------ */

#include "adapter_search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ===========================================================================
 * The instance
 * ======================================================================== */

/** Everything one instance keeps between create and destroy. */
typedef struct energy_metric {
    /** The host's services; valid until destroy returns. */
    const asp_host *host;
    /** The host's "asp.probe/1" table; valid until destroy returns. */
    const asp_probe_api *probe;
    /** The `balance` parameter, in [0, 1]. */
    double balance;
} energy_metric;

/** Hands `message` to the host and returns `status`: the one error path. */
static asp_status fail(const asp_host *host, asp_status status, const char *message) {
    host->set_error(host->context, message);
    return status;
}

/* ===========================================================================
 * Configuration
 * ======================================================================== */

/** The parameter's name, as users write it: --set example.activation-energy.balance=0.25. */
#define BALANCE_NAME "balance"

/**
 * Reads the `balance` value out of the configuration. The host has already
 * filled in the default and checked the bounds declared below; a plugin
 * still parses defensively, as any text may arrive.
 */
static asp_status parse_balance(const asp_host *host, const asp_config *config, double *balance) {
    uint32_t index;
    char message[160];

    *balance = 0.5; /* the declared default */
    if (config == NULL || !ASP_HAS_FIELD(config, asp_config, values)) return ASP_OK;
    if (config->count > 0 && (config->keys == NULL || config->values == NULL)) {
        return fail(host, ASP_ERR_INVALID_ARGUMENT, "the configuration's keys or values are NULL");
    }
    for (index = 0; index < config->count; ++index) {
        const char *text = config->values[index];
        char *end = NULL;
        double value;

        if (config->keys[index] == NULL || strcmp(config->keys[index], BALANCE_NAME) != 0) continue;
        if (text == NULL) return fail(host, ASP_ERR_INVALID_ARGUMENT, "balance has no value");
        value = strtod(text, &end);
        if (end == text || *end != '\0' || !(value >= 0.0 && value <= 1.0)) {
            snprintf(message, sizeof message, "balance must be a number in [0, 1], got '%s'", text);
            return fail(host, ASP_ERR_INVALID_ARGUMENT, message);
        }
        *balance = value;
    }
    return ASP_OK;
}

/* ===========================================================================
 * The ABI functions: create, destroy, score
 * ======================================================================== */

/** Creates an instance: checks the host, finds the probe, reads the config. */
static asp_status energy_create(const asp_plugin_descriptor *descriptor, const asp_host *host,
                                const asp_config *config, void **instance) {
    const asp_probe_api *probe;
    energy_metric *metric;
    double balance;
    asp_status status;

    (void)descriptor; /* one plugin in this library: no need to tell them apart */
    if (host == NULL || instance == NULL) return ASP_ERR_INVALID_ARGUMENT;

    /* Optional capabilities are looked up by id; NULL means "not offered". */
    probe = (const asp_probe_api *)host->get_extension(host->context, ASP_EXT_PROBE);
    if (probe == NULL) {
        return fail(host, ASP_ERR_UNSUPPORTED, "this metric needs the probe pass (" ASP_EXT_PROBE ")");
    }
    /* Tables are sized: use a service only if the host's table reaches it. */
    if (!ASP_HAS_FIELD(probe, asp_probe_api, gradients)) {
        return fail(host, ASP_ERR_UNSUPPORTED, "the host's " ASP_EXT_PROBE " table lacks gradients");
    }

    status = parse_balance(host, config, &balance);
    if (status != ASP_OK) return status;

    metric = (energy_metric *)malloc(sizeof *metric);
    if (metric == NULL) return fail(host, ASP_ERR_OUT_OF_MEMORY, "out of memory");
    metric->host = host;
    metric->probe = probe;
    metric->balance = balance;
    *instance = metric;
    return ASP_OK;
}

/** Frees what create allocated. Never fails. */
static void energy_destroy(void *instance) {
    free(instance);
}

/** Which of the probe's two matrices to read. */
typedef enum { ACTIVATIONS, GRADIENTS } node_matrix;

/**
 * The mean square of H_node or D_node of probe 0 into *energy. A service
 * that fails has left its reason in host->last_error; pass it on.
 */
static asp_status mean_square(const energy_metric *metric, node_matrix which, int32_t node, double *energy) {
    const asp_host *host = metric->host;
    asp_matrix_view view;
    asp_status status;
    size_t count, index;
    double sum = 0.0;
    char message[512];

    /* An output struct is sized by its caller: zero it, set struct_size. */
    memset(&view, 0, sizeof view);
    view.struct_size = (uint32_t)sizeof view;
    status = which == ACTIVATIONS
        ? metric->probe->activations(host->context, 0, (uint32_t)node, &view)
        : metric->probe->gradients(host->context, 0, (uint32_t)node, &view);
    if (status != ASP_OK) {
        snprintf(message, sizeof message, "%s of node %d: %s",
                 which == ACTIVATIONS ? "activations" : "gradients", (int)node, host->last_error(host->context));
        return fail(host, status, message);
    }

    count = (size_t)view.rows * view.cols;
    if (count == 0 || view.data == NULL) {
        snprintf(message, sizeof message, "node %d has an empty %s matrix", (int)node,
                 which == ACTIVATIONS ? "activation" : "gradient");
        return fail(host, ASP_ERR_ENGINE, message);
    }
    /* Accumulate in double: the views are float32, the sums need not be. */
    for (index = 0; index < count; ++index) {
        double value = view.data[index];
        sum += value * value;
    }
    *energy = sum / (double)count;
    return ASP_OK;
}

/** Scores `count` edges: score = (A_source^(1-balance) * B_target^balance)^2. */
static asp_status energy_score(void *instance, const asp_edge *edges, uint32_t count, double *scores) {
    const energy_metric *metric = (const energy_metric *)instance;
    const asp_host *host = metric->host;
    uint32_t index;

    if (count > 0 && (edges == NULL || scores == NULL)) {
        return fail(host, ASP_ERR_INVALID_ARGUMENT, "edges or scores is NULL");
    }
    for (index = 0; index < count; ++index) {
        double activation_energy, gradient_energy, geometric;
        asp_status status;

        /* Long calls poll should_stop so the user can interrupt them. */
        if (host->should_stop(host->context)) return fail(host, ASP_ERR_CANCELLED, "stopped on request");

        /* A real metric would cache the per-node energies; this one keeps it simple. */
        status = mean_square(metric, ACTIVATIONS, edges[index].source, &activation_energy);
        if (status != ASP_OK) return status;
        status = mean_square(metric, GRADIENTS, edges[index].target, &gradient_energy);
        if (status != ASP_OK) return status;

        geometric = pow(activation_energy, 1.0 - metric->balance) * pow(gradient_energy, metric->balance);
        scores[index] = geometric * geometric;
    }
    return ASP_OK;
}

/* ===========================================================================
 * Self-description: the tables the host reads at load time
 *
 * Everything here is static and constant, so it stays valid until the
 * library is unloaded, and asp_plugin_entry returns the same table each time.
 * ======================================================================== */

/** The one parameter: a REAL in [0, 1], default 0.5. */
static const asp_param_descriptor balance_parameter = {
    sizeof(asp_param_descriptor),
    ASP_PARAM_REAL,
    BALANCE_NAME,
    "weight of the target's gradient energy against the source's activation energy (0: activations only, 1: gradients only)",
    "0.5",
    ASP_PARAM_HAS_MINIMUM | ASP_PARAM_HAS_MAXIMUM,
    0.0,
    1.0,
};

/** Parameter tables are arrays of pointers: each entry carries its own size. */
static const asp_param_descriptor *const energy_parameters[] = {&balance_parameter};

/** The plugin. */
static const asp_plugin_descriptor energy_descriptor = {
    sizeof(asp_plugin_descriptor),
    ASP_KIND_METRIC,
    "example.activation-energy",
    "Activation-gradient energy (C example)",
    "1.0.0",
    "(mean H_i^2)^(2(1-balance)) * (mean D_j^2)^(2 balance); at balance 0.5 an upper bound on ||G_ij||_F^2 / (N d)^2.",
    ASP_HIGHER_IS_BETTER,
    ASP_NEEDS_PROBE,
    energy_create,
    energy_destroy,
    energy_score,
    NULL, /* select: metrics have none */
    sizeof energy_parameters / sizeof energy_parameters[0],
    energy_parameters,
};

static const asp_plugin_descriptor *const plugins[] = {&energy_descriptor};

/*
 * The library table and the exported entry point, asp_plugin_entry, which
 * refuses (returns NULL to) a host of another major ABI version.
 */
ASP_DEFINE_LIBRARY(plugins)
