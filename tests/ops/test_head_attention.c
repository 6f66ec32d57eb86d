/* test_head_attention.c — tg_head_attention against the composition it stands for,
 * tg_head_mix(softmax(masked_fill(tg_head_scores(q, k), mask, -inf)), v), on random
 * configurations: batch sizes, heads, head widths, query and key lengths on both
 * sides of the small-product kernel's limits; q, k and v as three tensors, as one
 * fused projection, or q and a fused key-value tensor; no mask, a causal (Tq,Tk)
 * one, a key-padding (B,1,1,Tk) one, their union and a per-head (B,H,Tq,Tk) one.
 *   - the values and every input's gradient are the composition's, bit for bit, in
 *     both builds (the same products and row kernels, one contribution per element);
 *   - Hessian-vector products are the composition's (to rounding), with the second
 *     sweep's graph forms recorded or not;
 *   - blocks of one tensor that overlap give the composition itself;
 *   - a row whose every key is hidden is NaN, as the composition's;
 *   - a node keeps its output, the weights P and two (Tq,Tk) blocks, and without a
 *     gradient only the two blocks; once both backwards have run, the composition
 *     has used at least two score-sized tensors more than the op. */
#include <stdlib.h>
#include "check.h"

typedef enum { SEPARATE, FUSED_QKV, Q_AND_KV } layout;
typedef enum { NO_MASK, CAUSAL, PADDING, BOTH, PER_HEAD } masking;

typedef struct {
    int B, H, hd, Tq, Tk;
    layout lay;
    masking mk;
    double alpha;
} cfg;

typedef struct {
    tg_tensor *in[3]; /* the long-lived inputs; q, k, v are blocks of them */
    int n_in;
    int off[3];       /* q, k, v offsets */
    int which[3];     /* the input each of q, k, v is */
    tg_real *mask;    /* NULL or the mask's values, shape from mask_shape */
    int mrank, mshape[4];
} setup;

static int pick(tg_rng *g, int lo, int hi) { return lo + (int)(tg_rng_u64(g) % (uint64_t)(hi - lo + 1)); }

static void make_setup(tg_rng *g, const cfg *c, setup *s) {
    int w = c->H * c->hd;
    memset(s, 0, sizeof *s);
    if (c->lay == SEPARATE) { /* extra columns around the blocks */
        s->n_in = 3;
        s->in[0] = check_input(g, 3, (int[]){c->B, c->Tq, w + 1}, -2, 2);
        s->in[1] = check_input(g, 3, (int[]){c->B, c->Tk, w}, -2, 2);
        s->in[2] = check_input(g, 3, (int[]){c->B, c->Tk, w + 2}, -2, 2);
        s->off[0] = 1, s->off[2] = 2;
        for (int a = 0; a < 3; a++) s->which[a] = a;
    } else if (c->lay == FUSED_QKV) { /* q, k, v cover the tensor */
        s->n_in = 1;
        s->in[0] = check_input(g, 3, (int[]){c->B, c->Tq, 3 * w}, -2, 2);
        s->off[1] = w, s->off[2] = 2 * w;
    } else { /* q alone, [v k] with a gap: a partly covered tensor */
        s->n_in = 2;
        s->in[0] = check_input(g, 3, (int[]){c->B, c->Tq, w}, -2, 2);
        s->in[1] = check_input(g, 3, (int[]){c->B, c->Tk, 2 * w + 1}, -2, 2);
        s->off[1] = w + 1, s->off[2] = 0;
        s->which[1] = s->which[2] = 1;
    }
    if (c->mk == NO_MASK) return;
    int B = c->B, H = c->H, Tq = c->Tq, Tk = c->Tk;
    if (c->mk == CAUSAL) s->mrank = 2, s->mshape[0] = Tq, s->mshape[1] = Tk;
    if (c->mk == PADDING) s->mrank = 4, memcpy(s->mshape, (int[]){B, 1, 1, Tk}, sizeof s->mshape);
    if (c->mk == BOTH) s->mrank = 4, memcpy(s->mshape, (int[]){B, 1, Tq, Tk}, sizeof s->mshape);
    if (c->mk == PER_HEAD) s->mrank = 4, memcpy(s->mshape, (int[]){B, H, Tq, Tk}, sizeof s->mshape);
    size_t n = 1;
    for (int a = 0; a < s->mrank; a++) n *= (size_t)s->mshape[a];
    s->mask = calloc(n, sizeof *s->mask);
    /* element (b, h, q, k) of the mask as stored, set when hidden; key 0 stays visible
     * so that no row is all hidden, and some hidden values are not 1 (2, NaN) */
    for (size_t j = 0; j < n; j++) {
        size_t rest = j, idx[4] = {0};
        for (int a = s->mrank - 1; a >= 0; a--) {
            idx[a] = rest % (size_t)s->mshape[a];
            rest /= (size_t)s->mshape[a];
        }
        size_t kk = idx[s->mrank - 1], qq = idx[s->mrank - 2], bb = s->mrank == 4 ? idx[0] : 0;
        bool hide = (c->mk == CAUSAL || c->mk == BOTH) && kk > qq;
        hide = hide || ((c->mk == PADDING || c->mk == BOTH) && kk > 0 && kk + bb % 3 >= (size_t)Tk);
        hide = hide || (c->mk == PER_HEAD && kk > 0 && tg_rng_uniform(g) < 0.4);
        s->mask[j] = hide ? (j % 5 == 0 ? (tg_real)NAN : j % 3 == 0 ? 2 : 1) : 0;
    }
}

