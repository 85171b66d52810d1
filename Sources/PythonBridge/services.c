/*
 * services.c — the built-in module `_adapter_search`: the host's services
 * (asp_host, asp.search/1, asp.checkpointing/1) as methods of a Services
 * object, one per plugin instance. The `adapter_search` module
 * (adapter_search.py) wraps them for plugin authors.
 *
 * Every method but `log` works only on the thread inside a call into the
 * plugin, during that call (the header's threading rule), and raises
 * RuntimeError otherwise; after destroy every method raises. Host services
 * run with the GIL released, so other threads' Python runs meanwhile (an
 * evaluate call trains for minutes).
 */
#include "bridge_internal.h"

#include <stdlib.h>
#include <string.h>

/* adapter_search.ServiceError and .Unsupported, handed over by _register. */
static PyObject *service_error_class;
static PyObject *unsupported_class;

/* ===========================================================================
 * Errors
 * ======================================================================== */

/** Raises an instance of `cls(message, status)` (a PluginError subclass). */
static PyObject *raise_plugin_error(PyObject *cls, const char *message, int status) {
    PyObject *error;

    if (cls == NULL) {
        PyErr_SetString(PyExc_RuntimeError, message);
        return NULL;
    }
    error = status >= 0 ? PyObject_CallFunction(cls, "si", message, status) : PyObject_CallFunction(cls, "s", message);
    if (error != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(error), error);
        Py_DECREF(error);
    }
    return NULL;
}

PyObject *bridge_service_failure(services_object *services, const char *what, asp_status status) {
    const char *detail = NULL;
    char message[2048];

    if (services->host->last_error != NULL) detail = services->host->last_error(services->host->context);
    if (detail != NULL && detail[0] != '\0') {
        snprintf(message, sizeof message, "%s failed: %s", what, detail);
    } else {
        snprintf(message, sizeof message, "%s failed with status %d", what, (int)status);
    }
    return raise_plugin_error(service_error_class, message, (int)status);
}

PyObject *bridge_unsupported(const char *message) {
    return raise_plugin_error(unsupported_class, message, -1);
}

/** Nonzero when the services may be used now; else raises RuntimeError and returns 0. */
static int usable(services_object *self) {
    if (!self->alive) {
        PyErr_SetString(PyExc_RuntimeError, "the plugin instance is destroyed: its host services are gone");
        return 0;
    }
    if (self->caller == 0 || self->caller != PyThread_get_thread_ident()) {
        PyErr_SetString(PyExc_RuntimeError,
                        "the host's services may be used only inside a call into the plugin, on its thread");
        return 0;
    }
    return 1;
}

/* ===========================================================================
 * Edges
 * ======================================================================== */

/** Reads an (i, j) pair of ints into *edge. 0 with a Python error if it is not one. */
static int read_edge(PyObject *item, asp_edge *edge) {
    long source, target;
    PyObject *pair = PySequence_Fast(item, "an edge must be an (i, j) pair");

    if (pair == NULL) return 0;
    if (PySequence_Fast_GET_SIZE(pair) != 2) {
        Py_DECREF(pair);
        PyErr_Format(PyExc_TypeError, "an edge must be an (i, j) pair, got %R", item);
        return 0;
    }
    source = PyLong_AsLong(PySequence_Fast_GET_ITEM(pair, 0));
    target = source == -1 && PyErr_Occurred() ? -1 : PyLong_AsLong(PySequence_Fast_GET_ITEM(pair, 1));
    Py_DECREF(pair);
    if (PyErr_Occurred()) return 0;
    if (source < INT32_MIN || source > INT32_MAX || target < INT32_MIN || target > INT32_MAX) {
        PyErr_Format(PyExc_OverflowError, "edge %R is out of range", item);
        return 0;
    }
    edge->source = (int32_t)source;
    edge->target = (int32_t)target;
    return 1;
}

