/* matmul_t.c — the matrix product with either operand transposed in place:
 *
 *   C = op(A) op(B),  op(A) = A or A^T (trans_a),  op(B) = B or B^T (trans_b)
 *   d op(A) = G op(B)^T,  d op(B) = op(A)^T G   (G = dL/dC), which for the stored
 *   arrays is
 *     dA += G op(B)^T          (no trans_a)   dA += op(B) G^T  (trans_a: A is (K,M))
 *     dB += op(A)^T G          (no trans_b)   dB += G^T op(A)  (trans_b: B is (N,K))
 *
 * Q K^T (attention scores) and x^T W are one call with no transposed copy: the GEMM
 * (tg/gemm.h) reads a transposed operand through its packing. Every product here,
 * forward and backward, is one tg__gemm with the right pair of flags, accumulating
 * (beta = 1) into the gradient buffers.
 *
 * Shapes (the last two axes are the matrices; leading axes are a batch):
 *   (M,K)-like x (K,N)-like               -> (M,N)
 *   (..., M,K) x (..., K,N), equal leading axes -> (..., M,N)   one product each
 *   (..., M,K) x (K,N)  B shared by the batch  -> (..., M,N)
 *   (M,K) x (..., K,N)  A shared by the batch  -> (..., M,N)   (W cols, a convolution)
 * ("(M,K)-like" is (K,M) stored when the operand is transposed.)
 * args: i[0] = trans_a, i[1] = trans_b.
 */
#include <tg/gemm.h>
#include <tg/vmath.h>
#include "nn_private.h"

typedef struct {
    size_t batch, M, K, N;
    bool share_a, share_b; /* that operand is one matrix for every batch entry */
} mt_dims;

static size_t lead(const tg_tensor *x) {
    size_t p = 1;
    for (int i = 0; i < x->rank - 2; i++) p *= (size_t)x->shape[i];
    return p;
}

static mt_dims mt_dims_of(const tg_node *n) {
    const tg_tensor *a = n->in[0], *b = n->in[1];
    bool ta = n->args.i[0] != 0, tb = n->args.i[1] != 0;
    mt_dims d;
    d.M = (size_t)a->shape[a->rank - (ta ? 1 : 2)];
    d.K = (size_t)a->shape[a->rank - (ta ? 2 : 1)];
    d.N = (size_t)b->shape[b->rank - (tb ? 2 : 1)];
    d.share_a = a->rank == 2 && b->rank > 2;
    d.share_b = b->rank == 2 && a->rank > 2;
    d.batch = a->rank > 2 ? lead(a) : lead(b);
    return d;
}

tg_status tg__infer_matmul_t(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *a = n->in[0], *b = n->in[1];
    bool ta = n->args.i[0] != 0, tb = n->args.i[1] != 0;
    char sa[128], sb[128];
    tg_shape_str(a, sa, sizeof sa);
    tg_shape_str(b, sb, sizeof sb);
    const char *fa = ta ? "^T" : "", *fb = tb ? "^T" : "";
    if (a->rank < 2 || b->rank < 2)
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_matmul_t: inputs must have rank >= 2: %s%s x %s%s", sa, fa, sb, fb);
    if (a->rank > 2 && b->rank > 2) {
        bool same = a->rank == b->rank;
        for (int i = 0; same && i < a->rank - 2; i++) same = a->shape[i] == b->shape[i];
        if (!same)
            return tg_tape_fail(t, TG_ERR_SHAPE, "tg_matmul_t: batch dimensions differ: %s%s x %s%s", sa, fa, sb, fb);
    }
    int K1 = a->shape[a->rank - (ta ? 2 : 1)], K2 = b->shape[b->rank - (tb ? 1 : 2)];
    if (K1 != K2)
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_matmul_t: inner dimensions differ: %s%s x %s%s (%d vs %d)",
                            sa, fa, sb, fb, K1, K2);
    const tg_tensor *big = a->rank >= b->rank ? a : b;
    *rank = big->rank;
    for (int i = 0; i < big->rank - 2; i++) shape[i] = big->shape[i];
    shape[*rank - 2] = a->shape[a->rank - (ta ? 1 : 2)];
    shape[*rank - 1] = b->shape[b->rank - (tb ? 2 : 1)];
    return TG_OK;
}

