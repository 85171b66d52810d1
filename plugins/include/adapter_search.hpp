/*
 * adapter_search.hpp — a header-only C++17 kit over the AdapterSearch plugin
 * ABI (adapter_search.h, version 1).
 *
 * The C header stays the whole contract: this file adds no symbol, no
 * struct layout and no rule to it. It lets a plugin author write a metric or
 * a strategy as a C++ class and export a library with one macro, and it
 * keeps the C rules for them:
 *
 *   - the library table, the descriptors and the parameter tables are
 *     constant-initialised at compile time, so asp_plugin_entry returns the
 *     same table from any thread and never allocates (PLUGIN_ABI.md rule 2);
 *   - every call into the plugin runs inside one catch-all: an asp::Error
 *     becomes its status, std::bad_alloc ASP_ERR_OUT_OF_MEMORY,
 *     std::invalid_argument ASP_ERR_INVALID_ARGUMENT, any other std::exception
 *     or a throw of anything else ASP_ERR_INTERNAL, each after
 *     asp_host.set_error with the exception's message. Nothing is thrown
 *     across `extern "C"` (rule 8);
 *   - a host service that fails becomes an asp::Error carrying the service's
 *     status and the host's last_error, so it reaches the host unchanged
 *     unless the plugin catches it;
 *   - sized structs are filled with sizeof as compiled here and read only
 *     where struct_size covers the field (an ASP_HAS_FIELD without the C
 *     cast, rule 4); the host table is checked once, in create;
 *   - the plugin object is created by `new` in create and deleted in destroy:
 *     the author frees nothing, and every buffer that crosses the ABI is a
 *     std::vector owned by the kit or lent by the host (rule 7).
 *
 * A strategy in outline (plugins/examples/example_cpp_strategy.cpp and
 * README.md's "In C++" are complete):
 *
 *     #include "adapter_search.hpp"
 *
 *     class FirstEdges final : public asp::Strategy {
 *     public:
 *         static constexpr asp::Info info = {
 *             "org.example.first-edges", "First edges", "1.0.0",
 *             "The first k candidate edges."};
 *         static constexpr asp::Param params[] = {
 *             asp::Param::integer("skip", "0", "candidates to skip first").at_least(0),
 *         };
 *
 *         FirstEdges(const asp::Host &, const asp::Config &config)
 *             : skip_(config.integer("skip")) {}
 *
 *         std::vector<asp::Edge> select(const asp::Host &host,
 *                                       const asp::SelectRequest &request) override {
 *             std::vector<asp::Edge> edges = host.candidate_edges();
 *             ...
 *         }
 *     private:
 *         int64_t skip_;
 *     };
 *
 *     ASP_DEFINE_CPP_LIBRARY(FirstEdges);
 *
 * Build (the version script is required: with -fvisibility=hidden alone,
 * g++ still exports the vague-linkage symbols of templates and inline
 * variables; plugins/sdk/exports.map exports asp_plugin_entry only):
 *
 *     g++ -std=c++17 -Wall -Wextra -Werror -pedantic -O2 -fPIC -shared \
 *         -fvisibility=hidden -Wl,--version-script=plugins/sdk/exports.map \
 *         -I plugins/include -o my_plugin.so my_plugin.cpp
 *
 * Check:  nm -D --defined-only my_plugin.so   (only asp_plugin_entry)
 *
 * ---------------------------------------------------------------------------
 * What a plugin class provides
 *
 *   Derive from asp::Strategy or asp::Metric (exactly one) and give:
 *
 *   static constexpr asp::Info info      id, name, version, description; the
 *                                        strings must be literals (they are
 *                                        published until unload).
 *   static constexpr asp::Param params[] optional: the parameter table (ids,
 *                                        types, defaults as text, bounds,
 *                                        help). Omit it for no parameters.
 *   static constexpr int32_t direction   metrics only: ASP_HIGHER_IS_BETTER or
 *                                        ASP_LOWER_IS_BETTER.
 *   static constexpr uint32_t needs      metrics only: ASP_NEEDS_* bits. When
 *                                        nonzero, the kit refuses to create
 *                                        the metric on a host without
 *                                        "asp.probe/1" (ASP_ERR_UNSUPPORTED).
 *   a constructor (const asp::Host &, const asp::Config &)
 *                                        runs in create; it may throw.
 *   select(host, request) or score(host, edges)
 *                                        the virtual function of the base;
 *                                        it may throw.
 *   a destructor that does not throw     runs in destroy (destructors are
 *                                        noexcept by default; keep them so).
 *
 * Ownership
 *   The kit owns the plugin object from create to destroy. asp::Host and the
 *   extension objects (asp::Probe, asp::Search, asp::Gated,
 *   asp::Checkpointing) are non-owning handles over host tables: copy them
 *   freely, keep them in the plugin object, use them until destroy returns.
 *   Every function below that returns a std::vector, std::string or
 *   std::optional returns a copy the caller owns. asp::MatrixView borrows
 *   host memory and is valid until the current call into the plugin returns.
 *
 * Errors
 *   Functions not marked noexcept throw asp::Error (with an ASP_ERR_* status
 *   and a message) or std::bad_alloc. Let them propagate: the kit turns them
 *   into the status and message the host reports. Catch them only to recover.
 *
 * Threading
 *   The C header's rules: one call into an instance at a time; host services
 *   only from the thread inside a call into the plugin, during that call,
 *   except Host::log, which any thread may call until destroy.
 * ---------------------------------------------------------------------------
 */
#ifndef ADAPTER_SEARCH_HPP
#define ADAPTER_SEARCH_HPP

#if !defined(__cplusplus) || __cplusplus < 201703L
#error "adapter_search.hpp needs C++17 or later; C plugins include adapter_search.h"
#endif

#include "adapter_search.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <locale>
#include <new>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

/*
 * ASP_HAS_FIELD without the C cast, so that the kit also compiles under
 * -Wold-style-cast. Internal; undefined at the end of this header.
 */
#define ASP_DETAIL_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(type::field))

namespace asp {

/* ===========================================================================
 * Errors
 * ======================================================================== */

/**
 * An error with an ABI status: what every function of this kit throws, and
 * what a plugin throws to fail a call with a chosen status. At the ABI
 * boundary the kit hands what() to asp_host.set_error and returns status().
 * A status of ASP_OK is not an error: it is returned as ASP_ERR_INTERNAL.
 */
class Error : public std::runtime_error {
public:
    /** An error with `status` (ASP_ERR_*) and `message` (copied). */
    Error(asp_status status, const std::string &message)
        : std::runtime_error(message), status_(status) {}

    /** The ABI status code, one of ASP_ERR_*. */
    asp_status status() const noexcept { return status_; }

private:
    asp_status status_;
};

/* ===========================================================================
 * Edges
 * ======================================================================== */

/**
 * One adapter: reads residual node `source`, adds into node `target`. A
 * value type with the same two fields as asp_edge, comparable and ordered
 * (by source, then target).
 */
struct Edge {
    int32_t source = 0;
    int32_t target = 0;

