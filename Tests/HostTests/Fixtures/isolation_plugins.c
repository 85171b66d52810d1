/*
 * isolation_plugins.c — plugins for the isolation tests (--isolate).
 *
 *   fixture-segfault       a strategy that evaluates one placement, then
 *                          dereferences NULL in select (SIGSEGV)
 *   fixture-hang           a strategy whose select never returns
 *   fixture-exit           a strategy that calls _exit(3) in select
 *   fixture-searcher       a well-behaved strategy that uses every asp.search/1
 *                          and asp.checkpointing/1 service, logs and reports
 *                          progress; parameter "metric" names the metric it asks
 *                          scores of ("refuse-create": create fails)
 *   fixture-probe-metric   a metric whose score of an edge is a hash of every
 *                          probe service's answer for it (info, activations,
 *                          gradients, edge_gradient, singular_values, rank,
 *                          adapter_init, run_pass with a dense map, and an
 *                          error), so two hosts agree on a
 *                          score only if they served every bit alike
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture_plugin.h"

/** An instance: the host it was created with, and the metric it asks scores of. */
typedef struct isolation_instance {
    const asp_host *host;
    char metric[64];
} isolation_instance;

static asp_status isolation_create(const asp_plugin_descriptor *descriptor, const asp_host *host,
                                   const asp_config *config, void **instance) {
    isolation_instance *self = calloc(1, sizeof *self);
    uint32_t index;
    (void)descriptor;
    if (!self) return ASP_ERR_OUT_OF_MEMORY;
    self->host = host;
    strcpy(self->metric, "fixture-probe-metric");
    for (index = 0; index < config->count; ++index) {
        if (strcmp(config->keys[index], "metric") == 0 && strlen(config->values[index]) < sizeof self->metric) {
            strcpy(self->metric, config->values[index]);
        }
    }
    if (strcmp(self->metric, "refuse-create") == 0) {
        free(self);
        host->set_error(host->context, "the fixture refuses this configuration");
        return ASP_ERR_INVALID_ARGUMENT;
    }
    *instance = self;
    return ASP_OK;
}

static void isolation_destroy(void *instance) {
    free(instance);
}

/** Evaluates the one-edge placement {0>0} when the host offers asp.search/1. */
static void evaluate_one(const asp_host *host) {
    const asp_search_api *search = host->get_extension(host->context, ASP_EXT_SEARCH);
    asp_edge edge = {0, 0};
    asp_placement placement = {sizeof(asp_placement), 1, NULL};
    const asp_placement *placements[1];
    asp_evaluation result = {sizeof(asp_evaluation), 0, 0, 0, 0, 0};
    asp_evaluation *results[1];
    if (!search) return;
    placement.edges = &edge;
    placements[0] = &placement;
    results[0] = &result;
    search->evaluate(host->context, placements, 1, NULL, results);
}

static asp_status segfault_select(void *instance, const asp_select_request *request, asp_edge *edges,
                                  uint32_t capacity, uint32_t *count) {
    volatile int *volatile nowhere = NULL;
    (void)request, (void)edges, (void)capacity, (void)count;
    evaluate_one(((isolation_instance *)instance)->host);
    *nowhere = 1;
    return ASP_OK;
}

static asp_status hang_select(void *instance, const asp_select_request *request, asp_edge *edges,
                              uint32_t capacity, uint32_t *count) {
    (void)instance, (void)request, (void)edges, (void)capacity, (void)count;
    for (;;) pause();
    return ASP_OK;  /* never reached */
}

static asp_status exit_select(void *instance, const asp_select_request *request, asp_edge *edges,
                              uint32_t capacity, uint32_t *count) {
    (void)instance, (void)request, (void)edges, (void)capacity, (void)count;
    _exit(3);
    return ASP_OK;  /* never reached */
}

/** The state fixture-searcher saves: how often it ran, and what the host told it. */
typedef struct searcher_state {
    uint32_t runs;
    int32_t direction;
    uint64_t random;
    double accuracy[2];
    double loss[2];
    uint64_t parameters[2];
    double best_score;
} searcher_state;

