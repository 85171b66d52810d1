/*
 * kit_check.cpp — compiles adapter_search.hpp with stricter warnings than the
 * documented build line (-Wshadow -Wconversion -Wsign-conversion
 * -Wold-style-cast), with a plugin that declares no parameters (the kit's
 * "no params member" path), and checks at compile time that the descriptors
 * and the library table are constant-initialised.
 */
#include "adapter_search.hpp"

#include <vector>

namespace {

class NoParameters final : public asp::Strategy {
public:
    static constexpr asp::Info info = {"fixture.kit-check", "Kit check", "1.0.0", "Takes no parameters."};

    NoParameters(const asp::Host &, const asp::Config &) {}

    std::vector<asp::Edge> select(const asp::Host &host, const asp::SelectRequest &request) override {
        std::vector<asp::Edge> edges = host.candidate_edges();
        if (edges.size() > request.k) edges.resize(request.k);
        return edges;
    }
};

class LowerMetric final : public asp::Metric {
public:
    static constexpr asp::Info info = {"fixture.kit-check-metric", "Kit check metric", "1.0.0", "Scores 0."};
    static constexpr int32_t direction = ASP_LOWER_IS_BETTER;
    static constexpr uint32_t needs = 0;
    static constexpr asp::Param params[] = {
        asp::Param::real("weight", "0.5", "a weight").range(0, 1),
        asp::Param::integer("count", "3", "a count").at_least(1),
    };

    LowerMetric(const asp::Host &, const asp::Config &config) : weight_(config.real("weight")) {}

    std::vector<double> score(const asp::Host &, const std::vector<asp::Edge> &edges) override {
        return std::vector<double>(edges.size(), weight_);
    }

private:
    double weight_;
};

using Table = asp::detail::Library<NoParameters, LowerMetric>;
static_assert(Table::table.plugin_count == 2, "two plugins");
static_assert(Table::table.abi_version == ((ASP_ABI_VERSION_MAJOR << 16) | ASP_ABI_VERSION_MINOR),
              "the table names this header's ABI");
static_assert(asp::detail::Registration<NoParameters>::descriptor.param_count == 0 &&
                  asp::detail::Registration<NoParameters>::descriptor.params == nullptr,
              "no params member: no parameters");
static_assert(asp::detail::Registration<NoParameters>::descriptor.score == nullptr &&
                  asp::detail::Registration<LowerMetric>::descriptor.select == nullptr,
              "a strategy does not score, a metric does not select");
static_assert(asp::detail::Registration<LowerMetric>::descriptor.param_count == 2 &&
                  asp::detail::Registration<LowerMetric>::descriptor.params[1]->minimum == 1.0 &&
                  asp::detail::Registration<LowerMetric>::descriptor.params[0]->flags ==
                      (ASP_PARAM_HAS_MINIMUM | ASP_PARAM_HAS_MAXIMUM),
              "the parameter table as declared");
static_assert(asp::detail::Registration<LowerMetric>::descriptor.direction == ASP_LOWER_IS_BETTER &&
                  asp::detail::Registration<LowerMetric>::descriptor.kind == ASP_KIND_METRIC,
              "a metric's direction and kind");

} // namespace

ASP_DEFINE_CPP_LIBRARY(NoParameters, LowerMetric);
