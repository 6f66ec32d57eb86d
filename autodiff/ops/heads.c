/* heads.c — the per-head products of multi-head attention, read and written in place
 * in the (B, T, C) layout of the projections: no split into heads, no merge back.
 *
 * A head is a block of hd columns of a (B, T, C) tensor: head i of x at offset off is
 * X_i = x[b, :, off + i hd : off + (i+1) hd], a (T, hd) matrix of row stride C.
 *
 * head_scores(a, a_off, b, b_off, H, hd, alpha): out (B, H, Ta, Tb),
 *   out[b, i] = alpha A_i B_i^T                                   (Q K^T / sqrt(hd))
 *   dA_i += alpha G_i B_i,   dB_i += alpha G_i^T A_i.
 * head_mix(p, trans_p, v, v_off, width, out_off, hd, alpha): p (B, H, P1, P2),
 *   op(P_i) = P_i (P1, P2) or, with trans_p, P_i^T (P2, P1), of shape (To, Tv) with
 *   Tv = v's T; out (B, To, width) is zero but for the head blocks at out_off:
 *   O_i = alpha op(P_i) V_i                                       (softmax(S) V)
 *   d op(P_i) += alpha G_i V_i^T (G_i the head block of dL/dout),
 *   dV_i += alpha op(P_i)^T G_i.
 *
 * Each product is one tg__gemm_small (tg/gemm_small.h: tg__gemm's bits, without its
 * packing for these L1-sized blocks) on the strided blocks, forward and backward
 * (beta = 1 into the gradient buffers). The graph forms are these two ops again,
 * making the very product calls of the kernels (a fresh output with beta = 0 where
 * the kernel adds to a zeroed gradient with beta = 1), so they agree to the bit:
 *   scores: dA = mix(G, -, b, b_off, Ca, a_off),  dB = mix(G, ^T, a, a_off, Cb, b_off);
 *   mix:    dP = scores(G, out_off, v, v_off) (trans_p: scores(v, v_off, G, out_off)),
 *           dV = mix(p, !trans_p, G, out_off, Cv, v_off).
 *
 * args: scores i[0] = a_off, i[1] = b_off, i[2] = H, i[3] = hd, f[0] = alpha;
 *       mix i[0] = v_off, i[1] = trans_p, i[2] = width, i[3] = out_off, f[0] = alpha,
 *       f[1] = hd (an integer).
 */
#include <limits.h>
#include <math.h>
#include <string.h>
#include <tg/gemm.h>
#include <tg/gemm_small.h>
#include <tapegrad/tg_ops_nn.h>
#include "ops_private.h"

static bool rank3(const tg_tensor *x) { return x->rank == 3; }

/* The head blocks [off, off + H hd) lie within x's C columns. */
static bool blocks_fit(long off, long H, long hd, int C) { return off >= 0 && off + H * hd <= C; }

tg_status tg__infer_head_scores(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *a = n->in[0], *b = n->in[1];
    long ao = n->args.i[0], bo = n->args.i[1], H = n->args.i[2], hd = n->args.i[3];
    char sa[128], sb[128];
    tg_shape_str(a, sa, sizeof sa);
    tg_shape_str(b, sb, sizeof sb);
    if (!rank3(a) || !rank3(b) || a->shape[0] != b->shape[0])
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_head_scores: inputs must be (B,Ta,Ca) and (B,Tb,Cb): got %s and %s", sa, sb);
    if (H < 1 || hd < 1)
        return tg_tape_fail(t, TG_ERR_VALUE, "tg_head_scores: heads and head_dim must be >= 1, got %ld and %ld", H, hd);
    if (!blocks_fit(ao, H, hd, a->shape[2]) || !blocks_fit(bo, H, hd, b->shape[2]))
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "tg_head_scores: %ld heads of %ld columns at offsets %ld and %ld do not fit %s and %s", H, hd,
                            ao, bo, sa, sb);
    *rank = 4;
    shape[0] = a->shape[0], shape[1] = (int)H, shape[2] = a->shape[1], shape[3] = b->shape[1];
    return TG_OK;
}

