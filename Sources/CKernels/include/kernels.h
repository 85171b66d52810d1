/*
 * kernels.h — the engine's float32 element-wise kernels, in C so that the
 * compiler vectorises them (AVX-512, AVX2 or SSE2, chosen at run time).
 * Each works on n contiguous floats; none allocates or fails.
 */
#ifndef ADAPTER_SEARCH_KERNELS_H
#define ADAPTER_SEARCH_KERNELS_H

#include <stddef.h>

/** x[i] = exp(x[i]); relative error below 2e-7 for x in [-87, 88]. */
void kernel_exp_f32(float *x, size_t n);

/** y[i] = x[i] * Phi(x[i]): the exact (erf) GELU; |error| below 1e-7 * (1 + |x|). y may be x. */
void kernel_gelu_f32(const float *x, float *y, size_t n);

/** dx[i] = dy[i] * (Phi(x[i]) + x[i] phi(x[i])): the GELU derivative. dx may be dy. */
void kernel_gelu_backward_f32(const float *dy, const float *x, float *dx, size_t n);

/**
 * Softmax of each of `rows` rows of `length` scores, over the keys whose
 * `key_is_token` flag is nonzero; the other keys get probability 0. A row
 * with no key at all becomes zeros.
 */
void kernel_masked_softmax_f32(float *scores, size_t rows, size_t length, const unsigned char *key_is_token);

#endif