/** A new malloc'ed array of the edges in `sequence` and their number; NULL with a Python error. */
static asp_edge *read_edges(PyObject *sequence, uint32_t *count) {
    PyObject *items = PySequence_Fast(sequence, "edges must be a sequence of (i, j) pairs");
    Py_ssize_t size, index;
    asp_edge *edges;

    if (items == NULL) return NULL;
    size = PySequence_Fast_GET_SIZE(items);
    if ((size_t)size > UINT32_MAX) {
        Py_DECREF(items);
        PyErr_SetString(PyExc_OverflowError, "too many edges");
        return NULL;
    }
    edges = (asp_edge *)malloc(sizeof *edges * (size_t)(size > 0 ? size : 1));
    if (edges == NULL) {
        Py_DECREF(items);
        PyErr_NoMemory();
        return NULL;
    }
    for (index = 0; index < size; ++index) {
        if (!read_edge(PySequence_Fast_GET_ITEM(items, index), &edges[index])) {
            Py_DECREF(items);
            free(edges);
            return NULL;
        }
    }
    Py_DECREF(items);
    *count = (uint32_t)size;
    return edges;
}

/** A list of (i, j) tuples. */
static PyObject *edge_list(const asp_edge *edges, uint32_t count) {
    PyObject *list = PyList_New(count);
    uint32_t index;

    if (list == NULL) return NULL;
    for (index = 0; index < count; ++index) {
        PyObject *pair = Py_BuildValue("(ii)", (int)edges[index].source, (int)edges[index].target);
        if (pair == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, index, pair);
    }
    return list;
}

/* ===========================================================================
 * The methods
 * ======================================================================== */

/** node_count() -> int */
static PyObject *services_node_count(services_object *self, PyObject *unused) {
    uint32_t count;

    (void)unused;
    if (!usable(self)) return NULL;
    if (!ASP_HAS_FIELD(self->host, asp_host, node_count)) return bridge_unsupported("the host offers no node_count");
    Py_BEGIN_ALLOW_THREADS
    count = self->host->node_count(self->host->context);
    Py_END_ALLOW_THREADS
    return PyLong_FromUnsignedLong(count);
}

/** candidate_edges() -> [(i, j), ...], the two-call pattern. */
static PyObject *services_candidate_edges(services_object *self, PyObject *unused) {
    uint32_t count = 0, capacity;
    asp_edge *edges;
    asp_status status;
    PyObject *result;

    (void)unused;
    if (!usable(self)) return NULL;
    if (!ASP_HAS_FIELD(self->host, asp_host, candidate_edges)) {
        return bridge_unsupported("the host offers no candidate_edges");
    }
    Py_BEGIN_ALLOW_THREADS
    status = self->host->candidate_edges(self->host->context, NULL, 0, &count);
    Py_END_ALLOW_THREADS
    if (status != ASP_OK && status != ASP_ERR_BUFFER_TOO_SMALL) {
        return bridge_service_failure(self, "candidate_edges", status);
    }
    capacity = count;
    edges = (asp_edge *)malloc(sizeof *edges * (capacity > 0 ? capacity : 1));
    if (edges == NULL) return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    status = self->host->candidate_edges(self->host->context, edges, capacity, &count);
    Py_END_ALLOW_THREADS
    if (status != ASP_OK || count > capacity) {
        free(edges);
        return bridge_service_failure(self, "candidate_edges", status != ASP_OK ? status : ASP_ERR_ENGINE);
    }
    result = edge_list(edges, count);
    free(edges);
    return result;
}

