/*
 * example_cpp_metric.cpp — an AdapterSearch metric plugin in C++17, on the
 * header-only kit plugins/include/adapter_search.hpp.
 *
 * A teaching example next to example_metric.c: a class deriving from
 * asp::Metric, with its direction, needs and one parameter as static
 * constexpr members, the probe pass ("asp.probe/1") reached through
 * asp::Host::probe(), and errors left to the kit (a failed probe service
 * throws asp::Error with the host's status and message; the kit returns it).
 * Build and check exports as for example_cpp_strategy.cpp.
 *
 * ---------------------------------------------------------------------------
 * The metric: "example.cpp-gradient-energy"
 *
 * The squared Frobenius norm of the edge gradient G_ij = H_i^T D_j (width x
 * width), the gradient an adapter on (i, j) would see on the probe batch:
 *
 *     score(i, j) = ||G_ij||_F^2                      (normalise = false)
 *     score(i, j) = ||G_ij||_F^2 / (N d)^2            (normalise = true)
 *
 * with N the probe's tokens and d the width. It is the square of the
 * built-in gradient-norm; normalising makes it comparable across batch sizes
 * and widths (and, by Cauchy-Schwarz, at most example.activation-energy's
 * score at balance 0.5). Higher is better.
 * ------------------------------------------------------------------------ */

#include "adapter_search.hpp"

#include <cstdint>
#include <vector>

namespace {

class GradientEnergy final : public asp::Metric {
public:
    static constexpr asp::Info info = {
        "example.cpp-gradient-energy",
        "Gradient energy (C++ example)",
        "1.0.0",
        "||G_ij||_F^2, the squared norm of the edge gradient, optionally divided by (N d)^2.",
    };
    static constexpr int32_t direction = ASP_HIGHER_IS_BETTER;
    /** Nonzero needs: the kit refuses to create the metric on a host without asp.probe/1. */
    static constexpr uint32_t needs = ASP_NEEDS_PROBE;
    static constexpr asp::Param params[] = {
        asp::Param::boolean("normalise", "false", "divide by (N d)^2, N the probe's tokens and d the width"),
    };

    GradientEnergy(const asp::Host &, const asp::Config &config) : normalise_(config.boolean("normalise")) {}

    std::vector<double> score(const asp::Host &host, const std::vector<asp::Edge> &edges) override {
        const asp::Probe probe = host.probe();
        double scale = 1.0;
        if (normalise_) {
            const asp::ProbeInfo measured = probe.info();
            const double size = static_cast<double>(measured.tokens) * measured.width;
            if (size == 0) throw asp::Error(ASP_ERR_ENGINE, "the probe has no tokens");
            scale = 1.0 / (size * size);
        }
        std::vector<double> scores;
        scores.reserve(edges.size());
        for (const asp::Edge &edge : edges) {
            host.check_stop(); // ASP_ERR_CANCELLED once the user asks to stop
            // The view is the host's, lent until this call returns: read it now, keep nothing.
            scores.push_back(probe.edge_gradient(edge).squared_norm() * scale);
        }
        return scores;
    }

private:
    bool normalise_;
};

} // namespace

ASP_DEFINE_CPP_LIBRARY(GradientEnergy);
