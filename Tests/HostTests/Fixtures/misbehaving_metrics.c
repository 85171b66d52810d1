/*
 * misbehaving_metrics.c — three metrics that go wrong at score time: one
 * returns an error with a message, one scores NaN, one leaves a score unset
 * (the host pre-fills NaN, so a short answer shows as NaN too). A host must
 * report each by name and still finish the other metrics. A fourth calls
 * every host service with a NULL context: each must answer
 * ASP_ERR_INVALID_ARGUMENT (or do nothing), never crash the host.
 */
#include <math.h>

#include "fixture_plugin.h"

static const asp_host *the_host;

static asp_status remember_host(const asp_plugin_descriptor *descriptor, const asp_host *host, const asp_config *config,
                                void **instance) {
    the_host = host;
    return fixture_create(descriptor, host, config, instance);
}

static asp_status fails(void *instance, const asp_edge *edges, uint32_t count, double *scores) {
    (void)edges;
    (void)count;
    (void)scores;
    (void)instance;
    the_host->set_error(the_host->context, "the fixture always fails");
    return ASP_ERR_ENGINE;
}

static asp_status scores_nan(void *instance, const asp_edge *edges, uint32_t count, double *scores) {
    asp_status status = fixture_score(instance, edges, count, scores);
    if (count > 1) scores[1] = NAN;
    return status;
}

static asp_status scores_too_few(void *instance, const asp_edge *edges, uint32_t count, double *scores) {
    return fixture_score(instance, edges, count > 0 ? count - 1 : 0, scores);
}

static asp_status null_context(void *instance, const asp_edge *edges, uint32_t count, double *scores) {
    const asp_probe_api *probe = the_host->get_extension(the_host->context, ASP_EXT_PROBE);
    the_host->log(NULL, ASP_LOG_WARNING, "lost");
    the_host->set_error(NULL, "lost");
    the_host->progress(NULL, 0.5, "lost");
    asp_edge buffer[1];
    uint32_t found = 0;
    asp_probe_info info;
    info.struct_size = sizeof info;
    int refused = the_host->candidate_edges(NULL, buffer, 1, &found) == ASP_ERR_INVALID_ARGUMENT
                  && the_host->get_extension(NULL, ASP_EXT_PROBE) == NULL && the_host->node_count(NULL) == 0
                  && the_host->should_stop(NULL) == 1 && the_host->last_error(NULL) != NULL
                  && probe != NULL && probe->info(NULL, 0, &info) == ASP_ERR_INVALID_ARGUMENT;
    if (!refused) {
        the_host->set_error(the_host->context, "a NULL context was not refused");
        return ASP_ERR_ENGINE;
    }
    return fixture_score(instance, edges, count, scores);
}

static const asp_plugin_descriptor failing = {sizeof(asp_plugin_descriptor), ASP_KIND_METRIC, "fixture-fails", "Fails",
                                              "0.0.1", "Always fails.", ASP_HIGHER_IS_BETTER, 0, remember_host,
                                              fixture_destroy, fails, NULL, 0, NULL};
static const asp_plugin_descriptor not_a_number = {sizeof(asp_plugin_descriptor), ASP_KIND_METRIC, "fixture-nan", "NaN",
                                          "0.0.1", "Scores NaN.", ASP_HIGHER_IS_BETTER, 0, fixture_create,
                                          fixture_destroy, scores_nan, NULL, 0, NULL};
static const asp_plugin_descriptor short_answer = {sizeof(asp_plugin_descriptor), ASP_KIND_METRIC, "fixture-short",
                                                   "Short", "0.0.1", "Scores all but the last edge.",
                                                   ASP_HIGHER_IS_BETTER, 0, fixture_create, fixture_destroy,
                                                   scores_too_few, NULL, 0, NULL};
static const asp_plugin_descriptor null_caller = {sizeof(asp_plugin_descriptor), ASP_KIND_METRIC, "fixture-null-context",
                                                  "NULL context", "0.0.1", "Calls the host with a NULL context.",
                                                  ASP_HIGHER_IS_BETTER, ASP_NEEDS_PROBE, remember_host, fixture_destroy,
                                                  null_context, NULL, 0, NULL};
static const asp_plugin_descriptor *const plugins[] = {&failing, &not_a_number, &short_answer, &null_caller};

FIXTURE_LIBRARY(ASP_ABI_VERSION, plugins)