/* For batch entry b and head i: the offset of head i's block in a (B,T,C) tensor. */
static size_t block(const tg_tensor *x, size_t b, long off, size_t i, size_t hd) {
    return b * (size_t)x->shape[1] * (size_t)x->shape[2] + (size_t)off + i * hd;
}

tg_status tg__head_scores_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    const tg_tensor *a = n->in[0], *b = n->in[1];
    size_t B = (size_t)a->shape[0], H = (size_t)n->args.i[2], hd = (size_t)n->args.i[3];
    size_t Ta = (size_t)a->shape[1], Tb = (size_t)b->shape[1], Ca = (size_t)a->shape[2], Cb = (size_t)b->shape[2];
    tg_real alpha = (tg_real)n->args.f[0];
    for (size_t e = 0; e < B; e++)
        for (size_t i = 0; i < H; i++)
            tg__gemm_small(false, true, Ta, Tb, hd, alpha, a->data + block(a, e, n->args.i[0], i, hd), Ca,
                     b->data + block(b, e, n->args.i[1], i, hd), Cb, 0, n->out->data + (e * H + i) * Ta * Tb, Tb);
    return TG_OK;
}

/* The beta of the first product into x's gradient under the store-first protocol
 * (tg/store.h): 0 (stored; the products' sums start from +0 and never are -0, so
 * they have the bits of adding onto zeros) when x's H head blocks at off cover every
 * column of x and nothing has written the buffer yet in this sweep; else 1, the
 * buffer zeroed first if unset. */
static tg_real head_beta(tg_tensor *x, long off, size_t H, size_t hd) {
    if (off == 0 && H * hd == (size_t)x->shape[2]) return tg__grad_first(x) ? 0 : 1;
    tg__grad_zero_unset(x);
    return 1;
}

/* For heads [i0, i1) of batch entry e: dA_i (Ta,hd) += alpha G_i (Ta,Tb) B_i (Tb,hd),
 * or with wrt_b dB_i (Tb,hd) += alpha G_i^T (Tb,Ta) A_i (Ta,hd). */
static void scores_grad(const tg_node *n, bool wrt_b, size_t e, size_t i0, size_t i1, tg_real beta) {
    tg_tensor *x = n->in[wrt_b], *y = n->in[!wrt_b]; /* the gradient's input, the other */
    long xo = n->args.i[wrt_b], yo = n->args.i[!wrt_b];
    size_t H = (size_t)n->args.i[2], hd = (size_t)n->args.i[3], Ta = (size_t)n->in[0]->shape[1],
           Tb = (size_t)n->in[1]->shape[1];
    for (size_t i = i0; i < i1; i++)
        tg__gemm_small(wrt_b, false, wrt_b ? Tb : Ta, hd, wrt_b ? Ta : Tb, (tg_real)n->args.f[0],
                       n->out->grad + (e * H + i) * Ta * Tb, Tb, y->data + block(y, e, yo, i, hd),
                       (size_t)y->shape[2], beta, x->grad + block(x, e, xo, i, hd), (size_t)x->shape[2]);
}

/* Head by head, dA_i then dB_i, while G_i is in the cache. Every element then takes
 * dA's term before dB's, as when every dA_i comes first, unless a is b with blocks
 * that overlap at different offsets (dB_i would meet dA_(i+1)): then all of dA first.
 * The betas (store-first protocol) are taken in that order too. */
void tg__head_scores_bwd(tg_node *n) {
    tg_tensor *a = n->in[0], *b = n->in[1];
    size_t B = (size_t)a->shape[0], H = (size_t)n->args.i[2], hd = (size_t)n->args.i[3];
    long ao = n->args.i[0], bo = n->args.i[1], w = (long)(H * hd);
    tg_real beta_a = a->grad ? head_beta(a, ao, H, hd) : 0, beta_b = b->grad ? head_beta(b, bo, H, hd) : 0;
    bool by_head = a != b || ao == bo || ao + w <= bo || bo + w <= ao;
    for (size_t e = 0; e < B; e++)
        for (size_t i = 0; i < (by_head ? H : 1); i++) {
            size_t i1 = by_head ? i + 1 : H;
            if (a->grad) scores_grad(n, false, e, i, i1, beta_a);
            if (b->grad && by_head) scores_grad(n, true, e, i, i1, beta_b);
        }
    if (b->grad && !by_head)
        for (size_t e = 0; e < B; e++) scores_grad(n, true, e, 0, H, beta_b);
}

