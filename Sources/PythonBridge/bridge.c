/*
 * bridge.c — the Python bridge: CPython embedded once per process, plugin
 * scripts loaded into it, and the ABI's descriptor functions over what they
 * declare. The contract with the host is include/adapter_search_python.h;
 * what scripts may declare is adapter_search.py, built in below.
 *
 * Memory and lifetimes
 *   asp_python_load makes a py_script: the library table, one py_plugin per
 *   declaration (descriptor, parameter tables, copied strings) and a
 *   reference to each declaration object; asp_python_release frees it. An
 *   instance (py_instance) holds its services object and what it calls.
 *   Arrays a metric receives (gradient, singular_values) are views of the
 *   host's memory, lent for one call to the function: after the call the
 *   bridge checks that nothing refers to the memoryview under them any
 *   more (every array over the memory does, directly or through the lent
 *   array), and fails the call when something does instead of leaving
 *   Python holding memory the host frees (reclaim).
 *
 * The GIL
 *   Every entry point takes it with PyGILState_Ensure and gives it back on
 *   return; host services run with it released. After initialising, the
 *   initialising thread releases it (PyEval_SaveThread) for good.
 */
#include "bridge_internal.h"
#include "adapter_search_python.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The `adapter_search` module's source, NUL-terminated. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wc23-extensions"
static const char module_source[] = {
#embed "adapter_search.py"
    , '\0'};
#pragma clang diagnostic pop

/** The file name the built-in module's frames show in tracebacks. */
#define MODULE_FILE "<adapter_search>"

/* ===========================================================================
 * The interpreter
 * ======================================================================== */

static pthread_once_t initialise_once = PTHREAD_ONCE_INIT;
/** Why the interpreter is unusable; "" once initialised. */
static char initialise_error[4096];
/** adapter_search, adapter_search._load_script, ._unload, ._describe. */
static PyObject *module, *load_script_function, *unload_function, *describe_function;
/** numpy.ndarray and the float32 and float64 dtypes, once a metric needs them (under the GIL). */
static PyObject *ndarray_type, *float32_dtype, *float64_dtype;

/** Copies a formatted message into a caller's buffer, truncated. */
static void write_message(char *buffer, size_t capacity, const char *format, ...) {
    va_list arguments;

    if (buffer == NULL || capacity == 0) return;
    va_start(arguments, format);
    vsnprintf(buffer, capacity, format, arguments);
    va_end(arguments);
}

/**
 * The prefix of the Python installation libpython came from: the nearest
 * folder above the library holding lib/pythonX.Y/os.py (Python's own
 * landmark). Needed because the host is not a python executable, so Python
 * would otherwise look for its prefix from the host's folder or PATH (which
 * may lead to a pyenv shim). 0 when not found.
 */
static int find_prefix(char *prefix, size_t capacity) {
    Dl_info info;
    char resolved[PATH_MAX], folder[PATH_MAX], landmark[PATH_MAX + 64];
    struct stat status;
    char *slash;

    if (dladdr((void *)&Py_InitializeFromConfig, &info) == 0 || info.dli_fname == NULL) return 0;
    /* Resolved: on a merged-/usr system the loader may name /lib/..., which would make the prefix "/". */
    if (realpath(info.dli_fname, resolved) == NULL) return 0;
    snprintf(folder, sizeof folder, "%s", resolved);
    while ((slash = strrchr(folder, '/')) != NULL) {
        *slash = '\0';
        snprintf(landmark, sizeof landmark, "%s/lib/python%d.%d/os.py", folder, PY_MAJOR_VERSION, PY_MINOR_VERSION);
        if (stat(landmark, &status) == 0) {
            snprintf(prefix, capacity, "%s", folder[0] != '\0' ? folder : "/");
            return 1;
        }
    }
    return 0;
}

/** Builds the `adapter_search` module from the embedded source and registers it in sys.modules. */
static int make_module(void) {
    PyObject *code, *linecache, *cache, *lines, *entry, *source, *key;

    code = Py_CompileString(module_source, MODULE_FILE, Py_file_input);
    if (code == NULL) return 0;
    module = PyImport_ExecCodeModuleEx("adapter_search", code, MODULE_FILE);
    Py_DECREF(code);
    if (module == NULL) return 0;
    load_script_function = PyObject_GetAttrString(module, "_load_script");
    unload_function = PyObject_GetAttrString(module, "_unload");
    describe_function = PyObject_GetAttrString(module, "_describe");
    if (load_script_function == NULL || unload_function == NULL || describe_function == NULL) return 0;
    /* Tracebacks through the module show its lines: linecache knows the source. */
    linecache = PyImport_ImportModule("linecache");
    cache = linecache != NULL ? PyObject_GetAttrString(linecache, "cache") : NULL;
    source = PyUnicode_FromString(module_source);
    lines = source != NULL ? PyObject_CallMethod(source, "splitlines", "O", Py_True) : NULL;
    entry = lines != NULL ? Py_BuildValue("(nOOs)", (Py_ssize_t)strlen(module_source), Py_None, lines, MODULE_FILE)
                          : NULL;
    key = PyUnicode_FromString(MODULE_FILE);
    if (cache != NULL && entry != NULL && key != NULL) PyObject_SetItem(cache, key, entry);
    Py_XDECREF(key);
    Py_XDECREF(entry);
    Py_XDECREF(lines);
    Py_XDECREF(source);
    Py_XDECREF(cache);
    Py_XDECREF(linecache);
    PyErr_Clear(); /* the line cache is a nicety */
    return 1;
}

