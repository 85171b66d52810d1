/*
 * harness_plugins.c — a strategy and a metric that keep every promise
 * `adapter-search plugins test` checks, unless compiled with one FLAW_*
 * macro, which breaks exactly one (PluginHarnessTests):
 *
 *   FLAW_EXTRA_EXPORT      exports a second symbol besides asp_plugin_entry
 *   FLAW_DEFAULT_OUT_OF_RANGE  the metric's `gain` defaults to 11, above its maximum 10
 *   FLAW_NON_FINITE        the metric scores edge (1, 1) NaN
 *   FLAW_NON_CANDIDATE     the strategy puts recurrent edge (1, 0) last (the harness offers no recurrent candidate)
 *   FLAW_EXCEEDS_K         the strategy returns k + 1 edges
 *   FLAW_NONDETERMINISTIC  the strategy's choice moves with a counter across instances
 *   FLAW_SILENT_ERROR      the strategy refuses k > candidates without a message
 *   FLAW_CRASH             the strategy's select dereferences NULL
 *   FLAW_HANG              the strategy's select never returns
 *   FLAW_CRASH_ON_LOAD     the library crashes in its constructor, as it is loaded
 *
 * The strategy ("harness.strategy") takes k consecutive candidates from an
 * offset drawn from the host's random stream, `stride` apart; the metric
 * ("harness.metric") scores edge (i, j) as gain * (100 i + j + 1).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter_search.h"

/** Hands `message` to the host and returns `status`. */
static asp_status fail(const asp_host *host, asp_status status, const char *message) {
    host->set_error(host->context, message);
    return status;
}

/** Reads parameter `name` of `config` as a number within [low, high] into *value (unchanged if absent). */
static asp_status number(const asp_host *host, const asp_config *config, const char *name, int integer, double low,
                         double high, double *value) {
    uint32_t index;
    char message[200];
    if (config == NULL || !ASP_HAS_FIELD(config, asp_config, values)) return ASP_OK;
    for (index = 0; index < config->count; ++index) {
        const char *text = config->values[index];
        char *end = NULL;
        double parsed;
        if (config->keys[index] == NULL || strcmp(config->keys[index], name) != 0) continue;
        if (text == NULL) return fail(host, ASP_ERR_INVALID_ARGUMENT, "a parameter has no value");
        parsed = integer ? (double)strtol(text, &end, 10) : strtod(text, &end);
        if (end == text || *end != '\0' || !(parsed >= low && parsed <= high)) {
            snprintf(message, sizeof message, "%s must be %s in [%g, %g], got '%s'", name, integer ? "an integer" : "a number",
                     low, high, text);
            return fail(host, ASP_ERR_INVALID_ARGUMENT, message);
        }
        *value = parsed;
    }
    return ASP_OK;
}

/* ---- the strategy ------------------------------------------------------ */

typedef struct {
    const asp_host *host;
    uint32_t stride;
} strategy;

static asp_status strategy_create(const asp_plugin_descriptor *descriptor, const asp_host *host, const asp_config *config,
                                  void **instance) {
    double stride = 1;
    strategy *self;
    asp_status status;
    (void)descriptor;
    if (host == NULL || instance == NULL) return ASP_ERR_INVALID_ARGUMENT;
    status = number(host, config, "stride", 1, 1, 5, &stride);
    if (status != ASP_OK) return status;
    self = (strategy *)malloc(sizeof *self);
    if (self == NULL) return fail(host, ASP_ERR_OUT_OF_MEMORY, "out of memory");
    self->host = host;
    self->stride = (uint32_t)stride;
    *instance = self;
    return ASP_OK;
}

static void strategy_destroy(void *instance) {
    free(instance);
}

static asp_status strategy_select(void *instance, const asp_select_request *request, asp_edge *edges, uint32_t capacity,
                                  uint32_t *count) {
    const strategy *self = (const strategy *)instance;
    const asp_host *host = self->host;
    asp_edge candidates[1024];
    uint32_t candidate_count = 0, k = 1, needed, index, offset;
    char message[160];
#ifdef FLAW_NONDETERMINISTIC
    static uint32_t calls = 0;
#endif

#ifdef FLAW_CRASH
    {
        volatile int *nowhere = NULL;
        *nowhere = 1;
    }
#endif
#ifdef FLAW_HANG
    for (;;) {
    }
#endif
    if (count == NULL) return fail(host, ASP_ERR_INVALID_ARGUMENT, "count is NULL");
    if (request != NULL && ASP_HAS_FIELD(request, asp_select_request, k)) k = request->k;
    if (host->candidate_edges(host->context, candidates, 1024, &candidate_count) != ASP_OK) {
        return fail(host, ASP_ERR_ENGINE, "candidate_edges failed");
    }
    if (k == 0 || k > candidate_count) {
#ifdef FLAW_SILENT_ERROR
        return ASP_ERR_INVALID_ARGUMENT;
#else
        snprintf(message, sizeof message, "k = %u, but there are %u candidate edges", (unsigned)k, (unsigned)candidate_count);
        return fail(host, ASP_ERR_INVALID_ARGUMENT, message);
#endif
    }
    needed = k;
#ifdef FLAW_EXCEEDS_K
    if (needed < candidate_count) needed += 1;
#endif
    if (capacity < needed || edges == NULL) {
        *count = needed;
        snprintf(message, sizeof message, "room for %u edges needed, %u given", (unsigned)needed, (unsigned)capacity);
        return fail(host, ASP_ERR_BUFFER_TOO_SMALL, message);
    }
    offset = (uint32_t)(host->random_u64(host->context) % candidate_count);
#ifdef FLAW_NONDETERMINISTIC
    offset += ++calls;
#endif
    for (index = 0; index < needed; ++index) {
        /* stride and candidate_count (15 here) are coprime unless stride is 3 or 5: then fall back to stride 1. */
        uint32_t step = candidate_count % self->stride == 0 ? 1 : self->stride;
        edges[index] = candidates[(offset + index * step) % candidate_count];
    }
#ifdef FLAW_NON_CANDIDATE
    edges[needed - 1].source = 1;
    edges[needed - 1].target = 0;
#endif
    *count = needed;
    return ASP_OK;
}