tg_status tg__head_scores_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *a = n->in[0], *b = n->in[1];
    long ao = n->args.i[0], bo = n->args.i[1], hd = n->args.i[3];
    tg_real alpha = (tg_real)n->args.f[0];
    if (tg__needs(n, 0)) dx[0] = tg_head_mix(t, g, false, b, (int)bo, a->shape[2], (int)ao, (int)hd, alpha);
    if (tg__needs(n, 1)) dx[1] = tg_head_mix(t, g, true, a, (int)ao, b->shape[2], (int)bo, (int)hd, alpha);
    return tg__graph_status(t);
}

tg_tensor *tg_head_scores(tg_tape *t, tg_tensor *a, int a_off, tg_tensor *b, int b_off, int heads,
                          int head_dim, tg_real alpha) {
    tg_tensor *in[2] = {a, b};
    tg_op_args args = {.i = {a_off, b_off, heads, head_dim}, .f = {alpha}};
    return tg_apply(t, &tg__op_head_scores, in, 2, &args);
}

/* ---- head_mix ---- */

tg_status tg__infer_head_mix(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *p = n->in[0], *v = n->in[1];
    bool tp = n->args.i[1] != 0;
    long vo = n->args.i[0], W = n->args.i[2], oo = n->args.i[3];
    double hdf = n->args.f[1];
    char sp[128], sv[128];
    tg_shape_str(p, sp, sizeof sp);
    tg_shape_str(v, sv, sizeof sv);
    if (p->rank != 4 || !rank3(v) || p->shape[0] != v->shape[0])
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_head_mix: inputs must be (B,H,P1,P2) and (B,Tv,Cv): got %s and %s", sp, sv);
    if (!(hdf >= 1 && hdf <= (double)v->shape[2]))
        return tg_tape_fail(t, TG_ERR_VALUE, "tg_head_mix: head_dim must be in 1..%d, got %g", v->shape[2], hdf);
    long H = p->shape[1], hd = (long)hdf;
    int Tv = tp ? p->shape[2] : p->shape[3], To = tp ? p->shape[3] : p->shape[2];
    if (Tv != v->shape[1])
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_head_mix: %s%s has %d columns but v %s has %d rows", sp, tp ? "^T" : "", Tv,
                            sv, v->shape[1]);
    if (W < 1 || W > (1L << 30) || !blocks_fit(vo, H, hd, v->shape[2]) || !blocks_fit(oo, H, hd, (int)W))
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "tg_head_mix: %ld heads of %ld columns at offsets %ld (v %s) and %ld (width %ld) do not fit", H,
                            hd, vo, sv, oo, W);
    *rank = 3;
    shape[0] = p->shape[0], shape[1] = To, shape[2] = (int)W;
    return TG_OK;
}

typedef struct {
    size_t B, H, hd, P1, P2, To, Tv, Cv, W;
    bool tp;
    tg_real alpha;
} mix_dims;

static mix_dims mix_of(const tg_node *n) {
    const tg_tensor *p = n->in[0], *v = n->in[1];
    mix_dims m;
    m.B = (size_t)p->shape[0], m.H = (size_t)p->shape[1], m.P1 = (size_t)p->shape[2], m.P2 = (size_t)p->shape[3];
    m.tp = n->args.i[1] != 0;
    m.To = m.tp ? m.P2 : m.P1, m.Tv = m.tp ? m.P1 : m.P2;
    m.hd = (size_t)n->args.f[1], m.Cv = (size_t)v->shape[2], m.W = (size_t)n->args.i[2];
    m.alpha = (tg_real)n->args.f[0];
    return m;
}

