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
 *
 * A right operand used by many products of one step (a recurrent weight, at every
 * time step) is what the two speed-ups below are for; both give the same values as
 * the plain products, up to the order of a sum.
 *  - Packs: a product whose B was used by a product recorded shortly before packs B
 *    once for the step (tg__gemm_pack_b, into the arena), for the forward (op(B) = B)
 *    and, at the first backward that needs it, for dA (op(B) = B^T); every later
 *    product with B reuses them. A pack remembers B's version and is made again when
 *    B was written since; it dies with the step at tg_tape_reset.
 *  - Deferred weight gradients: when B is a leaf (a parameter), backward hands
 *    dB += A^T G to the end of tg_backward's sweep (tg/deferred.h), which sums every
 *    product's A^T G for that leaf as one product over their rows (tg__gemm_segs):
 *    K = T * batch for a weight used at T steps, its gradient read and written once.
 *    With a trace or anomaly detection on, and in tg_grad, dB is added at once.
 */
#include <tg/deferred.h>
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

/* ---- packs of B shared by the products of a step ---- */

/* The packs of one B: [0] op(B) = B (the forward), [1] op(B) = B^T (dA = G B^T);
 * mem[k] NULL when no product of the step needs that one packed. */
typedef struct {
    const tg_tensor *b;
    tg__gemm_pack pack[2];
    uint64_t version[2]; /* b's version when pack[k] was made */
    tg_real *mem[2];
    size_t cap[2];
} mm_cache;

/* What a recorded product with a rank-2 B keeps (n->saved). */
typedef struct {
    tg__deferred d;   /* dB += A^T G handed to the sweep's end (first member: run_db) */
    tg__gemm_seg seg; /* its rows: A's and G's */
    tg_tensor *b;
    mm_cache *cache;  /* B's packs, or NULL */
} mm_saved;

/* Products recorded since the last one with the same B that are looked at: a
 * recurrent cell records a dozen or two nodes per step. */
enum { LOOKBACK = 64 };

/* Pack k of c, made now if missing or older than its B's values; NULL when it cannot
 * serve (not reserved, or the kernel in use packs otherwise). */
static const tg__gemm_pack *pack_of(mm_cache *c, int k) {
    if (!c || !c->mem[k]) return NULL;
    const tg_tensor *b = c->b;
    uint64_t v = tg__version_owner(b)->version;
    tg__gemm_pack *p = &c->pack[k];
    size_t K = (size_t)b->shape[0], N = (size_t)b->shape[1];
    if (!p->isa || c->version[k] != v) {
        bool ok = k == 0 ? tg__gemm_pack_b(p, false, K, N, b->data, N, c->mem[0], c->cap[0])
                         : tg__gemm_pack_b(p, true, N, K, b->data, N, c->mem[1], c->cap[1]);
        if (!ok) return NULL;
        c->version[k] = v;
    }
    return p;
}

/* Reserves pack k of c (op(B) K x N) in the arena if it is missing and a product of
 * M rows would use it. */
static tg_status reserve_pack(tg_tape *t, mm_cache *c, int k, size_t M, size_t K, size_t N) {
    if (c->mem[k] || !tg__gemm_packs(k == 1, M, K)) return TG_OK;
    size_t reals = tg__gemm_pack_reals(K, N);
    if (reals > SIZE_MAX / sizeof(tg_real)) return TG_OK; /* not packed: B itself */
    c->mem[k] = tg_tape_alloc(t, reals * sizeof(tg_real));
    c->cap[k] = reals;
    return c->mem[k] ? TG_OK : tg_tape_status(t);
}

/* The packs of n's B, when a product recorded shortly before used the same B (the
 * first time, they are made and that product's node shares them); pack 1 is reserved
 * once some product with B has an A that needs a gradient. */
