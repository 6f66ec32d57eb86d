/* test_affine_relu.c — tg_affine_relu against the composition it stands for,
 * tg_relu(tg_affine(x, W, b)), on random shapes (x of rank 1 to 3, K and N from 1 to
 * 40, and N past the 1024 columns summed at a time for db), with inputs that make
 * x W + b exactly 0 (a zero row of x with a zero bias) and NaN:
 *   - values and gradients are the composition's, bit for bit in both builds,
 *     including gradients that accumulate onto ones already there (two backward
 *     sweeps) and inputs of which only some want a gradient;
 *   - one tensor as two of the inputs (x as b, x as W) gives the same bits too: the
 *     op writes its gradients in affine's order;
 *   - Hessian-vector products are the composition's (to rounding), with the second
 *     sweep's graph forms recorded or not;
 *   - a node keeps its output, dz and N column sums, and only when a gradient is
 *     asked. */
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

static tg_tensor *fused(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    return tg_affine_relu(t, in[0], in[1], in[2]);
}
static tg_tensor *composed(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    return tg_relu(t, tg_affine(t, in[0], in[1], in[2]));
}

/* Both forms on in[], outputs of n elements: the same bits everywhere. */
static void compare(tg_rng *g, tg_tensor *const in[3], size_t n, const char *what) {
    tg_real *s1 = malloc(n * sizeof *s1), *s2 = malloc(n * sizeof *s2), *o1 = malloc(n * sizeof *o1),
            *o2 = malloc(n * sizeof *o2), *g1[3], *g2[3];
    for (size_t j = 0; j < n; j++) s1[j] = (tg_real)(tg_rng_uniform(g) * 4 - 2), s2[j] = (tg_real)(tg_rng_uniform(g) - 0.5);
    for (int a = 0; a < 3; a++) g1[a] = calloc(in[a]->size, sizeof(tg_real)), g2[a] = calloc(in[a]->size, sizeof(tg_real));
    check_two_sweeps("op", fused, NULL, in, 3, s1, s2, o1, g1);
    check_two_sweeps("composition", composed, NULL, in, 3, s1, s2, o2, g2);
    size_t at = 0;
    CHECK(same_bits(o1, o2, n, &at), "%s: values differ at %zu", what, at);
    for (int a = 0; a < 3; a++)
        CHECK(same_bits(g1[a], g2[a], in[a]->size, &at), "%s: input %d's gradient differs at %zu", what, a + 1, at);
    for (int a = 0; a < 3; a++) free(g1[a]), free(g2[a]);
    free(s1), free(s2), free(o1), free(o2);
}

static tg_tensor *constant_copy(tg_tensor *x) {
    tg_tensor *c = tg_tensor_new(x->rank, x->shape, 0);
    memcpy(c->data, x->data, x->size * sizeof(tg_real));
    tg_tensor_free(x);
    return c;
}

static void check_shape(tg_rng *g, int id) {
    int rank = pick(g, 1, 3), shape[3], K = pick(g, 1, 40), N = id % 10 == 9 ? pick(g, 1025, 1100) : pick(g, 1, 40);
    for (int a = 0; a < rank - 1; a++) shape[a] = pick(g, 1, id % 10 == 9 ? 3 : 9);
    shape[rank - 1] = K;
    unsigned need = (unsigned)pick(g, 1, 7); /* which of x, W, b want a gradient */
    tg_tensor *in[3] = {check_input(g, rank, shape, -2, 2), check_input(g, 2, (int[]){K, N}, -1, 1),
                        check_input(g, 1, (int[]){N}, -1, 1)};
    size_t rows = in[0]->size / (size_t)K;
    if (id % 4 == 1) { /* a zero row of x and a zero bias: x W + b is exactly 0 there */
        memset(in[0]->data, 0, (size_t)K * sizeof(tg_real));
        memset(in[2]->data, 0, (size_t)N * sizeof(tg_real));
    }
    if (id % 7 == 3) in[0]->data[in[0]->size - 1] = (tg_real)NAN; /* a NaN row: relu passes g there */
    for (int a = 0; a < 3; a++)
        if (!(need & (1u << a))) in[a] = constant_copy(in[a]);
    char what[96];
    snprintf(what, sizeof what, "shape %d (rank %d, %zu rows, K %d, N %d, need %u)", id, rank, rows, K, N, need);
    compare(g, in, rows * (size_t)N, what);
    for (int a = 0; a < 3; a++) tg_tensor_free(in[a]);
}