/** scores(metric, edges) -> ([float, ...], direction) */
static PyObject *services_scores(services_object *self, PyObject *args) {
    const char *metric;
    PyObject *sequence, *values, *result;
    asp_edge *edges;
    uint32_t count, index;
    double *scores;
    int32_t direction = 0;
    asp_status status;
    char what[512];

    if (!PyArg_ParseTuple(args, "sO:scores", &metric, &sequence)) return NULL;
    if (!usable(self)) return NULL;
    if (self->search == NULL) return bridge_unsupported("the host does not offer " ASP_EXT_SEARCH " here");
    edges = read_edges(sequence, &count);
    if (edges == NULL) return NULL;
    scores = (double *)malloc(sizeof *scores * (count > 0 ? count : 1));
    if (scores == NULL) {
        free(edges);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    status = self->search->scores(self->host->context, metric, edges, count, scores, &direction);
    Py_END_ALLOW_THREADS
    free(edges);
    if (status != ASP_OK) {
        free(scores);
        snprintf(what, sizeof what, "scores by %s", metric);
        return bridge_service_failure(self, what, status);
    }
    values = PyList_New(count);
    if (values == NULL) {
        free(scores);
        return NULL;
    }
    for (index = 0; index < count; ++index) {
        PyObject *value = PyFloat_FromDouble(scores[index]);
        if (value == NULL) {
            free(scores);
            Py_DECREF(values);
            return NULL;
        }
        PyList_SET_ITEM(values, index, value);
    }
    free(scores);
    result = Py_BuildValue("(Ni)", values, (int)direction);
    return result;
}

/** evaluate(placements, steps, examples) -> [(accuracy, loss, parameters, seconds, diverged), ...] */
static PyObject *services_evaluate(services_object *self, PyObject *args) {
    PyObject *sequence, *items = NULL, *result = NULL;
    unsigned long steps, examples;
    Py_ssize_t count = 0, index;
    asp_edge **edges = NULL;
    asp_placement *placements = NULL;
    const asp_placement **placement_pointers = NULL;
    asp_evaluation *evaluations = NULL;
    asp_evaluation **evaluation_pointers = NULL;
    asp_budget budget;
    asp_status status;

    if (!PyArg_ParseTuple(args, "Okk:evaluate", &sequence, &steps, &examples)) return NULL;
    if (!usable(self)) return NULL;
    if (self->search == NULL) return bridge_unsupported("the host does not offer " ASP_EXT_SEARCH " here");
    if (steps > UINT32_MAX || examples > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "steps and examples must fit in 32 bits");
        return NULL;
    }
    items = PySequence_Fast(sequence, "placements must be a sequence of edge lists");
    if (items == NULL) return NULL;
    count = PySequence_Fast_GET_SIZE(items);
    if ((size_t)count > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "too many placements");
        goto done;
    }
    {
        size_t slots = (size_t)(count > 0 ? count : 1);
        edges = (asp_edge **)calloc(slots, sizeof *edges);
        placements = (asp_placement *)calloc(slots, sizeof *placements);
        placement_pointers = (const asp_placement **)calloc(slots, sizeof *placement_pointers);
        evaluations = (asp_evaluation *)calloc(slots, sizeof *evaluations);
        evaluation_pointers = (asp_evaluation **)calloc(slots, sizeof *evaluation_pointers);
    }
    if (edges == NULL || placements == NULL || placement_pointers == NULL || evaluations == NULL ||
        evaluation_pointers == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (index = 0; index < count; ++index) {
        uint32_t edge_count;
        edges[index] = read_edges(PySequence_Fast_GET_ITEM(items, index), &edge_count);
        if (edges[index] == NULL) goto done;
        placements[index].struct_size = (uint32_t)sizeof(asp_placement);
        placements[index].edge_count = edge_count;
        placements[index].edges = edges[index];
        placement_pointers[index] = &placements[index];
        evaluations[index].struct_size = (uint32_t)sizeof(asp_evaluation);
        evaluation_pointers[index] = &evaluations[index];
    }
    budget.struct_size = (uint32_t)sizeof budget;
    budget.steps = (uint32_t)steps;
    budget.examples = (uint32_t)examples;
    Py_BEGIN_ALLOW_THREADS
    status = self->search->evaluate(self->host->context, placement_pointers, (uint32_t)count, &budget,
                                    evaluation_pointers);
    Py_END_ALLOW_THREADS
    if (status != ASP_OK) {
        bridge_service_failure(self, "evaluate", status);
        goto done;
    }
    result = PyList_New(count);
    if (result == NULL) goto done;
    for (index = 0; index < count; ++index) {
        const asp_evaluation *outcome = &evaluations[index];
        int diverged = outcome->accuracy != outcome->accuracy;
        PyObject *fields;
        if (ASP_HAS_FIELD(outcome, asp_evaluation, diverged) && outcome->diverged != 0) diverged = 1;
        fields = Py_BuildValue("(ddKdO)", outcome->accuracy, outcome->loss, (unsigned long long)outcome->parameters,
                               outcome->seconds, diverged ? Py_True : Py_False);
        if (fields == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, index, fields);
    }

done:
    if (edges != NULL) {
        for (index = 0; index < count; ++index) free(edges[index]);
    }
    free(edges);
    free(placements);
    free((void *)placement_pointers);
    free(evaluations);
    free(evaluation_pointers);
    Py_XDECREF(items);
    return result;
}