/** Initialises CPython (once per process, by pthread_once) and releases the GIL. */
static void initialise(void) {
    PyConfig config;
    PyStatus status;
    Dl_info info;
    char prefix[4096], executable[4200];
    struct stat file;

    /*
     * The host opened this library RTLD_LOCAL, so libpython's symbols are
     * not global; extension modules (NumPy's) are not linked against
     * libpython and need them to be. Promote the already-loaded libpython.
     */
    if (dladdr((void *)&Py_InitializeFromConfig, &info) != 0 && info.dli_fname != NULL) {
        if (dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) == NULL) {
            write_message(initialise_error, sizeof initialise_error, "cannot make %s's symbols global: %s",
                          info.dli_fname, dlerror());
            return;
        }
    }
    if (PyImport_AppendInittab("_adapter_search", bridge_services_module_init) != 0) {
        write_message(initialise_error, sizeof initialise_error, "cannot register the _adapter_search module");
        return;
    }
    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0; /* Ctrl-C stays the host's (should_stop) */
    config.parse_argv = 0;
    if (getenv("PYTHONHOME") == NULL && find_prefix(prefix, sizeof prefix)) {
        status = PyConfig_SetBytesString(&config, &config.home, prefix);
        snprintf(executable, sizeof executable, "%s/bin/python%d.%d", prefix, PY_MAJOR_VERSION, PY_MINOR_VERSION);
        if (!PyStatus_Exception(status) && stat(executable, &file) == 0) {
            status = PyConfig_SetBytesString(&config, &config.program_name, executable);
        }
        if (PyStatus_Exception(status)) {
            PyConfig_Clear(&config);
            write_message(initialise_error, sizeof initialise_error, "cannot configure Python: %s",
                          status.err_msg != NULL ? status.err_msg : "unknown error");
            return;
        }
    }
    status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        write_message(initialise_error, sizeof initialise_error, "cannot initialise Python %s: %s", PY_VERSION,
                      status.err_msg != NULL ? status.err_msg : "unknown error");
        return;
    }
    /* The host's standard output is its own (JSON, tables): print() goes to standard error. */
    PySys_SetObject("stdout", PySys_GetObject("stderr"));
    if (!make_module()) {
        PyObject *type, *value, *traceback, *text = NULL;
        PyErr_Fetch(&type, &value, &traceback);
        if (value != NULL) text = PyObject_Str(value);
        write_message(initialise_error, sizeof initialise_error, "cannot build the adapter_search module: %s",
                      text != NULL ? PyUnicode_AsUTF8(text) : "unknown error");
        Py_XDECREF(text);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(traceback);
        PyErr_Clear();
    }
    PyEval_SaveThread(); /* the GIL is taken per call from now on */
}

/** Nonzero once the interpreter is ready; else writes why into `error`. */
static int ready(char *error, size_t capacity) {
    pthread_once(&initialise_once, initialise);
    if (initialise_error[0] != '\0') {
        write_message(error, capacity, "the Python bridge cannot run Python: %s", initialise_error);
        return 0;
    }
    return 1;
}

/* ===========================================================================
 * Python errors
 * ======================================================================== */

/**
 * Takes the pending Python exception and returns its status and a malloc'ed
 * message (its formatted traceback, through adapter_search._describe);
 * clears it, so nothing the traceback referenced outlives this call.
 */
static asp_status take_exception(char **message) {
    PyObject *type, *value, *traceback, *description = NULL;
    asp_status status = ASP_ERR_INTERNAL;
    const char *text = NULL;

    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (value != NULL && traceback != NULL) PyException_SetTraceback(value, traceback);
    if (value != NULL) description = PyObject_CallFunctionObjArgs(describe_function, value, NULL);
    if (description != NULL && PyTuple_Check(description) && PyTuple_GET_SIZE(description) == 2) {
        long code = PyLong_AsLong(PyTuple_GET_ITEM(description, 0));
        if (code > 0 && code <= INT32_MAX) status = (asp_status)code;
        text = PyUnicode_AsUTF8(PyTuple_GET_ITEM(description, 1));
    }
    if (text == NULL) {
        PyErr_Clear();
        text = "a Python exception that cannot be formatted";
    }
    *message = strdup(text);
    Py_XDECREF(description);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    PyErr_Clear();
    return status;
}