tg_status tg__matmul_t_fwd(tg_tape *t, tg_node *n) {
    if (tg__sweep_unread(t)) { /* tg_hvp's first sweep: a gradient it never reads */
        memset(n->out->data, 0, n->out->size * sizeof(tg_real));
        return TG_OK;
    }
    mt_dims d = mt_dims_of(n);
    bool ta = n->args.i[0] != 0, tb = n->args.i[1] != 0;
    const tg_real *A = n->in[0]->data, *B = n->in[1]->data;
    tg_real *C = n->out->data;
    size_t lda = ta ? d.M : d.K, ldb = tb ? d.K : d.N;
    if (d.share_b && !ta) { /* one (batch*M, K) x (K, N) product */
        tg__gemm(false, tb, d.batch * d.M, d.N, d.K, 1, A, lda, B, ldb, 0, C, d.N);
        return TG_OK;
    }
    for (size_t i = 0; i < d.batch; i++)
        tg__gemm(ta, tb, d.M, d.N, d.K, 1, A + (d.share_a ? 0 : i * d.M * d.K), lda,
                 B + (d.share_b ? 0 : i * d.K * d.N), ldb, 0, C + i * d.M * d.N, d.N);
    return TG_OK;
}

/* A gradient nothing has written yet in this sweep (tg/store.h) is stored, beta = 0
 * (the products' sums start from +0 and never are -0, so they have the bits of adding
 * onto zeros); a shared operand's gradient is stored by the first batch entry's
 * product and added to by the rest. dA is written whole before dB (in[0] may be
 * in[1]). */
static tg_real first_beta(tg_tensor *x) { return tg__grad_first(x) ? 0 : 1; }

void tg__matmul_t_bwd(tg_node *n) {
    mt_dims d = mt_dims_of(n);
    bool ta = n->args.i[0] != 0, tb = n->args.i[1] != 0;
    const tg_real *A = n->in[0]->data, *B = n->in[1]->data, *G = n->out->grad;
    tg_real *dA = n->in[0]->grad, *dB = n->in[1]->grad;
    size_t lda = ta ? d.M : d.K, ldb = tb ? d.K : d.N;
    if (d.share_b && !ta) { /* the batch folded into M, as in forward */
        size_t M = d.batch * d.M;
        if (dA) tg__gemm(false, !tb, M, d.K, d.N, 1, G, d.N, B, ldb, first_beta(n->in[0]), dA, lda);
        if (dB) {
            tg_real beta = first_beta(n->in[1]);
            if (tb) tg__gemm(true, false, d.N, d.K, M, 1, G, d.N, A, lda, beta, dB, ldb);
            else tg__gemm(true, false, d.K, d.N, M, 1, A, lda, G, d.N, beta, dB, ldb);
        }
        return;
    }
    if (dA) {
        tg_real beta = first_beta(n->in[0]);
        for (size_t i = 0; i < d.batch; i++) {
            const tg_real *Bi = B + (d.share_b ? 0 : i * d.K * d.N), *Gi = G + i * d.M * d.N;
            tg_real *dAi = dA + (d.share_a ? 0 : i * d.M * d.K);
            if (ta) /* dA (K,M) += op(B) (K,N) G^T (N,M) */
                tg__gemm(tb, true, d.K, d.M, d.N, 1, Bi, ldb, Gi, d.N, beta, dAi, lda);
            else    /* dA (M,K) += G (M,N) op(B)^T (N,K) */
                tg__gemm(false, !tb, d.M, d.K, d.N, 1, Gi, d.N, Bi, ldb, beta, dAi, lda);
            if (d.share_a) beta = 1;
        }
    }
    if (dB) {
        tg_real beta = first_beta(n->in[1]);
        for (size_t i = 0; i < d.batch; i++) {
            const tg_real *Ai = A + (d.share_a ? 0 : i * d.M * d.K), *Gi = G + i * d.M * d.N;
            tg_real *dBi = dB + (d.share_b ? 0 : i * d.K * d.N);
            if (tb) /* dB (N,K) += G^T (N,M) op(A) (M,K) */
                tg__gemm(true, ta, d.N, d.K, d.M, 1, Gi, d.N, Ai, lda, beta, dBi, ldb);
            else    /* dB (K,N) += op(A)^T (K,M) G (M,N) */
                tg__gemm(!ta, false, d.K, d.N, d.M, 1, Ai, lda, Gi, d.N, beta, dBi, ldb);
            if (d.share_b) beta = 1;
        }
    }
}