/** random_u64() -> int */
static PyObject *services_random_u64(services_object *self, PyObject *unused) {
    uint64_t bits;

    (void)unused;
    if (!usable(self)) return NULL;
    bits = self->host->random_u64(self->host->context);
    return PyLong_FromUnsignedLongLong((unsigned long long)bits);
}

/** save_state(data: bytes) */
static PyObject *services_save_state(services_object *self, PyObject *args) {
    Py_buffer data;
    asp_status status;

    if (!PyArg_ParseTuple(args, "y*:save_state", &data)) return NULL;
    if (!usable(self)) {
        PyBuffer_Release(&data);
        return NULL;
    }
    if (self->checkpointing == NULL) {
        PyBuffer_Release(&data);
        return bridge_unsupported("the host does not offer " ASP_EXT_CHECKPOINTING " here");
    }
    Py_BEGIN_ALLOW_THREADS
    status = self->checkpointing->save_state(self->host->context, data.buf, (uint64_t)data.len);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    if (status != ASP_OK) return bridge_service_failure(self, "save_state", status);
    Py_RETURN_NONE;
}

/** load_state() -> bytes or None */
static PyObject *services_load_state(services_object *self, PyObject *unused) {
    const void *bytes = NULL;
    uint64_t size = 0;
    asp_status status;

    (void)unused;
    if (!usable(self)) return NULL;
    if (self->checkpointing == NULL) return bridge_unsupported("the host does not offer " ASP_EXT_CHECKPOINTING " here");
    Py_BEGIN_ALLOW_THREADS
    status = self->checkpointing->load_state(self->host->context, &bytes, &size);
    Py_END_ALLOW_THREADS
    if (status == ASP_ERR_NOT_FOUND) Py_RETURN_NONE;
    if (status != ASP_OK) return bridge_service_failure(self, "load_state", status);
    if (size > (uint64_t)PY_SSIZE_T_MAX) return PyErr_NoMemory();
    return PyBytes_FromStringAndSize(size > 0 ? (const char *)bytes : "", (Py_ssize_t)size);
}

/** log(level, message): any thread, while the instance exists. */
static PyObject *services_log(services_object *self, PyObject *args) {
    int level;
    const char *message;

    if (!PyArg_ParseTuple(args, "is:log", &level, &message)) return NULL;
    if (!self->alive) {
        PyErr_SetString(PyExc_RuntimeError, "the plugin instance is destroyed: its host services are gone");
        return NULL;
    }
    if (self->host->log != NULL) {
        Py_BEGIN_ALLOW_THREADS
        self->host->log(self->host->context, (int32_t)level, message);
        Py_END_ALLOW_THREADS
    }
    Py_RETURN_NONE;
}

/** progress(fraction, message) */
static PyObject *services_progress(services_object *self, PyObject *args) {
    double fraction;
    const char *message;

    if (!PyArg_ParseTuple(args, "ds:progress", &fraction, &message)) return NULL;
    if (!usable(self)) return NULL;
    if (self->host->progress != NULL) self->host->progress(self->host->context, fraction, message);
    Py_RETURN_NONE;
}

/** should_stop() -> bool */
static PyObject *services_should_stop(services_object *self, PyObject *unused) {
    (void)unused;
    if (!usable(self)) return NULL;
    return PyBool_FromLong(self->host->should_stop != NULL && self->host->should_stop(self->host->context) != 0);
}