/** Hands `message` to the host as the current call's error; returns `status`. */
static asp_status fail(const asp_host *host, asp_status status, const char *message) {
    if (host != NULL && host->set_error != NULL) host->set_error(host->context, message);
    return status;
}

/** Hands the pending Python exception to the host; returns its status. */
static asp_status fail_with_exception(const asp_host *host) {
    char *message = NULL;
    asp_status status = take_exception(&message);

    fail(host, status, message != NULL ? message : "out of memory");
    free(message);
    return status;
}

/** A failed host service: its status, and a message with the host's last_error. */
static asp_status fail_service(const asp_host *host, const char *what, asp_status status) {
    const char *detail = host->last_error != NULL ? host->last_error(host->context) : "";
    char message[2048];

    snprintf(message, sizeof message, "%s failed: %s", what,
             detail != NULL && detail[0] != '\0' ? detail : "no message from the host");
    return fail(host, status, message);
}

/* ===========================================================================
 * Scripts and their descriptors
 * ======================================================================== */

struct py_script;

/** One declared plugin. `descriptor` is first: create's descriptor pointer is the plugin's. */
typedef struct py_plugin {
    asp_plugin_descriptor descriptor;
    /** The adapter_search._Declaration. */
    PyObject *declaration;
    asp_param_descriptor *params;
    const asp_param_descriptor **param_pointers;
} py_plugin;

/** A loaded script. `library` is first: release's pointer is the script's. */
typedef struct py_script {
    asp_library library;
    const asp_plugin_descriptor **descriptors;
    py_plugin *plugins;
    uint32_t count;
    /** The module's name in sys.modules. */
    PyObject *module_name;
    /** Every string the descriptors point to. */
    char **strings;
    size_t string_count, string_capacity;
} py_script;

/** A copy of `text` the script owns; NULL when out of memory. */
static const char *keep(py_script *script, const char *text) {
    char *copy;

    if (script->string_count == script->string_capacity) {
        size_t capacity = script->string_capacity > 0 ? 2 * script->string_capacity : 16;
        char **strings = (char **)realloc(script->strings, capacity * sizeof *strings);
        if (strings == NULL) return NULL;
        script->strings = strings;
        script->string_capacity = capacity;
    }
    copy = strdup(text);
    if (copy != NULL) script->strings[script->string_count++] = copy;
    return copy;
}

static asp_status plugin_create(const asp_plugin_descriptor *descriptor, const asp_host *host, const asp_config *config,
                                void **instance);
static void plugin_destroy(void *instance);
static asp_status metric_score(void *instance, const asp_edge *edges, uint32_t count, double *scores);
static asp_status strategy_select(void *instance, const asp_select_request *request, asp_edge *edges,
                                  uint32_t capacity, uint32_t *count);

/** Frees a script (the GIL held). */
static void free_script(py_script *script) {
    uint32_t index;
    size_t string;

    if (script == NULL) return;
    if (script->plugins != NULL) {
        for (index = 0; index < script->count; ++index) {
            Py_XDECREF(script->plugins[index].declaration);
            free(script->plugins[index].params);
            free((void *)script->plugins[index].param_pointers);
        }
    }
    if (script->module_name != NULL) {
        PyObject *result = PyObject_CallFunctionObjArgs(unload_function, script->module_name, NULL);
        Py_XDECREF(result);
        PyErr_Clear();
        Py_DECREF(script->module_name);
    }
    for (string = 0; string < script->string_count; ++string) free(script->strings[string]);
    free(script->strings);
    free(script->plugins);
    free((void *)script->descriptors);
    free(script);
}

