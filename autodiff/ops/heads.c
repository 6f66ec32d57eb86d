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
