"""adapter_search: AdapterSearch metrics and strategies written in Python.

This module is built into the Python bridge, libAdapterSearchPython.so, which
loads a plugin script (`adapter-search ... --plugin my_plugins.py`, or a
`*.py` in a scanned plugin folder that imports this module) into the
interpreter it embeds and turns what the script declares into ordinary
plugins of the C ABI (plugins/include/adapter_search.h). It exists only
inside that interpreter.

A metric is a function, declared with `@metric`, called once per edge. Name
its arguments after the words below, in any order; the bridge passes exactly
those (and computes the singular values only when asked for them):

    gradient         G_ij = H_i^T D_j, a read-only d x d numpy.float32 array
                     over the host's memory (no copy). It is lent for the
                     call: keep `gradient.copy()`, never the array or a view
                     of it (the bridge refuses a call that does).
    singular_values  the singular values of G_ij, descending, a read-only
                     numpy.float64 array, lent the same way.
    d                the hidden width (int).
    n                the probe's real (non-padding) tokens N (int).
    i, j             the edge's source and target nodes (int).
    params           every declared parameter, by name, as a dict.
    <a parameter>    a declared parameter whose name is a Python identifier:
                     its value (int, float, bool or str).

    import numpy as np
    import adapter_search

    @adapter_search.metric(id="org.example.gradient-norm", name="Gradient norm", version="1.0.0",
                           description="||G_ij||_F.")
    def gradient_norm(gradient):
        g = gradient.astype(np.float64).ravel()
        return float(np.sqrt(g @ g))

It returns a finite number. A strategy is a subclass of `Strategy`, declared
with `@strategy`, whose `select(self, k)` returns the chosen edges as (i, j)
pairs; the host's services are methods of the class (`candidate_edges`,
`scores`, `evaluate`, `random_index`, `save_state`, `log`, ...), and its
parameters are `self.params`.

An exception raised by a plugin becomes the call's error: its status is the
exception's `status` for a `PluginError` (a failed host service raises a
`ServiceError` with the host's status), ASP_ERR_OUT_OF_MEMORY for a
MemoryError and ASP_ERR_INTERNAL for anything else, and its message is the
formatted traceback. `print` writes to standard error, never to the host's
standard output.
"""

import collections
import collections.abc
import inspect
import json
import keyword
import math
import os
import re
import sys
import traceback
import importlib.util

import _adapter_search

__all__ = [
    "metric", "strategy", "Parameter", "Strategy", "Evaluation",
    "PluginError", "InvalidArgument", "Unsupported", "Cancelled", "NotFound", "ServiceError", "DeclarationError",
    "HIGHER_IS_BETTER", "LOWER_IS_BETTER", "DEBUG", "INFO", "WARNING", "ERROR",
    "ERR_INVALID_ARGUMENT", "ERR_UNSUPPORTED", "ERR_OUT_OF_MEMORY", "ERR_CANCELLED", "ERR_BUFFER_TOO_SMALL",
    "ERR_NOT_FOUND", "ERR_ENGINE", "ERR_INTERNAL",
]

#: A metric's direction: a larger score means a more promising edge (ASP_HIGHER_IS_BETTER).
HIGHER_IS_BETTER = 1
#: A metric's direction: a smaller score means a more promising edge (ASP_LOWER_IS_BETTER).
LOWER_IS_BETTER = -1

#: Log levels (ASP_LOG_*), for `Strategy.log`.
DEBUG, INFO, WARNING, ERROR = 0, 1, 2, 3

# The ABI's error statuses (ASP_ERR_*), for PluginError(message, status=...).
_OK = 0
ERR_INVALID_ARGUMENT = 1
ERR_UNSUPPORTED = 2
ERR_OUT_OF_MEMORY = 3
ERR_CANCELLED = 4
ERR_BUFFER_TOO_SMALL = 5
ERR_NOT_FOUND = 6
ERR_ENGINE = 7
ERR_INTERNAL = 8


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

class PluginError(Exception):
    """An error with the ABI status the host sees (ASP_ERR_INTERNAL unless
    given or set by a subclass). The message reaches the host with the
    traceback."""

    status = ERR_INTERNAL

    def __init__(self, message="", status=None):
        super().__init__(message)
        if status is not None:
            self.status = int(status)