/** Fills `plugin` from a declaration's _c_fields(). 0 with a Python error on failure. */
static int read_declaration(py_script *script, py_plugin *plugin, PyObject *declaration) {
    PyObject *fields = PyObject_CallMethod(declaration, "_c_fields", NULL), *parameters;
    int kind, direction;
    unsigned int needs;
    const char *id, *name, *version, *description;
    asp_plugin_descriptor *descriptor = &plugin->descriptor;
    Py_ssize_t count, index;

    if (fields == NULL) return 0;
    if (!PyArg_ParseTuple(fields, "issssiIO!", &kind, &id, &name, &version, &description, &direction, &needs,
                          &PyTuple_Type, &parameters)) {
        Py_DECREF(fields);
        return 0;
    }
    Py_INCREF(declaration);
    plugin->declaration = declaration;
    memset(descriptor, 0, sizeof *descriptor);
    descriptor->struct_size = (uint32_t)sizeof *descriptor;
    descriptor->kind = kind;
    descriptor->id = keep(script, id);
    descriptor->name = keep(script, name);
    descriptor->version = keep(script, version);
    descriptor->description = keep(script, description);
    descriptor->direction = direction;
    descriptor->needs = needs;
    descriptor->create = plugin_create;
    descriptor->destroy = plugin_destroy;
    descriptor->score = kind == ASP_KIND_METRIC ? metric_score : NULL;
    descriptor->select = kind == ASP_KIND_STRATEGY ? strategy_select : NULL;
    count = PyTuple_GET_SIZE(parameters);
    plugin->params = (asp_param_descriptor *)calloc((size_t)(count > 0 ? count : 1), sizeof *plugin->params);
    plugin->param_pointers =
        (const asp_param_descriptor **)calloc((size_t)(count > 0 ? count : 1), sizeof *plugin->param_pointers);
    if (plugin->params == NULL || plugin->param_pointers == NULL) {
        Py_DECREF(fields);
        PyErr_NoMemory();
        return 0;
    }
    for (index = 0; index < count; ++index) {
        asp_param_descriptor *param = &plugin->params[index];
        const char *param_name, *default_value, *help;
        int type;
        unsigned int flags;
        double minimum, maximum;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(parameters, index), "sissIdd", &param_name, &type, &default_value,
                              &help, &flags, &minimum, &maximum)) {
            Py_DECREF(fields);
            return 0;
        }
        param->struct_size = (uint32_t)sizeof *param;
        param->type = type;
        param->name = keep(script, param_name);
        param->help = keep(script, help);
        param->default_value = keep(script, default_value);
        param->flags = flags;
        param->minimum = minimum;
        param->maximum = maximum;
        plugin->param_pointers[index] = param;
        if (param->name == NULL || param->help == NULL || param->default_value == NULL) {
            Py_DECREF(fields);
            PyErr_NoMemory();
            return 0;
        }
    }
    descriptor->param_count = (uint32_t)count;
    descriptor->params = plugin->param_pointers;
    Py_DECREF(fields);
    if (descriptor->id == NULL || descriptor->name == NULL || descriptor->version == NULL ||
        descriptor->description == NULL) {
        PyErr_NoMemory();
        return 0;
    }
    return 1;
}

const asp_library *asp_python_load(uint32_t host_abi_version, const char *path, char *error, size_t error_capacity) {
    PyGILState_STATE gil;
    PyObject *loaded = NULL, *declarations;
    py_script *script;
    Py_ssize_t count, index;
    char *message = NULL;

    if (ASP_VERSION_MAJOR(host_abi_version) != ASP_ABI_VERSION_MAJOR) {
        write_message(error, error_capacity, "the Python bridge implements ABI %u.%u, the host speaks %u.%u",
                      ASP_ABI_VERSION_MAJOR, ASP_ABI_VERSION_MINOR, ASP_VERSION_MAJOR(host_abi_version),
                      ASP_VERSION_MINOR(host_abi_version));
        return NULL;
    }
    if (path == NULL) {
        write_message(error, error_capacity, "no script path");
        return NULL;
    }
    if (!ready(error, error_capacity)) return NULL;
    script = (py_script *)calloc(1, sizeof *script);
    if (script == NULL) {
        write_message(error, error_capacity, "out of memory");
        return NULL;
    }
    gil = PyGILState_Ensure();
    loaded = PyObject_CallFunction(load_script_function, "s", path);
    if (loaded == NULL) goto failed;
    if (!PyArg_ParseTuple(loaded, "UO!", &script->module_name, &PyList_Type, &declarations)) goto failed;
    Py_INCREF(script->module_name);
    count = PyList_GET_SIZE(declarations);
    script->plugins = (py_plugin *)calloc((size_t)(count > 0 ? count : 1), sizeof *script->plugins);
    script->descriptors =
        (const asp_plugin_descriptor **)calloc((size_t)(count > 0 ? count : 1), sizeof *script->descriptors);
    if (script->plugins == NULL || script->descriptors == NULL) {
        PyErr_NoMemory();
        goto failed;
    }
    for (index = 0; index < count; ++index) {
        script->count = (uint32_t)index + 1;
        if (!read_declaration(script, &script->plugins[index], PyList_GET_ITEM(declarations, index))) goto failed;
        script->descriptors[index] = &script->plugins[index].descriptor;
    }
    script->count = (uint32_t)count;
    script->library.struct_size = (uint32_t)sizeof script->library;
    script->library.abi_version = ASP_ABI_VERSION;
    script->library.plugin_count = (uint32_t)count;
    script->library.plugins = script->descriptors;
    Py_DECREF(loaded);
    PyGILState_Release(gil);
    return &script->library;

failed:
    take_exception(&message);
    write_message(error, error_capacity, "%s", message != NULL ? message : "out of memory");
    free(message);
    Py_XDECREF(loaded);
    free_script(script);
    PyGILState_Release(gil);
    return NULL;
}

