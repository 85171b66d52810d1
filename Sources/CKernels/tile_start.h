/*
 * The starting sums of a tile of C, shared by the float32 and bfloat16
 * packed kernels (packed_gemm.c, packed_gemm_bf16.c): row i of the tile
 * starts at bias + row i of the addend, each term optional, in that order
 * (the order both kernels' results are defined by).
 */
#ifndef ADAPTER_SEARCH_TILE_START_H
#define ADAPTER_SEARCH_TILE_START_H

#include <immintrin.h>
#include <stddef.h>

/*
 * sum[i][0..1] = bias (zero when NULL) + addend[i * ldd ...] (left out when
 * NULL), for the tile's `rows` rows; `low` and `high` select the tile's
 * columns in each half of 32. Always inlined with `rows` a constant, so
 * `sum` stays in registers.
 */
__attribute__((target("avx512f"), always_inline)) static inline void tile_start_sums(
    const int rows, __m512 sum[][2], const float *bias, const float *addend, size_t ldd, __mmask16 low, __mmask16 high) {
    __m512 first = bias ? _mm512_maskz_loadu_ps(low, bias) : _mm512_setzero_ps();
    __m512 second = bias ? _mm512_maskz_loadu_ps(high, bias + 16) : _mm512_setzero_ps();
    for (int i = 0; i < rows; i++) {
        sum[i][0] = first;
        sum[i][1] = second;
        if (addend) {
            sum[i][0] = _mm512_add_ps(sum[i][0], _mm512_maskz_loadu_ps(low, addend + i * ldd));
            sum[i][1] = _mm512_add_ps(sum[i][1], _mm512_maskz_loadu_ps(high, addend + i * ldd + 16));
        }
    }
}

#endif