class InvalidArgument(PluginError):
    """ASP_ERR_INVALID_ARGUMENT: an argument or configuration value is wrong."""
    status = ERR_INVALID_ARGUMENT


class Unsupported(PluginError):
    """ASP_ERR_UNSUPPORTED: valid, but not supported (e.g. a missing host service)."""
    status = ERR_UNSUPPORTED


class Cancelled(PluginError):
    """ASP_ERR_CANCELLED: the user asked to stop (see `Strategy.check_cancellation`)."""
    status = ERR_CANCELLED


class NotFound(PluginError):
    """ASP_ERR_NOT_FOUND: the thing asked for does not exist."""
    status = ERR_NOT_FOUND


class ServiceError(PluginError):
    """A host service failed: `status` is the host's, the message its last_error."""


class DeclarationError(ValueError):
    """A declaration (`@metric`, `@strategy`, `Parameter`) breaks the ABI's
    rules; raised while the script loads, so loading fails with it."""


# The C services raise these; the bridge formats exceptions with `_describe`.
_adapter_search._register(ServiceError, Unsupported)


# ---------------------------------------------------------------------------
# Declarations
# ---------------------------------------------------------------------------

_ID = re.compile(r"[A-Za-z0-9._-]+\Z")
# ASP_PARAM_* codes by Python type.
_TYPE_CODES = {int: 1, float: 2, bool: 3, str: 4}
_TYPE_NAMES = {int: "int", float: "float", bool: "bool", str: "str"}
# ASP_PARAM_HAS_MINIMUM, ASP_PARAM_HAS_MAXIMUM.
_HAS_MINIMUM, _HAS_MAXIMUM = 1, 2
_INT64 = (-(1 << 63), (1 << 63) - 1)


def _check_id(what, value):
    if not isinstance(value, str) or not _ID.match(value):
        raise DeclarationError(f"{what} must be a non-empty string of A-Z a-z 0-9 . _ -, got {value!r}")
    return value


def _check_text(what, value, empty=False):
    if not isinstance(value, str) or (not empty and not value):
        raise DeclarationError(f"{what} must be a{'' if empty else ' non-empty'} string, got {value!r}")
    if "\0" in value:
        raise DeclarationError(f"{what} must not contain NUL characters")
    return value


