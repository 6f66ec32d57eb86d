/* gemm_avx2.c — the GEMM kernels (gemm_body.h) for AVX2 with FMA, compiled with
 * -mavx2 -mfma -ffp-contract=fast (meson.build): MR = 6 rows x two 32-byte vectors
 * (NR = 16 float / 8 double), 12 of the 16 ymm registers accumulating; fused
 * multiply-add. */
enum { VEC_BYTES = 32, MR = 6, NV = 2, FUSED = 1 };
#include "gemm_body.h"

const tg__gemm_kernels tg__gemm_avx2 = {"avx2", MR, NR, KC, MC, packed, pack_b, rows, pack_all, direct, fma_loop};
