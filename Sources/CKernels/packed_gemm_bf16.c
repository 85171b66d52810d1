/*
 * packed_gemm_bf16.c — the bfloat16 products of packed_gemm.h.
 *
 * The micro-kernel is the float32 one's (packed_gemm.c) with vdpbf16ps for
 * the fused multiply-add: a tile of up to 12 rows x 32 columns of C in 24
 * AVX-512 accumulators (float32); each step takes a pair of k, loads the
 * panel's two vectors of 16 columns x (B[2p][col], B[2p+1][col]) and
 * broadcasts each tile row's pair (A[row][2p], A[row][2p+1]) as one 32-bit
 * word: 24 instructions, each two multiply-adds per column, for 14 loads.
 *
 * A is float32 and must be rounded first. The rows of A are rounded once
 * per block of `block_rows` rows and `block_depth` of k into a buffer on
 * the stack (48 KiB, in L2), and every panel's tiles read that buffer: the
 * rounding costs once per element of A, not once per panel. Blocking k
 * keeps the buffer small; a tile past the first block of k starts from the
 * float32 sums the earlier blocks stored in C, which is exact, so the
 * element's sum is the same sequence of roundings as without blocks. None
 * of it depends on m or on which rows a call gets: splitting rows over
 * threads changes no bit.
 *
 * The portable kernel (kernel 0, every CPU) computes what vdpbf16ps is
 * specified to: the same rounded operands, each pair's two products added
 * one after the other, odd k first, with denormals flushed. It is plain C
 * on vectors of 8 floats, built twice (AVX2 with FMA, which the exact
 * products make equal to a multiply and an add, and the x86-64 baseline);
 * it gives bfloat16 results on CPUs without AVX512_BF16, more slowly than
 * float32.
 */
#include "packed_gemm.h"
#include "tile_start.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define HAS_BF16_KERNEL 1
#else
#define HAS_BF16_KERNEL 0
#endif

enum { panel_width = 32, tile_rows = 12, block_rows = 96, block_depth = 256 };
/* 16-bit values of one pair of rows of a panel: 32 columns x 2. */
enum { pair_values = 2 * panel_width };
/* Pairs of k one AMX tile multiplies (16 rows of 64 bytes). */
enum { tile_pairs = 16 };

unsigned short kernel_bfloat16_bits(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    if ((bits & 0x7F800000u) == 0x7F800000u && (bits & 0x007FFFFFu) != 0) {
        return (unsigned short)((bits >> 16) | 0x0040u); /* NaN: quiet, sign and top payload kept */
    }
    if ((bits & 0x7F800000u) == 0) return (unsigned short)((bits >> 16) & 0x8000u); /* zero or denormal: zero */
    bits += 0x7FFFu + ((bits >> 16) & 1u); /* to nearest, ties to even; overflow carries into infinity */
    return (unsigned short)(bits >> 16);
}

/* Pairs of rows a panel holds: ceil(k / 2) rounded up to a whole AMX tile
 * (16 pairs), the rows past k zero, so that a tile load never reads past a
 * panel. */
static size_t panel_pairs(size_t k) { return ((k + 1) / 2 + tile_pairs - 1) / tile_pairs * tile_pairs; }

size_t kernel_packed_size_bf16(size_t k, size_t n) {
    return (n + panel_width - 1) / panel_width * panel_pairs(k) * pair_values;
}

void kernel_pack_panels_bf16(const float *b, size_t k, size_t n, size_t ldb, int transposed, unsigned short *panels) {
    size_t count = (n + panel_width - 1) / panel_width, pairs = panel_pairs(k);
    for (size_t panel = 0; panel < count; panel++) {
        unsigned short *out = panels + panel * pairs * pair_values;
        for (size_t pair = 0; pair < pairs; pair++) {
            for (size_t j = 0; j < panel_width; j++) {
                size_t col = panel * panel_width + j;
                for (size_t half = 0; half < 2; half++) {
                    size_t row = 2 * pair + half;
                    float value = col >= n || row >= k ? 0 : (transposed ? b[col * ldb + row] : b[row * ldb + col]);
                    out[pair * pair_values + 2 * j + half] = kernel_bfloat16_bits(value);
                }
            }
        }
    }
}

/*
 * The portable kernel. A tile is up to 4 rows x 16 columns of C (half a
 * panel) in 8 vectors of 8 float32 sums. A's rows are rounded a block at a
 * time into a buffer of floats (bfloat16 values, zero past k); a panel's
 * pair p is 32 words, word j holding B[2p][j] in its low and B[2p+1][j] in
 * its high 16 bits, so the two float32 operands of a column are the word
 * shifted left 16 and the word with its low half cleared.
 */
