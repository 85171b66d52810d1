/*
 * changing_table.c — a library whose entry returns a good table on the
 * first call and a malformed one (NULL id) on every later call, breaking
 * the rule that asp_plugin_entry always returns the same table.
 *
 * Loading it twice makes the second load fail while the first is still in
 * use: the failed load must give back only its own reference to the library
 * (one dlclose), so the first load's plugins keep working. Not thread-safe;
 * the test loads it from one thread.
 */
#include "fixture_plugin.h"

static const asp_plugin_descriptor good = FIXTURE_METRIC("fixture.changing");
static const asp_plugin_descriptor bad = FIXTURE_METRIC(NULL);
static const asp_plugin_descriptor *const good_plugins[] = {&good};
static const asp_plugin_descriptor *const bad_plugins[] = {&bad};

static const asp_library tables[2] = {
    {sizeof(asp_library), ASP_ABI_VERSION, 1, good_plugins},
    {sizeof(asp_library), ASP_ABI_VERSION, 1, bad_plugins},
};
static unsigned calls;

ASP_EXPORT const asp_library *asp_plugin_entry(uint32_t host_abi_version) {
    (void)host_abi_version;
    return &tables[calls++ == 0 ? 0 : 1];
}
