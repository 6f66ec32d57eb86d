/* matmul.c — the matrix product, the hot path of every layer.
 *
 * matmul: C = A B, C[m,n] = sum_k A[m,k] B[k,n]
 *   dA += G B^T   (dA[m,k] += sum_n G[m,n] B[k,n])
 *   dB += A^T G   (dB[k,n] += sum_m A[m,k] G[m,n])
 * (G = dL/dC.) The layers of the W6 lecture on neural networks ("Network Definition in Matrix
 * Form": h = sigma(W1 x + b)) are this product; the two gradient formulas are the
 * scalar chain rule dL/dA[m,k] = sum_n dL/dC[m,n] dC[m,n]/dA[m,k] = sum_n G[m,n] B[k,n]
 * (and likewise for B) written for whole matrices.
 *
 * Shapes:
 *   (M,K)   x (K,N)   -> (M,N)
 *   (B,M,K) x (B,K,N) -> (B,M,N)   one product per batch entry
 *   (B,M,K) x (K,N)   -> (B,M,N)   B shared by the batch: A is contiguous, so this is
 *                                  one (B*M,K) x (K,N) product, and dB += A^T G over
 *                                  the B*M rows sums the batch's contributions.
 * All three products (forward and both gradients) are the same kernel, tg__gemm
 * (gemm.c), with beta = 1 in backward so it accumulates straight into the gradient
 * buffers: no temporary, no transposed copy.
 */
#include <tg/gemm.h>
#include "ops_private.h"

/* The product as `batch` independent (M,K) x (K,N) products, consecutive in memory;
 * a shared right operand is folded into M instead (batch = 1, M = B*M). */
typedef struct {
    size_t batch, M, K, N;
} mm_dims;

static mm_dims mm_dims_of(const tg_tensor *a, const tg_tensor *b) {
    mm_dims d;
    const int *as = a->shape, *bs = b->shape;
    d.K = (size_t)bs[b->rank - 2];
    d.N = (size_t)bs[b->rank - 1];
    if (a->rank == 2) {
        d.batch = 1, d.M = (size_t)as[0];
    } else if (b->rank == 2) {
        d.batch = 1, d.M = (size_t)as[0] * (size_t)as[1]; /* (B*M,K) x (K,N) */
    } else {
        d.batch = (size_t)as[0], d.M = (size_t)as[1];
    }
    return d;
}

/* Shape check: ranks 2 or 3, the three forms above, inner dimensions equal. */
tg_status tg__infer_matmul(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *a = n->in[0], *b = n->in[1];
    char sa[128], sb[128];
    tg_shape_str(a, sa, sizeof sa);
    tg_shape_str(b, sb, sizeof sb);
    if (a->rank < 2 || a->rank > 3 || b->rank < 2 || b->rank > 3)
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_matmul: inputs must have rank 2 or 3: %s x %s",
                            sa, sb);
    if (a->rank == 2 && b->rank == 3)
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "tg_matmul: a batched right operand needs a batched left operand: %s x %s",
                            sa, sb);
    if (a->rank == 3 && b->rank == 3 && a->shape[0] != b->shape[0])
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_matmul: batch sizes differ: %s x %s", sa, sb);
    if (a->shape[a->rank - 1] != b->shape[b->rank - 2])
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_matmul: inner dimensions differ: %s x %s", sa, sb);
    *rank = a->rank;
    for (int i = 0; i < a->rank - 1; i++) shape[i] = a->shape[i]; /* (B,)M */
    shape[a->rank - 1] = b->shape[b->rank - 1];                    /* N */
    return TG_OK;
}

/* C_i = A_i B_i for each batch entry i (beta = 0: C's arena memory is not read). */
tg_status tg__matmul_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    mm_dims d = mm_dims_of(n->in[0], n->in[1]);
    const tg_real *A = n->in[0]->data, *B = n->in[1]->data;
    tg_real *C = n->out->data;
    for (size_t i = 0; i < d.batch; i++)
        tg__gemm(false, false, d.M, d.N, d.K, 1, A + i * d.M * d.K, d.K, B + i * d.K * d.N,
                 d.N, 0, C + i * d.M * d.N, d.N);
    return TG_OK;
}

/* dA_i += G_i B_i^T: (M,N) x (N,K);  dB_i += A_i^T G_i: (K,M) x (M,N). */
void tg__matmul_bwd(tg_node *n) {
    mm_dims d = mm_dims_of(n->in[0], n->in[1]);
    const tg_real *A = n->in[0]->data, *B = n->in[1]->data, *G = n->out->grad;
    tg_real *dA = n->in[0]->grad, *dB = n->in[1]->grad;
    for (size_t i = 0; i < d.batch; i++) {
        const tg_real *Ai = A + i * d.M * d.K, *Bi = B + i * d.K * d.N, *Gi = G + i * d.M * d.N;
        if (dA) tg__gemm(false, true, d.M, d.K, d.N, 1, Gi, d.N, Bi, d.N, 1, dA + i * d.M * d.K, d.K);
        if (dB) tg__gemm(true, false, d.K, d.N, d.M, 1, Ai, d.K, Gi, d.N, 1, dB + i * d.K * d.N, d.N);
    }
}


tg_tensor *tg_matmul(tg_tape *t, tg_tensor *a, tg_tensor *b) {
    tg_tensor *in[2] = {a, b};
    return tg_apply(t, &tg__op_matmul, in, 2, NULL);
}

/* tg_matmul's graph form: dA = G B^T and dB = A^T G as matmul_t products, the same
 * tg__gemm calls as its kernel. A shared right operand (B,M,K) x (K,N) folds the
 * batch into the rows, as the kernel does, through views. */
tg_status tg__matmul_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *a = n->in[0], *b = n->in[1];
    if (a->rank == 3 && b->rank == 2) {
        int am[2] = {a->shape[0] * a->shape[1], a->shape[2]};
        int gm[2] = {g->shape[0] * g->shape[1], g->shape[2]};
        tg_tensor *g2 = tg_reshape(t, g, 2, gm);
        if (tg__needs(n, 0)) dx[0] = tg_reshape(t, tg_matmul_t(t, g2, b, false, true), 3, a->shape);
        if (tg__needs(n, 1)) dx[1] = tg_matmul_t(t, tg_reshape(t, a, 2, am), g2, true, false);
        return tg__graph_status(t);
    }
    if (tg__needs(n, 0)) dx[0] = tg_matmul_t(t, g, b, false, true);
    if (tg__needs(n, 1)) dx[1] = tg_matmul_t(t, a, g, true, false);
    return tg__graph_status(t);
}