typedef float float8 __attribute__((vector_size(32)));
typedef uint32_t word8 __attribute__((vector_size(32)));

enum { portable_rows = 4, portable_block_rows = 48 };

static inline __attribute__((always_inline)) float8 load8(const float *p) {
    float8 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void store8(float *p, float8 v) { memcpy(p, &v, sizeof v); }

/* Rows x 16 columns (`cols` of them real) of C from `pairs` pairs of k.
 * `a`: the tile's rounded rows (stride `lda` floats); `words`: the pair
 * words of the tile's half panel (stride 32 words a pair). Starts from
 * bias + D on the first block of k, from C on later ones, like the others. */
static inline __attribute__((always_inline)) void portable_tile(
    const int rows, size_t pairs, const float *a, size_t lda, const uint32_t *words, int first, const float *bias,
    const float *addend, size_t ldd, float *c, size_t ldc, size_t cols) {
#pragma clang fp reassociate(off)
    float start[portable_rows][16];
    for (int i = 0; i < rows; i++) {
        for (size_t j = 0; j < 16; j++) {
            float value = 0;
            if (j < cols) {
                if (!first) {
                    value = c[i * ldc + j];
                } else {
                    value = bias ? bias[j] : 0;
                    if (addend) value += addend[i * ldd + j];
                }
            }
            start[i][j] = value;
        }
    }
    float8 sum[portable_rows][2];
    for (int i = 0; i < rows; i++) {
        sum[i][0] = load8(start[i]);
        sum[i][1] = load8(start[i] + 8);
    }
    const word8 high_half = {0xFFFF0000u, 0xFFFF0000u, 0xFFFF0000u, 0xFFFF0000u,
                             0xFFFF0000u, 0xFFFF0000u, 0xFFFF0000u, 0xFFFF0000u};
    for (size_t p = 0; p < pairs; p++) {
        word8 w0, w1;
        memcpy(&w0, words + p * panel_width, sizeof w0);
        memcpy(&w1, words + p * panel_width + 8, sizeof w1);
        float8 even0 = (float8)(w0 << 16), odd0 = (float8)(w0 & high_half);
        float8 even1 = (float8)(w1 << 16), odd1 = (float8)(w1 & high_half);
        for (int i = 0; i < rows; i++) {
            float odd = a[i * lda + 2 * p + 1], even = a[i * lda + 2 * p];
            sum[i][0] += odd * odd0;
            sum[i][0] += even * even0;
            sum[i][1] += odd * odd1;
            sum[i][1] += even * even1;
        }
    }
    for (int i = 0; i < rows; i++) {
        store8(start[i], sum[i][0]);
        store8(start[i] + 8, sum[i][1]);
        memcpy(c + i * ldc, start[i], cols * sizeof(float));
    }
}

static inline __attribute__((always_inline)) void portable_gemm_body(
    size_t m, size_t n, size_t k, const float *a, size_t lda, const unsigned short *panels, const float *bias,
    const float *addend, size_t ldd, float *c, size_t ldc) {
    /* The products are exact in float32; no reassociation may move a sum. */
#pragma clang fp reassociate(off)
    float buffer[portable_block_rows * block_depth];
    size_t count = (n + panel_width - 1) / panel_width, pairs = panel_pairs(k);
    for (size_t block = 0; block < m; block += portable_block_rows) {
        size_t end = block + portable_block_rows < m ? block + portable_block_rows : m;
        for (size_t depth = 0; depth == 0 || depth < k; depth += block_depth) {
            size_t length = k - depth < block_depth ? k - depth : block_depth, block_pairs = (length + 1) / 2;
            for (size_t row = block; row < end; row++) {
                float *to = buffer + (row - block) * block_depth;
                for (size_t j = 0; j < 2 * block_pairs; j++) {
                    uint32_t bits = j < length ? (uint32_t)kernel_bfloat16_bits(a[row * lda + depth + j]) << 16 : 0;
                    memcpy(to + j, &bits, sizeof bits);
                }
            }
            for (size_t panel = 0; panel < count; panel++) {
                const uint32_t *slice = (const uint32_t *)(panels + (panel * pairs + depth / 2) * pair_values);
                for (size_t half = 0; half < 2; half++) {
                    size_t col = panel * panel_width + 16 * half;
                    if (col >= n) break;
                    size_t cols = n - col < 16 ? n - col : 16;
                    for (size_t row = block; row < end; row += portable_rows) {
                        int rows = end - row < portable_rows ? (int)(end - row) : portable_rows;
                        const float *tile_a = buffer + (row - block) * block_depth;
                        const float *tile_bias = bias ? bias + col : NULL, *tile_addend = addend ? addend + row * ldd + col : NULL;
                        switch (rows) {
#define PORTABLE_TILE(r) \
    case r: portable_tile(r, block_pairs, tile_a, block_depth, slice + 16 * half, depth == 0, tile_bias, tile_addend, ldd, \
                          c + row * ldc + col, ldc, cols); break;
                            PORTABLE_TILE(1) PORTABLE_TILE(2) PORTABLE_TILE(3) PORTABLE_TILE(4)
#undef PORTABLE_TILE
                        }
                    }
                }
            }
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
__attribute__((target("avx2,fma"))) static void portable_gemm_avx2(
    size_t m, size_t n, size_t k, const float *a, size_t lda, const unsigned short *panels, const float *bias,
    const float *addend, size_t ldd, float *c, size_t ldc) {
    portable_gemm_body(m, n, k, a, lda, panels, bias, addend, ldd, c, ldc);
}
#endif

static void portable_gemm_baseline(size_t m, size_t n, size_t k, const float *a, size_t lda, const unsigned short *panels,
                                   const float *bias, const float *addend, size_t ldd, float *c, size_t ldc) {
    portable_gemm_body(m, n, k, a, lda, panels, bias, addend, ldd, c, ldc);
}

/* The portable kernel, with denormal inputs and results flushed to zero
 * for its duration (vdpbf16ps's fixed DAZ and FTZ). */
static void portable_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda, const unsigned short *panels,
                          const float *bias, const float *addend, size_t ldd, float *c, size_t ldc) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    unsigned int saved = _mm_getcsr();
    _mm_setcsr(saved | 0x8040u); /* FTZ | DAZ */
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        portable_gemm_avx2(m, n, k, a, lda, panels, bias, addend, ldd, c, ldc);
    } else {
        portable_gemm_baseline(m, n, k, a, lda, panels, bias, addend, ldd, c, ldc);
    }
    _mm_setcsr(saved);
#else
    portable_gemm_baseline(m, n, k, a, lda, panels, bias, addend, ldd, c, ldc);
#endif
}

#if HAS_BF16_KERNEL
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

/* What a tile starts from: on the first block of k, bias and D (either
 * optional); on a later one, the sums already in C. */
typedef struct {
    int first;
    const float *bias;
    const float *addend;
    size_t ldd;
} start_terms;

/*
 * One tile: rows x (up to 32) columns of C over `pairs` pairs of k. `a`
 * holds the tile's rows of A as bfloat16 pairs (one 32-bit word a pair,
 * row stride `lda` words); `panel` points at the panel's first pair of the
 * block. `rows` is a constant in every caller (tile_of), so the loops over
 * it unroll and `sum` stays in registers.
 */
BF16_TARGET __attribute__((always_inline)) static inline void tile(
    const int rows, size_t pairs, const uint32_t *a, size_t lda, const unsigned short *panel, start_terms start, float *c,
    size_t ldc, __mmask16 low, __mmask16 high) {
    __m512 sum[tile_rows][2];
    if (start.first) {
        tile_start_sums(rows, sum, start.bias, start.addend, start.ldd, low, high);
    } else {
        for (int i = 0; i < rows; i++) {
            sum[i][0] = _mm512_maskz_loadu_ps(low, c + i * ldc);
            sum[i][1] = _mm512_maskz_loadu_ps(high, c + i * ldc + 16);
        }
    }
    for (size_t p = 0; p < pairs; p++) {
        __m512bh b0 = (__m512bh)_mm512_load_si512((const void *)(panel + p * pair_values));
        __m512bh b1 = (__m512bh)_mm512_load_si512((const void *)(panel + p * pair_values + panel_width));
        for (int i = 0; i < rows; i++) {
            __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[i * lda + p]);
            sum[i][0] = _mm512_dpbf16_ps(sum[i][0], x, b0);
            sum[i][1] = _mm512_dpbf16_ps(sum[i][1], x, b1);
        }
    }
    for (int i = 0; i < rows; i++) {
        _mm512_mask_storeu_ps(c + i * ldc, low, sum[i][0]);
        _mm512_mask_storeu_ps(c + i * ldc + 16, high, sum[i][1]);
    }
}