class Parameter:
    """One parameter a plugin declares, with the rules of asp_param_descriptor.

    name     [A-Za-z0-9._-]+, unique within the plugin; users set it with
             `--set NAME=VALUE` (or `--set PLUGIN.NAME=VALUE`).
    type     int, float, bool or str (ASP_PARAM_INT, _REAL, _BOOL, _STRING).
    default  a value of that type (an int is fine for a float), within the bounds.
    minimum, maximum
             optional inclusive bounds, for int and float parameters only.
    help     one line for users.

    The host checks every user value against these before the plugin is
    created; the plugin receives the values already typed.
    """

    __slots__ = ("name", "type", "default", "minimum", "maximum", "help")

    def __init__(self, name, type, default, *, minimum=None, maximum=None, help=""):
        _check_id("a parameter's name", name)
        where = f"parameter {name!r}"
        if type not in _TYPE_CODES:
            raise DeclarationError(f"{where}: type must be int, float, bool or str, got {type!r}")
        _check_text(f"{where}: help", help, empty=True)
        for bound, label in ((minimum, "minimum"), (maximum, "maximum")):
            if bound is None:
                continue
            if type not in (int, float):
                raise DeclarationError(f"{where}: only int and float parameters take a {label}")
            if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound):
                raise DeclarationError(f"{where}: the {label} must be a finite number, got {bound!r}")
        if minimum is not None and maximum is not None and minimum > maximum:
            raise DeclarationError(f"{where}: the minimum {minimum!r} is above the maximum {maximum!r}")
        self.name, self.type, self.minimum, self.maximum, self.help = name, type, minimum, maximum, help
        self.default = self._checked(default, f"{where}: the default")

    def _checked(self, value, what):
        """`value` as this parameter's type, or DeclarationError."""
        if self.type is bool:
            if not isinstance(value, bool):
                raise DeclarationError(f"{what} must be a bool, got {value!r}")
            return value
        if self.type is str:
            return _check_text(what, value, empty=True)
        if isinstance(value, bool) or not isinstance(value, (int, float) if self.type is float else int):
            raise DeclarationError(f"{what} must be {'a number' if self.type is float else 'an int'}, got {value!r}")
        if self.type is int and not _INT64[0] <= value <= _INT64[1]:
            raise DeclarationError(f"{what} must fit in 64 bits, got {value!r}")
        if self.type is float:
            value = float(value)
            if not math.isfinite(value):
                raise DeclarationError(f"{what} must be finite, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise DeclarationError(f"{what} {value!r} is below the minimum {self.minimum!r}")
        if self.maximum is not None and value > self.maximum:
            raise DeclarationError(f"{what} {value!r} is above the maximum {self.maximum!r}")
        return value

    def _text(self):
        """The default as the text asp_param_descriptor.default_value holds."""
        if self.type is bool:
            return "true" if self.default else "false"
        if self.type is float:
            return repr(self.default)
        return str(self.default)

    def _parse(self, text):
        """A configuration value as a Python value. The host checks values
        before create, but a plugin parses defensively (PLUGIN_ABI.md): a
        wrong type, a non-finite number or a value out of bounds is
        InvalidArgument."""
        try:
            if self.type is bool:
                if text not in ("true", "false"):
                    raise ValueError(text)
                value = text == "true"
            elif self.type is str:
                value = text
            else:
                value = self.type(text)
        except ValueError:
            raise InvalidArgument(f"parameter {self.name!r} wants {_TYPE_NAMES[self.type]}, got {text!r}") from None
        try:
            return self._checked(value, f"parameter {self.name!r}")
        except DeclarationError as error:
            raise InvalidArgument(str(error)) from None

    def _c_fields(self):
        flags = (_HAS_MINIMUM if self.minimum is not None else 0) | (_HAS_MAXIMUM if self.maximum is not None else 0)
        return (self.name, _TYPE_CODES[self.type], self._text(), self.help, flags,
                float(self.minimum if self.minimum is not None else 0.0),
                float(self.maximum if self.maximum is not None else 0.0))

    def __repr__(self):
        return f"Parameter({self.name!r}, {_TYPE_NAMES[self.type]}, {self.default!r})"


# The words a metric's arguments may be named after, with the codes the
# bridge knows them by (bridge.c, ARGUMENT_*); a declared parameter's value
# or the params dict is a constant, code _CONSTANT + its index.
_WORDS = {"gradient": 0, "singular_values": 1, "d": 2, "n": 3, "i": 4, "j": 5}
_CONSTANT = 16
_KIND_METRIC, _KIND_STRATEGY = 1, 2
_NEEDS_PROBE, _NEEDS_SPECTRUM = 1, 2


class _Declaration:
    """One declared plugin, as the bridge reads it."""

    def __init__(self, kind, id, name, version, description, parameters):
        self.kind = kind
        self.id = _check_id("id", id)
        self.name = _check_text(f"{id}: name", name)
        self.version = _check_text(f"{id}: version", version)
        self.description = _check_text(f"{id}: description", description, empty=True)
        if isinstance(parameters, (str, bytes)) or not isinstance(parameters, collections.abc.Iterable):
            raise DeclarationError(f"{id}: parameters must be a list of adapter_search.Parameter")
        self.parameters = list(parameters)
        seen = set()
        for parameter in self.parameters:
            if not isinstance(parameter, Parameter):
                raise DeclarationError(f"{id}: parameters must be adapter_search.Parameter objects, got {parameter!r}")
            if parameter.name in seen:
                raise DeclarationError(f"{id}: parameter {parameter.name!r} is declared twice")
            seen.add(parameter.name)
        self.direction = 0
        self.needs = 0
        self.target = None

    def _c_fields(self):
        return (self.kind, self.id, self.name, self.version, self.description, self.direction, self.needs,
                tuple(parameter._c_fields() for parameter in self.parameters))

    def _values(self, config):
        """The typed parameter values from the host's configuration (a dict of text)."""
        return {parameter.name: parameter._parse(config[parameter.name]) if parameter.name in config
                else parameter.default for parameter in self.parameters}

    # Metrics --------------------------------------------------------------

    def _bind_metric(self, function):
        if not callable(function):
            raise DeclarationError(f"{self.id}: @metric decorates a function, got {function!r}")
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError) as error:
            raise DeclarationError(f"{self.id}: cannot read the signature of {function!r}: {error}") from None
        by_name = {parameter.name: index for index, parameter in enumerate(self.parameters)}
        for word in set(by_name) & (set(_WORDS) | {"params"}):
            raise DeclarationError(f"{self.id}: parameter {word!r} has the name of an argument word; rename it")
        arguments = []
        for argument in signature.parameters.values():
            if argument.kind not in (argument.POSITIONAL_ONLY, argument.POSITIONAL_OR_KEYWORD):
                raise DeclarationError(f"{self.id}: argument {argument.name!r} of {function.__name__}: "
                                       "only plain arguments are passed (no *args, **kwargs or keyword-only)")
            if argument.name in _WORDS:
                arguments.append(_WORDS[argument.name])
            elif argument.name == "params":
                arguments.append("params")
            elif argument.name in by_name:
                arguments.append(argument.name)
            else:
                known = list(_WORDS) + ["params"] + [name for name in by_name if name.isidentifier()]
                raise DeclarationError(f"{self.id}: unknown argument {argument.name!r} of {function.__name__}; "
                                       f"arguments are named after {', '.join(known)}")
        self.arguments = arguments
        self.needs = 0
        if any(code in arguments for code in (0, 1, 2, 3)):
            self.needs |= _NEEDS_PROBE
        if 1 in arguments:
            self.needs |= _NEEDS_SPECTRUM
        self.target = function

    def _metric_plan(self, config):
        """For create: (function, codes, constants), codes as bridge.c reads them."""
        values = self._values(config)
        codes, constants = [], []
        for argument in self.arguments:
            if isinstance(argument, int):
                codes.append(argument)
            else:
                codes.append(_CONSTANT + len(constants))
                constants.append(values if argument == "params" else values[argument])
        return self.target, tuple(codes), tuple(constants)

    # Strategies -----------------------------------------------------------

    def _bind_strategy(self, cls):
        if not (isinstance(cls, type) and issubclass(cls, Strategy)):
            raise DeclarationError(f"{self.id}: @strategy decorates a subclass of adapter_search.Strategy, got {cls!r}")
        if cls.select is Strategy.select:
            raise DeclarationError(f"{self.id}: {cls.__name__} must define select(self, k)")
        self.target = cls

    def _create_strategy(self, services, config):
        """For create: a new instance of the class, its services and params set before __init__."""
        instance = self.target.__new__(self.target)
        instance._services = services
        instance.params = self._values(config)
        instance.__init__()
        return instance

    def _select(self, instance, k):
        """For select: the chosen edges as a list of (int, int)."""
        chosen = instance.select(k)
        try:
            return [_edge(edge) for edge in chosen]
        except TypeError:
            raise TypeError(f"{type(instance).__name__}.select must return (i, j) pairs of ints, got {chosen!r}") from None