    /** The edge 0 > 0. */
    constexpr Edge() noexcept = default;
    /** The edge `source` > `target`. */
    constexpr Edge(int32_t source_node, int32_t target_node) noexcept
        : source(source_node), target(target_node) {}
    /** The C edge `edge`. */
    constexpr explicit Edge(asp_edge edge) noexcept : source(edge.source), target(edge.target) {}

    /** The C form, for the ABI. */
    asp_edge c() const noexcept {
        asp_edge edge;
        edge.source = source;
        edge.target = target;
        return edge;
    }
    /** One of ASP_EDGE_* (asp_edge_kind). */
    int32_t kind() const noexcept { return asp_edge_kind(c()); }
    /** Manhattan distance |source - other.source| + |target - other.target|. */
    int64_t distance(const Edge &other) const noexcept {
        const int64_t ds = static_cast<int64_t>(source) - other.source;
        const int64_t dt = static_cast<int64_t>(target) - other.target;
        return (ds < 0 ? -ds : ds) + (dt < 0 ? -dt : dt);
    }
    /** "source>target", the placement text form. May throw std::bad_alloc. */
    std::string text() const { return std::to_string(source) + ">" + std::to_string(target); }

    friend bool operator==(const Edge &a, const Edge &b) noexcept {
        return a.source == b.source && a.target == b.target;
    }
    friend bool operator!=(const Edge &a, const Edge &b) noexcept { return !(a == b); }
    friend bool operator<(const Edge &a, const Edge &b) noexcept {
        return a.source < b.source || (a.source == b.source && a.target < b.target);
    }
};

/* ===========================================================================
 * Self-description: Info and Param
 * ======================================================================== */

/**
 * What a plugin says about itself (asp_plugin_descriptor's strings). Every
 * pointer must be a string literal or otherwise live until unload; none may
 * be NULL. The id is [A-Za-z0-9._-]+ and unique among the plugins found.
 */
struct Info {
    const char *id;
    const char *name;
    const char *version;
    const char *description;
};

/**
 * One declared parameter: a constexpr wrapper over asp_param_descriptor.
 * Build it with integer / real / boolean / string and the bound setters, in
 * a `static constexpr asp::Param params[]` table. Strings must be literals
 * (published until unload). The default is text, as the ABI carries it, and
 * must be valid for the type and bounds: the host refuses to load a library
 * whose default is not.
 */
class Param {
public:
    /** An ASP_PARAM_INT parameter; `default_value` like "3" or "-2". */
    static constexpr Param integer(const char *name, const char *default_value, const char *help) noexcept {
        return Param(ASP_PARAM_INT, name, default_value, help);
    }
    /** An ASP_PARAM_REAL parameter; `default_value` like "0.6" or "1e-3". */
    static constexpr Param real(const char *name, const char *default_value, const char *help) noexcept {
        return Param(ASP_PARAM_REAL, name, default_value, help);
    }
    /** An ASP_PARAM_BOOL parameter; `default_value` "true" or "false". */
    static constexpr Param boolean(const char *name, const char *default_value, const char *help) noexcept {
        return Param(ASP_PARAM_BOOL, name, default_value, help);
    }
    /** An ASP_PARAM_STRING parameter; any UTF-8 default. */
    static constexpr Param string(const char *name, const char *default_value, const char *help) noexcept {
        return Param(ASP_PARAM_STRING, name, default_value, help);
    }

    /** This parameter with the inclusive lower bound `minimum` (INT, REAL). */
    constexpr Param at_least(double minimum) const noexcept {
        Param copy = *this;
        copy.descriptor_.flags |= ASP_PARAM_HAS_MINIMUM;
        copy.descriptor_.minimum = minimum;
        return copy;
    }
    /** This parameter with the inclusive upper bound `maximum` (INT, REAL). */
    constexpr Param at_most(double maximum) const noexcept {
        Param copy = *this;
        copy.descriptor_.flags |= ASP_PARAM_HAS_MAXIMUM;
        copy.descriptor_.maximum = maximum;
        return copy;
    }
    /** This parameter within [minimum, maximum], both inclusive (INT, REAL). */
    constexpr Param range(double minimum, double maximum) const noexcept {
        return at_least(minimum).at_most(maximum);
    }

    /** The C descriptor, as published in the library table. */
    constexpr const asp_param_descriptor &c() const noexcept { return descriptor_; }

private:
    constexpr Param(int32_t type, const char *name, const char *default_value, const char *help) noexcept
        : descriptor_{static_cast<uint32_t>(sizeof(asp_param_descriptor)), type, name, help, default_value,
                      0u, 0.0, 0.0} {}

    asp_param_descriptor descriptor_;
};

/* ===========================================================================
 * Configuration
 * ======================================================================== */

/**
 * The parameter values of one instance, parsed by declared type: what the
 * plugin's constructor receives. Built by the kit in create from the
 * borrowed asp_config and the plugin's parameter table; it owns copies of
 * every value and may be kept.
 */
class Config {
public:
    /**
     * Parses `config` (borrowed; NULL, or too short to reach `values`, means
     * "all defaults") against the `count` declared parameters `params`
     * (published by the library). A missing value takes its declared
     * default. Throws Error(ASP_ERR_INVALID_ARGUMENT) for a NULL key or
     * value, an undeclared key, or a value that does not parse as its type
     * or lies outside its bounds; Error(ASP_ERR_INTERNAL) for a declared
     * default that does not; std::bad_alloc.
     */
    Config(const asp_config *config, const asp_param_descriptor *const *params, uint32_t count) {
        if (count > 0 && params == nullptr) throw Error(ASP_ERR_INTERNAL, "the parameter table is NULL");
        entries_.reserve(count);
        for (uint32_t index = 0; index < count; ++index) {
            Entry entry;
            entry.param = params[index];
            entry.text = params[index]->default_value;
            entries_.push_back(entry);
        }
        for (Entry &entry : entries_) {
            if (!parse(entry)) {
                throw Error(ASP_ERR_INTERNAL, "the declared default of parameter '" + std::string(entry.param->name) +
                                                  "' is invalid: '" + entry.text + "'");
            }
        }
        if (config == nullptr || !ASP_DETAIL_HAS_FIELD(config, asp_config, values) || config->count == 0) return;
        if (config->keys == nullptr || config->values == nullptr) {
            throw Error(ASP_ERR_INVALID_ARGUMENT, "the configuration's keys or values are NULL");
        }
        for (uint32_t index = 0; index < config->count; ++index) {
            const char *key = config->keys[index];
            const char *value = config->values[index];
            if (key == nullptr || value == nullptr) {
                throw Error(ASP_ERR_INVALID_ARGUMENT,
                            "configuration entry " + std::to_string(index) + " has a NULL key or value");
            }
            Entry *entry = find(key);
            if (entry == nullptr) {
                throw Error(ASP_ERR_INVALID_ARGUMENT, "unknown parameter '" + std::string(key) + "'; known: " + names());
            }
            entry->text = value;
            if (!parse(*entry)) throw Error(ASP_ERR_INVALID_ARGUMENT, "parameter '" + std::string(key) + "' " + problem(*entry));
        }
    }