static void free_setup(setup *s) {
    for (int a = 0; a < 3; a++) tg_tensor_free(s->in[a]);
    free(s->mask);
}

static tg_tensor *mask_of(tg_tape *t, const setup *s) {
    return s->mask ? tg_tape_tensor(t, s->mrank, s->mshape, s->mask, 0) : NULL;
}

static tg_tensor *fused(tg_tape *t, const cfg *c, const setup *s) {
    return tg_head_attention(t, s->in[s->which[0]], s->off[0], s->in[s->which[1]], s->off[1], s->in[s->which[2]],
                             s->off[2], mask_of(t, s), c->H, c->hd, (tg_real)c->alpha);
}

static tg_tensor *composed(tg_tape *t, const cfg *c, const setup *s) {
    tg_tensor *S = tg_head_scores(t, s->in[s->which[0]], s->off[0], s->in[s->which[1]], s->off[1], c->H, c->hd,
                                  (tg_real)c->alpha);
    tg_tensor *m = mask_of(t, s);
    if (m) S = tg_masked_fill(t, S, m, (tg_real)-INFINITY);
    return tg_head_mix(t, tg_softmax(t, S), false, s->in[s->which[2]], s->off[2], c->H * c->hd, 0, c->hd, 1);
}

/* a and b hold the same bits (+0 and -0 told apart; NaN equal to NaN). */
static bool same_bits(const tg_real *a, const tg_real *b, size_t n, size_t *at) {
    for (size_t j = 0; j < n; j++)
        if (memcmp(&a[j], &b[j], sizeof a[j]) != 0 && !(isnan(a[j]) && isnan(b[j]))) {
            *at = j;
            return false;
        }
    return true;
}

/* The output and the inputs' gradients of one form for the seed. */
static void run_form(bool fuse, const cfg *c, const setup *s, const tg_real *seed, tg_real **out, tg_real *grads[3],
                     const char *label) {
    tg_tape *t = tg_tape_new();
    for (int a = 0; a < s->n_in; a++) tg_tensor_zero_grad(s->in[a]);
    tg_tensor *y = fuse ? fused(t, c, s) : composed(t, c, s);
    CHECK(y != NULL, "%s: the %s runs: %s", label, fuse ? "op" : "composition", tg_tape_message(t));
    if (!y) {
        tg_tape_free(t);
        return;
    }
    CHECK(!fuse || (y->node && strncmp(y->node->op->name, "tg_head_attention", 17) == 0),
          "%s: one head_attention node", label);
    *out = malloc(y->size * sizeof(tg_real));
    memcpy(*out, y->data, y->size * sizeof(tg_real));
    tg_tensor *sd = tg_tape_tensor(t, y->rank, y->shape, seed, 0);
    CHECK(tg_backward(t, y, sd) == TG_OK, "%s: backward: %s", label, tg_tape_message(t));
    for (int a = 0; a < s->n_in; a++) {
        grads[a] = malloc(s->in[a]->size * sizeof(tg_real));
        memcpy(grads[a], s->in[a]->grad, s->in[a]->size * sizeof(tg_real));
    }
    tg_tape_free(t);
}

