/*
 * packed_gemm.c — see packed_gemm.h.
 *
 * The micro-kernel keeps a tile of up to 12 rows x 32 columns of C in 24
 * AVX-512 registers. Each step over k loads one panel row (two vectors) and
 * broadcasts one element of each of the tile's rows of A: 24 fused
 * multiply-adds for 14 loads, so the FMA units, not memory, set the pace.
 * A is read in place; the loops take 192 rows of A at a time (in L2) across
 * every panel, then the next 192 rows.
 */
#include "packed_gemm.h"
#include "tile_start.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define HAS_KERNEL 1
#else
#define HAS_KERNEL 0
#endif

enum { panel_width = 32, tile_rows = 12, row_block = 192 };

int kernel_packed_gemm_available(void) {
#if HAS_KERNEL
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

size_t kernel_packed_size_f32(size_t k, size_t n) {
    return (n + panel_width - 1) / panel_width * k * panel_width;
}

void kernel_pack_panels_f32(const float *b, size_t k, size_t n, size_t ldb, int transposed, float *panels) {
    size_t count = (n + panel_width - 1) / panel_width;
    for (size_t panel = 0; panel < count; panel++) {
        float *out = panels + panel * k * panel_width;
        for (size_t row = 0; row < k; row++) {
            for (size_t j = 0; j < panel_width; j++) {
                size_t col = panel * panel_width + j;
                out[row * panel_width + j] = col >= n ? 0 : (transposed ? b[col * ldb + row] : b[row * ldb + col]);
            }
        }
    }
}

#if HAS_KERNEL
/* What a tile starts from before its products: bias and D, either optional. */
typedef struct {
    const float *bias;
    const float *addend;
    size_t ldd;
} start_terms;

/*
 * One tile: rows x (up to 32) columns of C. `rows` is a constant in every
 * caller (see tile_of), so the loops over it unroll and `sum` stays in
 * registers. `low` and `high` select the tile's columns in each half.
 */
__attribute__((target("avx512f"), always_inline)) static inline void tile(
    const int rows, size_t k, const float *a, size_t lda, const float *panel, start_terms start, float *c,
    size_t ldc, __mmask16 low, __mmask16 high) {
    __m512 sum[tile_rows][2];
    tile_start_sums(rows, sum, start.bias, start.addend, start.ldd, low, high);
    for (size_t p = 0; p < k; p++) {
        __m512 b0 = _mm512_loadu_ps(panel + p * panel_width);
        __m512 b1 = _mm512_loadu_ps(panel + p * panel_width + 16);
        for (int i = 0; i < rows; i++) {
            __m512 x = _mm512_set1_ps(a[i * lda + p]);
            sum[i][0] = _mm512_fmadd_ps(x, b0, sum[i][0]);
            sum[i][1] = _mm512_fmadd_ps(x, b1, sum[i][1]);
        }
    }
    for (int i = 0; i < rows; i++) {
        _mm512_mask_storeu_ps(c + i * ldc, low, sum[i][0]);
        _mm512_mask_storeu_ps(c + i * ldc + 16, high, sum[i][1]);
    }
}

/* A tile of `rows` (1...12) rows, each count its own unrolled copy. */
__attribute__((target("avx512f"))) static void tile_of(int rows, size_t k, const float *a, size_t lda,
                                                        const float *panel, start_terms start, float *c, size_t ldc,
                                                        __mmask16 low, __mmask16 high) {
    switch (rows) {
#define TILE(r) case r: tile(r, k, a, lda, panel, start, c, ldc, low, high); break;
        TILE(1) TILE(2) TILE(3) TILE(4) TILE(5) TILE(6) TILE(7) TILE(8) TILE(9) TILE(10) TILE(11) TILE(12)
#undef TILE
    }
}

__attribute__((target("avx512f"))) void kernel_packed_gemm_f32(size_t m, size_t n, size_t k, const float *a,
                                                               size_t lda, const float *panels, const float *bias,
                                                               const float *addend, size_t ldd, float *c, size_t ldc) {
    size_t count = (n + panel_width - 1) / panel_width;
    for (size_t block = 0; block < m; block += row_block) {
        size_t end = block + row_block < m ? block + row_block : m;
        for (size_t panel = 0; panel < count; panel++) {
            size_t col = panel * panel_width, cols = n - col < panel_width ? n - col : panel_width;
            __mmask16 low = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
            __mmask16 high = cols <= 16 ? 0 : (cols == 32 ? 0xFFFF : (__mmask16)((1u << (cols - 16)) - 1));
            for (size_t row = block; row < end; row += tile_rows) {
                int rows = end - row < tile_rows ? (int)(end - row) : tile_rows;
                start_terms start = {bias ? bias + col : NULL, addend ? addend + row * ldd + col : NULL, ldd};
                tile_of(rows, k, a + row * lda, lda, panels + panel * k * panel_width, start, c + row * ldc + col, ldc,
                        low, high);
            }
        }
    }
}
#else
void kernel_packed_gemm_f32(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *panels,
                            const float *bias, const float *addend, size_t ldd, float *c, size_t ldc) {
    (void)m, (void)n, (void)k, (void)a, (void)lda, (void)panels, (void)bias, (void)addend, (void)ldd, (void)c, (void)ldc;
    __builtin_trap(); /* callers check kernel_packed_gemm_available() first */
}
#endif