static tg_status share_packs(tg_tape *t, tg_node *n, mm_saved *sv, mm_dims d) {
    const tg_node *p = tg_tape_last(t);
    for (int k = 0; p && !(p->op == n->op && p->in[1] == n->in[1] && p->saved); k++)
        p = k < LOOKBACK ? p->prev : NULL;
    if (!p) return TG_OK;
    mm_saved *ps = p->saved;
    if (!ps->cache) {
        ps->cache = tg_tape_alloc(t, sizeof *ps->cache);
        if (!ps->cache) return tg_tape_status(t);
        *ps->cache = (mm_cache){.b = n->in[1]};
        if (tg__requires_grad(p->in[0]) &&
            reserve_pack(t, ps->cache, 1, (size_t)p->in[0]->size / d.K, d.N, d.K) != TG_OK)
            return tg_tape_status(t);
    }
    sv->cache = ps->cache;
    if (reserve_pack(t, sv->cache, 0, d.M, d.K, d.N) != TG_OK) return tg_tape_status(t);
    if (tg__requires_grad(n->in[0]) && reserve_pack(t, sv->cache, 1, d.M, d.N, d.K) != TG_OK)
        return tg_tape_status(t);
    return TG_OK;
}

/* ---- few columns: the transposed product ----
 * A product with few columns N (an output layer of 10 classes) fills a fraction of
 * the kernel's register tile, whose width is a few vectors; its transpose has N rows
 * and the M of the product as columns, and runs at several times the speed. Both
 * are the packed path with the same K-blocking, and each element's sum is the same
 * chain of multiply-adds over k (a product commutes), so C^T holds C's bits. The
 * transposed form runs into T (N x M) and is copied into C; with beta = 1, C^T is
 * copied into T first, so the additions into C are the plain product's too. */
enum { THIN_N = 16, THIN_STACK = 4096 };

/* The transposed form serves C (M x N) = op(A) op(B) with inner dimension K. */
static bool thin(size_t M, size_t N, size_t K) {
    return N <= THIN_N && M >= 2 * N && K > 0 && tg__gemm_packs(false, M, K) && tg__gemm_packs(true, N, K);
}

/* T (n x m, row stride m) <-> C (m x n, row stride n): to_t copies C^T into T. */
static void transpose_into(bool to_t, size_t m, size_t n, tg_real *restrict T, tg_real *restrict C) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            if (to_t) T[j * m + i] = C[i * n + j];
            else C[i * n + j] = T[j * m + i];
        }
}

/* C = A B (beta 0) or C += A B (beta 1) as C^T = B^T A^T, for thin(M, N, K); A is
 * M x K (ta: stored K x M), B is K x N, both row-major; T has room for M * N reals. */
static void thin_gemm(bool ta, size_t M, size_t N, size_t K, const tg_real *A, const tg_real *B,
                      tg_real beta, tg_real *C, tg_real *T) {
    if (beta != 0) transpose_into(true, M, N, T, C);
    tg__gemm(true, !ta, N, M, K, 1, B, N, A, ta ? M : K, beta, T, M);
    transpose_into(false, M, N, T, C);
}

/* C_i = A_i B_i for each batch entry i (beta = 0: C's arena memory is not read). A
 * recorded product with a rank-2 B keeps an mm_saved, and shares packs of B with the
 * products before it that used B. */
tg_status tg__matmul_fwd(tg_tape *t, tg_node *n) {
    mm_dims d = mm_dims_of(n->in[0], n->in[1]);
    const tg_real *A = n->in[0]->data, *B = n->in[1]->data;
    tg_real *C = n->out->data;
    if (n->in[1]->rank == 2 && (n->out->flags & TG_REQUIRES_GRAD)) {
        mm_saved *sv = tg_tape_alloc(t, sizeof *sv);
        if (!sv) return tg_tape_status(t);
        *sv = (mm_saved){.b = n->in[1]};
        n->saved = sv;
        if (share_packs(t, n, sv, d) != TG_OK) return tg_tape_status(t);
        const tg__gemm_pack *p = pack_of(sv->cache, 0);
        if (p) {
            tg__gemm_packed_b(false, d.M, 1, A, d.K, p, 0, C, d.N);
            return TG_OK;
        }
    }
    if (d.batch == 1 && thin(d.M, d.N, d.K)) {
        tg_real *T = tg_tape_alloc(t, d.M * d.N * sizeof *T);
        if (!T) return tg_tape_status(t);
        thin_gemm(false, d.M, d.N, d.K, A, B, 0, C, T);
        return TG_OK;
    }
    for (size_t i = 0; i < d.batch; i++)
        tg__gemm(false, false, d.M, d.N, d.K, 1, A + i * d.M * d.K, d.K, B + i * d.K * d.N,
                 d.N, 0, C + i * d.M * d.N, d.N);
    return TG_OK;
}