tg_status tg__head_mix_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    mix_dims m = mix_of(n);
    const tg_tensor *p = n->in[0], *v = n->in[1];
    if (m.W != m.H * m.hd) memset(n->out->data, 0, n->out->size * sizeof(tg_real));
    for (size_t e = 0; e < m.B; e++)
        for (size_t i = 0; i < m.H; i++)
            tg__gemm_small(m.tp, false, m.To, m.hd, m.Tv, m.alpha, p->data + (e * m.H + i) * m.P1 * m.P2, m.P2,
                     v->data + block(v, e, n->args.i[0], i, m.hd), m.Cv, 0,
                     n->out->data + block(n->out, e, n->args.i[3], i, m.hd), m.W);
    return TG_OK;
}

/* Head by head, dP_i then dV_i, while G_i is in the cache (p is never v: their ranks
 * differ). */
void tg__head_mix_bwd(tg_node *n) {
    mix_dims m = mix_of(n);
    tg_tensor *p = n->in[0], *v = n->in[1];
    long vo = n->args.i[0], oo = n->args.i[3];
    tg_real beta_p = p->grad && !tg__grad_first(p) ? 1 : 0; /* every P_i written whole */
    tg_real beta_v = v->grad ? head_beta(v, vo, m.H, m.hd) : 0;
    for (size_t e = 0; e < m.B; e++)
        for (size_t i = 0; i < m.H; i++) {
            size_t kp = (e * m.H + i) * m.P1 * m.P2, kv = block(v, e, vo, i, m.hd);
            const tg_real *G = n->out->grad + block(n->out, e, oo, i, m.hd);
            if (p->grad && !m.tp) /* dP_i (To,Tv) += alpha G (To,hd) V_i^T (hd,Tv) */
                tg__gemm_small(false, true, m.To, m.Tv, m.hd, m.alpha, G, m.W, v->data + kv, m.Cv, beta_p,
                               p->grad + kp, m.Tv);
            else if (p->grad) /* dP_i (Tv,To) += alpha V_i (Tv,hd) G^T (hd,To) */
                tg__gemm_small(false, true, m.Tv, m.To, m.hd, m.alpha, v->data + kv, m.Cv, G, m.W, beta_p,
                               p->grad + kp, m.To);
            if (v->grad) /* dV_i (Tv,hd) += alpha op(P_i)^T (Tv,To) G (To,hd) */
                tg__gemm_small(!m.tp, false, m.Tv, m.hd, m.To, m.alpha, p->data + kp, m.P2, G, m.W, beta_v,
                               v->grad + kv, m.Cv);
        }
}

tg_status tg__head_mix_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *p = n->in[0], *v = n->in[1];
    mix_dims m = mix_of(n);
    int vo = (int)n->args.i[0], oo = (int)n->args.i[3], H = (int)m.H, hd = (int)m.hd;
    if (tg__needs(n, 0))
        dx[0] = m.tp ? tg_head_scores(t, v, vo, g, oo, H, hd, m.alpha) : tg_head_scores(t, g, oo, v, vo, H, hd, m.alpha);
    if (tg__needs(n, 1)) dx[1] = tg_head_mix(t, p, !m.tp, g, oo, v->shape[2], vo, hd, m.alpha);
    return tg__graph_status(t);
}

tg_tensor *tg_head_mix(tg_tape *t, tg_tensor *p, bool trans_p, tg_tensor *v, int v_off, int width, int out_off,
                       int head_dim, tg_real alpha) {
    tg_tensor *in[2] = {p, v};
    tg_op_args args = {.i = {v_off, trans_p ? 1 : 0, width, out_off}, .f = {alpha, head_dim}};
    return tg_apply(t, &tg__op_head_mix, in, 2, &args);
}

/* ---- head_attention ----
 * The three steps of scaled dot-product attention as one op, head by head:
 *   S_i = alpha Q_i K_i^T (masked: -inf where mask != 0),  P_i = softmax(S_i) by rows,
 *   O_i = P_i V_i, written as head block i of out (B, Tq, H hd).
 * It computes what head_scores, masked_fill, softmax and head_mix compute, with the
 * same product calls and the same row kernels (tg__softmax_rows), so the bits are
 * theirs; what it saves is memory traffic: a head's scores and their gradients live
 * in two (Tq, Tk) blocks that stay in L1, and only P is kept for backward, which per
 * head computes
 *   dV_i += P_i^T G_i,  dP = G_i V_i^T,  dS = P_i (dP - rowsum(dP P_i)) (0 where
 *   masked),  dQ_i += alpha dS K_i,  dK_i += alpha dS^T Q_i.
 * q, k and v may be one tensor (the fused projection) at offsets whose blocks do not
 * overlap, so every gradient element receives one product: tg_head_attention records
 * the four ops instead when they would. The graph form is those four ops' graph
 * forms, recorded (the probabilities recomputed by the same ops).
 * args: i[0..2] = q, k, v offsets, i[3] = H; f[0] = alpha, f[1] = hd (an integer).
 * in[3], when present (four inputs), is the mask, broadcast to (B, H, Tq, Tk); it gets
 * no gradient. */

