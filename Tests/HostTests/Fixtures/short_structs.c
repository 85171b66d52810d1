/*
 * short_structs.c — a plugin built against an older, shorter 1.x header,
 * with every sized struct placed right in front of an unreadable page.
 *
 * "fixture.short" has a descriptor of ASP_PLUGIN_DESCRIPTOR_MIN_SIZE bytes:
 * no param_count, no params. The host must take "no parameters" from the
 * size alone. The descriptor, the library table, the array of descriptor
 * pointers and the parameter of "fixture.guarded-param" each end exactly
 * where a PROT_NONE page begins, so a host that reads one byte past a
 * declared size (or past an array's count) dies with SIGSEGV instead of
 * passing by luck.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS under -std=c99 */
#include "fixture_plugin.h"

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/**
 * Copies `size` bytes of `object` so that they end exactly at a page
 * boundary followed by an inaccessible page, makes the copy read-only, and
 * returns it; NULL if the pages cannot be had. `size` is a multiple of the
 * object's alignment, so the copy is aligned too.
 */
static const void *place_before_guard(const void *object, size_t size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *pages = (unsigned char *)mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
                                                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *copy;

    if (pages == MAP_FAILED || size > page) return NULL;
    copy = pages + page - size;
    memcpy(copy, object, size);
    if (mprotect(pages + page, page, PROT_NONE) != 0 || mprotect(pages, page, PROT_READ) != 0) return NULL;
    return copy;
}

static const asp_library *library; /* built once, by build_library */
static pthread_once_t library_once = PTHREAD_ONCE_INIT;

/** Builds the guarded tables; leaves `library` NULL on failure. */
static void build_library(void) {
    const asp_plugin_descriptor short_metric =
        FIXTURE_METRIC_SIZED(ASP_PLUGIN_DESCRIPTOR_MIN_SIZE, "fixture.short", 0, NULL);
    const asp_param_descriptor gain = {sizeof(asp_param_descriptor), ASP_PARAM_REAL, "gain", "a guarded parameter",
                                       "2.5", ASP_PARAM_HAS_MINIMUM | ASP_PARAM_HAS_MAXIMUM, 0.0, 10.0};
    const asp_param_descriptor *params[1];
    asp_plugin_descriptor with_param = FIXTURE_METRIC("fixture.guarded-param");
    const asp_plugin_descriptor *plugins[2];
    asp_library table = {sizeof(asp_library), ASP_ABI_VERSION, 2, NULL};

    /* The short descriptor: only its first MIN_SIZE bytes exist. */
    plugins[0] = (const asp_plugin_descriptor *)place_before_guard(&short_metric, ASP_PLUGIN_DESCRIPTOR_MIN_SIZE);
    /* A full descriptor whose one parameter sits before a guard. */
    params[0] = (const asp_param_descriptor *)place_before_guard(&gain, sizeof gain);
    with_param.param_count = 1;
    with_param.params = (const asp_param_descriptor *const *)place_before_guard(params, sizeof params);
    plugins[1] = (const asp_plugin_descriptor *)place_before_guard(&with_param, sizeof with_param);
    /* The pointer array holds exactly plugin_count entries. */
    table.plugins = (const asp_plugin_descriptor *const *)place_before_guard(plugins, sizeof plugins);

    if (plugins[0] == NULL || params[0] == NULL || with_param.params == NULL || plugins[1] == NULL
        || table.plugins == NULL) {
        return;
    }
    library = (const asp_library *)place_before_guard(&table, sizeof table);
}

/** Builds the tables on the first call (from any thread), then returns them. */
ASP_EXPORT const asp_library *asp_plugin_entry(uint32_t host_abi_version) {
    (void)host_abi_version;
    pthread_once(&library_once, build_library);
    return library;
}