/* A tile of `rows` (1...12) rows, each count its own unrolled copy. */
BF16_TARGET static void tile_of(int rows, size_t pairs, const uint32_t *a, size_t lda, const unsigned short *panel,
                                start_terms start, float *c, size_t ldc, __mmask16 low, __mmask16 high) {
    switch (rows) {
#define TILE(r) case r: tile(r, pairs, a, lda, panel, start, c, ldc, low, high); break;
        TILE(1) TILE(2) TILE(3) TILE(4) TILE(5) TILE(6) TILE(7) TILE(8) TILE(9) TILE(10) TILE(11) TILE(12)
#undef TILE
    }
}

/* Rounds `rows` rows of `depth` values of A (row stride lda) to bfloat16
 * into `out` (row stride `stride` pairs, a multiple of 16), 32 at a time;
 * the values past `depth` up to the next multiple of 32 become zero (an odd
 * k's last pair). */
BF16_TARGET static void round_rows(size_t rows, size_t depth, const float *a, size_t lda, uint32_t *out, size_t stride) {
    for (size_t row = 0; row < rows; row++) {
        const float *in = a + row * lda;
        uint32_t *to = out + row * stride;
        for (size_t j = 0; j < depth; j += 32) {
            size_t left = depth - j;
            __mmask16 low = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1);
            __mmask16 high = left <= 16 ? 0 : (left >= 32 ? 0xFFFF : (__mmask16)((1u << (left - 16)) - 1));
            __m512bh both = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(high, in + j + 16), _mm512_maskz_loadu_ps(low, in + j));
            _mm512_store_si512((void *)(to + j / 2), (__m512i)both);
        }
    }
}