typedef struct {
    size_t B, H, hd, Tq, Tk, Cq, Ck, Cv, W;
    long off[3];
    size_t ms[4]; /* the mask's element strides along (B, H, Tq, Tk), 0 if broadcast */
    tg_real alpha;
} attn_dims;

/* The mask's strides against (B, H, Tq, Tk): rank <= 4, aligned on the right. */
static void mask_strides(const tg_tensor *m, const size_t full[4], size_t ms[4]) {
    size_t st = 1;
    for (int a = 3; a >= 0; a--) {
        int j = a - (4 - m->rank);
        size_t d = j < 0 ? 1 : (size_t)m->shape[j];
        ms[a] = d == 1 && full[a] != 1 ? 0 : st;
        st *= d;
    }
}

static attn_dims attn_of(const tg_node *n) {
    const tg_tensor *q = n->in[0], *k = n->in[1], *v = n->in[2];
    attn_dims d = {0};
    d.B = (size_t)q->shape[0], d.H = (size_t)n->args.i[3], d.hd = (size_t)n->args.f[1];
    d.Tq = (size_t)q->shape[1], d.Tk = (size_t)k->shape[1];
    d.Cq = (size_t)q->shape[2], d.Ck = (size_t)k->shape[2], d.Cv = (size_t)v->shape[2], d.W = d.H * d.hd;
    for (int a = 0; a < 3; a++) d.off[a] = n->args.i[a];
    d.alpha = (tg_real)n->args.f[0];
    if (n->n_in > 3) mask_strides(n->in[3], (size_t[]){d.B, d.H, d.Tq, d.Tk}, d.ms);
    return d;
}

/* Blocks [o1, o1 + w) and [o2, o2 + w) of one tensor share a column. */
static bool blocks_meet(long o1, long o2, long w) { return o1 < o2 + w && o2 < o1 + w; }

/* The op's contract on q, k, v, mask (NULL: none), the offsets, H and hd (a double,
 * as stored); overlapping blocks of one tensor are an error unless allowed (the
 * builder's composition path). */
static tg_status attn_check(tg_tape *t, const tg_tensor *const in[4], const long off[3], long H, double hdf,
                            bool overlap_ok) {
    const tg_tensor *q = in[0], *k = in[1], *v = in[2], *m = in[3];
    const char *nm = "tg_head_attention";
    char sq[128], sk[128], sv[128], sm[128];
    tg_shape_str(q, sq, sizeof sq);
    tg_shape_str(k, sk, sizeof sk);
    tg_shape_str(v, sv, sizeof sv);
    if (!rank3(q) || !rank3(k) || !rank3(v) || k->shape[0] != q->shape[0] || v->shape[0] != q->shape[0])
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: q, k, v must be (B,Tq,Cq), (B,Tk,Ck), (B,Tk,Cv): got %s, %s, %s", nm,
                            sq, sk, sv);
    if (k->shape[1] != v->shape[1])
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: k %s and v %s must have as many rows (keys)", nm, sk, sv);
    if (H < 1 || !(hdf >= 1 && hdf <= (double)(1 << 30)) || hdf != (double)(long)hdf)
        return tg_tape_fail(t, TG_ERR_VALUE, "%s: heads and head_dim must be >= 1, got %ld and %g", nm, H, hdf);
    long hd = (long)hdf, w = H * hd;
    if (!blocks_fit(off[0], H, hd, q->shape[2]) || !blocks_fit(off[1], H, hd, k->shape[2]) ||
        !blocks_fit(off[2], H, hd, v->shape[2]))
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: %ld heads of %ld columns at offsets %ld, %ld, %ld do not fit %s, %s, %s",
                            nm, H, hd, off[0], off[1], off[2], sq, sk, sv);
    for (int a = 0; a < 3 && !overlap_ok; a++)
        for (int b = a + 1; b < 3; b++)
            if (in[a] == in[b] && blocks_meet(off[a], off[b], w))
                return tg_tape_fail(t, TG_ERR_VALUE,
                                    "%s: %c and %c are one tensor with overlapping blocks at offsets %ld and %ld", nm,
                                    "qkv"[a], "qkv"[b], off[a], off[b]);
    int full[4] = {q->shape[0], (int)H, q->shape[1], k->shape[1]};
    if (m) {
        bool ok = m->rank <= 4;
        for (int j = 0; ok && j < m->rank; j++) {
            int d = m->shape[j], f = full[4 - m->rank + j];
            ok = d == f || d == 1;
        }
        if (!ok)
            return tg_tape_fail(t, TG_ERR_SHAPE, "%s: mask %s does not broadcast to the scores (%d,%d,%d,%d)", nm,
                                tg_shape_str(m, sm, sizeof sm), full[0], full[1], full[2], full[3]);
    }
    return TG_OK;
}

