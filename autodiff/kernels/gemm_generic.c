/* gemm_generic.c — the GEMM kernels (gemm_body.h) for the build's own instruction set
 * (SSE2 on x86-64, NEON on arm64, ...), so they run on every CPU the build does:
 * MR = 6 rows x two 16-byte vectors (NR = 8 float / 4 double), multiply then add
 * (no FMA is assumed). */
enum { VEC_BYTES = 16, MR = 6, NV = 2, FUSED = 0 };
#include "gemm_body.h"

const tg__gemm_kernels tg__gemm_generic = {"generic", MR, NR, KC, MC, packed, pack_b, rows, pack_all, direct, fma_loop};