static void check_cfg(const cfg *c, tg_rng *g, int id) {
    static const char *lays[] = {"q, k, v", "one qkv tensor", "q and one kv tensor"};
    static const char *masks[] = {"no mask", "causal", "key padding", "causal and padding", "per head"};
    char label[200];
    snprintf(label, sizeof label, "configuration %d: B %d, %d heads x %d, Tq %d, Tk %d, %s, %s, alpha %g", id, c->B,
             c->H, c->hd, c->Tq, c->Tk, lays[c->lay], masks[c->mk], c->alpha);
    setup s;
    make_setup(g, c, &s);
    size_t ny = (size_t)c->B * (size_t)c->Tq * (size_t)(c->H * c->hd);
    tg_real *seed = malloc(ny * sizeof *seed);
    for (size_t j = 0; j < ny; j++) seed[j] = (tg_real)(tg_rng_uniform(g) * 4 - 2);
    tg_real *yf = NULL, *yc = NULL, *gf[3] = {0}, *gc[3] = {0};
    run_form(true, c, &s, seed, &yf, gf, label);
    run_form(false, c, &s, seed, &yc, gc, label);
    size_t at = 0;
    if (yf && yc) CHECK(same_bits(yf, yc, ny, &at), "%s: values differ from the composition at %zu", label, at);
    for (int a = 0; a < s.n_in; a++)
        if (gf[a] && gc[a])
            CHECK(same_bits(gf[a], gc[a], s.in[a]->size, &at),
                  "%s: input %d's gradient differs from the composition's at %zu (%.17g, %.17g)", label, a + 1, at,
                  (double)gf[a][at], (double)gc[a][at]);
    for (int a = 0; a < 3; a++) free(gf[a]), free(gc[a]);
    free(yf), free(yc), free(seed);
    free_setup(&s);
}

/* Two of q, k, v one tensor with overlapping blocks: the composition is recorded. */
static void check_overlap(void) {
    tg_rng g;
    tg_rng_seed(&g, 3);
    tg_tensor *x = check_input(&g, 3, (int[]){2, 5, 6}, -2, 2);
    tg_tape *t = tg_tape_new();
    tg_tensor *y = tg_head_attention(t, x, 0, x, 0, x, 2, NULL, 2, 2, (tg_real)0.5);
    CHECK(y && y->node && strcmp(y->node->op->name, "tg_head_mix") == 0,
          "overlapping blocks record the composition (last op %s)", y && y->node ? y->node->op->name : "none");
    tg_tensor *yc = tg_head_mix(t, tg_softmax(t, tg_head_scores(t, x, 0, x, 0, 2, 2, (tg_real)0.5)), false, x, 2, 4, 0,
                                2, 1);
    size_t at = 0;
    CHECK(y && yc && same_bits(y->data, yc->data, y->size, &at), "and its values (at %zu)", at);
    tg_tape_free(t);
    tg_tensor_free(x);
}

/* A query whose every key is hidden: NaN in its row of every head, as the softmax of
 * an all -inf row; the other rows finite. */
static void check_hidden_row(void) {
    tg_rng g;
    tg_rng_seed(&g, 4);
    tg_tensor *x = check_input(&g, 3, (int[]){1, 3, 6}, -2, 2);
    tg_tape *t = tg_tape_new();
    tg_real mv[9] = {0, 0, 1, 1, 1, 1, 0, 1, 0}; /* query 1 sees nothing */
    tg_tensor *m = tg_tape_tensor(t, 2, (int[]){3, 3}, mv, 0);
    tg_tensor *y = tg_head_attention(t, x, 0, x, 2, x, 4, m, 1, 2, 1);
    CHECK(y != NULL, "a fully hidden row runs: %s", tg_tape_message(t));
    if (y)
        for (int r = 0; r < 3; r++)
            for (int j = 0; j < 2; j++)
                CHECK(r == 1 ? isnan(y->data[r * 2 + j]) : isfinite(y->data[r * 2 + j]), "row %d, column %d: %g", r,
                      j, (double)y->data[r * 2 + j]);
    tg_tape_free(t);
    tg_tensor_free(x);
}