void asp_python_release(const asp_library *library) {
    PyGILState_STATE gil;

    if (library == NULL) return;
    gil = PyGILState_Ensure();
    free_script((py_script *)library);
    PyGILState_Release(gil);
}

/* ===========================================================================
 * Instances
 * ======================================================================== */

/** What a metric's argument codes mean (adapter_search._WORDS); CONSTANT + k is constants[k]. */
enum {
    ARGUMENT_GRADIENT = 0,
    ARGUMENT_SINGULAR_VALUES = 1,
    ARGUMENT_WIDTH = 2,
    ARGUMENT_TOKENS = 3,
    ARGUMENT_SOURCE = 4,
    ARGUMENT_TARGET = 5,
    ARGUMENT_CONSTANT = 16,
};

/** One instance of a declared plugin. */
typedef struct py_instance {
    const py_plugin *plugin;
    const asp_host *host;
    services_object *services;
    /** Strategies: the instance of the class. Metrics: the function. */
    PyObject *object;
    /** Metrics: the argument codes and the constants they refer to. */
    int *codes;
    Py_ssize_t code_count;
    PyObject *constants;
    /** Metrics: which per-edge values the function takes. */
    int uses_gradient, uses_singular_values, uses_info;
} py_instance;

/** The configuration as a dict of text, read defensively. NULL with a Python error. */
static PyObject *config_dict(const asp_config *config) {
    PyObject *dict = PyDict_New();
    uint32_t index;

    if (dict == NULL || config == NULL || !ASP_HAS_FIELD(config, asp_config, values) || config->count == 0) return dict;
    if (config->keys == NULL || config->values == NULL) {
        Py_DECREF(dict);
        PyErr_SetString(PyExc_ValueError, "the configuration's keys or values are NULL");
        return NULL;
    }
    for (index = 0; index < config->count; ++index) {
        PyObject *value;
        if (config->keys[index] == NULL || config->values[index] == NULL) continue;
        value = PyUnicode_FromString(config->values[index]);
        if (value == NULL || PyDict_SetItemString(dict, config->keys[index], value) < 0) {
            Py_XDECREF(value);
            Py_DECREF(dict);
            return NULL;
        }
        Py_DECREF(value);
    }
    return dict;
}

/** Imports NumPy once (the GIL held). 0 with a Python error. */
static int import_numpy(void) {
    PyObject *numpy;

    if (ndarray_type != NULL) return 1;
    numpy = PyImport_ImportModule("numpy");
    if (numpy == NULL) {
        PyObject *type, *value, *traceback;
        PyErr_Fetch(&type, &value, &traceback);
        PyErr_Format(PyExc_ImportError,
                     "a metric's gradient and singular_values are NumPy arrays, and NumPy cannot be imported "
                     "(install python3-numpy): %S", value != NULL ? value : Py_None);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(traceback);
        return 0;
    }
    float32_dtype = PyObject_CallMethod(numpy, "dtype", "s", "float32");
    float64_dtype = PyObject_CallMethod(numpy, "dtype", "s", "float64");
    ndarray_type = PyObject_GetAttrString(numpy, "ndarray");
    Py_DECREF(numpy);
    if (float32_dtype == NULL || float64_dtype == NULL || ndarray_type == NULL) {
        Py_CLEAR(float32_dtype);
        Py_CLEAR(float64_dtype);
        Py_CLEAR(ndarray_type);
        return 0;
    }
    return 1;
}

/** Makes a metric instance's call plan. 0 with a Python error. */
static int make_metric(py_instance *self, PyObject *config) {
    PyObject *plan = PyObject_CallMethod(self->plugin->declaration, "_metric_plan", "O", config), *function, *codes,
             *constants;
    Py_ssize_t index;

    if (plan == NULL) return 0;
    if (!PyArg_ParseTuple(plan, "OO!O!", &function, &PyTuple_Type, &codes, &PyTuple_Type, &constants)) {
        Py_DECREF(plan);
        return 0;
    }
    self->code_count = PyTuple_GET_SIZE(codes);
    self->codes = (int *)calloc((size_t)(self->code_count > 0 ? self->code_count : 1), sizeof *self->codes);
    if (self->codes == NULL) {
        Py_DECREF(plan);
        PyErr_NoMemory();
        return 0;
    }
    for (index = 0; index < self->code_count; ++index) {
        long code = PyLong_AsLong(PyTuple_GET_ITEM(codes, index));
        if ((code < ARGUMENT_GRADIENT || code > ARGUMENT_TARGET) &&
            (code < ARGUMENT_CONSTANT || code - ARGUMENT_CONSTANT >= PyTuple_GET_SIZE(constants))) {
            Py_DECREF(plan);
            if (!PyErr_Occurred()) PyErr_Format(PyExc_SystemError, "bad argument code %ld", code);
            return 0;
        }
        self->codes[index] = (int)code;
        self->uses_gradient |= code == ARGUMENT_GRADIENT;
        self->uses_singular_values |= code == ARGUMENT_SINGULAR_VALUES;
        self->uses_info |= code == ARGUMENT_WIDTH || code == ARGUMENT_TOKENS;
    }
    Py_INCREF(function);
    Py_INCREF(constants);
    self->object = function;
    self->constants = constants;
    Py_DECREF(plan);
    if ((self->uses_gradient || self->uses_singular_values) && !import_numpy()) return 0;
    return 1;
}