static asp_status searcher_select(void *instance, const asp_select_request *request, asp_edge *edges,
                                  uint32_t capacity, uint32_t *count) {
    const isolation_instance *self = instance;
    const asp_host *host = self->host;
    const asp_search_api *search = host->get_extension(host->context, ASP_EXT_SEARCH);
    const asp_checkpointing_api *checkpoints = host->get_extension(host->context, ASP_EXT_CHECKPOINTING);
    asp_edge candidates[256];
    double scores[256];
    uint32_t candidate_count = 0, index, chosen = 0, best[2] = {0, 0};
    int32_t direction = 0;
    searcher_state state;
    const void *loaded = NULL;
    uint64_t loaded_size = 0;
    asp_status status;
    asp_placement placement[2];
    const asp_placement *placements[2];
    asp_evaluation results[2];
    asp_evaluation *result_pointers[2];
    char line[160];

    if (!search || !checkpoints) {
        host->set_error(host->context, "fixture-searcher needs asp.search/1 and asp.checkpointing/1");
        return ASP_ERR_UNSUPPORTED;
    }
    host->log(host->context, ASP_LOG_INFO, "fixture-searcher: starting");
    host->progress(host->context, 0.25, "candidates");
    status = host->candidate_edges(host->context, candidates, 256, &candidate_count);
    if (status != ASP_OK || candidate_count < 2) {
        host->set_error(host->context, "candidate_edges failed");
        return ASP_ERR_INTERNAL;
    }

    /* An unknown metric: the host's error must come back with its message. */
    status = search->scores(host->context, "no-such-metric", candidates, 1, scores, &direction);
    snprintf(line, sizeof line, "unknown metric: status %d, %s", (int)status, host->last_error(host->context));
    host->log(host->context, ASP_LOG_WARNING, line);

    status = search->scores(host->context, self->metric, candidates, candidate_count, scores, &direction);
    if (status != ASP_OK) {
        host->set_error(host->context, host->last_error(host->context));
        return status;
    }
    for (index = 1; index < candidate_count; ++index) {
        if (scores[index] * direction > scores[best[0]] * direction) best[0] = index;
    }
    best[1] = best[0] == 0 ? 1 : 0;
    for (index = 0; index < candidate_count; ++index) {
        if (index != best[0] && scores[index] * direction > scores[best[1]] * direction) best[1] = index;
    }

    memset(&state, 0, sizeof state);
    status = checkpoints->load_state(host->context, &loaded, &loaded_size);
    if (status == ASP_OK && loaded_size == sizeof state) {
        memcpy(&state, loaded, sizeof state);
    } else if (status != ASP_ERR_NOT_FOUND) {
        host->set_error(host->context, "load_state failed or gave the wrong size");
        return ASP_ERR_INTERNAL;
    }

    host->progress(host->context, 0.5, "evaluating");
    for (index = 0; index < 2; ++index) {
        asp_budget budget = {sizeof(asp_budget), 3, 0};
        placement[index].struct_size = sizeof(asp_placement);
        placement[index].edge_count = 1;
        placement[index].edges = &candidates[best[index]];
        placements[index] = &placement[index];
        results[index].struct_size = sizeof(asp_evaluation);
        result_pointers[index] = &results[index];
        if (index == 1) {
            status = search->evaluate(host->context, placements, 2, &budget, result_pointers);
            if (status != ASP_OK) {
                host->set_error(host->context, host->last_error(host->context));
                return status;
            }
        }
    }
    if (host->should_stop(host->context)) return ASP_ERR_CANCELLED;

    state.runs += 1;
    state.direction = direction;
    state.random = host->random_u64(host->context);
    for (index = 0; index < 2; ++index) {
        state.accuracy[index] = results[index].accuracy;
        state.loss[index] = results[index].loss;
        state.parameters[index] = results[index].parameters;
    }
    state.best_score = scores[best[0]];
    status = checkpoints->save_state(host->context, &state, sizeof state);
    if (status != ASP_OK) {
        host->set_error(host->context, host->last_error(host->context));
        return status;
    }

    /* The placement: the better-trained of the two, then candidates in order. */
    edges[chosen++] = candidates[results[1].loss < results[0].loss ? best[1] : best[0]];
    for (index = 0; index < candidate_count && chosen < request->k && chosen < capacity; ++index) {
        if (index != best[0] && index != best[1]) edges[chosen++] = candidates[index];
    }
    *count = chosen;
    host->progress(host->context, 1.0, "done");
    return ASP_OK;
}

