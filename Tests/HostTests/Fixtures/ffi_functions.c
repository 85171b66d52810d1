/*
 * Plain C functions for the metric-manifest tests (FFIMetricTests): one per
 * return type, together taking every vocabulary word and both parameter
 * types, each computing something the test can predict exactly.
 */
#include <stdint.h>

/** double: i, j, d, N and a real parameter, mixed so each one shows. */
double words_double(int32_t i, int32_t j, uint32_t d, uint32_t N, double x) {
    return 1000.0 * i + 100.0 * j + 10.0 * d + (double)N + x;
}

/** float: G[0] + G[d*d - 1] + sigma[0] + sigma_count, in float. */
float words_float(const float *G, uint32_t d, const double *sigma, uint32_t sigma_count) {
    return G[0] + G[(uint64_t)d * d - 1] + (float)sigma[0] + (float)sigma_count;
}

/** int32_t: negative, so a result not widened with its sign would show. */
int32_t words_int32(int32_t i, int32_t j, int64_t k) {
    return (int32_t)(-7 * i - 11 * j - k);
}

/** int64_t: beyond 32 bits. */
int64_t words_int64(int64_t big, int32_t j) {
    return big * 4 + j;
}