/* The graph form: each gradient is again a matmul_t product, with the very tg__gemm
 * calls of the kernel above (forward's beta = 0 on a fresh output is the kernel's
 * beta = 1 on a zeroed gradient). A shared operand's gradient is the batch's products
 * summed by sum_to; a shared right operand without trans_a folds the batch into the
 * rows through rank-2 views, as the kernel does. */
typedef struct {
    int l, r; /* 0 = A, 1 = B, 2 = G */
    bool tl, tr;
} mt_term;

static void mt_terms(bool ta, bool tb, mt_term *da, mt_term *db) {
    *da = ta ? (mt_term){1, 2, tb, true} : (mt_term){2, 1, false, !tb};
    *db = tb ? (mt_term){2, 0, true, ta} : (mt_term){0, 2, !ta, false};
}

static tg_tensor *flat2(tg_tape *t, tg_tensor *x) {
    int s[2] = {(int)(x->size / (size_t)x->shape[x->rank - 1]), x->shape[x->rank - 1]};
    return tg_reshape(t, x, 2, s);
}

tg_status tg__matmul_t_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    mt_dims d = mt_dims_of(n);
    bool ta = n->args.i[0] != 0, tb = n->args.i[1] != 0;
    mt_term da, db;
    mt_terms(ta, tb, &da, &db);
    tg_tensor *ops[3] = {n->in[0], n->in[1], g};
    if (d.share_b && !ta) { /* the batch folded into the rows */
        ops[0] = flat2(t, n->in[0]);
        ops[2] = flat2(t, g);
    }
    for (int k = 0; k < 2; k++) {
        if (!tg__needs(n, k)) continue;
        mt_term m = k ? db : da;
        tg_tensor *p = tg_matmul_t(t, ops[m.l], ops[m.r], m.tl, m.tr);
        bool shared = k ? d.share_b : d.share_a;
        if (d.share_b && !ta && k == 0) p = tg_reshape(t, p, n->in[0]->rank, n->in[0]->shape);
        else if (shared && !(d.share_b && !ta)) p = tg__sum_to_like(t, p, n->in[k]);
        dx[k] = p;
    }
    return tg__graph_status(t);
}

tg_tensor *tg_matmul_t(tg_tape *t, tg_tensor *a, tg_tensor *b, bool trans_a, bool trans_b) {
    tg_tensor *in[2] = {a, b};
    tg_op_args args = {.i = {trans_a ? 1 : 0, trans_b ? 1 : 0}};
    return tg_apply(t, &tg__op_matmul_t, in, 2, &args);
}

/* ---- affine: y = x W + b ------------------------------------------------------------
 * A linear layer's rows in one op: x (..., K), W (K,N), b (N) -> y (..., N), the R
 * rows of x (R = x's size / K) one (R,K) x (K,N) product, b added to each row:
 *   y[r,:] = x[r,:] W + b
 *   dx += G W^T,  dW += x^T G,  db += sum_r G[r,:]
 * The values are tg_add(tg_matmul(x, W), b)'s to the bit (the product, then b added
 * to it); the gradients come straight from G, with no copy of G into the product's
 * own gradient and no buffer for it. The graph form: dx and dW are the matmul_t
 * products of the kernel (the same tg__gemm calls), db is tg_sum_axis over the rows
 * (in double, from the first row down: the kernel's order). */
tg_status tg__infer_affine(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0], *W = n->in[1], *b = n->in[2];
    char sx[128], sw[128], sb[128];
    tg_shape_str(x, sx, sizeof sx);
    tg_shape_str(W, sw, sizeof sw);
    tg_shape_str(b, sb, sizeof sb);
    if (x->rank < 1 || W->rank != 2 || b->rank != 1)
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: x must be (...,K), W (K,N) and b (N): got %s, %s and %s",
                            n->op->name, sx, sw, sb);
    if (x->shape[x->rank - 1] != W->shape[0] || b->shape[0] != W->shape[1])
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: shapes do not match: x %s, W %s, b %s", n->op->name, sx, sw, sb);
    *rank = x->rank;
    for (int i = 0; i < x->rank - 1; i++) shape[i] = x->shape[i];
    shape[x->rank - 1] = W->shape[1];
    return TG_OK;
}

