/*
 * no_entry.c — a shared library that is not an AdapterSearch plugin: it
 * exports a function, but not asp_plugin_entry.
 */
#include "fixture_plugin.h"

/** A near miss: the right signature under the wrong name. */
ASP_EXPORT const asp_library *asp_plugin_entry_v1(uint32_t host_abi_version) {
    (void)host_abi_version;
    return NULL;
}