    /** The value of INT parameter `name`. Throws Error(ASP_ERR_INTERNAL) if no INT parameter has that name. */
    int64_t integer(const char *name) const { return declared(name, ASP_PARAM_INT).integer; }
    /** The value of REAL parameter `name`. Throws Error(ASP_ERR_INTERNAL) if no REAL parameter has that name. */
    double real(const char *name) const { return declared(name, ASP_PARAM_REAL).real; }
    /** The value of BOOL parameter `name`. Throws Error(ASP_ERR_INTERNAL) if no BOOL parameter has that name. */
    bool boolean(const char *name) const { return declared(name, ASP_PARAM_BOOL).boolean; }
    /**
     * The value of STRING parameter `name`, owned by this Config. Throws
     * Error(ASP_ERR_INTERNAL) if no STRING parameter has that name.
     */
    const std::string &string(const char *name) const { return declared(name, ASP_PARAM_STRING).text; }
    /** The text of any declared parameter `name`. Throws Error(ASP_ERR_INTERNAL) if none has that name. */
    const std::string &text(const char *name) const { return declared(name, 0).text; }

private:
    struct Entry {
        const asp_param_descriptor *param = nullptr;
        std::string text;
        int64_t integer = 0;
        double real = 0.0;
        bool boolean = false;
    };

    Entry *find(const char *name) {
        for (Entry &entry : entries_) {
            if (std::strcmp(entry.param->name, name) == 0) return &entry;
        }
        return nullptr;
    }

    /** The entry `name`, of `type` unless `type` is 0; a plugin asking for another is the plugin's bug. */
    const Entry &declared(const char *name, int32_t type) const {
        for (const Entry &entry : entries_) {
            if (std::strcmp(entry.param->name, name) == 0 && (type == 0 || entry.param->type == type)) return entry;
        }
        throw Error(ASP_ERR_INTERNAL, "the plugin asked for parameter '" + std::string(name) +
                                          "', which it did not declare with that type (declared: " + names() + ")");
    }

    std::string names() const {
        std::string list;
        for (const Entry &entry : entries_) list += (list.empty() ? "" : ", ") + std::string(entry.param->name);
        return list.empty() ? "none" : list;
    }

    /** Parses entry.text into its typed field; false if it is not a valid value. */
    static bool parse(Entry &entry) {
        const std::string &text = entry.text;
        const asp_param_descriptor &param = *entry.param;
        double number = 0.0;
        switch (param.type) {
        case ASP_PARAM_INT: {
            if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
            char *end = nullptr;
            errno = 0;
            const long long value = std::strtoll(text.c_str(), &end, 10);
            if (errno != 0 || end == text.c_str() || *end != '\0') return false;
            entry.integer = value;
            number = static_cast<double>(value);
            break;
        }
        case ASP_PARAM_REAL: {
            // Parsed in the classic locale, whatever the host process set.
            if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
            std::istringstream stream(text);
            stream.imbue(std::locale::classic());
            double value = 0.0;
            stream >> value;
            if (stream.fail() || stream.peek() != std::char_traits<char>::eof() || !std::isfinite(value)) return false;
            entry.real = value;
            number = value;
            break;
        }
        case ASP_PARAM_BOOL:
            if (text != "true" && text != "false") return false;
            entry.boolean = text == "true";
            return true;
        default:
            return true;
        }
        if ((param.flags & ASP_PARAM_HAS_MINIMUM) != 0 && number < param.minimum) return false;
        if ((param.flags & ASP_PARAM_HAS_MAXIMUM) != 0 && number > param.maximum) return false;
        return true;
    }

    /** Why entry.text is not a valid value, phrased to follow the parameter's name. */
    static std::string problem(const Entry &entry) {
        switch (entry.param->type) {
        case ASP_PARAM_INT: return "wants an integer within its bounds, got '" + entry.text + "'";
        case ASP_PARAM_REAL: return "wants a finite number within its bounds, got '" + entry.text + "'";
        case ASP_PARAM_BOOL: return "wants true or false, got '" + entry.text + "'";
        default: return "is invalid: '" + entry.text + "'";
        }
    }

    std::vector<Entry> entries_;
};

/* ===========================================================================
 * Extensions: the probe ("asp.probe/1"), for metrics
 * ======================================================================== */

/**
 * A row-major float32 matrix lent by the host: valid until the current call
 * into the plugin returns; never free it. Copy what you keep.
 */
struct MatrixView {
    uint32_t rows = 0;
    uint32_t cols = 0;
    /** rows * cols values, row-major; owned by the host. */
    const float *data = nullptr;

    /** rows * cols. */
    size_t size() const noexcept { return static_cast<size_t>(rows) * cols; }
    /** The element at (row, col); no bounds check. */
    float operator()(uint32_t row, uint32_t col) const noexcept { return data[static_cast<size_t>(row) * cols + col]; }
    /** sum of the squares of every element, accumulated in double. */
    double squared_norm() const noexcept {
        double sum = 0.0;
        for (size_t index = 0; index < size(); ++index) sum += static_cast<double>(data[index]) * data[index];
        return sum;
    }
};

/** What a probe measured (asp_probe_info). */
struct ProbeInfo {
    uint32_t width = 0;
    uint32_t tokens = 0;
    uint32_t examples = 0;
    uint32_t classes = 0;
    double loss = 0.0;
};

/** A seeded adapter init (asp_probe_api.adapter_init): both lent like MatrixView. */
struct AdapterInit {
    /** W_down, rank x width. */
    MatrixView down;
    /** W_up, width x rank. */
    MatrixView up;
};

/**
 * An extra forward and backward pass (asp_pass_request). The defaults repeat
 * the probe pass. `perturbations[i]` is a width x width row-major map added
 * on `perturbed_edges[i]`, borrowed by the caller for the call to run_pass.
 */
struct PassRequest {
    uint64_t batch_seed = 0;
    uint32_t examples = 0;
    int32_t input = ASP_INPUT_DATA;
    int32_t weights = ASP_WEIGHTS_AS_IS;
    int32_t loss = ASP_LOSS_CROSS_ENTROPY;
    std::vector<Edge> perturbed_edges;
    std::vector<const float *> perturbations;
};

namespace detail {
/** Throws Error(status, what + ": " + the host's last_error) unless status is ASP_OK. */
inline void check(const asp_host *host, asp_status status, const std::string &what) {
    if (status == ASP_OK) return;
    const char *reason = host->last_error != nullptr ? host->last_error(host->context) : nullptr;
    throw Error(status, what + ": " + (reason != nullptr && reason[0] != '\0' ? reason : "failed"));
}

/** Throws Error(ASP_ERR_UNSUPPORTED) naming `service` of `extension` unless `present`. */
inline void require(bool present, const char *extension, const char *service) {
    if (!present) {
        throw Error(ASP_ERR_UNSUPPORTED, std::string("the host's ") + extension + " table lacks " + service);
    }
}

/** A sized output struct: zeroed, struct_size set to sizeof as compiled here. */
template <class T>
T sized() noexcept {
    T value;
    std::memset(&value, 0, sizeof value);
    value.struct_size = static_cast<uint32_t>(sizeof value);
    return value;
}

/** The C form of `edges`. */
inline std::vector<asp_edge> c_edges(const std::vector<Edge> &edges) {
    std::vector<asp_edge> out;
    out.reserve(edges.size());
    for (const Edge &edge : edges) out.push_back(edge.c());
    return out;
}

/** `count` as uint32_t; Error(ASP_ERR_INVALID_ARGUMENT) if it does not fit. */
inline uint32_t count32(size_t count, const char *what) {
    if (count > UINT32_MAX) throw Error(ASP_ERR_INVALID_ARGUMENT, std::string("too many ") + what);
    return static_cast<uint32_t>(count);
}
} // namespace detail

/**
 * The probe services, "asp.probe/1". A non-owning handle from Host::probe(),
 * valid until destroy. Every call throws Error with the service's status and
 * the host's message when it fails (e.g. ASP_ERR_NOT_FOUND for a node that
 * does not exist), Error(ASP_ERR_UNSUPPORTED) when the host's table is too
 * short to hold the service, or std::bad_alloc.
 */
class Probe {
public:
    Probe(const asp_host *host, const asp_probe_api *api) noexcept : host_(host), api_(api) {}

