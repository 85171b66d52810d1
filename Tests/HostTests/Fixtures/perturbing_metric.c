/*
 * perturbing_metric.c — a metric that asks for an extra pass with a dense
 * map of 0.01 I on edge 0>2, then scores each edge by the sum of the entries
 * of that pass's G_ij. A host must run the pass with the map applied.
 */
#include <stdlib.h>

#include "fixture_plugin.h"

static const asp_host *the_host;

static asp_status remember_host(const asp_plugin_descriptor *descriptor, const asp_host *host, const asp_config *config,
                                void **instance) {
    the_host = host;
    return fixture_create(descriptor, host, config, instance);
}

static asp_status score(void *instance, const asp_edge *edges, uint32_t count, double *scores) {
    const asp_probe_api *probe = the_host->get_extension(the_host->context, ASP_EXT_PROBE);
    asp_probe_info info = {sizeof(asp_probe_info), 0, 0, 0, 0, 0.0};
    asp_status status;
    uint32_t index, width, cell, extra = 0;
    float *map;
    (void)instance;
    if (probe == NULL) return ASP_ERR_UNSUPPORTED;
    if ((status = probe->info(the_host->context, 0, &info)) != ASP_OK) return status;
    width = info.width;
    map = calloc((size_t)width * width, sizeof(float));
    if (map == NULL) return ASP_ERR_OUT_OF_MEMORY;
    for (cell = 0; cell < width; ++cell) map[cell * width + cell] = 0.01f;
    {
        const asp_edge edge = {0, 2};
        const float *maps[1];
        asp_pass_request request = {sizeof(asp_pass_request), 0, 0, ASP_INPUT_DATA, ASP_WEIGHTS_AS_IS,
                                     ASP_LOSS_CROSS_ENTROPY, 1, NULL, NULL};
        maps[0] = map;
        request.perturbed_edges = &edge;
        request.perturbations = maps;
        status = probe->run_pass(the_host->context, &request, &extra);
    }
    free(map);
    if (status != ASP_OK) return status;
    for (index = 0; index < count; ++index) {
        asp_matrix_view view = {sizeof(asp_matrix_view), 0, 0, NULL};
        double sum = 0.0;
        if ((status = probe->edge_gradient(the_host->context, extra, edges[index], &view)) != ASP_OK) return status;
        for (cell = 0; cell < view.rows * view.cols; ++cell) sum += view.data[cell];
        scores[index] = sum;
    }
    return ASP_OK;
}

static const asp_plugin_descriptor perturbing = {sizeof(asp_plugin_descriptor), ASP_KIND_METRIC, "fixture-perturbs",
                                                 "Perturbs", "0.0.1", "Runs a pass with a map on 0>2.",
                                                 ASP_HIGHER_IS_BETTER, ASP_NEEDS_PROBE | ASP_NEEDS_EXTRA_PASSES,
                                                 remember_host, fixture_destroy, score, NULL, 0, NULL};
static const asp_plugin_descriptor *const plugins[] = {&perturbing};

FIXTURE_LIBRARY(ASP_ABI_VERSION, plugins)
