/*
 * duplicate_id.c — two plugins of one library claim the same id.
 */
#include "fixture_plugin.h"

static const asp_plugin_descriptor first = FIXTURE_METRIC("fixture.twin");
static const asp_plugin_descriptor second = FIXTURE_METRIC("fixture.twin");
static const asp_plugin_descriptor *const plugins[] = {&first, &second};

FIXTURE_LIBRARY(ASP_ABI_VERSION, plugins)
