/*
 * newer_minor.c — a plugin built against a future 1.9 header: the library
 * claims ABI 1.9, and its descriptor and parameter carry fields appended
 * after 1.0. A 1.0 host loads it, reads the fields it knows and ignores the
 * rest (their struct_size is larger than the host's sizeof).
 */
#include "fixture_plugin.h"

/** asp_param_descriptor as a 1.9 header might define it. */
typedef struct future_param {
    asp_param_descriptor v1_0;
    const char *unit; /* added in 1.9 */
} future_param;

/** asp_plugin_descriptor as a 1.9 header might define it. */
typedef struct future_descriptor {
    asp_plugin_descriptor v1_0;
    uint64_t capabilities; /* added in 1.9 */
    const char *homepage;  /* added in 1.9 */
} future_descriptor;

static const future_param steps = {
    {sizeof(future_param), ASP_PARAM_INT, "steps", "an integer from the future", "3", ASP_PARAM_HAS_MINIMUM, 1.0,
     0.0},
    "iterations",
};
static const asp_param_descriptor *const params[] = {&steps.v1_0};

static const future_descriptor metric = {
    FIXTURE_METRIC_SIZED(sizeof(future_descriptor), "fixture.newer", 1, params),
    0xFFFFFFFFFFFFFFFFu,
    "https://example.org/newer",
};
static const asp_plugin_descriptor *const plugins[] = {&metric.v1_0};

FIXTURE_LIBRARY(ASP_MAKE_VERSION(1, 9), plugins)
