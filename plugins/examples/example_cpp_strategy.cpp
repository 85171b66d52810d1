/*
 * example_cpp_strategy.cpp — an AdapterSearch strategy plugin in C++17, on
 * the header-only kit plugins/include/adapter_search.hpp.
 *
 * A teaching example: the same ABI as example_strategy.c, with the kit doing
 * the C side.
 *
 *   - the plugin is a class deriving from asp::Strategy; its description
 *     and its parameter table are static constexpr members;
 *   - ASP_DEFINE_CPP_LIBRARY exports asp_plugin_entry, the one symbol; build
 *     with -fvisibility=hidden and the version script plugins/sdk/exports.map,
 *     which hides the template instantiations g++ would otherwise export;
 *   - the constructor reads the configuration, typed and checked by the kit;
 *   - host services are methods of asp::Host (candidate edges as a
 *     std::vector, the "asp.search/1" extension as asp::Search);
 *   - errors are exceptions: a failed host service throws asp::Error with the
 *     host's status and message, the example throws std::invalid_argument
 *     for an empty metric id, and the kit turns each into a status code plus
 *     set_error at the ABI boundary. Nothing is thrown across extern "C".
 *
 * Build:  make -C plugins/examples            (or see the Makefile)
 * Try:    adapter-search plugins inspect plugins/examples/build/example_cpp_strategy.so
 *         adapter-search search --plugin plugins/examples/build/example_cpp_strategy.so \
 *             --strategy example.cpp-spaced-greedy --metric gradient-norm --k 3 ...
 *
 * ---------------------------------------------------------------------------
 * The strategy: "example.cpp-spaced-greedy"
 *
 * Greedy by a metric's scores, keeping the chosen edges apart. With the
 * candidates c_0 ... c_{n-1} (the host's order), their scores s_i under the
 * metric (negated when lower is better, so higher is always better) and
 * m = min(k, n):
 *
 *   1. order the candidates by score, best first; equal scores keep the
 *      host's order;
 *   2. walk that order and take an edge when its Manhattan distance
 *      |i - i'| + |j - j'| to every edge taken so far is at least `spacing`,
 *      until m edges are taken;
 *   3. if the walk ends with fewer than m, fill up with the best edges it
 *      skipped, in the same order.
 *
 * Distinct edges are at distance 1 or more, so spacing 0 or 1 is top-k. The
 * result depends only on the candidates, the scores, k and spacing:
 * deterministic, no training.
 * ------------------------------------------------------------------------ */

#include "adapter_search.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

class SpacedGreedy final : public asp::Strategy {
public:
    /** The self-description the host lists; literals, published until unload. */
    static constexpr asp::Info info = {
        "example.cpp-spaced-greedy",
        "Spaced greedy (C++ example)",
        "1.0.0",
        "Greedy by a metric's scores, skipping edges closer than `spacing` (Manhattan) to one already chosen; "
        "fills up with the best skipped edges if too few remain.",
    };

    /** The parameters: the host checks types and bounds before create. */
    static constexpr asp::Param params[] = {
        asp::Param::string("metric", "gradient-norm", "id of the metric whose scores guide the choice"),
        asp::Param::integer("spacing", "2", "least Manhattan distance between chosen edges; 0 or 1 gives top-k")
            .range(0, 64),
    };

    /** Reads the configuration. Throws std::invalid_argument for an empty metric id. */
    SpacedGreedy(const asp::Host &, const asp::Config &config)
        : metric_(config.string("metric")), spacing_(config.integer("spacing")) {
        if (metric_.empty()) {
            // A string parameter has no range the host could check: the plugin does.
            throw std::invalid_argument("the metric parameter is empty: name a metric plugin, e.g. gradient-norm");
        }
    }

    std::vector<asp::Edge> select(const asp::Host &host, const asp::SelectRequest &request) override {
        const std::vector<asp::Edge> candidates = host.candidate_edges();
        const std::vector<double> scores = host.search().scores(metric_, candidates).oriented();
        const size_t wanted = std::min<size_t>(request.k, candidates.size());

        // 1. Best first; among equal scores, the host's order.
        std::vector<size_t> order(candidates.size());
        std::iota(order.begin(), order.end(), size_t{0});
        std::sort(order.begin(), order.end(),
                  [&](size_t a, size_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); });

        // 2. Take what is far enough from everything taken.
        std::vector<asp::Edge> chosen;
        std::vector<size_t> skipped;
        for (size_t index : order) {
            if (chosen.size() == wanted) break;
            const asp::Edge edge = candidates[index];
            const bool apart = std::all_of(chosen.begin(), chosen.end(),
                                           [&](const asp::Edge &taken) { return edge.distance(taken) >= spacing_; });
            if (apart) {
                chosen.push_back(edge);
            } else {
                skipped.push_back(index);
            }
        }

        // 3. Too few: the best of the skipped, so the placement still holds m edges.
        for (size_t index : skipped) {
            if (chosen.size() == wanted) break;
            chosen.push_back(candidates[index]);
        }
        host.debug("example.cpp-spaced-greedy chose " + std::to_string(chosen.size()) + " of " +
                   std::to_string(candidates.size()) + " candidates by " + metric_);
        return chosen;
    }

private:
    std::string metric_;
    int64_t spacing_;
};

} // namespace

/*
 * The descriptor, the library table and the exported entry point,
 * asp_plugin_entry, which refuses (returns NULL to) a host of another major
 * ABI version.
 */
ASP_DEFINE_CPP_LIBRARY(SpacedGreedy);
