/*
 * ffi_metric.c — a metric as one plain C function, no plugin ABI at all.
 *
 * This file includes no AdapterSearch header. The host learns how to call
 * `low_rank_reach` from the manifest next to it, ffi_metric.metric.json,
 * which names the library, the symbol, the return type and the arguments
 * in order, drawn from the host's fixed vocabulary:
 *
 *   "G", "d", "sigma", "sigma_count", "N", "rank", "concentration"
 *
 * The host fetches G_ij and its singular values through its probe services
 * and builds each call at run time with libffi.
 *
 * Build:  make -C plugins/examples     (plugins/examples/build/ffi_metric.so)
 * Try:    adapter-search plugins inspect plugins/examples/ffi_metric.metric.json
 *
 * ---------------------------------------------------------------------------
 * The metric: "example.low-rank-reach"
 *
 * A rank-r adapter on edge (i, j) can only move its weights within rank-r
 * matrices. To first order, the steepest loss decrease it can reach per unit
 * (Frobenius) step is the norm of the best rank-r approximation of the edge
 * gradient G_ij (Eckart-Young), the root of the r largest squared singular
 * values:
 *
 *     reach(i, j) = sqrt(sigma_1^2 + ... + sigma_r^2) / N
 *
 * divided by N, the probe's tokens, so probes of different sizes compare.
 * The `concentration` exponent c favours edges whose gradient lies in few
 * directions: the score is
 *
 *     score(i, j) = reach(i, j) * (captured / total)^c
 *
 * with captured = sigma_1^2 + ... + sigma_r^2 and total = ||G_ij||_F^2,
 * read off G_ij's entries. At c = 0 (the default) the score is the reach
 * alone. A zero gradient scores 0. Higher is better.
 *
 * The function must not keep any pointer it is given: G and sigma are valid
 * only during the call.
 * ------------------------------------------------------------------------ */

#include <math.h>
#include <stdint.h>

/** The sum of squares of the `count` floats at `values`, in double. */
static double sum_of_squares(const float *values, uint64_t count) {
    double sum = 0.0;
    uint64_t index;
    for (index = 0; index < count; ++index) {
        double value = values[index];
        sum += value * value;
    }
    return sum;
}

/**
 * The metric. G: d x d row-major float32; sigma: sigma_count singular values
 * of G, descending, float64; N: tokens of the probe; rank >= 1;
 * concentration >= 0.
 */
double low_rank_reach(const float *G, uint32_t d, const double *sigma, uint32_t sigma_count, uint32_t N,
                      int64_t rank, double concentration) {
    double captured = 0.0, total, reach;
    uint32_t index;

    total = sum_of_squares(G, (uint64_t)d * d);
    if (total <= 0.0 || N == 0) return 0.0;
    for (index = 0; index < sigma_count && (int64_t)index < rank; ++index) captured += sigma[index] * sigma[index];
    reach = sqrt(captured) / (double)N;
    /* captured may exceed total by rounding (sigma is float64, G float32). */
    return concentration == 0.0 ? reach : reach * pow(fmin(captured / total, 1.0), concentration);
}
