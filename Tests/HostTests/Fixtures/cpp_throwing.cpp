/*
 * cpp_throwing.cpp — C++ plugins (on adapter_search.hpp) that throw on
 * request, for the tests of the kit's ABI boundary: whatever they throw, in
 * create, select or score, must come back to the host as a status code with
 * the exception's message, never as an exception across extern "C".
 *
 * Both plugins take `throw`, what to throw, and `where`, when:
 *   throw  none | asp-error | bad_alloc | invalid_argument | runtime_error | int
 *          | duplicate (the strategy chooses one edge twice)
 *          | short     (the metric returns one score too few)
 *   where  create | call   (call: select or score)
 */
#include "adapter_search.hpp"

#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

/** Throws what `what` names; returns for "none" and the non-throwing answers. */
void throw_as(const std::string &what) {
    if (what == "asp-error") throw asp::Error(ASP_ERR_NOT_FOUND, "fixture: asp::Error with ASP_ERR_NOT_FOUND");
    if (what == "bad_alloc") throw std::bad_alloc();
    if (what == "invalid_argument") throw std::invalid_argument("fixture: std::invalid_argument thrown");
    if (what == "runtime_error") throw std::runtime_error("fixture: std::runtime_error thrown");
    if (what == "int") throw 42;
}

constexpr asp::Param throwing_params[] = {
    asp::Param::string("throw", "none", "what to throw"),
    asp::Param::string("where", "call", "create or call"),
};

class ThrowingStrategy final : public asp::Strategy {
public:
    static constexpr asp::Info info = {"fixture.cpp-throws", "Throws (C++ fixture)", "1.0.0",
                                       "Throws what its parameters say."};
    static constexpr asp::Param params[] = {throwing_params[0], throwing_params[1]};

    ThrowingStrategy(const asp::Host &, const asp::Config &config)
        : what_(config.string("throw")), where_(config.string("where")) {
        if (where_ == "create") throw_as(what_);
    }

    std::vector<asp::Edge> select(const asp::Host &host, const asp::SelectRequest &request) override {
        if (where_ == "call") throw_as(what_);
        std::vector<asp::Edge> edges = host.candidate_edges();
        if (edges.size() > request.k) edges.resize(request.k);
        if (what_ == "duplicate" && !edges.empty()) edges.push_back(edges.front());
        return edges;
    }

private:
    std::string what_, where_;
};

class ThrowingMetric final : public asp::Metric {
public:
    static constexpr asp::Info info = {"fixture.cpp-throws-metric", "Throws (C++ fixture metric)", "1.0.0",
                                       "Throws what its parameters say; else scores source + target."};
    static constexpr int32_t direction = ASP_HIGHER_IS_BETTER;
    static constexpr uint32_t needs = 0;
    static constexpr asp::Param params[] = {throwing_params[0], throwing_params[1]};

    ThrowingMetric(const asp::Host &, const asp::Config &config)
        : what_(config.string("throw")), where_(config.string("where")) {
        if (where_ == "create") throw_as(what_);
    }

    std::vector<double> score(const asp::Host &, const std::vector<asp::Edge> &edges) override {
        if (where_ == "call") throw_as(what_);
        std::vector<double> scores;
        for (const asp::Edge &edge : edges) scores.push_back(edge.source + edge.target);
        if (what_ == "short" && !scores.empty()) scores.pop_back();
        return scores;
    }

private:
    std::string what_, where_;
};

} // namespace

ASP_DEFINE_CPP_LIBRARY(ThrowingStrategy, ThrowingMetric);