/** Frees an instance (the GIL held). */
static void free_instance(py_instance *self) {
    if (self->services != NULL) {
        bridge_services_retire(self->services);
        Py_DECREF(self->services);
    }
    Py_XDECREF(self->object);
    Py_XDECREF(self->constants);
    free(self->codes);
    free(self);
}

static asp_status plugin_create(const asp_plugin_descriptor *descriptor, const asp_host *host, const asp_config *config,
                                void **instance) {
    const py_plugin *plugin = (const py_plugin *)descriptor;
    PyGILState_STATE gil;
    py_instance *self;
    PyObject *values;
    asp_status status = ASP_OK;

    if (descriptor == NULL || host == NULL || instance == NULL) return ASP_ERR_INVALID_ARGUMENT;
    self = (py_instance *)calloc(1, sizeof *self);
    if (self == NULL) return fail(host, ASP_ERR_OUT_OF_MEMORY, "out of memory");
    self->plugin = plugin;
    self->host = host;
    gil = PyGILState_Ensure();
    self->services = bridge_services_new(host);
    values = self->services != NULL ? config_dict(config) : NULL;
    if (values == NULL) {
        status = fail_with_exception(host);
    } else if (descriptor->kind == ASP_KIND_METRIC) {
        if ((descriptor->needs & ASP_NEEDS_PROBE) != 0 && self->services->probe == NULL) {
            status = fail(host, ASP_ERR_UNSUPPORTED, "this metric needs the probe pass (" ASP_EXT_PROBE ")");
        } else if (!make_metric(self, values)) {
            status = fail_with_exception(host);
        }
    } else {
        bridge_services_enter(self->services);
        self->object =
            PyObject_CallMethod(plugin->declaration, "_create_strategy", "OO", (PyObject *)self->services, values);
        bridge_services_leave(self->services);
        if (self->object == NULL) status = fail_with_exception(host);
    }
    Py_XDECREF(values);
    if (status != ASP_OK) {
        free_instance(self);
    } else {
        *instance = self;
    }
    PyGILState_Release(gil);
    return status;
}

static void plugin_destroy(void *instance) {
    PyGILState_STATE gil;

    if (instance == NULL) return;
    gil = PyGILState_Ensure();
    free_instance((py_instance *)instance);
    PyErr_Clear();
    PyGILState_Release(gil);
}

/* ===========================================================================
 * Metrics: arrays lent for one call
 * ======================================================================== */

/** A read-only NumPy array over host memory and the memoryview under it. */
typedef struct lent_array {
    PyObject *view;
    PyObject *array;
} lent_array;

/** Lends `data` as an array of `dtype` and `shape` (a new reference, stolen). 0 with a Python error. */
static int lend(lent_array *lent, const void *data, Py_ssize_t bytes, PyObject *dtype, PyObject *shape) {
    static const char nothing[8];

    if (shape == NULL) return 0;
    lent->view = PyMemoryView_FromMemory((char *)(data != NULL && bytes > 0 ? data : nothing),
                                         data != NULL ? bytes : 0, PyBUF_READ);
    if (lent->view != NULL) lent->array = PyObject_CallFunctionObjArgs(ndarray_type, shape, dtype, lent->view, NULL);
    Py_DECREF(shape);
    return lent->array != NULL;
}

/**
 * Takes a lent array back after the call: drops the bridge's reference and
 * checks that nothing else refers to the memoryview under it. Every array
 * over the memory refers to it (the lent array has it as its base, and a
 * view of the array has the array as its base), so a reference left means
 * the function kept the array, a view of it or the memoryview somewhere.
 * Returns 0 then (no Python error set). Unreachable garbage (a reference
 * cycle) is collected first: it holds the view but never reads the memory.
 * The memoryview is released either way, so a kept memoryview itself
 * refuses every access.
 */
