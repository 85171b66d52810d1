/*
 * CPython's embedding API, as Debian installs it (python3-dev): the Python
 * bridge (Sources/PythonBridge) embeds the system python3. Package.swift
 * finds it with pkg-config (python3-embed), which gives the include folder
 * and the library; the link line above names the same library.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