/* The vdpbf16ps kernel. */
BF16_TARGET static void avx512_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda, const unsigned short *panels,
                                    const float *bias, const float *addend, size_t ldd, float *c, size_t ldc) {
    _Alignas(64) uint32_t buffer[block_rows * block_depth / 2];
    size_t count = (n + panel_width - 1) / panel_width, pairs = panel_pairs(k);
    for (size_t block = 0; block < m; block += block_rows) {
        size_t end = block + block_rows < m ? block + block_rows : m;
        /* One pass with no pairs when k is 0: C is bias + D. */
        for (size_t depth = 0; depth == 0 || depth < k; depth += block_depth) {
            size_t length = k - depth < block_depth ? k - depth : block_depth, block_pairs = (length + 1) / 2;
            round_rows(end - block, length, a + block * lda + depth, lda, buffer, block_depth / 2);
            for (size_t panel = 0; panel < count; panel++) {
                size_t col = panel * panel_width, cols = n - col < panel_width ? n - col : panel_width;
                __mmask16 low = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
                __mmask16 high = cols <= 16 ? 0 : (cols == 32 ? 0xFFFF : (__mmask16)((1u << (cols - 16)) - 1));
                const unsigned short *slice = panels + (panel * pairs + depth / 2) * pair_values;
                for (size_t row = block; row < end; row += tile_rows) {
                    int rows = end - row < tile_rows ? (int)(end - row) : tile_rows;
                    start_terms start = {depth == 0, bias ? bias + col : NULL, addend ? addend + row * ldd + col : NULL, ldd};
                    tile_of(rows, block_pairs, buffer + (row - block) * (block_depth / 2), block_depth / 2, slice, start,
                            c + row * ldc + col, ldc, low, high);
                }
            }
        }
    }
}

/*
 * The AMX kernel. Eight tile registers: four of C (a 32 x 32 block: two
 * groups of 16 rows x two halves of 16 columns, float32), two of A (16
 * rows x 16 pairs of k each) and two of B (16 pairs x 16 columns each,
 * straight from the packed panel: a pair of rows is 128 bytes, each half's
 * 64). Each step over 16 pairs of k loads the four operand tiles and runs
 * four tdpbf16ps. A's rows are rounded for the whole of k, 32 rows at a
 * time, into a heap buffer (rows past m and values past k zero), so C
 * stays in the tiles from the first pair to the last and is written once.
 */
#define AMX_TARGET __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw,avx512vl,avx512bf16")))

enum { amx_rows = 32 };

/* The tile configuration (palette 1): 8 tiles of 16 rows x 64 bytes. */
typedef struct {
    uint8_t palette, start_row;
    uint8_t reserved[14];
    uint16_t bytes_per_row[16];
    uint8_t rows[16];
} __attribute__((packed)) tile_configuration;