/* One tensor as two inputs: x as b (x of (K), N = K) and x as W (square). */
static void check_aliases(tg_rng *g) {
    tg_tensor *v = check_input(g, 1, (int[]){6}, -2, 2), *W = check_input(g, 2, (int[]){6, 6}, -1, 1);
    compare(g, (tg_tensor *[]){v, W, v}, 6, "x as b");
    tg_tensor *S = check_input(g, 2, (int[]){6, 6}, -1, 1), *b = check_input(g, 1, (int[]){6}, -1, 1);
    compare(g, (tg_tensor *[]){S, S, b}, 36, "x as W");
    tg_tensor_free(v), tg_tensor_free(W), tg_tensor_free(S), tg_tensor_free(b);
}

/* Hessian-vector products of sum(y^3) against the composition's, with the second
 * sweep's graph forms run unrecorded (flags 0) and recorded. */
static void check_hvp(tg_rng *g) {
    tg_tensor *xs[3] = {check_input(g, 2, (int[]){5, 4}, -2, 2), check_input(g, 2, (int[]){4, 6}, -1, 1),
                        check_input(g, 1, (int[]){6}, -1, 1)};
    tg_tensor *vs[3];
    for (int k = 0; k < 3; k++) {
        vs[k] = tg_tensor_new(xs[k]->rank, xs[k]->shape, 0);
        tg_tensor_uniform(vs[k], g, -1, 1);
    }
    for (int fl = 0; fl < 2; fl++) {
        tg_tensor *hv[2][3];
        tg_tape *t[2];
        for (int f = 0; f < 2; f++) {
            t[f] = tg_tape_new();
            tg_tensor *y = (f ? fused : composed)(t[f], xs, NULL);
            tg_tensor *loss = tg_sum(t[f], tg_mul(t[f], y, tg_mul(t[f], y, y)));
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

/* What a node keeps: its output, and dz with N column sums only when asked for a
 * gradient (the composition keeps x W + b and relu's output). */
static void check_arena(tg_rng *g) {
    tg_tensor *x = check_input(g, 2, (int[]){100, 16}, -2, 2), *W = check_input(g, 2, (int[]){16, 32}, -1, 1),
              *b = check_input(g, 1, (int[]){32}, -1, 1);
    tg_tape *t = tg_tape_new();
    size_t out = 100 * 32 * sizeof(tg_real), keep = out + 32 * sizeof(double);
    size_t before = tg_tape_arena_used(t);
    tg_tensor *y = tg_affine_relu(t, x, W, b);
    size_t used = tg_tape_arena_used(t) - before;
    CHECK(y && used >= out + keep && used <= out + keep + 1024, "with gradients: output %zu bytes, dz and sums %zu: %zu",
          out, keep, used);
    tg_tensor *xc = constant_copy(x), *Wc = constant_copy(W), *bc = constant_copy(b);
    tg_tape_reset(t);
    before = tg_tape_arena_used(t);
    y = tg_affine_relu(t, xc, Wc, bc);
    used = tg_tape_arena_used(t) - before;
    CHECK(y && used >= out && used <= out + 1024, "without gradients: the output only (%zu bytes): %zu", out, used);
    tg_tape_free(t);
    tg_tensor_free(xc), tg_tensor_free(Wc), tg_tensor_free(bc);
}

int main(void) {
    tg_rng g;
    tg_rng_seed(&g, 13);
    for (int i = 0; i < 60; i++) check_shape(&g, i);
    check_aliases(&g);
    check_hvp(&g);
    check_arena(&g);
    return check_done();
}
