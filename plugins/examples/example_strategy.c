/*
 * example_strategy.c — a complete AdapterSearch strategy plugin in plain C99.
 *
 * A teaching example: it shows everything a strategy does through the ABI in
 * plugins/include/adapter_search.h and nothing else.
 *
 *   - export exactly one symbol, asp_plugin_entry (ASP_EXPORT); keep the rest
 *     `static` and build with -fvisibility=hidden;
 *   - read the sized request defensively (ASP_HAS_FIELD);
 *   - ask the host for the candidate edges with the two-call pattern (ask
 *     for the count, allocate, fetch);
 *   - honour the caller's capacity: when the output buffer is too small, say
 *     how much room is needed and return ASP_ERR_BUFFER_TOO_SMALL;
 *   - report every failure through host->set_error plus a status code.
 *
 * Build:  make -C plugins/examples            (or see the Makefile)
 * Try:    adapter-search plugins inspect plugins/examples/build/example_strategy.so
 *
 * ---------------------------------------------------------------------------
 * The strategy: "example.spread"
 *
 * Picks k edges spread evenly over the host's candidate list: with n
 * candidates c_0 ... c_{n-1} (in the host's fixed order) and m = min(k, n),
 * it takes the middle of each of m equal slices,
 *
 *     chosen_t = c_{ floor((2t + 1) n / (2m)) },   t = 0 ... m-1.
 *
 * Consecutive indices differ by n/m >= 1, so the edges are distinct, and the
 * result depends on nothing but the candidate list and k: deterministic,
 * no randomness, no metric, no training. A baseline, not a good strategy.
 * ------------------------------------------------------------------------ */

#include "adapter_search.h"

#include <stdio.h>
#include <stdlib.h>

/** Everything one instance keeps between create and destroy. */
typedef struct spread_strategy {
    /** The host's services; valid until destroy returns. */
    const asp_host *host;
} spread_strategy;

/** Hands `message` to the host and returns `status`: the one error path. */
static asp_status fail(const asp_host *host, asp_status status, const char *message) {
    host->set_error(host->context, message);
    return status;
}

/** Creates an instance. The strategy takes no parameters. */
static asp_status spread_create(const asp_plugin_descriptor *descriptor, const asp_host *host,
                                const asp_config *config, void **instance) {
    spread_strategy *strategy;

    (void)descriptor;
    (void)config;
    if (host == NULL || instance == NULL) return ASP_ERR_INVALID_ARGUMENT;
    strategy = (spread_strategy *)malloc(sizeof *strategy);
    if (strategy == NULL) return fail(host, ASP_ERR_OUT_OF_MEMORY, "out of memory");
    strategy->host = host;
    *instance = strategy;
    return ASP_OK;
}

/** Frees what create allocated. Never fails. */
static void spread_destroy(void *instance) {
    free(instance);
}

/**
 * Fetches the run's candidate edges into a new array (*candidates, freed by
 * the caller) and their number into *count.
 */
static asp_status fetch_candidates(const asp_host *host, asp_edge **candidates, uint32_t *count) {
    asp_edge *buffer;
    uint32_t needed = 0, written = 0;
    asp_status status;
    char message[512];

    /* First call: no room, just ask how many there are. */
    status = host->candidate_edges(host->context, NULL, 0, &needed);
    if (status != ASP_OK && status != ASP_ERR_BUFFER_TOO_SMALL) {
        snprintf(message, sizeof message, "candidate_edges: %s", host->last_error(host->context));
        return fail(host, status, message);
    }
    if (needed == 0) return fail(host, ASP_ERR_INVALID_ARGUMENT, "this run has no candidate edges");

    /* Second call: room for all of them. */
    buffer = (asp_edge *)malloc(needed * sizeof *buffer);
    if (buffer == NULL) return fail(host, ASP_ERR_OUT_OF_MEMORY, "out of memory");
    status = host->candidate_edges(host->context, buffer, needed, &written);
    if (status != ASP_OK) {
        snprintf(message, sizeof message, "candidate_edges: %s", host->last_error(host->context));
        free(buffer);
        return fail(host, status, message);
    }
    *candidates = buffer;
    *count = written;
    return ASP_OK;
}

/** Chooses min(k, n) candidates spread evenly over the candidate list. */
static asp_status spread_select(void *instance, const asp_select_request *request, asp_edge *edges,
                                uint32_t capacity, uint32_t *count) {
    const spread_strategy *strategy = (const spread_strategy *)instance;
    const asp_host *host = strategy->host;
    asp_edge *candidates = NULL;
    uint32_t candidate_count = 0, k = 1, chosen, slice;
    asp_status status;
    char message[160];

    if (count == NULL) return fail(host, ASP_ERR_INVALID_ARGUMENT, "count is NULL");
    /* A sized input: read k only if the caller's struct reaches it. */
    if (request != NULL && ASP_HAS_FIELD(request, asp_select_request, k)) k = request->k;
    if (k == 0) return fail(host, ASP_ERR_INVALID_ARGUMENT, "k must be at least 1");

    status = fetch_candidates(host, &candidates, &candidate_count);
    if (status != ASP_OK) return status;

    chosen = k < candidate_count ? k : candidate_count;
    if (capacity < chosen || (chosen > 0 && edges == NULL)) {
        /* Not enough room: say how much is needed and write nothing. */
        free(candidates);
        *count = chosen;
        snprintf(message, sizeof message, "room for %lu edges needed, %lu given",
                 (unsigned long)chosen, (unsigned long)capacity);
        return fail(host, ASP_ERR_BUFFER_TOO_SMALL, message);
    }
    for (slice = 0; slice < chosen; ++slice) {
        /* 64-bit arithmetic: (2t + 1) n may not fit in 32 bits. */
        uint64_t index = ((2u * (uint64_t)slice + 1u) * candidate_count) / (2u * (uint64_t)chosen);
        edges[slice] = candidates[index];
    }
    *count = chosen;
    free(candidates);
    return ASP_OK;
}

/* ===========================================================================
 * Self-description: static, constant, valid until the library is unloaded.
 * ======================================================================== */

/** The plugin. It declares no parameters: param_count 0, params NULL. */
static const asp_plugin_descriptor spread_descriptor = {
    sizeof(asp_plugin_descriptor),
    ASP_KIND_STRATEGY,
    "example.spread",
    "Evenly spread (C example)",
    "1.0.0",
    "Takes k candidate edges spread evenly over the candidate list: the middle of each of k equal slices.",
    0, /* direction: strategies have none */
    0, /* needs: strategies have none */
    spread_create,
    spread_destroy,
    NULL, /* score: strategies have none */
    spread_select,
    0,
    NULL,
};

static const asp_plugin_descriptor *const plugins[] = {&spread_descriptor};

/*
 * The library table and the exported entry point, asp_plugin_entry, which
 * refuses (returns NULL to) a host of another major ABI version.
 */
ASP_DEFINE_LIBRARY(plugins)