static int reclaim(lent_array *lent) {
    PyObject *result;
    int unused;

    Py_CLEAR(lent->array);
    if (lent->view == NULL) return 1;
    if (Py_REFCNT(lent->view) > 1) {
        PyObject *gc = PyImport_ImportModule("gc"), *collected;
        collected = gc != NULL ? PyObject_CallMethod(gc, "collect", NULL) : NULL;
        Py_XDECREF(collected);
        Py_XDECREF(gc);
        PyErr_Clear();
    }
    unused = Py_REFCNT(lent->view) == 1;
    result = PyObject_CallMethod(lent->view, "release", NULL);
    Py_XDECREF(result);
    PyErr_Clear();
    Py_CLEAR(lent->view);
    return unused;
}

static asp_status metric_score(void *instance, const asp_edge *edges, uint32_t count, double *scores) {
    py_instance *self = (py_instance *)instance;
    const asp_host *host;
    const asp_probe_api *probe;
    PyGILState_STATE gil;
    PyObject *width = NULL, *tokens = NULL;
    asp_status status = ASP_OK;
    uint32_t index;

    if (self == NULL || (count > 0 && (edges == NULL || scores == NULL))) return ASP_ERR_INVALID_ARGUMENT;
    host = self->host;
    probe = self->services->probe;
    gil = PyGILState_Ensure();
    bridge_services_enter(self->services);
    if (self->uses_info) {
        asp_probe_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = (uint32_t)sizeof info;
        Py_BEGIN_ALLOW_THREADS
        status = probe->info(host->context, 0, &info);
        Py_END_ALLOW_THREADS
        if (status != ASP_OK) {
            status = fail_service(host, "the probe's info", status);
        } else {
            width = PyLong_FromUnsignedLong(info.width);
            tokens = PyLong_FromUnsignedLong(info.tokens);
            if (width == NULL || tokens == NULL) status = fail_with_exception(host);
        }
    }
    for (index = 0; index < count && status == ASP_OK; ++index) {
        const asp_edge edge = edges[index];
        lent_array gradient = {NULL, NULL}, spectrum = {NULL, NULL};
        PyObject *arguments = NULL, *result = NULL;
        char what[128], *message = NULL;
        double score = 0;
        Py_ssize_t position;
        int kept;

        if (host->should_stop != NULL && host->should_stop(host->context) != 0) {
            status = fail(host, ASP_ERR_CANCELLED, "cancelled");
            break;
        }
        if (self->uses_gradient) {
            asp_matrix_view view;
            memset(&view, 0, sizeof view);
            view.struct_size = (uint32_t)sizeof view;
            Py_BEGIN_ALLOW_THREADS
            status = probe->edge_gradient(host->context, 0, edge, &view);
            Py_END_ALLOW_THREADS
            if (status != ASP_OK) {
                snprintf(what, sizeof what, "edge_gradient of %d>%d", (int)edge.source, (int)edge.target);
                status = fail_service(host, what, status);
                break;
            }
            if (!lend(&gradient, view.data, (Py_ssize_t)view.rows * (Py_ssize_t)view.cols * (Py_ssize_t)sizeof(float),
                      float32_dtype, Py_BuildValue("(II)", view.rows, view.cols))) {
                status = fail_with_exception(host);
                reclaim(&gradient);
                break;
            }
        }
        if (self->uses_singular_values) {
            const double *values = NULL;
            uint32_t value_count = 0;
            Py_BEGIN_ALLOW_THREADS
            status = probe->singular_values(host->context, 0, edge, &values, &value_count);
            Py_END_ALLOW_THREADS
            if (status != ASP_OK) {
                snprintf(what, sizeof what, "singular_values of %d>%d", (int)edge.source, (int)edge.target);
                status = fail_service(host, what, status);
                reclaim(&gradient);
                break;
            }
            if (!lend(&spectrum, values, (Py_ssize_t)value_count * (Py_ssize_t)sizeof(double), float64_dtype,
                      Py_BuildValue("(I)", value_count))) {
                status = fail_with_exception(host);
                reclaim(&gradient);
                reclaim(&spectrum);
                break;
            }
        }
        arguments = PyTuple_New(self->code_count);
        for (position = 0; arguments != NULL && position < self->code_count; ++position) {
            PyObject *value;
            switch (self->codes[position]) {
            case ARGUMENT_GRADIENT: value = gradient.array; Py_INCREF(value); break;
            case ARGUMENT_SINGULAR_VALUES: value = spectrum.array; Py_INCREF(value); break;
            case ARGUMENT_WIDTH: value = width; Py_INCREF(value); break;
            case ARGUMENT_TOKENS: value = tokens; Py_INCREF(value); break;
            case ARGUMENT_SOURCE: value = PyLong_FromLong(edge.source); break;
            case ARGUMENT_TARGET: value = PyLong_FromLong(edge.target); break;
            default:
                value = PyTuple_GET_ITEM(self->constants, self->codes[position] - ARGUMENT_CONSTANT);
                Py_INCREF(value);
            }
            if (value == NULL) {
                Py_CLEAR(arguments);
                break;
            }
            PyTuple_SET_ITEM(arguments, position, value);
        }
        if (arguments != NULL) {
            result = PyObject_Call(self->object, arguments, NULL);
            Py_DECREF(arguments);
        }
        if (result != NULL) {
            score = PyFloat_AsDouble(result);
            if (score == -1.0 && PyErr_Occurred()) {
                PyObject *type, *value, *traceback;
                PyErr_Fetch(&type, &value, &traceback);
                PyErr_Format(PyExc_TypeError, "%s must return a number, returned %R for edge %d>%d",
                             self->plugin->descriptor.id, result, (int)edge.source, (int)edge.target);
                Py_XDECREF(type);
                Py_XDECREF(value);
                Py_XDECREF(traceback);
            }
            Py_DECREF(result);
        }
        /* The exception (its traceback holds the frame holding the arrays) goes first. */
        if (PyErr_Occurred()) status = take_exception(&message);
        kept = !reclaim(&gradient) | !reclaim(&spectrum);
        if (kept) {
            char text[8192];
            snprintf(text, sizeof text,
                     "%s%sthe metric kept the gradient or singular_values array of edge %d>%d (or a view of it) "
                     "after returning; they are lent for the call only: keep a copy (gradient.copy())",
                     message != NULL ? message : "", message != NULL ? "\n(and then: " : "", (int)edge.source,
                     (int)edge.target);
            if (message != NULL) strncat(text, ")", sizeof text - strlen(text) - 1);
            if (status == ASP_OK) status = ASP_ERR_INTERNAL; /* a bug in the metric */
            fail(host, status, text);
        } else if (status != ASP_OK) {
            fail(host, status, message != NULL ? message : "out of memory");
        }
        free(message);
        if (status != ASP_OK) break;
        scores[index] = score;
    }
    Py_XDECREF(width);
    Py_XDECREF(tokens);
    bridge_services_leave(self->services);
    PyGILState_Release(gil);
    return status;
}