/** FNV-1a over `size` bytes, continuing `hash`. */
static uint64_t fnv(uint64_t hash, const void *bytes, size_t size) {
    const unsigned char *byte = bytes;
    size_t index;
    for (index = 0; index < size; ++index) hash = (hash ^ byte[index]) * 1099511628211ull;
    return hash;
}

static uint64_t fnv_view(uint64_t hash, const asp_matrix_view *view) {
    hash = fnv(hash, &view->rows, sizeof view->rows);
    hash = fnv(hash, &view->cols, sizeof view->cols);
    return fnv(hash, view->data, (size_t)view->rows * view->cols * sizeof(float));
}

/**
 * Hashes an extra pass with a dense map on edge 0>1: the new probe's loss and
 * G_01 when the host runs it, else its status and message.
 */
static uint64_t hash_extra_pass(const asp_host *host, const asp_probe_api *probe) {
    uint64_t hash = 14695981039346656037ull;
    asp_probe_info info;
    asp_edge edge = {0, 1};
    asp_pass_request request;
    asp_matrix_view view = {sizeof(asp_matrix_view), 0, 0, NULL};
    float *map;
    const float *maps[1];
    uint32_t index, number = 0;
    asp_status status;
    info.struct_size = sizeof info;
    if (probe->info(host->context, 0, &info) != ASP_OK) return 0;
    map = malloc((size_t)info.width * info.width * sizeof(float));
    if (!map) return 0;
    for (index = 0; index < info.width * info.width; ++index) map[index] = (float)(index % 7) * 1e-3f;
    maps[0] = map;
    memset(&request, 0, sizeof request);
    request.struct_size = sizeof request;
    request.input = ASP_INPUT_DATA;
    request.weights = ASP_WEIGHTS_AS_IS;
    request.loss = ASP_LOSS_CROSS_ENTROPY;
    request.perturbation_count = 1;
    request.perturbed_edges = &edge;
    request.perturbations = maps;
    status = probe->run_pass(host->context, &request, &number);
    free(map);
    hash = fnv(hash, &status, sizeof status);
    if (status != ASP_OK) {
        const char *error = host->last_error(host->context);
        return fnv(hash, error, strlen(error));
    }
    if (probe->info(host->context, number, &info) == ASP_OK) hash = fnv(hash, &info.loss, sizeof info.loss);
    if (probe->edge_gradient(host->context, number, edge, &view) == ASP_OK) hash = fnv_view(hash, &view);
    return hash;
}

