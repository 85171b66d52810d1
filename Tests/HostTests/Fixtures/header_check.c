/*
 * header_check.c — a translation unit that is both C99 and C++11: the tests
 * compile it as each, with every warning an error, to prove that
 * adapter_search.h is clean in both languages.
 */
#include "adapter_search.h"

/* Compile-time checks (a negative array size fails the build). */
typedef char descriptor_minimum_ends_at_param_count
    [ASP_PLUGIN_DESCRIPTOR_MIN_SIZE == offsetof(asp_plugin_descriptor, param_count) ? 1 : -1];
typedef char version_packs_major_and_minor
    [ASP_VERSION_MAJOR(ASP_ABI_VERSION) == ASP_ABI_VERSION_MAJOR
     && ASP_VERSION_MINOR(ASP_ABI_VERSION) == ASP_ABI_VERSION_MINOR ? 1 : -1];

/** Uses the header's inline function and field-check macro. */
int header_check(const asp_plugin_descriptor *descriptor, asp_edge edge);

int header_check(const asp_plugin_descriptor *descriptor, asp_edge edge) {
    asp_plugin_entry_fn entry = 0;
    int has_params = ASP_HAS_FIELD(descriptor, asp_plugin_descriptor, params) ? 1 : 0;
    int kind_bit = (ASP_EDGE_KINDS_ALL & ASP_EDGE_KIND_BIT(asp_edge_kind(edge))) != 0 ? 1 : 0;
    return has_params + kind_bit + (entry == 0 ? 1 : 0);
}

/* The one-line library definition, in C and in C++. */
static const asp_plugin_descriptor *const check_plugins[] = {0};
ASP_DEFINE_LIBRARY(check_plugins)
