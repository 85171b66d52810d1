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
 * The same products with B held in bfloat16 (packed_gemm_bf16.c), for CPUs
 * with AVX512_BF16 (vdpbf16ps: Intel Cooper Lake and Sapphire Rapids on, AMD
 * Zen 4 on). B is rounded to bfloat16 once, at packing; each call rounds the
 * rows of A it reads to bfloat16 (round to nearest even, into a buffer on the
 * stack, a block at a time); products of the rounded values are summed in
 * float32, k in pairs: the accumulator gets a[2p+1] b[2p+1] and then
 * a[2p] b[2p], each addition rounded, pair after pair in order. Input and
 * output denormals count as zero (the instructions' fixed DAZ and FTZ).
 *
 * The error against exact arithmetic on the float32 operands: each operand
 * is off by at most 2^-8 of itself, so a product by at most (2^-7 + 2^-16)
 * of |a b|; the float32 sum adds at most (k + 2) 2^-24 of the sum of the
 * magnitudes of its terms (PackedMatrixBFloat16Tests checks this bound).
 */

/** Nonzero when this CPU runs kernel_packed_gemm_bf16 (it has AVX512_BF16 and AVX-512F/BW/VL). */
int kernel_packed_gemm_bf16_available(void);

/** The bfloat16 value nearest to x (ties to even; a denormal becomes a zero of its sign, a NaN a quiet NaN), as bits: what the kernel multiplies. */
unsigned short kernel_bfloat16_bits(float x);

/** bfloat16 values (16-bit) kernel_pack_panels_bf16 writes for a k x n operand. */
size_t kernel_packed_size_bf16(size_t k, size_t n);

/**
 * Packs the k x n operand B, as kernel_pack_panels_f32 reads it, into
 * bfloat16 `panels` (kernel_packed_size_bf16(k, n) values; 64-byte aligned):
 * panels of 32 columns, each ceil(k / 2) pairs of rows, each pair 32 columns
 * of (B[2p][col], B[2p + 1][col]): the layout vdpbf16ps multiplies. Past the
 * last column, and past row k - 1 when k is odd, the values are zero.
 */
void kernel_pack_panels_bf16(const float *b, size_t k, size_t n, size_t ldb, int transposed, unsigned short *panels);

/**
 * C = A B (+ bias) (+ D) as kernel_packed_gemm_f32, with B packed by
 * kernel_pack_panels_bf16 and A's values rounded to bfloat16; bias and D
 * are added in float32 before the products. Each element's sum runs the
 * same way whatever m: splitting the rows over threads changes no bit.
 * Requires kernel_packed_gemm_bf16_available().
 */
void kernel_packed_gemm_bf16(size_t m, size_t n, size_t k, const float *a, size_t lda, const unsigned short *panels,
                             const float *bias, const float *addend, size_t ldd, float *c, size_t ldc);

#endif
