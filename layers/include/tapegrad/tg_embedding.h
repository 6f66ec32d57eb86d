/* tg_embedding.h — a lookup table of learned vectors for token inputs.
 *
 *   out[i,:] = E[idx[i],:]        E (V,D), idx[0..n-1] in 0..V-1  ->  out (n,D)
 *
 * One tg_gather_rows; repeated indices accumulate their gradient rows in the sweep.
 * For a (T,B) grid of tokens pass the T*B indices row-major and tg_reshape the result
 * to (T,B,D), ready for a recurrent layer.
 * Initialisation: E ~ N(0, 1), as nn.Embedding. Parameter "<prefix>.E", V*D scalars
 * (nn.Embedding's weight is the same (V,D) matrix).
 * Ownership: the layer owns E (tg_embedding_free); the output is a step tensor.
 */
#ifndef TG_EMBEDDING_H
#define TG_EMBEDDING_H

#include <tapegrad/tg_ops.h>
#include <tapegrad/tg_params.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_embedding {
    int num;        /* V: number of tokens */
    int dim;        /* D: vector width */
    tg_tensor *E;   /* (V,D) "<prefix>.E" */
    char name[48];
} tg_embedding;

/* num, dim >= 1; rng required. NULL + tg_last_error on a mistake
 * ("tg_embedding_new: dim must be >= 1, got 0"). Caller owns it. */
tg_embedding *tg_embedding_new(const char *prefix, int num, int dim, tg_rng *rng);
void tg_embedding_free(tg_embedding *e);
tg_status tg_embedding_params(const tg_embedding *e, tg_params *ps);
/* Rows of E for idx[0..n-1] (copied), (n,D). n >= 1. An index outside 0..V-1 fails t:
 * "tg_embedding_forward: 'emb': idx[3] = 12 is out of range 0..9". */
tg_tensor *tg_embedding_forward(tg_tape *t, const tg_embedding *e, const int *idx, int n);

#ifdef __cplusplus
}
#endif
#endif
