/*
 * packed_gemm.h — float32 products with a right-hand operand packed once.
 *
 * The backbone's weights never change, so they are laid out once, at load,
 * in the order the product kernel reads them: panels of 32 columns, each
 * panel k rows of 32 contiguous floats (zero past the last column). A
 * product then streams the row-major left operand as it is, with nothing
 * copied per call, which is what a general sgemm must do on every call.
 *
 * The kernel needs AVX-512F; kernel_packed_gemm_available() says whether
 * this CPU has it. Where it does not, callers use BLAS sgemm instead.
 * None of these functions allocates or fails; pointers must be valid for
 * the sizes given.
 */
#ifndef ADAPTER_SEARCH_PACKED_GEMM_H
#define ADAPTER_SEARCH_PACKED_GEMM_H

#include <stddef.h>

/** Nonzero when this CPU runs kernel_packed_gemm_f32 (it has AVX-512F). */
int kernel_packed_gemm_available(void);

/** Floats kernel_pack_panels_f32 writes for a k x n operand. */
size_t kernel_packed_size_f32(size_t k, size_t n);

/**
 * Packs the k x n operand B into `panels` (kernel_packed_size_f32(k, n)
 * floats, owned by the caller; 64-byte alignment makes the kernel's loads
 * whole cache lines). B[row][col] is b[row * ldb + col], or b[col * ldb + row]
 * when `transposed` is nonzero: a (n x k) PyTorch weight W packs as B = W^T.
 */
void kernel_pack_panels_f32(const float *b, size_t k, size_t n, size_t ldb, int transposed, float *panels);

/**
 * C = A B (+ bias) (+ D) for row-major A (m x k, row stride lda), C and D
 * (m x n, row strides ldc and ldd), B as kernel_pack_panels_f32 packed it.
 * `bias` (n floats, added to every row) and `addend` (D) may each be NULL;
 * D may be C itself (C += A B). C is written without being read unless it is
 * D. Each element is bias + D + its k products summed in order, whatever m:
 * splitting the rows over threads changes no bit.
 * Requires kernel_packed_gemm_available().
 */
void kernel_packed_gemm_f32(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *panels,
                            const float *bias, const float *addend, size_t ldd, float *c, size_t ldc);

/*
 * The same products with B held in bfloat16 (packed_gemm_bf16.c), on every
 * CPU, fastest on those with AVX512_BF16 (Intel Cooper Lake, Sapphire Rapids
 * and later; AMD Zen 4 and later). B is rounded to bfloat16 once, at packing; each call rounds
 * the rows of A it reads to bfloat16 (round to nearest even, into a buffer,
 * a block at a time); products of the rounded values (exact in float32) are
 * summed in float32 from bias + D, k in pairs, pair after pair in order.
 * Input and output denormals count as zero (the instructions' fixed DAZ and
 * FTZ). Three kernels, the best this CPU runs chosen once from its flags:
 *
 *  0  portable C (every CPU; AVX2 with FMA where there is one): each pair
 *     adds a[2p+1] b[2p+1] to the sum and then a[2p] b[2p], each addition
 *     rounded, as vdpbf16ps is specified to. Slower than float32 sgemm.
 *  1  vdpbf16ps (AVX512_BF16): each pair adds a[2p+1] b[2p+1] to the sum
 *     and then a[2p] b[2p], each addition rounded.
 *  2  tdpbf16ps (AMX-BF16, where Linux grants the process the tile state):
 *     each pair adds the rounded a[2p] b[2p] + a[2p+1] b[2p+1] to the sum.
 *     Some 5 times the other's rate on Sapphire/Emerald Rapids, where
 *     vdpbf16ps runs at half the float32 FMA rate.
 *
 * Kernels 1 and 2 round differently, and 0 can differ from 1 where the
 * hardware departs from its specification, so results are reproducible bit
 * for bit on one kernel (whatever m and the split of rows over threads).
 * The error against exact arithmetic on the float32 operands is bounded the
 * same for all: each operand is off by at most 2^-8 of itself, so a product
 * by at most (2^-7 + 2^-16) of |a b|; the float32 sum adds at most
 * (k + 2) 2^-24 of the sum of the magnitudes of its terms (BFloat16Tests
 * checks this bound).
 */

/** The kernel kernel_packed_gemm_bf16 runs here: 0 portable, 1 vdpbf16ps (AVX512_BF16 with AVX-512F/BW/VL), 2 tdpbf16ps (AMX-BF16). */
int kernel_packed_gemm_bf16_kernel(void);

/** The bfloat16 value nearest to x (ties to even; a denormal becomes a zero of its sign, a NaN a quiet NaN), as bits: what the kernel multiplies. */
unsigned short kernel_bfloat16_bits(float x);

/** bfloat16 values (16-bit) kernel_pack_panels_bf16 writes for a k x n operand. */
size_t kernel_packed_size_bf16(size_t k, size_t n);

/**
 * Packs the k x n operand B, as kernel_pack_panels_f32 reads it, into
 * bfloat16 `panels` (kernel_packed_size_bf16(k, n) values; 64-byte aligned):
 * panels of 32 columns, each ceil(k / 2) pairs of rows rounded up to a
 * multiple of 16 (an AMX tile), each pair 32 columns of (B[2p][col],
 * B[2p + 1][col]): the layout vdpbf16ps multiplies, and of which an AMX
 * tile loads 16 pairs x 16 columns. Past the last column and past row
 * k - 1 the values are zero.
 */
void kernel_pack_panels_bf16(const float *b, size_t k, size_t n, size_t ldb, int transposed, unsigned short *panels);

/**
 * C = A B (+ bias) (+ D) as kernel_packed_gemm_f32, with B packed by
 * kernel_pack_panels_bf16 and A's values rounded to bfloat16; bias and D
 * are added in float32 before the products. Each element's sum runs the
 * same way whatever m: splitting the rows over threads changes no bit.
 */
void kernel_packed_gemm_bf16(size_t m, size_t n, size_t k, const float *a, size_t lda, const unsigned short *panels,
                             const float *bias, const float *addend, size_t ldd, float *c, size_t ldc);

/**
 * kernel_packed_gemm_bf16 on `kernel` (0, 1 or 2, at most
 * kernel_packed_gemm_bf16_kernel()): for tests of each kernel on a CPU
 * that runs several. (The AMX kernel allocates one buffer a call, 64 bytes
 * for each 32 of k rounded up; m or k of 0 runs kernel 1.)
 */
void kernel_packed_gemm_bf16_on(int kernel, size_t m, size_t n, size_t k, const float *a, size_t lda,
                                const unsigned short *panels, const float *bias, const float *addend, size_t ldd, float *c,
                                size_t ldc);

#endif