def _edge(edge):
    """An (i, j) pair of ints; numpy integers are fine."""
    source, target = edge
    return (source.__index__(), target.__index__())


_loading = None  # the declarations of the script being loaded


def _register(declaration):
    if _loading is not None:
        _loading.append(declaration)


def metric(*, id, name, version, description="", direction=HIGHER_IS_BETTER, parameters=()):
    """Declares the decorated function a metric plugin.

    id           unique, [A-Za-z0-9._-]+ (e.g. "org.example.my-metric").
    name         display name.   version   the plugin's own version.
    description  a sentence or two.
    direction    HIGHER_IS_BETTER (default) or LOWER_IS_BETTER.
    parameters   a list of `Parameter`.

    The function's arguments are named after the words in this module's
    documentation (gradient, singular_values, d, n, i, j, params, or a
    declared parameter); it returns the edge's score, a finite number. The
    function is returned unchanged.
    """
    declaration = _Declaration(_KIND_METRIC, id, name, version, description, parameters)
    if direction not in (HIGHER_IS_BETTER, LOWER_IS_BETTER) or isinstance(direction, bool):
        raise DeclarationError(f"{id}: direction must be HIGHER_IS_BETTER or LOWER_IS_BETTER, got {direction!r}")
    declaration.direction = direction

    def declare(function):
        declaration._bind_metric(function)
        _register(declaration)
        return function
    return declare


