/*
 * zero_size.c — a malformed descriptor: struct_size is 0, so not even the
 * required fields are covered.
 */
#include "fixture_plugin.h"

static const asp_plugin_descriptor metric = FIXTURE_METRIC_SIZED(0, "fixture.sizeless", 0, NULL);
static const asp_plugin_descriptor *const plugins[] = {&metric};

FIXTURE_LIBRARY(ASP_ABI_VERSION, plugins)