tg_status tg__infer_head_attention(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    if (n->n_in != 3 && n->n_in != 4)
        return tg_tape_fail(t, TG_ERR_ARG, "%s: takes q, k, v and an optional mask, got %d inputs", n->op->name,
                            n->n_in);
    const tg_tensor *in[4] = {n->in[0], n->in[1], n->in[2], n->n_in > 3 ? n->in[3] : NULL};
    tg_status st = attn_check(t, in, n->args.i, n->args.i[3], n->args.f[1], false);
    if (st != TG_OK) return st;
    *rank = 3;
    shape[0] = in[0]->shape[0], shape[1] = in[0]->shape[1], shape[2] = (int)(n->args.i[3] * (long)n->args.f[1]);
    return TG_OK;
}

typedef struct {
    tg_real *p;    /* (B, H, Tq, Tk): the weights P, kept when a gradient will be asked */
    tg_real *work; /* 2 (Tq, Tk): a head's scores when P is not kept; dP and dS backward */
} attn_saved;

/* Where head i of batch entry e starts in x (B, T, C) at offset off. */
static const tg_real *head_at(const tg_tensor *x, size_t e, long off, size_t i, size_t hd) {
    return x->data + block(x, e, off, i, hd);
}

/* S = v where the mask is set, for head i of batch entry e (-inf on the scores, 0 on
 * their gradient). */
static void apply_mask(const attn_dims *d, const tg_tensor *m, size_t e, size_t i, tg_real v, tg_real *S) {
    const tg_real *mk = m->data + e * d->ms[0] + i * d->ms[1];
    for (size_t r = 0; r < d->Tq; r++)
        for (size_t c = 0; c < d->Tk; c++)
            if (mk[r * d->ms[2] + c * d->ms[3]] != 0) S[r * d->Tk + c] = v;
}

tg_status tg__head_attention_fwd(tg_tape *t, tg_node *n) {
    attn_dims d = attn_of(n);
    const tg_tensor *q = n->in[0], *k = n->in[1], *v = n->in[2], *m = n->n_in > 3 ? n->in[3] : NULL;
    size_t blk = d.Tq * d.Tk, all;
    attn_saved *s = tg_tape_alloc(t, sizeof *s);
    if (!s) return TG_ERR_NOMEM;
    s->p = NULL;
    s->work = tg_tape_alloc(t, 2 * blk * sizeof(tg_real));
    if (!s->work) return TG_ERR_NOMEM;
    if (n->out->flags & TG_REQUIRES_GRAD) {
        if (!tg__mul_size(d.B * d.H, blk, &all) || all > TG__MAX_BYTES / sizeof(tg_real))
            return tg_tape_fail(t, TG_ERR_NOMEM, "%s: the attention weights (%zu x %zu x %zu x %zu) are too large",
                                n->op->name, d.B, d.H, d.Tq, d.Tk);
        s->p = tg_tape_alloc(t, all * sizeof(tg_real));
        if (!s->p) return TG_ERR_NOMEM;
    }
    n->saved = s;
    for (size_t e = 0; e < d.B; e++)
        for (size_t i = 0; i < d.H; i++) {
            tg_real *S = s->p ? s->p + (e * d.H + i) * blk : s->work;
            tg__gemm_small(false, true, d.Tq, d.Tk, d.hd, d.alpha, head_at(q, e, d.off[0], i, d.hd), d.Cq,
                           head_at(k, e, d.off[1], i, d.hd), d.Ck, 0, S, d.Tk);
            if (m) apply_mask(&d, m, e, i, (tg_real)-INFINITY, S);
            tg__softmax_rows(S, S, d.Tq, d.Tk);
            tg__gemm_small(false, false, d.Tq, d.hd, d.Tk, 1, S, d.Tk, head_at(v, e, d.off[2], i, d.hd), d.Cv, 0,
                           n->out->data + block(n->out, e, 0, i, d.hd), d.W);
        }
    return TG_OK;
}

