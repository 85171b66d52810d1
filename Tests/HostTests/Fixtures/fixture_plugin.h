/*
 * fixture_plugin.h — shared boilerplate for the HostTests C fixtures.
 *
 * Each fixture is a small plugin library that gets one thing right or wrong
 * on purpose. The plumbing they all need lives here: trivial create,
 * destroy and score functions, a descriptor initialiser, and a macro that
 * defines the library table and its entry point.
 *
 * Everything is `static inline` or a macro, so a fixture that uses only part
 * of it still compiles cleanly with -Wall -Wextra -Werror -pedantic.
 */
#ifndef FIXTURE_PLUGIN_H
#define FIXTURE_PLUGIN_H

#include "adapter_search.h"

/** create: succeeds; every instance is the same static byte (fixtures keep no state). */
static inline asp_status fixture_create(const asp_plugin_descriptor *descriptor, const asp_host *host,
                                        const asp_config *config, void **instance) {
    static const char tag = 0;
    (void)descriptor;
    (void)host;
    (void)config;
    *instance = (void *)&tag;
    return ASP_OK;
}

/** destroy: nothing to free. */
static inline void fixture_destroy(void *instance) {
    (void)instance;
}

/** score: edge (i, j) scores 100 i + j, so a test can tell edges apart. */
static inline asp_status fixture_score(void *instance, const asp_edge *edges, uint32_t count, double *scores) {
    uint32_t index;
    (void)instance;
    for (index = 0; index < count; ++index) scores[index] = 100.0 * edges[index].source + edges[index].target;
    return ASP_OK;
}

/**
 * An initialiser for a complete ABI 1.0 metric descriptor with id `ID`
 * (a string or NULL), struct size `SIZE` and the given parameter table.
 */
#define FIXTURE_METRIC_SIZED(SIZE, ID, PARAM_COUNT, PARAMS)                                        \
    {                                                                                              \
        (SIZE), ASP_KIND_METRIC, (ID), "Fixture metric", "0.0.1", "A HostTests fixture.",          \
            ASP_HIGHER_IS_BETTER, 0, fixture_create, fixture_destroy, fixture_score, NULL,          \
            (PARAM_COUNT), (PARAMS)                                                                \
    }

/** A well-formed metric descriptor with id `ID` and no parameters. */
#define FIXTURE_METRIC(ID) FIXTURE_METRIC_SIZED(sizeof(asp_plugin_descriptor), (ID), 0, NULL)

/**
 * Defines the library table over the array `PLUGINS` (of descriptor
 * pointers), claiming ABI version `ABI`, and asp_plugin_entry returning it
 * to any host. Use at file scope, without a trailing semicolon.
 */
#define FIXTURE_LIBRARY(ABI, PLUGINS)                                                              \
    static const asp_library fixture_library = {                                                   \
        sizeof(asp_library), (ABI), sizeof(PLUGINS) / sizeof((PLUGINS)[0]), (PLUGINS)};            \
    ASP_EXPORT const asp_library *asp_plugin_entry(uint32_t host_abi_version) {                    \
        (void)host_abi_version;                                                                    \
        return &fixture_library;                                                                   \
    }

#endif /* FIXTURE_PLUGIN_H */