/* bias + D for rows x cols of a 32 x 32 block into `start` (row stride 32), zero elsewhere. */
AMX_TARGET static void start_block(float *start, size_t rows, size_t cols, const float *bias, const float *addend, size_t ldd) {
    __mmask16 low = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
    __mmask16 high = cols <= 16 ? 0 : (cols == 32 ? 0xFFFF : (__mmask16)((1u << (cols - 16)) - 1));
    __m512 first = bias ? _mm512_maskz_loadu_ps(low, bias) : _mm512_setzero_ps();
    __m512 second = bias ? _mm512_maskz_loadu_ps(high, bias + 16) : _mm512_setzero_ps();
    for (size_t i = 0; i < amx_rows; i++) {
        __m512 x = _mm512_setzero_ps(), y = _mm512_setzero_ps();
        if (i < rows) {
            x = first;
            y = second;
            if (addend) {
                x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(low, addend + i * ldd));
                y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(high, addend + i * ldd + 16));
            }
        }
        _mm512_store_ps(start + i * amx_rows, x);
        _mm512_store_ps(start + i * amx_rows + 16, y);
    }
}

AMX_TARGET static void amx_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda, const unsigned short *panels,
                                const float *bias, const float *addend, size_t ldd, float *c, size_t ldc) {
    size_t pairs = panel_pairs(k), count = (n + panel_width - 1) / panel_width;
    uint32_t *buffer = aligned_alloc(64, amx_rows * pairs * sizeof(uint32_t));
    if (!buffer) {
        avx512_gemm(m, n, k, a, lda, panels, bias, addend, ldd, c, ldc);  /* no memory: the same sums, more slowly */
        return;
    }
    tile_configuration configuration;
    memset(&configuration, 0, sizeof configuration);
    configuration.palette = 1;
    for (int t = 0; t < 8; t++) {
        configuration.rows[t] = 16;
        configuration.bytes_per_row[t] = 64;
    }
    _tile_loadconfig(&configuration);
    _Alignas(64) float block_c[amx_rows * amx_rows];
    size_t a_stride = pairs * sizeof(uint32_t);  /* bytes between rows of the buffer */
    for (size_t block = 0; block < m; block += amx_rows) {
        size_t rows = m - block < amx_rows ? m - block : amx_rows;
        round_rows(rows, k, a + block * lda, lda, buffer, pairs);
        if (rows < amx_rows) memset(buffer + rows * pairs, 0, (amx_rows - rows) * a_stride);
        for (size_t panel = 0; panel < count; panel++) {
            size_t col = panel * panel_width, cols = n - col < panel_width ? n - col : panel_width;
            int whole = rows == amx_rows && cols == panel_width;
            const float *row_addend = addend ? addend + block * ldd + col : NULL;
            if (!bias && !row_addend) {
                _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);
            } else if (whole && !bias) {
                _tile_loadd(0, row_addend, ldd * sizeof(float));
                _tile_loadd(1, row_addend + 16, ldd * sizeof(float));
                _tile_loadd(2, row_addend + 16 * ldd, ldd * sizeof(float));
                _tile_loadd(3, row_addend + 16 * ldd + 16, ldd * sizeof(float));
            } else if (whole && !row_addend) {
                _tile_loadd(0, bias + col, 0);  /* the bias row, 16 times */
                _tile_loadd(1, bias + col + 16, 0);
                _tile_loadd(2, bias + col, 0);
                _tile_loadd(3, bias + col + 16, 0);
            } else {
                start_block(block_c, rows, cols, bias ? bias + col : NULL, row_addend, ldd);
                _tile_loadd(0, block_c, amx_rows * sizeof(float));
                _tile_loadd(1, block_c + 16, amx_rows * sizeof(float));
                _tile_loadd(2, block_c + 16 * amx_rows, amx_rows * sizeof(float));
                _tile_loadd(3, block_c + 16 * amx_rows + 16, amx_rows * sizeof(float));
            }
            const unsigned short *b = panels + panel * pairs * pair_values;
            for (size_t pair = 0; pair < pairs; pair += tile_pairs) {
                _tile_loadd(4, buffer + pair, a_stride);
                _tile_loadd(5, buffer + 16 * pairs + pair, a_stride);
                _tile_loadd(6, b + pair * pair_values, pair_values * sizeof(unsigned short));
                _tile_loadd(7, b + pair * pair_values + panel_width, pair_values * sizeof(unsigned short));
                _tile_dpbf16ps(0, 4, 6);
                _tile_dpbf16ps(1, 4, 7);
                _tile_dpbf16ps(2, 5, 6);
                _tile_dpbf16ps(3, 5, 7);
            }
            float *out = c + block * ldc + col;
            if (whole) {
                _tile_stored(0, out, ldc * sizeof(float));
                _tile_stored(1, out + 16, ldc * sizeof(float));
                _tile_stored(2, out + 16 * ldc, ldc * sizeof(float));
                _tile_stored(3, out + 16 * ldc + 16, ldc * sizeof(float));
                continue;
            }
            _tile_stored(0, block_c, amx_rows * sizeof(float));
            _tile_stored(1, block_c + 16, amx_rows * sizeof(float));
            _tile_stored(2, block_c + 16 * amx_rows, amx_rows * sizeof(float));
            _tile_stored(3, block_c + 16 * amx_rows + 16, amx_rows * sizeof(float));
            __mmask16 low = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
            __mmask16 high = cols <= 16 ? 0 : (cols == 32 ? 0xFFFF : (__mmask16)((1u << (cols - 16)) - 1));
            for (size_t i = 0; i < rows; i++) {
                _mm512_mask_storeu_ps(out + i * ldc, low, _mm512_load_ps(block_c + i * amx_rows));
                _mm512_mask_storeu_ps(out + i * ldc + 16, high, _mm512_load_ps(block_c + i * amx_rows + 16));
            }
        }
    }
    _tile_release();
    free(buffer);
}