    /** What probe `probe` (0: the run's) measured. */
    ProbeInfo info(uint32_t probe = 0) const {
        detail::require(ASP_DETAIL_HAS_FIELD(api_, asp_probe_api, info), ASP_EXT_PROBE, "info");
        asp_probe_info raw = detail::sized<asp_probe_info>();
        detail::check(host_, api_->info(host_->context, probe, &raw), "info of probe " + std::to_string(probe));
        ProbeInfo info;
        info.width = raw.width;
        info.tokens = raw.tokens;
        info.examples = raw.examples;
        info.classes = raw.classes;
        info.loss = raw.loss;
        return info;
    }

    /** H_node, tokens x width, lent until the current call returns. */
    MatrixView activations(uint32_t node, uint32_t probe = 0) const {
        detail::require(ASP_DETAIL_HAS_FIELD(api_, asp_probe_api, activations), ASP_EXT_PROBE, "activations");
        asp_matrix_view raw = detail::sized<asp_matrix_view>();
        detail::check(host_, api_->activations(host_->context, probe, node, &raw),
                      "activations of node " + std::to_string(node));
        return view(raw);
    }

    /** D_node = dL/dh at node `node`, tokens x width, lent until the current call returns. */
    MatrixView gradients(uint32_t node, uint32_t probe = 0) const {
        detail::require(ASP_DETAIL_HAS_FIELD(api_, asp_probe_api, gradients), ASP_EXT_PROBE, "gradients");
        asp_matrix_view raw = detail::sized<asp_matrix_view>();
        detail::check(host_, api_->gradients(host_->context, probe, node, &raw),
                      "gradients of node " + std::to_string(node));
        return view(raw);
    }

    /** G_ij = H_i^T D_j, width x width, lent until the current call returns. */
    MatrixView edge_gradient(Edge edge, uint32_t probe = 0) const {
        detail::require(ASP_DETAIL_HAS_FIELD(api_, asp_probe_api, edge_gradient), ASP_EXT_PROBE, "edge_gradient");
        asp_matrix_view raw = detail::sized<asp_matrix_view>();
        detail::check(host_, api_->edge_gradient(host_->context, probe, edge.c(), &raw),
                      "edge gradient of " + edge.text());
        return view(raw);
    }

    /** The singular values of G_ij, descending, copied into a vector the caller owns. */
    std::vector<double> singular_values(Edge edge, uint32_t probe = 0) const {
        detail::require(ASP_DETAIL_HAS_FIELD(api_, asp_probe_api, singular_values), ASP_EXT_PROBE, "singular_values");
        const double *values = nullptr;
        uint32_t count = 0;
        detail::check(host_, api_->singular_values(host_->context, probe, edge.c(), &values, &count),
                      "singular values of " + edge.text());
        return values == nullptr ? std::vector<double>() : std::vector<double>(values, values + count);
    }

    /** The number of singular values of G_ij above relative_tolerance * sigma_max. */
    uint32_t rank(Edge edge, double relative_tolerance, uint32_t probe = 0) const {
        detail::require(ASP_DETAIL_HAS_FIELD(api_, asp_probe_api, rank), ASP_EXT_PROBE, "rank");
        uint32_t rank = 0;
        detail::check(host_, api_->rank(host_->context, probe, edge.c(), relative_tolerance, &rank),
                      "rank of " + edge.text());
        return rank;
    }

    /** The seeded non-zero adapter init of rank `rank` for `edge`, lent until the current call returns. */
    AdapterInit adapter_init(Edge edge, uint32_t rank) const {
        detail::require(ASP_DETAIL_HAS_FIELD(api_, asp_probe_api, adapter_init), ASP_EXT_PROBE, "adapter_init");
        asp_matrix_view down = detail::sized<asp_matrix_view>(), up = detail::sized<asp_matrix_view>();
        detail::check(host_, api_->adapter_init(host_->context, edge.c(), rank, &down, &up),
                      "adapter init of " + edge.text());
        AdapterInit init;
        init.down = view(down);
        init.up = view(up);
        return init;
    }

    /**
     * Runs an extra pass and returns the new probe's number, whose views
     * follow probe 0's rules. Error(ASP_ERR_INVALID_ARGUMENT) when
     * perturbed_edges and perturbations differ in length. Cost: a forward
     * and backward pass of the backbone.
     */
    uint32_t run_pass(const PassRequest &request) const {
        detail::require(ASP_DETAIL_HAS_FIELD(api_, asp_probe_api, run_pass), ASP_EXT_PROBE, "run_pass");
        if (request.perturbed_edges.size() != request.perturbations.size()) {
            throw Error(ASP_ERR_INVALID_ARGUMENT, "run_pass: perturbed_edges and perturbations differ in length");
        }
        const std::vector<asp_edge> edges = detail::c_edges(request.perturbed_edges);
        asp_pass_request raw = detail::sized<asp_pass_request>();
        raw.batch_seed = request.batch_seed;
        raw.examples = request.examples;
        raw.input = request.input;
        raw.weights = request.weights;
        raw.loss = request.loss;
        raw.perturbation_count = detail::count32(edges.size(), "perturbations");
        raw.perturbed_edges = edges.empty() ? nullptr : edges.data();
        raw.perturbations = request.perturbations.empty() ? nullptr : request.perturbations.data();
        uint32_t probe = 0;
        detail::check(host_, api_->run_pass(host_->context, &raw, &probe), "extra pass");
        return probe;
    }

    /** The C table, owned by the host until destroy. */
    const asp_probe_api *c() const noexcept { return api_; }

private:
    static MatrixView view(const asp_matrix_view &raw) noexcept {
        MatrixView view;
        view.rows = raw.rows;
        view.cols = raw.cols;
        view.data = raw.data;
        return view;
    }

    const asp_host *host_;
    const asp_probe_api *api_;
};

/* ===========================================================================
 * Extensions: search ("asp.search/1"), gated ("asp.gated/1") and
 * checkpointing ("asp.checkpointing/1"), for strategies
 * ======================================================================== */

/** A metric's scores of some edges and its direction (asp_search_api.scores). */
struct Scores {
    /** One score per edge, in the order asked. */
    std::vector<double> values;
    /** ASP_HIGHER_IS_BETTER or ASP_LOWER_IS_BETTER. */
    int32_t direction = ASP_HIGHER_IS_BETTER;