static PyMethodDef services_methods[] = {
    {"node_count", (PyCFunction)services_node_count, METH_NOARGS, "Residual nodes n = 2L + 1."},
    {"candidate_edges", (PyCFunction)services_candidate_edges, METH_NOARGS, "The candidate edges, as (i, j) pairs."},
    {"scores", (PyCFunction)services_scores, METH_VARARGS, "scores(metric, edges) -> (scores, direction)."},
    {"evaluate", (PyCFunction)services_evaluate, METH_VARARGS,
     "evaluate(placements, steps, examples) -> [(accuracy, loss, parameters, seconds, diverged)]."},
    {"random_u64", (PyCFunction)services_random_u64, METH_NOARGS, "The next 64 bits of the seeded stream."},
    {"save_state", (PyCFunction)services_save_state, METH_VARARGS, "save_state(data: bytes)."},
    {"load_state", (PyCFunction)services_load_state, METH_NOARGS, "The saved state (bytes), or None."},
    {"log", (PyCFunction)services_log, METH_VARARGS, "log(level, message)."},
    {"progress", (PyCFunction)services_progress, METH_VARARGS, "progress(fraction, message)."},
    {"should_stop", (PyCFunction)services_should_stop, METH_NOARGS, "True once the user asked to stop."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject services_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_adapter_search.Services",
    .tp_basicsize = sizeof(services_object),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The host's services for one plugin instance (made by the bridge, not by plugins).",
    .tp_methods = services_methods,
};

services_object *bridge_services_new(const asp_host *host) {
    services_object *self = PyObject_New(services_object, &services_type);

    if (self == NULL) return NULL;
    self->host = host;
    self->probe = NULL;
    self->search = NULL;
    self->checkpointing = NULL;
    self->alive = 1;
    self->caller = 0;
    if (host->get_extension != NULL) {
        const asp_probe_api *probe = (const asp_probe_api *)host->get_extension(host->context, ASP_EXT_PROBE);
        const asp_search_api *search = (const asp_search_api *)host->get_extension(host->context, ASP_EXT_SEARCH);
        const asp_checkpointing_api *checkpointing =
            (const asp_checkpointing_api *)host->get_extension(host->context, ASP_EXT_CHECKPOINTING);
        /* A table is used only when it reaches every service the bridge calls. */
        if (probe != NULL && ASP_HAS_FIELD(probe, asp_probe_api, singular_values)) self->probe = probe;
        if (search != NULL && ASP_HAS_FIELD(search, asp_search_api, evaluate)) self->search = search;
        if (checkpointing != NULL && ASP_HAS_FIELD(checkpointing, asp_checkpointing_api, load_state)) {
            self->checkpointing = checkpointing;
        }
    }
    return self;
}

void bridge_services_enter(services_object *services) { services->caller = PyThread_get_thread_ident(); }

void bridge_services_leave(services_object *services) { services->caller = 0; }

void bridge_services_retire(services_object *services) {
    services->alive = 0;
    services->caller = 0;
}

/* ===========================================================================
 * The module
 * ======================================================================== */

/** _register(ServiceError, Unsupported): adapter_search.py hands over its exception classes. */
static PyObject *module_register(PyObject *module, PyObject *args) {
    PyObject *service_error, *unsupported;

    (void)module;
    if (!PyArg_ParseTuple(args, "OO:_register", &service_error, &unsupported)) return NULL;
    Py_INCREF(service_error);
    Py_INCREF(unsupported);
    Py_XSETREF(service_error_class, service_error);
    Py_XSETREF(unsupported_class, unsupported);
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"_register", module_register, METH_VARARGS, "Hands the bridge adapter_search's exception classes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_definition = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_adapter_search",
    .m_doc = "The host's services, for the adapter_search module (the AdapterSearch Python bridge).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyObject *bridge_services_module_init(void) {
    PyObject *module;

    if (PyType_Ready(&services_type) < 0) return NULL;
    module = PyModule_Create(&module_definition);
    if (module == NULL) return NULL;
    Py_INCREF(&services_type);
    if (PyModule_AddObject(module, "Services", (PyObject *)&services_type) < 0) {
        Py_DECREF(&services_type);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