/* ===========================================================================
 * Strategies
 * ======================================================================== */

static asp_status strategy_select(void *instance, const asp_select_request *request, asp_edge *edges,
                                  uint32_t capacity, uint32_t *count) {
    py_instance *self = (py_instance *)instance;
    PyGILState_STATE gil;
    PyObject *chosen;
    asp_status status = ASP_OK;
    uint32_t k = 1;
    Py_ssize_t size, index;

    if (self == NULL || count == NULL || (capacity > 0 && edges == NULL)) return ASP_ERR_INVALID_ARGUMENT;
    if (request != NULL && ASP_HAS_FIELD(request, asp_select_request, k)) k = request->k;
    gil = PyGILState_Ensure();
    bridge_services_enter(self->services);
    chosen = PyObject_CallMethod(self->plugin->declaration, "_select", "OI", self->object, (unsigned int)k);
    bridge_services_leave(self->services);
    if (chosen == NULL || !PyList_Check(chosen)) {
        if (chosen != NULL) PyErr_SetString(PyExc_SystemError, "_select returned no list");
        status = fail_with_exception(self->host);
    } else {
        size = PyList_GET_SIZE(chosen);
        if ((size_t)size > capacity) {
            *count = (uint32_t)((size_t)size > UINT32_MAX ? UINT32_MAX : (size_t)size);
            status = fail(self->host, ASP_ERR_BUFFER_TOO_SMALL, "select chose more edges than the host has room for");
        } else {
            for (index = 0; index < size; ++index) {
                PyObject *pair = PyList_GET_ITEM(chosen, index);
                long source = PyLong_AsLong(PyTuple_GET_ITEM(pair, 0)), target = PyLong_AsLong(PyTuple_GET_ITEM(pair, 1));
                if (PyErr_Occurred() || source < INT32_MIN || source > INT32_MAX || target < INT32_MIN ||
                    target > INT32_MAX) {
                    PyErr_Clear();
                    status = fail(self->host, ASP_ERR_INVALID_ARGUMENT, "select chose an edge out of range");
                    break;
                }
                edges[index].source = (int32_t)source;
                edges[index].target = (int32_t)target;
            }
            if (status == ASP_OK) *count = (uint32_t)size;
        }
    }
    Py_XDECREF(chosen);
    PyGILState_Release(gil);
    return status;
}

/* ===========================================================================
 * The entry point: no plugins of its own
 * ======================================================================== */

static const asp_library no_plugins = {sizeof(asp_library), ASP_ABI_VERSION, 0, NULL};

/**
 * The bridge's own library table, empty: scripts come through
 * asp_python_load. So a folder scan that meets the bridge loads nothing
 * (and the host never initialises Python for it).
 */
ASP_EXPORT const asp_library *asp_plugin_entry(uint32_t host_abi_version) {
    return ASP_VERSION_MAJOR(host_abi_version) == ASP_ABI_VERSION_MAJOR ? &no_plugins : NULL;
}
