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

#endif