def strategy(*, id, name, version, description="", parameters=()):
    """Declares the decorated subclass of `Strategy` a strategy plugin.

    id, name, version, description and parameters as for `metric`. The host
    creates one instance per use: `self.params` and the services are set
    before `__init__(self)` runs (define it without arguments, if at all),
    then calls `select(self, k)` (any number of times). The class is
    returned unchanged.
    """
    declaration = _Declaration(_KIND_STRATEGY, id, name, version, description, parameters)

    def declare(cls):
        declaration._bind_strategy(cls)
        _register(declaration)
        return cls
    return declare


# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------

class Evaluation(collections.namedtuple("Evaluation", "accuracy loss parameters seconds diverged")):
    """The outcome of training one placement (asp_evaluation): validation
    accuracy in [0, 1] and loss (NaN when the training diverged), trainable
    parameters, wall-clock seconds, and whether it diverged."""

    __slots__ = ()

    @property
    def ranking_accuracy(self):
        """The accuracy to rank placements by: -inf for a diverged one."""
        return -math.inf if self.diverged or not math.isfinite(self.accuracy) else self.accuracy


class Strategy:
    """The base class of strategy plugins: subclass it, declare the subclass
    with `@strategy`, and define `select(self, k)`.

    The host's services are methods of the instance. They may be used only
    inside a call into the plugin (`__init__`, `select`) and on its thread,
    except `log`. `self.params` holds the declared parameters' values.
    """

    params = {}

    def select(self, k):
        """The chosen placement: a list of about k distinct (i, j) edges."""
        raise NotImplementedError

    # The graph -------------------------------------------------------------

    @property
    def node_count(self):
        """Residual nodes n = 2L + 1 of the backbone."""
        return self._services.node_count()

    def candidate_edges(self):
        """The edges this run searches over, in the host's fixed order, as (i, j) pairs."""
        return self._services.candidate_edges()

    # Scores and training (asp.search/1) --------------------------------------

    def scores(self, metric, edges=None):
        """The scores of `edges` (default: the candidates) under the metric
        plugin `metric`, and its direction: (list of float, HIGHER_IS_BETTER
        or LOWER_IS_BETTER). Computed once per run and cached by the host."""
        edges = self.candidate_edges() if edges is None else [_edge(edge) for edge in edges]
        return self._services.scores(metric, edges)

    def oriented_scores(self, metric, edges=None):
        """`scores`, oriented so that higher is better and none is negative:
        lower-is-better scores are negated, then all are shifted by the
        minimum if it is negative (as the Swift SDK's orientedScores)."""
        values, direction = self.scores(metric, edges)
        oriented = values if direction == HIGHER_IS_BETTER else [-value for value in values]
        lowest = min(oriented, default=0.0)
        return [value - lowest for value in oriented] if lowest < 0 else oriented

    def evaluate(self, placements, steps=0, examples=0):
        """Trains and validates each placement (a list of (i, j) edges) under
        a budget (0: the run's default) and returns one `Evaluation` each.
        Ask for every placement you need in one call: the run's executor may
        train them in parallel. Results are stored as they come."""
        placements = [[_edge(edge) for edge in placement] for placement in placements]
        return [Evaluation(*fields) for fields in self._services.evaluate(placements, int(steps), int(examples))]

    # The seeded random stream ------------------------------------------------

    def random_bits(self):
        """The next 64 bits of this instance's stream, seeded from the run's seed and the plugin id."""
        return self._services.random_u64()

    def random_index(self, bound):
        """A uniform integer in range(bound), without modulo bias."""
        bound = int(bound)
        if bound <= 0:
            raise InvalidArgument(f"random_index({bound}): the bound must be positive")
        threshold = (1 << 64) % bound
        while True:
            bits = self._services.random_u64()
            if bits >= threshold:
                return bits % bound

    def random(self):
        """A uniform float in [0, 1) with 53 random bits."""
        return (self._services.random_u64() >> 11) * (1.0 / (1 << 53))

    def sample(self, count, items):
        """`count` distinct elements of `items`, uniformly, in draw order (a partial Fisher-Yates shuffle)."""
        pool = list(items)
        if not 0 <= count <= len(pool):
            raise InvalidArgument(f"cannot sample {count} of {len(pool)} items")
        for index in range(count):
            other = index + self.random_index(len(pool) - index)
            pool[index], pool[other] = pool[other], pool[index]
        return pool[:count]

    # State that survives a crash (asp.checkpointing/1) -------------------------

    def save_state(self, data):
        """Stores `data` (bytes) as this instance's state, replacing the last; durable on return."""
        self._services.save_state(bytes(data))

    def load_state(self):
        """The state last saved in this run or the run being resumed (bytes), or None."""
        return self._services.load_state()

    def save_json(self, value):
        """`save_state` of a JSON-serialisable value."""
        self.save_state(json.dumps(value, sort_keys=True).encode("utf-8"))

    def load_json(self):
        """`load_state` decoded from JSON, or None when nothing was saved."""
        data = self.load_state()
        return None if data is None else json.loads(data.decode("utf-8"))

    # Logging, progress, cancellation -------------------------------------------

    def log(self, message, level=INFO):
        """Logs one line at DEBUG, INFO, WARNING or ERROR. Any thread, while the instance exists."""
        self._services.log(int(level), str(message))

    def progress(self, fraction, message=""):
        """Reports progress in [0, 1] with a short message."""
        self._services.progress(float(fraction), str(message))

    def should_stop(self):
        """True once the user asked to stop (Ctrl-C)."""
        return self._services.should_stop()

    def check_cancellation(self):
        """Raises `Cancelled` once the user asked to stop."""
        if self._services.should_stop():
            raise Cancelled("cancelled")


