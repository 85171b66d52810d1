/*
 * null_id.c — a malformed descriptor: its id is NULL.
 */
#include "fixture_plugin.h"

static const asp_plugin_descriptor metric = FIXTURE_METRIC(NULL);
static const asp_plugin_descriptor *const plugins[] = {&metric};

FIXTURE_LIBRARY(ASP_ABI_VERSION, plugins)