/* The arena: output + P + two blocks with a gradient; output + two blocks without. */
static void check_arena(void) {
    int B = 4, H = 4, hd = 8, T = 24, w = H * hd;
    tg_rng g;
    tg_rng_seed(&g, 5);
    tg_tensor *x = check_input(&g, 3, (int[]){B, T, 3 * w}, -2, 2);
    size_t out = (size_t)B * T * w * sizeof(tg_real), blk = (size_t)T * T * sizeof(tg_real), P = (size_t)B * H * blk;
    tg_tape *t = tg_tape_new();
    size_t before = tg_tape_arena_used(t);
    tg_tensor *y = tg_head_attention(t, x, 0, x, w, x, 2 * w, NULL, H, hd, (tg_real)0.25);
    size_t node = tg_tape_arena_used(t) - before;
    CHECK(y && node >= out + P + 2 * blk && node <= out + P + 2 * blk + 1024,
          "a node keeps its output (%zu bytes), P (%zu) and two blocks (%zu): %zu bytes", out, P, 2 * blk, node);
    tg_tape_reset(t);
    before = tg_tape_arena_used(t);
    CHECK(tg_backward(t, y = tg_head_attention(t, x, 0, x, w, x, 2 * w, NULL, H, hd, (tg_real)0.25),
                      tg_tape_full(t, 3, (int[]){B, T, w}, 1)) == TG_OK,
          "backward: %s", tg_tape_message(t));
    size_t with_bwd = tg_tape_arena_used(t) - before;
    tg_tape_reset(t);
    before = tg_tape_arena_used(t);
    tg_tensor *yc = tg_head_mix(t, tg_softmax(t, tg_head_scores(t, x, 0, x, w, H, hd, (tg_real)0.25)), false, x,
                                2 * w, w, 0, hd, 1);
    CHECK(yc && tg_backward(t, yc, tg_tape_full(t, 3, (int[]){B, T, w}, 1)) == TG_OK, "composition backward: %s",
          tg_tape_message(t));
    size_t comp = tg_tape_arena_used(t) - before;
    CHECK(comp >= with_bwd + 2 * P, "the composition needs at least two more score-sized tensors (%zu bytes against %zu)", comp,
          with_bwd);
    tg_tape_free(t);
    tg_tensor_free(x);
    /* no gradient: x is a constant */
    tg_tensor *c = tg_tensor_new(3, (int[]){B, T, 3 * w}, 0);
    t = tg_tape_new();
    before = tg_tape_arena_used(t);
    y = tg_head_attention(t, c, 0, c, w, c, 2 * w, NULL, H, hd, (tg_real)0.25);
    node = tg_tape_arena_used(t) - before;
    CHECK(y && node <= out + 2 * blk + 1024, "without a gradient a node keeps no P: %zu bytes (output %zu)", node, out);
    tg_tape_free(t);
    tg_tensor_free(c);
}

/* Hessian-vector products of sum(out^2 * w) against the composition's, one qkv
 * tensor and a causal mask, the second sweep's graph forms unrecorded and recorded. */
static void check_hvp(void) {
    tg_rng g;
    tg_rng_seed(&g, 6);
    cfg c = {2, 2, 3, 4, 4, FUSED_QKV, CAUSAL, 0.6};
    setup s;
    make_setup(&g, &c, &s);
    tg_tensor *v = tg_tensor_new(3, s.in[0]->shape, 0);
    tg_tensor_uniform(v, &g, -1, 1);
    for (int fl = 0; fl < 2; fl++) {
        tg_tensor *hv[2];
        tg_tape *t[2];
        for (int f = 0; f < 2; f++) {
            t[f] = tg_tape_new();
            tg_tensor *y = f ? fused(t[f], &c, &s) : composed(t[f], &c, &s);
            tg_tensor *loss = tg_sum(t[f], tg_mul(t[f], y, tg_mul(t[f], y, y)));
            CHECK(tg_hvp(t[f], loss, s.in, &v, 1, fl ? TG_GRAD_CREATE_GRAPH : 0, &hv[f]) == TG_OK, "tg_hvp: %s",
                  tg_tape_message(t[f]));
        }
        double worst = check_rel_dist(hv[1], hv[0]);
        CHECK(worst <= (TG_REAL_IS_DOUBLE ? 1e-12 : 1e-4), "H v (%s second sweep): %.3g from the composition's",
              fl ? "recorded" : "unrecorded", worst);
        tg_tape_free(t[0]), tg_tape_free(t[1]);
    }
    tg_tensor_free(v);
    free_setup(&s);
}

int main(void) {
    tg_rng g;
    tg_rng_seed(&g, 2026);
    int id = 0;
    /* the benchmark's shape of one head (64 x 64 x 32), then random ones */
    cfg big = {2, 4, 32, 64, 64, FUSED_QKV, NO_MASK, 1 / sqrt(32.0)};
    check_cfg(&big, &g, id++);
    big.mk = BOTH;
    check_cfg(&big, &g, id++);
    for (int r = 0; r < 60; r++) {
        cfg c = {pick(&g, 1, 3), pick(&g, 1, 4), pick(&g, 1, 9), pick(&g, 1, 9), pick(&g, 1, 9),
                 (layout)pick(&g, 0, 2), (masking)pick(&g, 0, 4), r % 4 == 0 ? 1 : 0.1 + tg_rng_uniform(&g)};
        if (r % 10 == 9) c.Tq = pick(&g, 60, 80), c.Tk = pick(&g, 60, 80), c.hd = pick(&g, 20, 40); /* past the small kernel */
        if (c.lay == FUSED_QKV || c.mk == CAUSAL || c.mk == BOTH) c.Tk = c.Tq;
        check_cfg(&c, &g, id++);
    }
    check_hvp();
    check_overlap();
    check_hidden_row();
    check_arena();
    return check_done();
}