    /** The scores with higher always better: negated when lower is better. A copy. */
    std::vector<double> oriented() const {
        std::vector<double> out = values;
        if (direction == ASP_LOWER_IS_BETTER) {
            for (double &value : out) value = -value;
        }
        return out;
    }
};

/** A training budget (asp_budget); zero fields take the run's default. */
struct Budget {
    uint32_t steps = 0;
    uint32_t examples = 0;
};

/** The outcome of training one placement (asp_evaluation). */
struct Evaluation {
    /** Validation accuracy in [0, 1]; NaN when the training diverged. */
    double accuracy = 0.0;
    double loss = 0.0;
    uint64_t parameters = 0;
    double seconds = 0.0;
    /** True when the training diverged (asp_evaluation.diverged, or a NaN accuracy from a 1.0 host). */
    bool diverged = false;

    /** The accuracy to rank by: -infinity for a diverged placement, below every other. */
    double ranking_accuracy() const noexcept {
        return diverged || !std::isfinite(accuracy) ? -std::numeric_limits<double>::infinity() : accuracy;
    }
};

/**
 * The search services, "asp.search/1". A non-owning handle from
 * Host::search(), valid until destroy. Calls throw like Probe's.
 */
class Search {
public:
    Search(const asp_host *host, const asp_search_api *api) noexcept : host_(host), api_(api) {}

    /** Scores of `edges` under metric `metric_id` and its direction; cached by the host per run. */
    Scores scores(const std::string &metric_id, const std::vector<Edge> &edges) const {
        detail::require(ASP_DETAIL_HAS_FIELD(api_, asp_search_api, scores), ASP_EXT_SEARCH, "scores");
        const std::vector<asp_edge> raw = detail::c_edges(edges);
        Scores out;
        out.values.assign(edges.size(), 0.0);
        int32_t direction = 0;
        detail::check(host_,
                      api_->scores(host_->context, metric_id.c_str(), raw.empty() ? nullptr : raw.data(),
                                   detail::count32(raw.size(), "edges"), out.values.empty() ? nullptr : out.values.data(),
                                   &direction),
                      "scores by " + metric_id);
        if (direction != ASP_HIGHER_IS_BETTER && direction != ASP_LOWER_IS_BETTER) {
            throw Error(ASP_ERR_ENGINE, "metric " + metric_id + " has no direction (" + std::to_string(direction) + ")");
        }
        out.direction = direction;
        return out;
    }

    /**
     * Trains and validates each placement under `budget` (zeros: the run's
     * default), as one batch the run's executor may train in parallel: ask
     * for every placement you need at once. One Evaluation per placement, in
     * order. Results are stored by the host as they come.
     */
    std::vector<Evaluation> evaluate(const std::vector<std::vector<Edge>> &placements,
                                     const Budget &budget = Budget()) const {
        detail::require(ASP_DETAIL_HAS_FIELD(api_, asp_search_api, evaluate), ASP_EXT_SEARCH, "evaluate");
        const uint32_t count = detail::count32(placements.size(), "placements");
        std::vector<std::vector<asp_edge>> edges;
        std::vector<asp_placement> raw;
        std::vector<const asp_placement *> raw_pointers;
        std::vector<asp_evaluation> results(placements.size(), detail::sized<asp_evaluation>());
        std::vector<asp_evaluation *> result_pointers;
        edges.reserve(placements.size());
        raw.reserve(placements.size());
        for (const std::vector<Edge> &placement : placements) {
            edges.push_back(detail::c_edges(placement));
            asp_placement entry = detail::sized<asp_placement>();
            entry.edge_count = detail::count32(edges.back().size(), "edges");
            entry.edges = edges.back().empty() ? nullptr : edges.back().data();
            raw.push_back(entry);
        }
        for (size_t index = 0; index < placements.size(); ++index) {
            raw_pointers.push_back(&raw[index]);
            result_pointers.push_back(&results[index]);
        }
        asp_budget raw_budget = detail::sized<asp_budget>();
        raw_budget.steps = budget.steps;
        raw_budget.examples = budget.examples;
        detail::check(host_,
                      api_->evaluate(host_->context, raw_pointers.empty() ? nullptr : raw_pointers.data(), count,
                                     &raw_budget, result_pointers.empty() ? nullptr : result_pointers.data()),
                      "evaluate");
        std::vector<Evaluation> out;
        out.reserve(results.size());
        for (const asp_evaluation &result : results) {
            Evaluation evaluation;
            evaluation.accuracy = result.accuracy;
            evaluation.loss = result.loss;
            evaluation.parameters = result.parameters;
            evaluation.seconds = result.seconds;
            evaluation.diverged = result.diverged != 0 || std::isnan(result.accuracy);
            out.push_back(evaluation);
        }
        return out;
    }

    /** The C table, owned by the host until destroy. */
    const asp_search_api *c() const noexcept { return api_; }

private:
    const asp_host *host_;
    const asp_search_api *api_;
};

/**
 * How a gated training runs (asp_gated_budget). Every field is sent; steps
 * and learning_rate 0 take the run's. The defaults are the built-in
 * learned-switch strategy's.
 */
struct GatedBudget {
    uint32_t steps = 0;
    double learning_rate = 0.0;
    double gate_learning_rate = 0.05;
    double sparsity = 0.2;
    double initial_temperature = 1.0;
    double final_temperature = 0.1;
    double initial_logit = 1.0;
};

/** The outcome of a gated training (asp_gated_result and the probabilities). */
struct GatedOutcome {
    /** sigmoid(logit) per edge, in the order given; NaN when the training diverged. */
    std::vector<double> probabilities;
    /** Validation accuracy of the gated model (open gates kept); NaN when diverged. */
    double accuracy = 0.0;
    double loss = 0.0;
    double seconds = 0.0;
    bool diverged = false;
};

/**
 * The gated-training service, "asp.gated/1" (ABI 1.2). A non-owning handle
 * from Host::gated(), valid until destroy. Calls throw like Probe's: the
 * host answers ASP_ERR_INVALID_ARGUMENT for a bad edge or budget and
 * ASP_ERR_CANCELLED when the user stopped the run.
 */
class Gated {
public:
    Gated(const asp_host *host, const asp_gated_api *api) noexcept : host_(host), api_(api) {}

    /** Trains an adapter on each of `edges` together, each behind a gate, under `budget`; not stored by the host. */
    GatedOutcome train(const std::vector<Edge> &edges, const GatedBudget &budget) const {
        detail::require(ASP_DETAIL_HAS_FIELD(api_, asp_gated_api, train_gated), ASP_EXT_GATED, "train_gated");
        const std::vector<asp_edge> raw = detail::c_edges(edges);
        asp_gated_budget raw_budget = detail::sized<asp_gated_budget>();
        raw_budget.steps = budget.steps;
        raw_budget.learning_rate = budget.learning_rate;
        raw_budget.gate_learning_rate = budget.gate_learning_rate;
        raw_budget.sparsity = budget.sparsity;
        raw_budget.initial_temperature = budget.initial_temperature;
        raw_budget.final_temperature = budget.final_temperature;
        raw_budget.initial_logit = budget.initial_logit;
        GatedOutcome out;
        out.probabilities.assign(edges.size(), std::nan(""));
        asp_gated_result result = detail::sized<asp_gated_result>();
        detail::check(host_,
                      api_->train_gated(host_->context, raw.empty() ? nullptr : raw.data(),
                                        detail::count32(raw.size(), "edges"), &raw_budget,
                                        out.probabilities.empty() ? nullptr : out.probabilities.data(), &result),
                      "train_gated");
        out.accuracy = result.accuracy;
        out.loss = result.loss;
        out.seconds = result.seconds;
        out.diverged = result.diverged != 0;
        return out;
    }

