/*
 * adapter_search_python.h — the Python bridge, libAdapterSearchPython.so.
 *
 * The bridge embeds CPython and turns a plugin script (a `*.py` file that
 * declares metrics and strategies with the `adapter_search` module it builds
 * in) into an ordinary library table of the plugin ABI
 * (plugins/include/adapter_search.h): same descriptors, same create /
 * score / select / destroy, same host services. It is not a plugin library
 * itself: the host's folder scans pass it over, its asp_plugin_entry offers
 * no plugins (so a scan elsewhere that meets it loads nothing), and the host
 * reaches the scripts through the two
 * functions below, looked up with dlsym (docs/PLUGIN_ABI.md rules 2 and 11).
 * What a script may declare is the documentation of the `adapter_search`
 * module (Sources/PythonBridge/adapter_search.py).
 *
 * Interpreter
 *   The bridge initialises CPython once per process, on the first load: the
 *   interpreter the bridge was linked with (Debian's python3, with the
 *   python3-numpy it finds in its dist-packages), without Python's signal
 *   handlers (Ctrl-C stays the host's), and with sys.stdout going to
 *   standard error. It never finalises it.
 *
 * Threading
 *   Every function here and every descriptor function may be called from
 *   any thread: each takes the GIL for its call and releases it around the
 *   host services it calls, so instances on different threads run at once
 *   wherever CPython allows (NumPy releases the GIL in its kernels).
 */
#ifndef ADAPTER_SEARCH_PYTHON_H
#define ADAPTER_SEARCH_PYTHON_H

#include <stddef.h>
#include <stdint.h>

#include "adapter_search.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The name of asp_python_load, for dlsym. */
#define ASP_PYTHON_LOAD_SYMBOL "asp_python_load"
/** The name of asp_python_release, for dlsym. */
#define ASP_PYTHON_RELEASE_SYMBOL "asp_python_release"

/**
 * Loads the plugin script at `path` (UTF-8, absolute or relative to the
 * current directory): runs it as a new Python module and returns a library
 * table whose descriptors are what it declared, in declaration order (none
 * when it declares nothing). The table, its descriptors and their strings
 * stay valid and unchanged until asp_python_release.
 *
 * `host_abi_version` is negotiated as for asp_plugin_entry: NULL, with a
 * message, for another major version. On any failure (an exception while
 * the script runs, a declaration that breaks the rules, no usable Python)
 * returns NULL and writes a NUL-terminated message into `error` (at most
 * `error_capacity` bytes, truncated): for a Python exception, its formatted
 * traceback.
 */
ASP_EXPORT const asp_library *asp_python_load(uint32_t host_abi_version, const char *path, char *error,
                                              size_t error_capacity);

/**
 * Releases a table asp_python_load returned, after every instance created
 * from it has been destroyed: frees the descriptors and forgets the script's
 * module. NULL is ignored.
 */
ASP_EXPORT void asp_python_release(const asp_library *library);

/** asp_python_load's type. */
typedef const asp_library *(*asp_python_load_fn)(uint32_t host_abi_version, const char *path, char *error,
                                                 size_t error_capacity);
/** asp_python_release's type. */
typedef void (*asp_python_release_fn)(const asp_library *library);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ADAPTER_SEARCH_PYTHON_H */