/* The betas (store-first protocol, tg/store.h) of the products into q's, k's and v's
 * gradients. A tensor that is several of them gets one answer for all its blocks
 * (which do not overlap): 0 (store) when together they cover its columns and nothing
 * has written the buffer yet, else the buffer is zeroed if unset and they add. */
static void attn_betas(tg_node *n, const attn_dims *d, tg_real beta[3]) {
    for (int a = 0; a < 3; a++) {
        tg_tensor *x = n->in[a];
        int first = 0;
        while (n->in[first] != x) first++;
        beta[a] = 1;
        if (!x->grad) continue;
        if (first < a) {
            beta[a] = beta[first];
            continue;
        }
        size_t cols = 0;
        for (int b = a; b < 3; b++) cols += n->in[b] == x ? d->W : 0;
        if (cols == (size_t)x->shape[2]) beta[a] = tg__grad_first(x) ? 0 : 1;
        else tg__grad_zero_unset(x);
    }
}

void tg__head_attention_bwd(tg_node *n) {
    attn_dims d = attn_of(n);
    const attn_saved *s = n->saved;
    tg_tensor *q = n->in[0], *k = n->in[1], *v = n->in[2], *m = n->n_in > 3 ? n->in[3] : NULL;
    size_t blk = d.Tq * d.Tk;
    tg_real beta[3];
    attn_betas(n, &d, beta);
    tg_real *dP = s->work, *dS = s->work + blk;
    for (size_t e = 0; e < d.B; e++)
        for (size_t i = 0; i < d.H; i++) {
            const tg_real *P = s->p + (e * d.H + i) * blk, *G = n->out->grad + block(n->out, e, 0, i, d.hd);
            const tg_real *Q = head_at(q, e, d.off[0], i, d.hd), *K = head_at(k, e, d.off[1], i, d.hd);
            if (v->grad) /* dV_i (Tk,hd) += P_i^T (Tk,Tq) G (Tq,hd) */
                tg__gemm_small(true, false, d.Tk, d.hd, d.Tq, 1, P, d.Tk, G, d.W, beta[2],
                               v->grad + block(v, e, d.off[2], i, d.hd), d.Cv);
            if (!q->grad && !k->grad) continue;
            /* dP (Tq,Tk) = G (Tq,hd) V_i^T (hd,Tk), then the softmax's and the mask's */
            tg__gemm_small(false, true, d.Tq, d.Tk, d.hd, 1, G, d.W, head_at(v, e, d.off[2], i, d.hd), d.Cv, 0, dP,
                           d.Tk);
            tg__softmax_rows_bwd(P, dP, dS, d.Tq, d.Tk, true);
            if (m) apply_mask(&d, m, e, i, 0, dS);
            /* alpha dS once for both products: each rounds alpha times its A before the
             * multiply-adds, so the products of alpha dS with alpha 1 have their bits */
            if (d.alpha != 1)
                for (size_t j = 0; j < blk; j++) dS[j] = d.alpha * dS[j];
            if (q->grad) /* dQ_i (Tq,hd) += alpha dS (Tq,Tk) K_i (Tk,hd) */
                tg__gemm_small(false, false, d.Tq, d.hd, d.Tk, 1, dS, d.Tk, K, d.Ck, beta[0],
                               q->grad + block(q, e, d.off[0], i, d.hd), d.Cq);
            if (k->grad) /* dK_i (Tk,hd) += alpha dS^T (Tk,Tq) Q_i (Tq,hd) */
                tg__gemm_small(true, false, d.Tk, d.hd, d.Tq, 1, dS, d.Tk, Q, d.Cq, beta[1],
                               k->grad + block(k, e, d.off[1], i, d.hd), d.Ck);
        }
}