    /** The C table, owned by the host until destroy. */
    const asp_gated_api *c() const noexcept { return api_; }

private:
    const asp_host *host_;
    const asp_gated_api *api_;
};

/**
 * Durable strategy state, "asp.checkpointing/1". A non-owning handle from
 * Host::checkpointing(), valid until destroy. Calls throw like Probe's.
 */
class Checkpointing {
public:
    Checkpointing(const asp_host *host, const asp_checkpointing_api *api) noexcept : host_(host), api_(api) {}

    /** Stores `size` bytes (borrowed, copied by the host) as this instance's state; durable on return. */
    void save(const void *bytes, size_t size) const {
        detail::require(ASP_DETAIL_HAS_FIELD(api_, asp_checkpointing_api, save_state), ASP_EXT_CHECKPOINTING, "save_state");
        detail::check(host_, api_->save_state(host_->context, bytes, static_cast<uint64_t>(size)), "save state");
    }
    /** Stores `bytes` as this instance's state. */
    void save(const std::vector<uint8_t> &bytes) const { save(bytes.empty() ? nullptr : bytes.data(), bytes.size()); }

    /** A copy of the state saved last in this run or the run being resumed; std::nullopt when there is none. */
    std::optional<std::vector<uint8_t>> load() const {
        detail::require(ASP_DETAIL_HAS_FIELD(api_, asp_checkpointing_api, load_state), ASP_EXT_CHECKPOINTING, "load_state");
        const void *bytes = nullptr;
        uint64_t size = 0;
        const asp_status status = api_->load_state(host_->context, &bytes, &size);
        if (status == ASP_ERR_NOT_FOUND) return std::nullopt;
        detail::check(host_, status, "load state");
        const uint8_t *begin = static_cast<const uint8_t *>(bytes);
        return begin == nullptr ? std::vector<uint8_t>() : std::vector<uint8_t>(begin, begin + size);
    }

    /** The C table, owned by the host until destroy. */
    const asp_checkpointing_api *c() const noexcept { return api_; }

private:
    const asp_host *host_;
    const asp_checkpointing_api *api_;
};

/* ===========================================================================
 * The host
 * ======================================================================== */

/**
 * The host's services (asp_host) for one instance: a non-owning handle,
 * cheap to copy, valid from create until destroy returns. The kit builds it
 * in create after checking that the table reaches every 1.0 service, and
 * passes it to the constructor and to every select or score.
 */
class Host {
public:
    /**
     * A handle over `table`, which must stay valid while the handle is used
     * and reach candidate_edges (the kit checks both before constructing).
     */
    explicit Host(const asp_host *table) noexcept : table_(table) {}

    /** The ABI version the host speaks, packed as ASP_MAKE_VERSION. */
    uint32_t abi_version() const noexcept { return table_->abi_version; }

    /** Logs `message` (borrowed, copied) at `level` (ASP_LOG_*). Any thread, until destroy. */
    void log(int32_t level, const char *message) const noexcept { table_->log(table_->context, level, message); }
    void log(int32_t level, const std::string &message) const noexcept { log(level, message.c_str()); }
    void debug(const std::string &message) const noexcept { log(ASP_LOG_DEBUG, message); }
    void info(const std::string &message) const noexcept { log(ASP_LOG_INFO, message); }
    void warning(const std::string &message) const noexcept { log(ASP_LOG_WARNING, message); }
    void error(const std::string &message) const noexcept { log(ASP_LOG_ERROR, message); }

    /** Reports progress: `fraction` in [0, 1], `message` borrowed. */
    void progress(double fraction, const std::string &message = std::string()) const noexcept {
        table_->progress(table_->context, fraction, message.c_str());
    }

    /** True once the user asked to stop. */
    bool should_stop() const noexcept { return table_->should_stop(table_->context) != 0; }
    /** Throws Error(ASP_ERR_CANCELLED, "stopped on request") once the user asked to stop. */
    void check_stop() const {
        if (should_stop()) throw Error(ASP_ERR_CANCELLED, "stopped on request");
    }

    /** The next 64 bits of this instance's seeded random stream. */
    uint64_t random_u64() const noexcept { return table_->random_u64(table_->context); }
    /** A uniform integer in [0, bound) from the stream, without modulo bias. Error(ASP_ERR_INVALID_ARGUMENT) for bound 0. */
    uint64_t random_below(uint64_t bound) const {
        if (bound == 0) throw Error(ASP_ERR_INVALID_ARGUMENT, "random_below(0): the bound must be positive");
        const uint64_t threshold = (UINT64_C(0) - bound) % bound; // 2^64 mod bound
        for (;;) {
            const uint64_t bits = random_u64();
            if (bits >= threshold) return bits % bound;
        }
    }

    /** Number of residual nodes n = 2L + 1. */
    uint32_t node_count() const noexcept { return table_->node_count(table_->context); }

    /**
     * The run's candidate edges, in the host's fixed order, as a vector the
     * caller owns (the two-call pattern of asp_host.candidate_edges). Throws
     * Error with the host's status and message when it fails.
     */
    std::vector<Edge> candidate_edges() const {
        uint32_t needed = 0;
        asp_status status = table_->candidate_edges(table_->context, nullptr, 0, &needed);
        if (status != ASP_ERR_BUFFER_TOO_SMALL) detail::check(table_, status, "candidate_edges");
        std::vector<asp_edge> raw(needed);
        uint32_t written = 0;
        status = table_->candidate_edges(table_->context, raw.empty() ? nullptr : raw.data(), needed, &written);
        detail::check(table_, status, "candidate_edges");
        std::vector<Edge> edges;
        edges.reserve(written < needed ? written : needed);
        for (uint32_t index = 0; index < written && index < needed; ++index) edges.push_back(Edge(raw[index]));
        return edges;
    }

    /** The message of the last failed service call, or "", copied. */
    std::string last_error() const {
        const char *message = table_->last_error(table_->context);
        return message == nullptr ? std::string() : std::string(message);
    }

    /** True when the host offers extension `id` (e.g. ASP_EXT_GATED). */
    bool has_extension(const char *id) const noexcept { return table_->get_extension(table_->context, id) != nullptr; }