/* ---- the metric -------------------------------------------------------- */

typedef struct {
    const asp_host *host;
    double gain;
} metric;

static asp_status metric_create(const asp_plugin_descriptor *descriptor, const asp_host *host, const asp_config *config,
                                void **instance) {
    double gain = 1;
    metric *self;
    asp_status status;
    (void)descriptor;
    if (host == NULL || instance == NULL) return ASP_ERR_INVALID_ARGUMENT;
    status = number(host, config, "gain", 0, 0, 10, &gain);
    if (status != ASP_OK) return status;
    self = (metric *)malloc(sizeof *self);
    if (self == NULL) return fail(host, ASP_ERR_OUT_OF_MEMORY, "out of memory");
    self->host = host;
    self->gain = gain;
    *instance = self;
    return ASP_OK;
}

static void metric_destroy(void *instance) {
    free(instance);
}

static asp_status metric_score(void *instance, const asp_edge *edges, uint32_t count, double *scores) {
    const metric *self = (const metric *)instance;
    const asp_host *host = self->host;
    int32_t nodes = (int32_t)host->node_count(host->context);
    uint32_t index;
    char message[120];
    if (count > 0 && (edges == NULL || scores == NULL)) return fail(host, ASP_ERR_INVALID_ARGUMENT, "edges or scores is NULL");
    for (index = 0; index < count; ++index) {
        asp_edge edge = edges[index];
        if (edge.source < 0 || edge.target < 0 || edge.source >= nodes || edge.target >= nodes) {
            snprintf(message, sizeof message, "edge %d>%d is outside nodes 0...%d", (int)edge.source, (int)edge.target,
                     (int)nodes - 1);
            return fail(host, ASP_ERR_INVALID_ARGUMENT, message);
        }
        scores[index] = self->gain * (100.0 * edge.source + edge.target + 1);
#ifdef FLAW_NON_FINITE
        if (edge.source == 1 && edge.target == 1) scores[index] = NAN;
#endif
    }
    return ASP_OK;
}

/* ---- self-description -------------------------------------------------- */

static const asp_param_descriptor stride_parameter = {
    sizeof(asp_param_descriptor), ASP_PARAM_INT, "stride", "how far apart the chosen candidates are", "1",
    ASP_PARAM_HAS_MINIMUM | ASP_PARAM_HAS_MAXIMUM, 1, 5};
static const asp_param_descriptor *const strategy_parameters[] = {&stride_parameter};

#ifdef FLAW_DEFAULT_OUT_OF_RANGE
#define GAIN_DEFAULT "11"
#else
#define GAIN_DEFAULT "1"
#endif
static const asp_param_descriptor gain_parameter = {
    sizeof(asp_param_descriptor), ASP_PARAM_REAL, "gain", "what every score is multiplied by", GAIN_DEFAULT,
    ASP_PARAM_HAS_MINIMUM | ASP_PARAM_HAS_MAXIMUM, 0, 10};
static const asp_param_descriptor *const metric_parameters[] = {&gain_parameter};

static const asp_plugin_descriptor strategy_descriptor = {
    sizeof(asp_plugin_descriptor), ASP_KIND_STRATEGY, "harness.strategy", "Harness fixture strategy", "1.0.0",
    "k consecutive candidates from a random offset.", 0, 0, strategy_create, strategy_destroy, NULL, strategy_select,
    1, strategy_parameters};
static const asp_plugin_descriptor metric_descriptor = {
    sizeof(asp_plugin_descriptor), ASP_KIND_METRIC, "harness.metric", "Harness fixture metric", "1.0.0",
    "gain * (100 i + j + 1).", ASP_HIGHER_IS_BETTER, 0, metric_create, metric_destroy, metric_score, NULL,
    1, metric_parameters};

/* The strategy first: after it crashes, a new child goes on with the metric. */
static const asp_plugin_descriptor *const plugins[] = {&strategy_descriptor, &metric_descriptor};

ASP_DEFINE_LIBRARY(plugins)

#ifdef FLAW_EXTRA_EXPORT
ASP_EXPORT int harness_helper(void) {
    return 1;
}
#endif

#ifdef FLAW_CRASH_ON_LOAD
__attribute__((constructor)) static void crash_on_load(void) {
    volatile int *nowhere = NULL;
    *nowhere = 1;
}
#endif
