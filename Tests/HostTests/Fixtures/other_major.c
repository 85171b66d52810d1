/*
 * other_major.c — a plugin built for ABI 2.0: a well-formed table whose
 * abi_version has another major, which a 1.x host must refuse, naming both
 * versions.
 */
#include "fixture_plugin.h"

static const asp_plugin_descriptor metric = FIXTURE_METRIC("fixture.from-the-future");
static const asp_plugin_descriptor *const plugins[] = {&metric};

FIXTURE_LIBRARY(ASP_MAKE_VERSION(2, 0), plugins)