    /** The probe services; Error(ASP_ERR_UNSUPPORTED) when the host does not offer "asp.probe/1". */
    Probe probe() const { return Probe(table_, extension<asp_probe_api>(ASP_EXT_PROBE)); }
    /** The search services; Error(ASP_ERR_UNSUPPORTED) when the host does not offer "asp.search/1". */
    Search search() const { return Search(table_, extension<asp_search_api>(ASP_EXT_SEARCH)); }
    /** Gated training; Error(ASP_ERR_UNSUPPORTED) when the host does not offer "asp.gated/1" (hosts before 1.2). */
    Gated gated() const { return Gated(table_, extension<asp_gated_api>(ASP_EXT_GATED)); }
    /** Checkpointing; Error(ASP_ERR_UNSUPPORTED) when the host does not offer "asp.checkpointing/1". */
    Checkpointing checkpointing() const {
        return Checkpointing(table_, extension<asp_checkpointing_api>(ASP_EXT_CHECKPOINTING));
    }

    /** The C table, owned by the host until destroy. */
    const asp_host *c() const noexcept { return table_; }

private:
    template <class Table>
    const Table *extension(const char *id) const {
        const void *table = table_->get_extension(table_->context, id);
        if (table == nullptr) throw Error(ASP_ERR_UNSUPPORTED, std::string("the host does not offer ") + id);
        return static_cast<const Table *>(table);
    }

    const asp_host *table_;
};

/* ===========================================================================
 * Plugin base classes
 * ======================================================================== */

/** What a strategy is asked for (asp_select_request, read within its struct_size). */
struct SelectRequest {
    /** How many edges the placement should hold; at least 1 (1 when the host's request is too short to say). */
    uint32_t k = 1;
};

/**
 * Base of strategy plugins. The kit calls select with the instance's Host;
 * see the file's opening comment for what else the class provides.
 */
class Strategy {
public:
    static constexpr int32_t kind = ASP_KIND_STRATEGY;

    virtual ~Strategy() = default;

    /**
     * The chosen edges: distinct, ideally request.k of them (a strategy that
     * defines its own size may return another number). The kit copies them
     * into the host's buffer: more than the host's capacity becomes
     * ASP_ERR_BUFFER_TOO_SMALL with the needed count, an edge chosen twice
     * ASP_ERR_INTERNAL. May throw; see "Errors".
     */
    virtual std::vector<Edge> select(const Host &host, const SelectRequest &request) = 0;
};

/**
 * Base of metric plugins. The kit calls score with the instance's Host; see
 * the file's opening comment for what else the class provides
 * (direction, needs).
 */
class Metric {
public:
    static constexpr int32_t kind = ASP_KIND_METRIC;

    virtual ~Metric() = default;

    /**
     * One finite score per edge of `edges`, in order. The kit copies them
     * into the host's buffer; a vector of another length becomes
     * ASP_ERR_INTERNAL. The host reports a NaN or infinite score as this
     * metric's error. May throw; see "Errors". Long loops should call
     * host.check_stop().
     */
    virtual std::vector<double> score(const Host &host, const std::vector<Edge> &edges) = 0;
};

/* ===========================================================================
 * The ABI boundary (internal: what ASP_DEFINE_CPP_LIBRARY instantiates)
 * ======================================================================== */

namespace detail {

/** Hands `message` to the host's set_error if the table has one. Never throws. */
inline void set_error(const asp_host *host, const char *message) noexcept {
    if (host != nullptr && ASP_DETAIL_HAS_FIELD(host, asp_host, set_error) && host->set_error != nullptr) {
        host->set_error(host->context, message);
    }
}

/**
 * Runs `body` and returns ASP_OK, or turns whatever it throws into a status
 * after set_error with its message. The handlers allocate nothing, so none
 * can throw in turn.
 */
template <class Body>
asp_status guarded(const asp_host *host, Body &&body) noexcept {
    try {
        body();
        return ASP_OK;
    } catch (const Error &error) {
        set_error(host, error.what());
        return error.status() == ASP_OK ? ASP_ERR_INTERNAL : error.status();
    } catch (const std::bad_alloc &) {
        set_error(host, "out of memory (std::bad_alloc)");
        return ASP_ERR_OUT_OF_MEMORY;
    } catch (const std::invalid_argument &error) {
        set_error(host, error.what());
        return ASP_ERR_INVALID_ARGUMENT;
    } catch (const std::exception &error) {
        set_error(host, error.what());
        return ASP_ERR_INTERNAL;
    } catch (...) {
        set_error(host, "unknown C++ exception (not derived from std::exception)");
        return ASP_ERR_INTERNAL;
    }
}

/** True when the host table reaches every service of ABI 1.0 (the last is candidate_edges). */
inline bool complete_host(const asp_host *host) noexcept {
    return ASP_DETAIL_HAS_FIELD(host, asp_host, candidate_edges);
}

/** The parameter table of P, if it declares `params`. */
template <class P, class = void>
struct ParamsOf {
    static constexpr uint32_t count = 0;
    static constexpr const asp_param_descriptor *const *pointers = nullptr;
};

template <class P, class Indices>
struct ParamPointers;

template <class P, size_t... I>
struct ParamPointers<P, std::index_sequence<I...>> {
    /** One pointer per entry of P::params, as the ABI wants them. */
    static constexpr const asp_param_descriptor *value[] = {&P::params[I].c()...};
};

template <class P>
struct ParamsOf<P, std::void_t<decltype(P::params)>> {
    static_assert(std::is_same<std::remove_cv_t<std::remove_all_extents_t<decltype(P::params)>>, Param>::value,
                  "a plugin's params must be a static constexpr asp::Param array");
    static constexpr uint32_t count = static_cast<uint32_t>(std::extent<decltype(P::params)>::value);
    static constexpr const asp_param_descriptor *const *pointers =
        ParamPointers<P, std::make_index_sequence<std::extent<decltype(P::params)>::value>>::value;
};

/** The direction of a metric (0 for strategies). */
template <class P>
constexpr int32_t direction_of() noexcept {
    if constexpr (std::is_base_of<Metric, P>::value) {
        return P::direction;
    } else {
        return 0;
    }
}

/** The needs of a metric (0 for strategies). */
template <class P>
constexpr uint32_t needs_of() noexcept {
    if constexpr (std::is_base_of<Metric, P>::value) {
        return P::needs;
    } else {
        return 0;
    }
}

/** What create allocates: the Host handle (for set_error later) and the plugin object. */
template <class P>
struct Box {
    Host host;
    P plugin;
    Box(const Host &h, const Config &config) : host(h), plugin(host, config) {}
};

/** The C functions of plugin class P; each is noexcept and goes through guarded. */
template <class P>
struct Calls {
    static asp_status create(const asp_plugin_descriptor *, const asp_host *host, const asp_config *config,
                             void **instance) noexcept {
        if (host == nullptr || instance == nullptr) return ASP_ERR_INVALID_ARGUMENT;
        if (!complete_host(host)) {
            set_error(host, "the host's asp_host table is shorter than ABI 1.0's");
            return ASP_ERR_UNSUPPORTED;
        }
        return guarded(host, [&] {
            const Host handle(host);
            if (needs_of<P>() != 0) handle.probe(); // refuses early, naming asp.probe/1
            const Config parsed(config, ParamsOf<P>::pointers, ParamsOf<P>::count);
            *instance = new Box<P>(handle, parsed); // assigned only once construction succeeded
        });
    }

    static void destroy(void *instance) noexcept { delete static_cast<Box<P> *>(instance); }