/* dB (K x N) (+)= A^T G, A stored M x K, G M x N: the transposed form when it serves
 * and dB fits the stack buffer (backward allocates nothing), else the plain product. */
static void db_product(size_t M, size_t K, size_t N, const tg_real *A, const tg_real *G, tg_real beta,
                       tg_real *dB) {
    if (K * N <= THIN_STACK && thin(K, N, M)) {
        tg_real T[THIN_STACK];
        thin_gemm(true, K, N, M, A, G, beta, dB, T);
        return;
    }
    tg__gemm(true, false, K, N, M, 1, A, K, G, N, beta, dB, N);
}

/* ---- backward, with dB deferred ---- */

/* The deferred dB of every product with leaf b, handed over in sweep order: one
 * product over their rows (a single one: the plain product, as if not deferred). */
static void run_db(tg__deferred *first) {
    mm_saved *s0 = (mm_saved *)first;
    tg_tensor *b = s0->b;
    size_t K = (size_t)b->shape[0], N = (size_t)b->shape[1];
    if (!first->same) {
        db_product(s0->seg.k, K, N, s0->seg.a, s0->seg.b, 1, b->grad);
        return;
    }
    for (tg__deferred *e = first; e; e = e->same)
        ((mm_saved *)e)->seg.next = e->same ? &((mm_saved *)e->same)->seg : NULL;
    tg__gemm_segs(K, N, &s0->seg, K, N, 1, 1, b->grad, N);
}

/* Hands n's dB += A^T G to the sweep's end if B is a leaf and the sweep collects. */
static bool defer_db(tg_node *n, mm_dims d) {
    mm_saved *sv = n->saved;
    if (!sv || n->in[1]->node || d.batch != 1) return false;
    sv->d.key = sv->b;
    sv->d.run = run_db;
    sv->seg = (tg__gemm_seg){n->in[0]->data, n->out->grad, d.M, NULL};
    return tg__defer(n->out->tape, &sv->d);
}

/* dA_i += G_i B_i^T: (M,N) x (N,K);  dB_i += A_i^T G_i: (K,M) x (M,N). A gradient
 * nothing has written yet in this sweep (tg/store.h) is stored, beta = 0: the
 * products' sums start from +0 and never are -0, so they have the bits of adding
 * onto zeros. dA is written whole before dB (in[0] may be in[1]). */
void tg__matmul_bwd(tg_node *n) {
    mm_dims d = mm_dims_of(n->in[0], n->in[1]);
    const tg_real *A = n->in[0]->data, *B = n->in[1]->data, *G = n->out->grad;
    tg_real *dA = n->in[0]->grad, *dB = n->in[1]->grad;
    mm_saved *sv = n->saved;
    if (dA) {
        tg_real beta = tg__grad_first(n->in[0]) ? 0 : 1;
        const tg__gemm_pack *p = sv ? pack_of(sv->cache, 1) : NULL;
        if (p)
            tg__gemm_packed_b(false, d.M, 1, G, d.N, p, beta, dA, d.K);
        else
            for (size_t i = 0; i < d.batch; i++)
                tg__gemm(false, true, d.M, d.K, d.N, 1, G + i * d.M * d.N, d.N,
                         B + i * d.K * d.N, d.N, beta, dA + i * d.M * d.K, d.K);
    }
    if (dB && !defer_db(n, d)) {
        tg_real beta = tg__grad_first(n->in[1]) ? 0 : 1;
        for (size_t i = 0; i < d.batch; i++)
            db_product(d.M, d.K, d.N, A + i * d.M * d.K, G + i * d.M * d.N, beta, dB + i * d.K * d.N);
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
