/* test_binary.c — add, sub, mul, div with broadcasting: forward by hand,
 * gradient checks on same-shape and broadcast cases, and shape errors. */
#include "check.h"

typedef tg_tensor *(*binary_fn)(tg_tape *, tg_tensor *, tg_tensor *);
static tg_tensor *build_binary(tg_tape *t, tg_tensor *const *in, void *user) {
    return (*(binary_fn *)user)(t, in[0], in[1]);
}

static void test_forward(void) {
    tg_tape *t = tg_tape_new();
    /* (2,3) + (3) broadcasts the row; (2,1) * (1,3) gives an outer product. */
    tg_tensor *a = tg_tape_tensor(t, 2, (int[]){2, 3}, (tg_real[]){1, 2, 3, 4, 5, 6}, 0);
    tg_tensor *r = tg_tape_tensor(t, 1, (int[]){3}, (tg_real[]){10, 20, 30}, 0);
    tg_tensor *c = tg_tape_tensor(t, 2, (int[]){2, 1}, (tg_real[]){2, 3}, 0);
    tg_tensor *d = tg_tape_tensor(t, 2, (int[]){1, 3}, (tg_real[]){1, 2, 4}, 0);
    tg_tensor *s = tg_add(t, a, r);
    const double want_s[6] = {11, 22, 33, 14, 25, 36};
    for (int i = 0; i < 6; i++) CHECK_NEAR(s->data[i], want_s[i], 0);
    tg_tensor *o = tg_mul(t, c, d);
    CHECK(o->rank == 2 && o->shape[0] == 2 && o->shape[1] == 3, "outer product shape");
    const double want_o[6] = {2, 4, 8, 3, 6, 12};
    for (int i = 0; i < 6; i++) CHECK_NEAR(o->data[i], want_o[i], 0);
    tg_tensor *q = tg_div(t, a, c);
    CHECK_NEAR(q->data[4], 5.0 / 3.0, 1e-6);
    tg_tensor *m = tg_sub(t, r, a); /* (3) - (2,3) */
    CHECK_NEAR(m->data[3], 10 - 4, 0);
    /* rank 0 with anything */
    tg_tensor *z = tg_tape_full(t, 0, NULL, 2);
    tg_tensor *zz = tg_mul(t, z, a);
    CHECK(zz->rank == 2 && zz->data[5] == 12, "scalar broadcast");
    CHECK(tg_tape_status(t) == TG_OK, "%s", tg_tape_message(t));
    tg_tape_free(t);
}

static void test_gradients(void) {
    static const struct { const char *name; binary_fn fn; } ops[] = {
        {"tg_add", tg_add}, {"tg_sub", tg_sub}, {"tg_mul", tg_mul}, {"tg_div", tg_div}};
    static const struct { int ra, sa[3], rb, sb[3]; } shp[] = {
        {1, {1}, 1, {1}},           /* scalars */
        {2, {3, 4}, 2, {3, 4}},     /* same shape */
        {2, {3, 4}, 1, {4}},        /* bias row */
        {2, {3, 1}, 2, {1, 4}},     /* outer */
        {3, {2, 3, 4}, 2, {3, 1}},  /* middle broadcast */
        {1, {5}, 0, {0}},           /* rank-0 b */
        {3, {2, 1, 3}, 3, {1, 4, 1}},
    };
    tg_rng g;
    tg_rng_seed(&g, 3);
    for (size_t o = 0; o < 4; o++)
        for (size_t s = 0; s < sizeof shp / sizeof shp[0]; s++) {
            tg_tensor *in[2];
            in[0] = check_input(&g, shp[s].ra, shp[s].sa, -2, 2);
            /* b in [0.5, 2] so div stays away from its pole */
            in[1] = check_input(&g, shp[s].rb, shp[s].sb, 0.5, 2);
            char label[64];
            snprintf(label, sizeof label, "%s case %zu", ops[o].name, s);
            binary_fn f = ops[o].fn;
            check_op_grad(label, build_binary, &f, in, 2);
            /* and with the operands swapped (broadcast on the other side) */
            tg_tensor *sw[2] = {in[1], in[0]};
            if (o == 3) tg_tensor_uniform(in[0], &g, (tg_real)0.5, (tg_real)2);
            snprintf(label, sizeof label, "%s case %zu swapped", ops[o].name, s);
            check_op_grad(label, build_binary, &f, sw, 2);
            tg_tensor_free(in[0]);
            tg_tensor_free(in[1]);
        }
}

static void test_errors(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *a = tg_tape_full(t, 2, (int[]){3, 4}, 1);
    tg_tensor *b = tg_tape_full(t, 2, (int[]){5, 4}, 1);
    CHECK(tg_add(t, a, b) == NULL, "no broadcast");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_add: shapes cannot broadcast: (3,4) and (5,4) (axis 0: 3 vs 5)");
    tg_tape_reset(t);
    a = tg_tape_full(t, 1, (int[]){3}, 1);
    CHECK(tg_mul(t, a, NULL) == NULL, "NULL b");
    CHECK_ERR(t, TG_ERR_ARG, "tg_mul: argument 2 is NULL");
    tg_tape_reset(t);
    a = tg_tape_full(t, 1, (int[]){3}, 1);
    b = tg_tape_full(t, 1, (int[]){2}, 1);
    CHECK(tg_div(t, a, b) == NULL && tg_sub(t, a, a) == NULL, "sticky");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_div: shapes cannot broadcast: (3) and (2)");
    tg_tape_free(t);
}

int main(void) {
    test_forward();
    test_gradients();
    test_errors();
    return check_done();
}
