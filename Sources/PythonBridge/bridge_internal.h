/*
 * bridge_internal.h — what bridge.c and services.c share. Not installed.
 */
#ifndef ADAPTER_SEARCH_BRIDGE_INTERNAL_H
#define ADAPTER_SEARCH_BRIDGE_INTERNAL_H

/* Python.h comes first, before any standard header (the CPython API's rule). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "adapter_search.h"

/**
 * One instance's view of the host: the `_adapter_search.Services` object a
 * plugin's Python code reaches the host services through (a strategy's
 * methods wrap it). Created with the instance, retired at destroy.
 */
typedef struct services_object {
    PyObject_HEAD
    /** The host's table; valid while `alive`. */
    const asp_host *host;
    /** The extensions the host offered at create, or NULL. */
    const asp_probe_api *probe;
    const asp_search_api *search;
    const asp_checkpointing_api *checkpointing;
    /** Nonzero from create until destroy; then every service raises. */
    int alive;
    /** The thread inside the current call into the plugin; 0 between calls. */
    unsigned long caller;
} services_object;

/** The `_adapter_search` module's init function (PyImport_AppendInittab). */
PyObject *bridge_services_module_init(void);

/** A new services object over `host`, with the extensions it offers. NULL with a Python error on failure. */
services_object *bridge_services_new(const asp_host *host);

/** Marks the current thread as inside a call into the plugin (services usable). */
void bridge_services_enter(services_object *services);

/** Marks the end of that call. */
void bridge_services_leave(services_object *services);

/** Retires the services at destroy: from now on every one of them raises. */
void bridge_services_retire(services_object *services);

/** Raises ServiceError for a failed host service `what` with `status` and the host's last_error. Returns NULL. */
PyObject *bridge_service_failure(services_object *services, const char *what, asp_status status);

/** Raises adapter_search.Unsupported with `message`. Returns NULL. */
PyObject *bridge_unsupported(const char *message);

#endif /* ADAPTER_SEARCH_BRIDGE_INTERNAL_H */
