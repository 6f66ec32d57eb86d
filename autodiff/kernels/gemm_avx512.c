/* gemm_avx512.c — the GEMM kernels (gemm_body.h) for AVX-512F with FMA, compiled with
 * -mavx512f -mfma -ffp-contract=fast (meson.build): MR = 8 rows x two 64-byte vectors
 * (NR = 32 float / 16 double). 16 of the 32 zmm registers accumulate, enough to hide
 * the FMA latency; MR = 8 fits the batch sizes (32, 64) of RNN and MLP products,
 * where 12 would leave a third of the last tile empty. Fused multiply-add. Products
 * wide enough for 64-column tiles take gemm_avx512w.c's 6 x 64 instead (gemm.c). */
enum { VEC_BYTES = 64, MR = 8, NV = 2, FUSED = 1 };
#include "gemm_body.h"

const tg__gemm_kernels tg__gemm_avx512 = {"avx512", MR, NR, KC, MC, packed, pack_b, rows, pack_all,
                                          direct, fma_loop};
