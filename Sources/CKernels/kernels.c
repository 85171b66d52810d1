/*
 * kernels.c — see kernels.h.
 *
 * exp: x = k ln2 + r with |r| <= ln2/2; e^r by its Taylor polynomial to r^7
 * (truncation below 2e-9); 2^k from the exponent bits. k is rounded by rintf
 * (round to nearest even, one vroundps): not by adding and subtracting
 * 1.5 * 2^23, which -fassociative-math (our build flag) folds away on some
 * targets, leaving k unrounded and e^x wrong by up to 2x (seen on AVX2).
 * Phi: erf by Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7), which shares
 * its exp(-x^2/2) with the normal density the GELU derivative needs.
 */
#include "kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define VECTORISED __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTORISED
#endif

static inline float exp_approx(float x) {
    x = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
    float k = rintf(x * 1.44269504088896341f);
    float r = (x - k * 0.693145751953125f) - k * 1.428606765330187e-06f;
    float p = 1.0f / 5040;
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t scale_bits = ((int32_t)k + 127) << 23;
    float scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    return p * scale;
}

/* Phi(x) into *cdf, and returns exp(-x^2 / 2). */
static inline float normal_cdf(float x, float *cdf) {
    float z = x * 0.70710678118654752f;
    float a = z < 0 ? -z : z;
    float t = 1.0f / (1.0f + 0.3275911f * a);
    float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t
                  + 0.254829592f) * t;
    float gaussian = exp_approx(-a * a);
    float tail = 0.5f * poly * gaussian; /* Phi(-|x|) */
    *cdf = z < 0 ? tail : 1.0f - tail;
    return gaussian;
}

VECTORISED
void kernel_exp_f32(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = exp_approx(x[i]);
}

VECTORISED
void kernel_gelu_f32(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float cdf;
        (void)normal_cdf(x[i], &cdf);
        y[i] = x[i] * cdf;
    }
}

/* gelu'(x) = Phi(x) + x phi(x). */
static inline float gelu_slope(float x) {
    float cdf;
    float gaussian = normal_cdf(x, &cdf);
    return cdf + x * gaussian * 0.39894228040143268f;
}

VECTORISED
void kernel_gelu_backward_f32(const float *dy, const float *x, float *dx, size_t n) {
    if (dx == dy) {
        /* In place: one pointer, so that the vectoriser's overlap check
         * (which an exact alias fails) does not send it to the scalar loop. */
        for (size_t i = 0; i < n; i++) dx[i] *= gelu_slope(x[i]);
        return;
    }
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * gelu_slope(x[i]);
}

VECTORISED
void kernel_masked_softmax_f32(float *scores, size_t rows, size_t length, const unsigned char *key_is_token) {
    for (size_t row = 0; row < rows; row++) {
        float *s = scores + row * length;
        float largest = -3.402823466e38f;
        for (size_t col = 0; col < length; col++) {
            largest = fmaxf(largest, key_is_token[col] ? s[col] : -3.402823466e38f);
        }
        float total = 0;
        for (size_t col = 0; col < length; col++) {
            float value = key_is_token[col] ? exp_approx(s[col] - largest) : 0.0f;
            s[col] = value;
            total += value;
        }
        float inverse = total > 0 ? 1.0f / total : 0.0f;
        for (size_t col = 0; col < length; col++) s[col] *= inverse;
    }
}

VECTORISED
void kernel_layer_norm_f32(const float *x, const float *residual, size_t rows, size_t width,
                           const float *gamma, const float *beta, float epsilon,
                           float *normalized, float *y, float *inverse_std) {
    for (size_t row = 0; row < rows; row++) {
        const float *in = x + row * width;
        float *xhat = normalized + row * width, *out = y + row * width;
        float mean = 0;
        if (residual) {
            const float *add = residual + row * width;
            for (size_t col = 0; col < width; col++) {
                xhat[col] = in[col] + add[col];
                mean += xhat[col];
            }
        } else {
            for (size_t col = 0; col < width; col++) {
                xhat[col] = in[col];
                mean += xhat[col];
            }
        }
        mean /= (float)width;
        float variance = 0;
        for (size_t col = 0; col < width; col++) {
            xhat[col] -= mean;
            variance += xhat[col] * xhat[col];
        }
        float inverse = 1.0f / sqrtf(variance / (float)width + epsilon);
        inverse_std[row] = inverse;
        for (size_t col = 0; col < width; col++) {
            xhat[col] *= inverse;
            out[col] = xhat[col] * gamma[col] + beta[col];
        }
    }
}

VECTORISED
void kernel_layer_norm_backward_f32(const float *dy, const float *normalized, const float *inverse_std,
                                    const float *gamma, size_t rows, size_t width, float *dx) {
    for (size_t row = 0; row < rows; row++) {
        const float *gradient = dy + row * width, *xhat = normalized + row * width;
        float *out = dx + row * width;
        float sum_g = 0, sum_gx = 0;
        for (size_t col = 0; col < width; col++) {
            float g = gradient[col] * gamma[col];
            sum_g += g;
            sum_gx += g * xhat[col];
        }
        float mean_g = sum_g / (float)width, mean_gx = sum_gx / (float)width, inverse = inverse_std[row];
        for (size_t col = 0; col < width; col++) {
            out[col] = inverse * (gradient[col] * gamma[col] - mean_g - xhat[col] * mean_gx);
        }
    }
}

VECTORISED
void kernel_softmax_backward_f32(float *gradient, const float *probabilities, size_t rows, size_t length) {
    for (size_t row = 0; row < rows; row++) {
        float *g = gradient + row * length;
        const float *p = probabilities + row * length;
        float dot = 0;
        for (size_t col = 0; col < length; col++) dot += g[col] * p[col];
        for (size_t col = 0; col < length; col++) g[col] = p[col] * (g[col] - dot);
    }
}