/* Whether Linux lets this process use the AMX tile data (asked once). */
static int amx_permitted(void) {
    static int state;  /* 0: not asked yet, 1: yes, -1: no */
    int known = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
    if (known) return known > 0;
    int granted = 0;
#if defined(__linux__)
    granted = syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XFEATURE_XTILEDATA */) == 0;
#endif
    __atomic_store_n(&state, granted ? 1 : -1, __ATOMIC_RELEASE);
    return granted;
}

int kernel_packed_gemm_bf16_kernel(void) {
    static int kernel = -1;
    int known = __atomic_load_n(&kernel, __ATOMIC_ACQUIRE);
    if (known >= 0) return known;
    int found = 0;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bf16")) {
        found = 1;
        if (__builtin_cpu_supports("amx-tile") && __builtin_cpu_supports("amx-bf16") && amx_permitted()) found = 2;
    }
    __atomic_store_n(&kernel, found, __ATOMIC_RELEASE);
    return found;
}

void kernel_packed_gemm_bf16_on(int kernel, size_t m, size_t n, size_t k, const float *a, size_t lda,
                                const unsigned short *panels, const float *bias, const float *addend, size_t ldd, float *c,
                                size_t ldc) {
    if (kernel == 2 && m > 0 && k > 0 && kernel_packed_gemm_bf16_kernel() == 2) {  /* the latter asks Linux for the tiles */
        amx_gemm(m, n, k, a, lda, panels, bias, addend, ldd, c, ldc);
    } else if (kernel >= 1 && kernel_packed_gemm_bf16_kernel() >= 1) {
        avx512_gemm(m, n, k, a, lda, panels, bias, addend, ldd, c, ldc);
    } else {
        portable_gemm(m, n, k, a, lda, panels, bias, addend, ldd, c, ldc);
    }
}

void kernel_packed_gemm_bf16(size_t m, size_t n, size_t k, const float *a, size_t lda, const unsigned short *panels,
                             const float *bias, const float *addend, size_t ldd, float *c, size_t ldc) {
    kernel_packed_gemm_bf16_on(kernel_packed_gemm_bf16_kernel(), m, n, k, a, lda, panels, bias, addend, ldd, c, ldc);
}
#else
int kernel_packed_gemm_bf16_kernel(void) { return 0; }

void kernel_packed_gemm_bf16_on(int kernel, size_t m, size_t n, size_t k, const float *a, size_t lda,
                                const unsigned short *panels, const float *bias, const float *addend, size_t ldd, float *c,
                                size_t ldc) {
    (void)kernel;
    portable_gemm(m, n, k, a, lda, panels, bias, addend, ldd, c, ldc);
}

void kernel_packed_gemm_bf16(size_t m, size_t n, size_t k, const float *a, size_t lda, const unsigned short *panels,
                             const float *bias, const float *addend, size_t ldd, float *c, size_t ldc) {
    portable_gemm(m, n, k, a, lda, panels, bias, addend, ldd, c, ldc);
}
#endif