# ---------------------------------------------------------------------------
# The bridge's side (not for plugins)
# ---------------------------------------------------------------------------

def _module_name(path):
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0]) or "script"
    name = "adapter_search_script_" + stem
    suffix = 1
    while name in sys.modules:
        suffix += 1
        name = f"adapter_search_script_{stem}_{suffix}"
    return name


def _load_script(path):
    """Runs the script at `path` as a new module and returns (module name,
    its declarations). Its folder is added to the end of sys.path, so it may
    import modules beside it."""
    global _loading
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.append(folder)
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        raise ImportError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    previous, _loading = _loading, []
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        declared = _loading
    except BaseException:
        del sys.modules[name]
        raise
    finally:
        _loading = previous
    seen = set()
    for declaration in declared:
        if declaration.id in seen:
            del sys.modules[name]
            raise DeclarationError(f"{path}: plugin id {declaration.id!r} is declared twice")
        seen.add(declaration.id)
    return name, declared


def _unload(name):
    sys.modules.pop(name, None)


def _describe(error):
    """(status, message) for an exception a plugin raised: its status and its formatted traceback."""
    if isinstance(error, PluginError):
        status = error.status
    elif isinstance(error, MemoryError):
        status = ERR_OUT_OF_MEMORY
    else:
        status = ERR_INTERNAL
    if not isinstance(status, int) or not 1 <= status <= 0x7FFFFFFF:
        status = ERR_INTERNAL
    # The plugin's own frames: leave out this module's and importlib's above
    # them (the bridge calling in) and, for an error this module raises on
    # purpose, this module's below them (the plugin calling a service).
    entries = []
    frames = error.__traceback__
    while frames is not None:
        entries.append(frames)
        frames = frames.tb_next

    def ours(entry):
        name = entry.tb_frame.f_code.co_filename
        return name == _describe.__code__.co_filename or name.startswith("<frozen importlib")

    first = next((index for index, entry in enumerate(entries) if not ours(entry)), len(entries))
    last = len(entries)
    if isinstance(error, (PluginError, DeclarationError)):
        while last > first and ours(entries[last - 1]):
            last -= 1
    if last < len(entries) and last > first:
        entries[last - 1].tb_next = None
    head = entries[first] if first < last else None
    text = "".join(traceback.format_exception(type(error), error, head)).rstrip("\n")
    return status, text