    static asp_status select(void *instance, const asp_select_request *request, asp_edge *edges, uint32_t capacity,
                             uint32_t *count) noexcept {
        Box<P> *box = static_cast<Box<P> *>(instance);
        if (box == nullptr) return ASP_ERR_INVALID_ARGUMENT;
        return guarded(box->host.c(), [&] {
            if (count == nullptr) throw Error(ASP_ERR_INVALID_ARGUMENT, "count is NULL");
            SelectRequest asked;
            if (request != nullptr && ASP_DETAIL_HAS_FIELD(request, asp_select_request, k)) asked.k = request->k;
            if (asked.k == 0) throw Error(ASP_ERR_INVALID_ARGUMENT, "k must be at least 1");
            const std::vector<Edge> chosen = box->plugin.select(box->host, asked);
            for (size_t a = 0; a < chosen.size(); ++a) {
                for (size_t b = a + 1; b < chosen.size(); ++b) {
                    if (chosen[a] == chosen[b]) {
                        throw Error(ASP_ERR_INTERNAL, "select chose edge " + chosen[a].text() + " twice");
                    }
                }
            }
            const uint32_t needed = count32(chosen.size(), "edges");
            if (needed > capacity || (needed > 0 && edges == nullptr)) {
                *count = needed;
                throw Error(ASP_ERR_BUFFER_TOO_SMALL, "room for " + std::to_string(needed) + " edges needed, " +
                                                          std::to_string(capacity) + " given");
            }
            for (uint32_t index = 0; index < needed; ++index) edges[index] = chosen[index].c();
            *count = needed;
        });
    }

    static asp_status score(void *instance, const asp_edge *edges, uint32_t count, double *scores) noexcept {
        Box<P> *box = static_cast<Box<P> *>(instance);
        if (box == nullptr) return ASP_ERR_INVALID_ARGUMENT;
        return guarded(box->host.c(), [&] {
            if (count > 0 && (edges == nullptr || scores == nullptr)) {
                throw Error(ASP_ERR_INVALID_ARGUMENT, "edges or scores is NULL");
            }
            std::vector<Edge> asked;
            asked.reserve(count);
            for (uint32_t index = 0; index < count; ++index) asked.push_back(Edge(edges[index]));
            const std::vector<double> values = box->plugin.score(box->host, asked);
            if (values.size() != count) {
                throw Error(ASP_ERR_INTERNAL, "score returned " + std::to_string(values.size()) + " scores for " +
                                                  std::to_string(count) + " edges");
            }
            for (uint32_t index = 0; index < count; ++index) scores[index] = values[index];
        });
    }
};

/** Checks at compile time what the opening comment asks of a plugin class. */
template <class P>
constexpr bool check_plugin() noexcept {
    constexpr bool strategy = std::is_base_of<Strategy, P>::value;
    constexpr bool metric = std::is_base_of<Metric, P>::value;
    static_assert(strategy != metric, "a plugin class derives from exactly one of asp::Strategy and asp::Metric");
    static_assert(std::is_constructible<P, const Host &, const Config &>::value,
                  "a plugin class needs a constructor (const asp::Host &, const asp::Config &)");
    static_assert(std::is_nothrow_destructible<P>::value, "a plugin's destructor must not throw");
    static_assert(std::is_same<std::remove_cv_t<decltype(P::info)>, Info>::value,
                  "a plugin class needs `static constexpr asp::Info info`");
    if constexpr (metric) {
        static_assert(P::direction == ASP_HIGHER_IS_BETTER || P::direction == ASP_LOWER_IS_BETTER,
                      "a metric's direction is ASP_HIGHER_IS_BETTER or ASP_LOWER_IS_BETTER");
    }
    return true;
}

/** The types of the descriptor's score and select fields. */
using ScoreFunction = decltype(asp_plugin_descriptor::score);
using SelectFunction = decltype(asp_plugin_descriptor::select);

/** &Calls<P>::score for metrics, NULL for strategies (whose Calls<P>::score is never instantiated). */
template <class P>
constexpr ScoreFunction score_function() noexcept {
    if constexpr (std::is_base_of<Metric, P>::value) {
        return &Calls<P>::score;
    } else {
        return nullptr;
    }
}

/** &Calls<P>::select for strategies, NULL for metrics. */
template <class P>
constexpr SelectFunction select_function() noexcept {
    if constexpr (std::is_base_of<Strategy, P>::value) {
        return &Calls<P>::select;
    } else {
        return nullptr;
    }
}

/** The descriptor of plugin class P, constant-initialised, published until unload. */
template <class P>
struct Registration {
    static_assert(check_plugin<P>(), "");

    static constexpr asp_plugin_descriptor descriptor = {
        static_cast<uint32_t>(sizeof(asp_plugin_descriptor)),
        P::kind,
        P::info.id,
        P::info.name,
        P::info.version,
        P::info.description,
        direction_of<P>(),
        needs_of<P>(),
        &Calls<P>::create,
        &Calls<P>::destroy,
        score_function<P>(),
        select_function<P>(),
        ParamsOf<P>::count,
        ParamsOf<P>::pointers,
    };
};

/** The library table over plugin classes Ps..., constant-initialised, published until unload. */
template <class... Ps>
struct Library {
    static_assert(sizeof...(Ps) > 0, "a library holds at least one plugin");
    static constexpr const asp_plugin_descriptor *plugins[] = {&Registration<Ps>::descriptor...};
    static constexpr asp_library table = {
        static_cast<uint32_t>(sizeof(asp_library)),
        static_cast<uint32_t>((ASP_ABI_VERSION_MAJOR << 16) | ASP_ABI_VERSION_MINOR), // ASP_ABI_VERSION
        static_cast<uint32_t>(sizeof...(Ps)),
        plugins,
    };

    /** The table for a host of major ASP_ABI_VERSION_MAJOR, NULL for any other. */
    static const asp_library *entry(uint32_t host_abi_version) noexcept {
        return (host_abi_version >> 16) == ASP_ABI_VERSION_MAJOR ? &table : nullptr; // ASP_VERSION_MAJOR
    }
};

} // namespace detail
} // namespace asp

#undef ASP_DETAIL_HAS_FIELD

/**
 * Defines a library of the plugin classes given (one or more, each deriving
 * from asp::Strategy or asp::Metric): their descriptors, the library table
 * and the exported entry point asp_plugin_entry, which returns the table to
 * any host of major version ASP_ABI_VERSION_MAJOR and refuses (NULL) any
 * other. Everything is constant-initialised: the entry allocates nothing,
 * cannot throw and returns the same table from any thread. Use it once, at
 * file scope, after the classes, followed by a semicolon:
 *
 *     ASP_DEFINE_CPP_LIBRARY(MyStrategy, MyMetric);
 */
#define ASP_DEFINE_CPP_LIBRARY(...)                                                          \
    extern "C" ASP_EXPORT const asp_library *asp_plugin_entry(uint32_t host_abi_version) {  \
        return ::asp::detail::Library<__VA_ARGS__>::entry(host_abi_version);                 \
    }                                                                                        \
    static_assert(true, "ASP_DEFINE_CPP_LIBRARY is followed by a semicolon")

#endif /* ADAPTER_SEARCH_HPP */