/* y[r,:] = y[r,:] + b for the R rows (b is never y: an input, not the output). */
TG__CLONES static void add_bias(tg_real *restrict y, const tg_real *restrict b, size_t R, size_t N) {
    for (size_t r = 0; r < R; r++)
        for (size_t j = 0; j < N; j++) y[r * N + j] = y[r * N + j] + b[j];
}

tg_status tg__affine_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    size_t K = (size_t)n->in[1]->shape[0], N = (size_t)n->in[1]->shape[1], R = n->out->size / N;
    tg_real *y = n->out->data;
    const tg_real *b = n->in[2]->data;
    tg__gemm(false, false, R, N, K, 1, n->in[0]->data, K, n->in[1]->data, N, 0, y, N);
    add_bias(y, b, R, N);
    return TG_OK;
}

enum { COLS = 1024 }; /* columns of G summed at a time into db (one pass over G up to 1024) */

/* s[j] = sum_r G[r * ldg + j] for j < nc <= COLS, each in double from the first row
 * down (tg_sum_axis's order): the columns' chains run side by side in vectors. */
TG__CLONES static void col_sums(const tg_real *G, size_t ldg, size_t R, size_t nc, double *s) {
    for (size_t j = 0; j < nc; j++) s[j] = 0;
    for (size_t r = 0; r < R; r++) {
        const tg_real *g = G + r * ldg;
        for (size_t j = 0; j < nc; j++) s[j] += g[j];
    }
}

void tg__affine_bwd(tg_node *n) {
    size_t K = (size_t)n->in[1]->shape[0], N = (size_t)n->in[1]->shape[1], R = n->out->size / N;
    const tg_real *x = n->in[0]->data, *W = n->in[1]->data, *G = n->out->grad;
    /* db between the two products, while G is still in the cache from the first */
    if (n->in[0]->grad) tg__gemm(false, true, R, K, N, 1, G, N, W, N, first_beta(n->in[0]), n->in[0]->grad, K);
    tg_real *db = n->in[2]->grad;
    if (db) {
        bool first = tg__grad_first(n->in[2]);
        for (size_t j0 = 0; j0 < N; j0 += COLS) {
            size_t nc = N - j0 < COLS ? N - j0 : COLS;
            double s[COLS];
            col_sums(G + j0, N, R, nc, s);
            TG__GRAD_PUT(first, db + j0, nc, j, (tg_real)s[j]);
        }
    }
    if (n->in[1]->grad) tg__gemm(true, false, K, N, R, 1, x, K, G, N, first_beta(n->in[1]), n->in[1]->grad, N);
}

/* The graph form of the three gradients for the product's upstream gradient g (the
 * node's G for affine, relu's for affine_relu). */
static tg_status affine_grads(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *x = n->in[0];
    tg_tensor *g2 = flat2(t, g);
    if (tg__needs(n, 0)) dx[0] = tg_reshape(t, tg_matmul_t(t, g2, n->in[1], false, true), x->rank, x->shape);
    if (tg__needs(n, 1)) dx[1] = tg_matmul_t(t, flat2(t, x), g2, true, false);
    if (tg__needs(n, 2)) dx[2] = tg_sum_axis(t, g2, 0, false);
    return tg__graph_status(t);
}

tg_status tg__affine_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    return affine_grads(t, n, g, dx);
}

tg_tensor *tg_affine(tg_tape *t, tg_tensor *x, tg_tensor *W, tg_tensor *b) {
    tg_tensor *in[3] = {x, W, b};
    return tg_apply(t, &tg__op_affine, in, 3, NULL);
}

/* ---- affine_relu: y = relu(x W + b), a linear layer and its ReLU in one op ----
 * The values of tg_relu(tg_affine(x, W, b)) to the bit: the product, then v = y + b
 * and v <= 0 ? 0 : v in one pass over y, where the composition makes two passes and
 * keeps x W + b as a tensor besides y. Backward, dz = y <= 0 ? 0 : 0 + G is what
 * tg_relu hands on (y <= 0 exactly where x W + b <= 0; NaN passes in both); one pass
 * over G writes dz into the node's buffer and sums its columns for db (in double from
 * the first row down, as col_sums), then affine's products take dz for G, in affine's
 * order (dx, db, dW). The graph form is relu's (g times the 0/1 mask of y) then
 * affine's. Shapes and errors: tg_affine's.
 * saved: dz (R,N reals) and the column sums (N doubles), when a gradient is asked. */

