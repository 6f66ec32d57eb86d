/* test_standardize_affine.c — tg_standardize_affine against the composition it stands
 * for, tg_add(tg_mul(tg_standardize(x, eps), gamma), beta), on random shapes (rank 1
 * to 4, rows of 1 to 70 elements, row counts around the kernels' blocks of 8):
 *   - values and gradients are the composition's, bit for bit in both builds,
 *     including gradients that accumulate onto ones already there (two backward
 *     sweeps) and inputs of which only some want a gradient;
 *   - Hessian-vector products are the composition's (to rounding: the graphs
 *     differ), with the second sweep's graph forms recorded or not;
 *   - one tensor as two of its inputs gives the composition itself;
 *   - a node keeps two numbers per row and two blocks of 8 rows. */
#include <stdlib.h>
#include "check.h"

static int pick(tg_rng *g, int lo, int hi) { return lo + (int)(tg_rng_u64(g) % (uint64_t)(hi - lo + 1)); }

static bool same_bits(const tg_real *a, const tg_real *b, size_t n, size_t *at) {
    for (size_t j = 0; j < n; j++)
        if (memcmp(&a[j], &b[j], sizeof a[j]) != 0) {
            *at = j;
            return false;
        }
    return true;
}

typedef struct {
    tg_tensor *x, *gm, *bt;
    double eps;
} inputs;

/* in[] = x, gamma, beta; user: the inputs (for eps) */
static tg_tensor *fused(tg_tape *t, tg_tensor *const *in, void *u) {
    return tg_standardize_affine(t, in[0], in[1], in[2], (tg_real)((const inputs *)u)->eps);
}
static tg_tensor *composed(tg_tape *t, tg_tensor *const *in, void *u) {
    return tg_add(t, tg_mul(t, tg_standardize(t, in[0], (tg_real)((const inputs *)u)->eps), in[1]), in[2]);
}

static void check_shape(tg_rng *g, int id) {
    int rank = pick(g, 1, 4), shape[4], D = pick(g, 1, 70);
    for (int a = 0; a < rank - 1; a++) shape[a] = pick(g, 1, 5);
    shape[rank - 1] = D;
    unsigned need = (unsigned)pick(g, 1, 7); /* which of x, gamma, beta want a gradient */
    inputs in = {check_input(g, rank, shape, -3, 3), check_input(g, 1, (int[]){D}, -2, 2),
                 check_input(g, 1, (int[]){D}, -2, 2), pick(g, 0, 1) ? 1e-5 : 0.3};
    tg_tensor *ts[3] = {in.x, in.gm, in.bt};
    for (int a = 0; a < 3; a++)
        if (!(need & (1u << a))) { /* a constant copy */
            tg_tensor *c = tg_tensor_new(ts[a]->rank, ts[a]->shape, 0);
            memcpy(c->data, ts[a]->data, ts[a]->size * sizeof(tg_real));
            tg_tensor_free(ts[a]);
            ts[a] = c;
        }
    in.x = ts[0], in.gm = ts[1], in.bt = ts[2];
    size_t n = in.x->size;
    tg_real *s1 = malloc(n * sizeof *s1), *s2 = malloc(n * sizeof *s2), *o1 = malloc(n * sizeof *o1),
            *o2 = malloc(n * sizeof *o2), *g1[3], *g2[3];
    for (size_t j = 0; j < n; j++) s1[j] = (tg_real)(tg_rng_uniform(g) * 4 - 2), s2[j] = (tg_real)(tg_rng_uniform(g) - 0.5);
    for (int a = 0; a < 3; a++) g1[a] = calloc(ts[a]->size, sizeof(tg_real)), g2[a] = calloc(ts[a]->size, sizeof(tg_real));
    check_two_sweeps("op", fused, &in, ts, 3, s1, s2, o1, g1);
    check_two_sweeps("composition", composed, &in, ts, 3, s1, s2, o2, g2);
    size_t at = 0;
    CHECK(same_bits(o1, o2, n, &at), "shape %d (rank %d, D %d): values differ at %zu", id, rank, D, at);
    for (int a = 0; a < 3; a++)
        CHECK(same_bits(g1[a], g2[a], ts[a]->size, &at), "shape %d (rank %d, D %d, need %u): input %d's gradient differs at %zu",
              id, rank, D, need, a + 1, at);
    for (int a = 0; a < 3; a++) free(g1[a]), free(g2[a]), tg_tensor_free(ts[a]);
    free(s1), free(s2), free(o1), free(o2);
}

