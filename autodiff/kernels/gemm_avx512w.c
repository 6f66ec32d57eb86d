/* gemm_avx512w.c — the wide AVX-512 GEMM kernels (gemm_body.h), the same flags as
 * gemm_avx512.c: MR = 6 rows x four 64-byte vectors (NR = 64 float / 32 double). 24
 * of the 32 zmm registers accumulate and each broadcast of op(A) serves four
 * multiply-adds instead of two, so the tile runs closer to the FMA peak (190 against
 * 175 GFLOP/s for 8 x 32 on the same core, L1-resident panels). gemm.c takes it for
 * products whose columns fill 64-wide tiles about as well as 32-wide ones
 * (for_cols); narrower products (a convolution's 16 or 32 channels) keep 8 x 32. The
 * bits are those of every other FMA kernel: an element's sum does not depend on the
 * tile. */
enum { VEC_BYTES = 64, MR = 6, NV = 4, FUSED = 1 };
#include "gemm_body.h"

const tg__gemm_kernels tg__gemm_avx512w = {"avx512", MR, NR, KC, MC, packed, pack_b, rows, pack_all,
                                           direct, fma_loop};