static asp_status probe_metric_score(void *instance, const asp_edge *edges, uint32_t count, double *scores) {
    const asp_host *host = ((const isolation_instance *)instance)->host;
    const asp_probe_api *probe = host->get_extension(host->context, ASP_EXT_PROBE);
    uint32_t index;
    uint64_t extra;
    if (!probe) {
        host->set_error(host->context, "fixture-probe-metric needs asp.probe/1");
        return ASP_ERR_UNSUPPORTED;
    }
    extra = hash_extra_pass(host, probe);
    for (index = 0; index < count; ++index) {
        uint64_t hash = extra;
        asp_probe_info info;
        asp_matrix_view view = {sizeof(asp_matrix_view), 0, 0, NULL}, up = view;
        const double *values = NULL;
        uint32_t value_count = 0, rank = 0;
        asp_status status;
        const char *error;

        info.struct_size = sizeof info;
        if (probe->info(host->context, 0, &info) != ASP_OK) goto failed;
        hash = fnv(hash, &info.width, sizeof info.width);
        hash = fnv(hash, &info.tokens, sizeof info.tokens);
        hash = fnv(hash, &info.loss, sizeof info.loss);
        if (probe->activations(host->context, 0, (uint32_t)edges[index].source, &view) != ASP_OK) goto failed;
        hash = fnv_view(hash, &view);
        if (probe->gradients(host->context, 0, (uint32_t)edges[index].target, &view) != ASP_OK) goto failed;
        hash = fnv_view(hash, &view);
        if (probe->edge_gradient(host->context, 0, edges[index], &view) != ASP_OK) goto failed;
        hash = fnv_view(hash, &view);
        if (probe->singular_values(host->context, 0, edges[index], &values, &value_count) != ASP_OK) goto failed;
        hash = fnv(hash, values, value_count * sizeof(double));
        if (probe->rank(host->context, 0, edges[index], 1e-3, &rank) != ASP_OK) goto failed;
        hash = fnv(hash, &rank, sizeof rank);
        if (probe->adapter_init(host->context, edges[index], 2, &view, &up) != ASP_OK) goto failed;
        hash = fnv_view(fnv_view(hash, &view), &up);
        /* An error: a node that does not exist. Its status and message count too. */
        status = probe->activations(host->context, 0, 999, &view);
        error = host->last_error(host->context);
        hash = fnv(fnv(hash, &status, sizeof status), error, strlen(error));
        scores[index] = (double)(hash >> 11);  /* 53 bits: exact in a double */
        continue;
    failed:
        host->set_error(host->context, host->last_error(host->context));
        return ASP_ERR_ENGINE;
    }
    return ASP_OK;
}

static const asp_param_descriptor metric_param = {
    sizeof(asp_param_descriptor), ASP_PARAM_STRING, "metric", "The metric to ask scores of.",
    "fixture-probe-metric", 0, 0, 0};
static const asp_param_descriptor *const searcher_params[] = {&metric_param};

#define ISOLATION_STRATEGY(ID, SELECT, PARAM_COUNT, PARAMS)                                        \
    {                                                                                              \
        sizeof(asp_plugin_descriptor), ASP_KIND_STRATEGY, (ID), "Isolation fixture", "0.0.1",      \
            "A HostTests isolation fixture.", 0, 0, isolation_create, isolation_destroy, NULL,     \
            (SELECT), (PARAM_COUNT), (PARAMS)                                                      \
    }

static const asp_plugin_descriptor segfault = ISOLATION_STRATEGY("fixture-segfault", segfault_select, 0, NULL);
static const asp_plugin_descriptor hang = ISOLATION_STRATEGY("fixture-hang", hang_select, 0, NULL);
static const asp_plugin_descriptor exits = ISOLATION_STRATEGY("fixture-exit", exit_select, 0, NULL);
static const asp_plugin_descriptor searcher = ISOLATION_STRATEGY("fixture-searcher", searcher_select, 1, searcher_params);
static const asp_plugin_descriptor probe_metric = {
    sizeof(asp_plugin_descriptor), ASP_KIND_METRIC, "fixture-probe-metric", "Probe hash", "0.0.1",
    "Hashes every probe service's answer.", ASP_HIGHER_IS_BETTER,
    ASP_NEEDS_PROBE | ASP_NEEDS_SPECTRUM | ASP_NEEDS_ADAPTER_INIT | ASP_NEEDS_EXTRA_PASSES,
    isolation_create, isolation_destroy, probe_metric_score, NULL, 0, NULL};

static const asp_plugin_descriptor *const plugins[] = {&segfault, &hang, &exits, &searcher, &probe_metric};
FIXTURE_LIBRARY(ASP_ABI_VERSION, plugins)