/* P = softmax(masked_fill(head_scores(q, k), mask, -inf)): the composition. */
static tg_tensor *attn_weights(tg_tape *t, tg_tensor *q, int qo, tg_tensor *k, int ko, tg_tensor *mask, int H,
                               int hd, tg_real alpha) {
    tg_tensor *S = tg_head_scores(t, q, qo, k, ko, H, hd, alpha);
    if (mask) S = tg_masked_fill(t, S, mask, (tg_real)-INFINITY);
    return tg_softmax(t, S);
}

tg_status tg__head_attention_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *q = n->in[0], *k = n->in[1], *v = n->in[2], *m = n->n_in > 3 ? n->in[3] : NULL;
    attn_dims d = attn_of(n);
    int qo = (int)d.off[0], ko = (int)d.off[1], vo = (int)d.off[2], H = (int)d.H, hd = (int)d.hd;
    tg_tensor *P = attn_weights(t, q, qo, k, ko, m, H, hd, d.alpha);
    if (tg__needs(n, 2)) dx[2] = tg_head_mix(t, P, true, g, 0, v->shape[2], vo, hd, 1);
    if (tg__needs(n, 0) || tg__needs(n, 1)) {
        tg_tensor *dP = tg_head_scores(t, g, 0, v, vo, H, hd, 1);
        tg_tensor *dS = tg_mul(t, P, tg_sub(t, dP, tg_sum_axis(t, tg_mul(t, dP, P), -1, true)));
        if (m) dS = tg_masked_fill(t, dS, m, 0);
        if (tg__needs(n, 0)) dx[0] = tg_head_mix(t, dS, false, k, ko, q->shape[2], qo, hd, d.alpha);
        if (tg__needs(n, 1)) dx[1] = tg_head_mix(t, dS, true, q, qo, k->shape[2], ko, hd, d.alpha);
    }
    return tg__graph_status(t);
}

tg_tensor *tg_head_attention(tg_tape *t, tg_tensor *q, int q_off, tg_tensor *k, int k_off, tg_tensor *v, int v_off,
                             tg_tensor *mask, int heads, int head_dim, tg_real alpha) {
    long w = (long)heads * head_dim;
    bool meet = heads >= 1 && head_dim >= 1 && w <= INT_MAX &&
                ((q && q == k && blocks_meet(q_off, k_off, w)) || (q && q == v && blocks_meet(q_off, v_off, w)) ||
                 (k && k == v && blocks_meet(k_off, v_off, w)));
    tg_tensor *in4[4] = {q, k, v, mask};
    for (int a = 0; meet && a < 4; a++) /* the composition's path checks the op's contract first */
        meet = t && tg_tape_status(t) == TG_OK && (a == 3 ? !mask || tg__tensor_live(t, mask)
                                                          : in4[a] && tg__tensor_live(t, in4[a]));
    if (meet && attn_check(t, (const tg_tensor *const *)in4, (long[]){q_off, k_off, v_off}, heads, head_dim, true) != TG_OK)
        return NULL;
    if (meet) /* blocks that overlap: the composition, whose sweep adds their terms in its order */
        return tg_head_mix(t, attn_weights(t, q, q_off, k, k_off, mask, heads, head_dim, alpha), false, v, v_off,
                           (int)w, 0, head_dim, 1);
    tg_tensor *in[4] = {q, k, v, mask};
    tg_op_args args = {.i = {q_off, k_off, v_off, heads}, .f = {alpha, head_dim}};
    return tg_apply(t, &tg__op_head_attention, in, mask ? 4 : 3, &args);
}
