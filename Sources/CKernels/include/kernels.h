/*
 * kernels.h — the engine's float32 element-wise kernels, in C so that the
 * compiler vectorises them (AVX-512, AVX2 or SSE2, chosen at run time).
 * Each works on n contiguous floats; none allocates or fails.
 */
#ifndef ADAPTER_SEARCH_KERNELS_H
#define ADAPTER_SEARCH_KERNELS_H

#include <stddef.h>

/* The products with a packed operand have their own header; including it
 * here makes this header the module's whole interface. */
#include "packed_gemm.h"

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

/**
 * Layer norm of `rows` rows of `width`: v = x (+ residual when not NULL),
 * normalized = (v - mean) / sqrt(var + epsilon), y = normalized * gamma + beta,
 * inverse_std[row] = 1 / sqrt(var + epsilon).
 */
void kernel_layer_norm_f32(const float *x, const float *residual, size_t rows, size_t width,
                           const float *gamma, const float *beta, float epsilon,
                           float *normalized, float *y, float *inverse_std);

/**
 * Layer-norm backward: dx = inverse_std (g - mean(g) - normalized mean(g normalized)),
 * g = dy * gamma, row by row.
 */
void kernel_layer_norm_backward_f32(const float *dy, const float *normalized, const float *inverse_std,
                                    const float *gamma, size_t rows, size_t width, float *dx);

/**
 * Softmax backward in place over `rows` rows of `length`: on entry `gradient`
 * holds dL/dP, on exit dL/dS = P (dL/dP - rowsum(dL/dP P)).
 */
void kernel_softmax_backward_f32(float *gradient, const float *probabilities, size_t rows, size_t length);

#endif