/* y[r,:] = relu(y[r,:] + b), each step rounded as tg_add and tg_relu round it. */
TG__CLONES static void add_bias_relu(tg_real *restrict y, const tg_real *restrict b, size_t R, size_t N) {
    for (size_t r = 0; r < R; r++)
        for (size_t j = 0; j < N; j++) {
            tg_real v = y[r * N + j] + b[j];
            y[r * N + j] = v <= 0 ? 0 : v;
        }
}

typedef struct {
    tg_real *dz; /* (R,N) */
    double *sums; /* (N) */
} affine_relu_saved;

tg_status tg__affine_relu_fwd(tg_tape *t, tg_node *n) {
    size_t K = (size_t)n->in[1]->shape[0], N = (size_t)n->in[1]->shape[1], R = n->out->size / N;
    tg_real *y = n->out->data;
    n->saved = NULL;
    if (n->out->flags & TG_REQUIRES_GRAD) {
        affine_relu_saved *s = tg_tape_alloc(t, sizeof *s);
        if (!s) return TG_ERR_NOMEM;
        s->dz = tg_tape_alloc(t, n->out->size * sizeof(tg_real));
        s->sums = tg_tape_alloc(t, N * sizeof(double));
        if (!s->dz || !s->sums) return TG_ERR_NOMEM;
        n->saved = s;
    }
    tg__gemm(false, false, R, N, K, 1, n->in[0]->data, K, n->in[1]->data, N, 0, y, N);
    add_bias_relu(y, n->in[2]->data, R, N);
    return TG_OK;
}

/* dz = y <= 0 ? 0 : TG__Z + G for columns [j0, j0 + nc) of the R rows, and s[j] =
 * the sum of dz's column j0 + j in double from the first row down. */
TG__CLONES static void relu_dz_sums(const tg_real *restrict y, const tg_real *restrict G, tg_real *restrict dz,
                                    size_t R, size_t N, size_t j0, size_t nc, double *restrict s) {
    for (size_t j = 0; j < nc; j++) s[j] = 0;
    for (size_t r = 0; r < R; r++) { /* two loops over the row (in L1): each vectorises */
        size_t o = r * N + j0;
        for (size_t j = 0; j < nc; j++) dz[o + j] = y[o + j] <= 0 ? 0 : TG__Z + G[o + j];
        for (size_t j = 0; j < nc; j++) s[j] += dz[o + j];
    }
}

void tg__affine_relu_bwd(tg_node *n) {
    size_t K = (size_t)n->in[1]->shape[0], N = (size_t)n->in[1]->shape[1], R = n->out->size / N;
    const affine_relu_saved *s = n->saved;
    if (!s) return; /* recorded with no gradient asked: nothing reaches the inputs */
    const tg_real *x = n->in[0]->data, *W = n->in[1]->data;
    for (size_t j0 = 0; j0 < N; j0 += COLS) {
        size_t nc = N - j0 < COLS ? N - j0 : COLS;
        relu_dz_sums(n->out->data, n->out->grad, s->dz, R, N, j0, nc, s->sums + j0);
    }
    if (n->in[0]->grad)
        tg__gemm(false, true, R, K, N, 1, s->dz, N, W, N, first_beta(n->in[0]), n->in[0]->grad, K);
    tg_real *db = n->in[2]->grad;
    if (db) {
        bool first = tg__grad_first(n->in[2]);
        TG__GRAD_PUT(first, db, N, j, (tg_real)s->sums[j]);
    }
    if (n->in[1]->grad)
        tg__gemm(true, false, K, N, R, 1, x, K, s->dz, N, first_beta(n->in[1]), n->in[1]->grad, N);
}

/* relu's mask, from the output: y <= 0 exactly where the input was <= 0. */
static tg_real m_relu_out(const tg_tensor *y, size_t i, const tg_node *n) {
    (void)n;
    return y->data[i] <= 0 ? 0 : 1;
}

tg_status tg__affine_relu_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    return affine_grads(t, n, tg_mul(t, g, tg__mask(t, n->out, n, m_relu_out)), dx);
}

tg_tensor *tg_affine_relu(tg_tape *t, tg_tensor *x, tg_tensor *W, tg_tensor *b) {
    tg_tensor *in[3] = {x, W, b};
    return tg_apply(t, &tg__op_affine_relu, in, 3, NULL);
}
