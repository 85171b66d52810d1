/*
 * refuses.c — a plugin whose entry point turns every host away by returning
 * NULL, as a library does for a host major version it does not implement.
 */
#include "fixture_plugin.h"

ASP_EXPORT const asp_library *asp_plugin_entry(uint32_t host_abi_version) {
    (void)host_abi_version;
    return NULL;
}