/* Hessian-vector products of sum(z^3) against the composition's, with the second
 * sweep's graph forms run unrecorded (flags 0) and recorded. */
static void check_hvp(tg_rng *g) {
    tg_tensor *xs[3] = {check_input(g, 2, (int[]){5, 7}, -2, 2), check_input(g, 1, (int[]){7}, -2, 2),
                        check_input(g, 1, (int[]){7}, -2, 2)};
    tg_tensor *vs[3];
    for (int k = 0; k < 3; k++) {
        vs[k] = tg_tensor_new(xs[k]->rank, xs[k]->shape, 0);
        tg_tensor_uniform(vs[k], g, -1, 1);
    }
    inputs in = {xs[0], xs[1], xs[2], 0.1};
    for (int fl = 0; fl < 2; fl++) {
        tg_tensor *hv[2][3];
        tg_tape *t[2];
        for (int f = 0; f < 2; f++) {
            t[f] = tg_tape_new();
            tg_tensor *z = (f ? fused : composed)(t[f], xs, &in);
            tg_tensor *loss = tg_sum(t[f], tg_mul(t[f], z, tg_mul(t[f], z, z)));
            CHECK(tg_hvp(t[f], loss, xs, vs, 3, fl ? TG_GRAD_CREATE_GRAPH : 0, hv[f]) == TG_OK, "tg_hvp: %s",
                  tg_tape_message(t[f]));
        }
        for (int k = 0; k < 3; k++) {
            double worst = check_rel_dist(hv[0][k], hv[1][k]);
            CHECK(worst <= (TG_REAL_IS_DOUBLE ? 1e-12 : 1e-4), "H v (%s second sweep), input %d: %.3g from the composition's",
                  fl ? "recorded" : "unrecorded", k + 1, worst);
        }
        tg_tape_free(t[0]), tg_tape_free(t[1]);
    }
    for (int k = 0; k < 3; k++) tg_tensor_free(xs[k]), tg_tensor_free(vs[k]);
}

int main(void) {
    tg_rng g;
    tg_rng_seed(&g, 11);
    for (int i = 0; i < 80; i++) check_shape(&g, i);
    check_hvp(&g);
    /* one tensor twice: the composition is recorded */
    tg_tensor *v = check_input(&g, 1, (int[]){6}, -2, 2), *b = check_input(&g, 1, (int[]){6}, -2, 2);
    tg_tape *t = tg_tape_new();
    tg_tensor *y = tg_standardize_affine(t, v, v, b, (tg_real)0.1);
    CHECK(y && y->node && strcmp(y->node->op->name, "tg_add") == 0, "x as gamma too: the composition (last op %s)",
          y && y->node ? y->node->op->name : "none");
    /* what a node keeps: two numbers per row and two blocks of 8 rows */
    tg_tensor *x = check_input(&g, 2, (int[]){100, 32}, -2, 2), *gm = check_input(&g, 1, (int[]){32}, -2, 2),
              *bt = check_input(&g, 1, (int[]){32}, -2, 2);
    tg_tape_reset(t);
    size_t before = tg_tape_arena_used(t), out = 100 * 32 * sizeof(tg_real);
    y = tg_standardize_affine(t, x, gm, bt, (tg_real)0.1);
    size_t used = tg_tape_arena_used(t) - before, keep = (2 * 100 + 2 * 8 * 32) * sizeof(tg_real);
    CHECK(y && used >= out + keep && used <= out + keep + 1024, "a node keeps its output (%zu bytes) and %zu: %zu", out,
          keep, used);
    tg_tape_free(t);
    tg_tensor_free(v), tg_tensor_free(b), tg_tensor_free(x), tg_tensor_free(gm), tg_tensor_free(bt);
    return check_done();
}
