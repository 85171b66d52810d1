/*
 * example_gradient_norm.c — the C twin of the Python example metric
 * example.py-gradient-norm (example_metric.py): the same metric, the same
 * parameter, written plainly in C99 against the ABI. `bench score` times the
 * two in one run (README, "In Python"), so the cost of writing a metric in
 * Python is measured against C, not guessed.
 *
 * Build:  make -C plugins/examples            (or see the Makefile)
 * Try:    adapter-search plugins inspect plugins/examples/build/example_gradient_norm.so
 *
 * ---------------------------------------------------------------------------
 * The metric: "example.gradient-norm"
 *
 *     score(i, j) = ||G_ij||_F ^ exponent,   ||G||_F^2 = sum_ab G_ab^2,
 *
 * the sum taken in double in row-major order (the built-in gradient-norm's
 * order; at exponent 1 the two agree bit for bit). Higher is better.
 * ------------------------------------------------------------------------ */

#include "adapter_search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** Everything one instance keeps between create and destroy. */
typedef struct gradient_norm {
    const asp_host *host;
    const asp_probe_api *probe;
    double exponent;
} gradient_norm;

static asp_status fail(const asp_host *host, asp_status status, const char *message) {
    host->set_error(host->context, message);
    return status;
}

static asp_status norm_create(const asp_plugin_descriptor *descriptor, const asp_host *host, const asp_config *config,
                              void **instance) {
    const asp_probe_api *probe;
    gradient_norm *metric;
    double exponent = 1.0;
    uint32_t index;

    (void)descriptor;
    if (host == NULL || instance == NULL) return ASP_ERR_INVALID_ARGUMENT;
    probe = (const asp_probe_api *)host->get_extension(host->context, ASP_EXT_PROBE);
    if (probe == NULL || !ASP_HAS_FIELD(probe, asp_probe_api, edge_gradient)) {
        return fail(host, ASP_ERR_UNSUPPORTED, "this metric needs the probe pass (" ASP_EXT_PROBE ")");
    }
    if (config != NULL && ASP_HAS_FIELD(config, asp_config, values) && config->count > 0 && config->keys != NULL &&
        config->values != NULL) {
        for (index = 0; index < config->count; ++index) {
            char *end = NULL;
            if (config->keys[index] == NULL || strcmp(config->keys[index], "exponent") != 0) continue;
            if (config->values[index] == NULL) return fail(host, ASP_ERR_INVALID_ARGUMENT, "exponent has no value");
            exponent = strtod(config->values[index], &end);
            if (end == config->values[index] || *end != '\0' || !(exponent >= 0.25 && exponent <= 4.0)) {
                return fail(host, ASP_ERR_INVALID_ARGUMENT, "exponent must be a number in [0.25, 4]");
            }
        }
    }
    metric = (gradient_norm *)malloc(sizeof *metric);
    if (metric == NULL) return fail(host, ASP_ERR_OUT_OF_MEMORY, "out of memory");
    metric->host = host;
    metric->probe = probe;
    metric->exponent = exponent;
    *instance = metric;
    return ASP_OK;
}

static void norm_destroy(void *instance) { free(instance); }

static asp_status norm_score(void *instance, const asp_edge *edges, uint32_t count, double *scores) {
    gradient_norm *metric = (gradient_norm *)instance;
    uint32_t index;

    if (metric == NULL || (count > 0 && (edges == NULL || scores == NULL))) return ASP_ERR_INVALID_ARGUMENT;
    for (index = 0; index < count; ++index) {
        asp_matrix_view view;
        asp_status status;
        size_t entry, size;
        double sum = 0.0, norm;

        memset(&view, 0, sizeof view);
        view.struct_size = (uint32_t)sizeof view;
        status = metric->probe->edge_gradient(metric->host->context, 0, edges[index], &view);
        if (status != ASP_OK) return fail(metric->host, status, metric->host->last_error(metric->host->context));
        size = (size_t)view.rows * view.cols;
        for (entry = 0; entry < size; ++entry) sum += (double)view.data[entry] * (double)view.data[entry];
        norm = sqrt(sum);
        scores[index] = metric->exponent == 1.0 ? norm : pow(norm, metric->exponent);
    }
    return ASP_OK;
}

static const asp_param_descriptor exponent_parameter = {
    sizeof(asp_param_descriptor), ASP_PARAM_REAL, "exponent", "the power of the norm", "1.0",
    ASP_PARAM_HAS_MINIMUM | ASP_PARAM_HAS_MAXIMUM, 0.25, 4.0,
};
static const asp_param_descriptor *const parameters[] = {&exponent_parameter};

static const asp_plugin_descriptor norm_descriptor = {
    sizeof(asp_plugin_descriptor),
    ASP_KIND_METRIC,
    "example.gradient-norm",
    "Gradient norm (C twin of the Python example)",
    "1.0.0",
    "||G_ij||_F ^ exponent, summed in double in row-major order; at exponent 1 the built-in gradient-norm.",
    ASP_HIGHER_IS_BETTER,
    ASP_NEEDS_PROBE,
    norm_create,
    norm_destroy,
    norm_score,
    NULL,
    1,
    parameters,
};

static const asp_plugin_descriptor *const plugins[] = {&norm_descriptor};
ASP_DEFINE_LIBRARY(plugins)
