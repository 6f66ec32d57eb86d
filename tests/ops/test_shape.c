/* test_shape.c — transpose, reshape, slice, concat, gather_rows: hand-computed
 * forward values, views sharing storage (and gradients flowing through them),
 * gradient checks on several shapes, and every error path with its message. */
#include <limits.h>
#include "check.h"

/* The exact message on t, and reset t for the next case. */
#define CHECK_MSG(t, s, msg)                                                             \
    do {                                                                                 \
        CHECK(tg_tape_status(t) == (s) && strcmp(tg_tape_message(t), (msg)) == 0,        \
              "expected %s \"%s\", got %s \"%s\"", tg_status_name(s), (msg),             \
              tg_status_name(tg_tape_status(t)), tg_tape_message(t));                    \
        tg_tape_reset(t);                                                                \
    } while (0)

/* A step tensor holding 0, 1, 2, ... */
static tg_tensor *iota(tg_tape *t, int rank, const int *shape) {
    tg_tensor *x = tg_tape_tensor(t, rank, shape, NULL, 0);
    if (x) for (size_t i = 0; i < x->size; i++) x->data[i] = (tg_real)i;
    return x;
}

static bool has_shape(const tg_tensor *x, int rank, const int *shape) {
    if (!x || x->rank != rank) return false;
    for (int i = 0; i < rank; i++)
        if (x->shape[i] != shape[i]) return false;
    return true;
}

/* ---- transpose ---- */

static void test_transpose(void) {
    tg_tape *t = tg_tape_new();
    /* [0 1 2; 3 4 5]^T = [0 3; 1 4; 2 5] */
    tg_tensor *y = tg_transpose(t, iota(t, 2, (int[]){2, 3}), 0, 1);
    CHECK(has_shape(y, 2, (int[]){3, 2}), "transpose shape (3,2)");
    const double w[6] = {0, 3, 1, 4, 2, 5};
    for (int i = 0; i < 6; i++) CHECK_NEAR(y->data[i], w[i], 0);

    /* (2,3,4) with axes 0 and -1 swapped: y[k,j,i] = x[i,j,k] = 12 i + 4 j + k. */
    tg_tensor *x3 = iota(t, 3, (int[]){2, 3, 4});
    tg_tensor *y3 = tg_transpose(t, x3, 0, -1);
    CHECK(has_shape(y3, 3, (int[]){4, 3, 2}), "transpose shape (4,3,2)");
    int bad = 0;
    for (int k = 0; k < 4; k++)
        for (int j = 0; j < 3; j++)
            for (int i = 0; i < 2; i++)
                bad += y3->data[(k * 3 + j) * 2 + i] != (tg_real)(12 * i + 4 * j + k);
    CHECK(bad == 0, "transpose (2,3,4) axes 0,-1: %d wrong elements", bad);

    /* Rank 4, middle axes: y[a,c,b,d] = x[a,b,c,d] with x (2,3,2,2). */
    tg_tensor *x4 = iota(t, 4, (int[]){2, 3, 2, 2});
    tg_tensor *y4 = tg_transpose(t, x4, 2, 1);
    CHECK(has_shape(y4, 4, (int[]){2, 2, 3, 2}), "transpose shape (2,2,3,2)");
    bad = 0;
    for (int a = 0; a < 2; a++)
        for (int c = 0; c < 2; c++)
            for (int b = 0; b < 3; b++)
                for (int d = 0; d < 2; d++)
                    bad += y4->data[((a * 2 + c) * 3 + b) * 2 + d] !=
                           x4->data[((a * 3 + b) * 2 + c) * 2 + d];
    CHECK(bad == 0, "transpose rank 4: %d wrong elements", bad);

    /* Same axis twice: a copy, not a view. */
    tg_tensor *x = iota(t, 2, (int[]){2, 2});
    tg_tensor *c = tg_transpose(t, x, 1, -1);
    CHECK(c && c->data != x->data && has_shape(c, 2, (int[]){2, 2}) && c->data[1] == 1,
          "transpose(x, 1, -1) copies x");
    CHECK(tg_tape_status(t) == TG_OK, "tape ok: %s", tg_tape_message(t));

    x = iota(t, 2, (int[]){3, 4});
    CHECK(tg_transpose(t, x, 0, 2) == NULL, "axis 2 of rank 2");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_transpose: axis 2 is out of range for shape (3,4)");
    x = iota(t, 2, (int[]){3, 4});
    CHECK(tg_transpose(t, x, -3, 0) == NULL, "axis -3 of rank 2");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_transpose: axis -3 is out of range for shape (3,4)");
    x = tg_tape_full(t, 0, NULL, 1);
    CHECK(tg_transpose(t, x, 0, 0) == NULL, "rank 0");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_transpose: axis 0 is out of range for shape ()");
    tg_tape_free(t);
}

/* ---- reshape ---- */

static void test_reshape(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = iota(t, 2, (int[]){2, 3});
    tg_tensor *y = tg_reshape(t, x, 3, (int[]){3, 1, 2});
    CHECK(has_shape(y, 3, (int[]){3, 1, 2}), "reshape shape (3,1,2)");
    CHECK(y && y->data == x->data, "reshape is a view: same storage");
    tg_tensor *z = tg_reshape(t, x, 2, (int[]){-1, 2});
    CHECK(has_shape(z, 2, (int[]){3, 2}), "-1 inferred as 3");
    z = tg_reshape(t, x, 1, (int[]){-1});
    CHECK(has_shape(z, 1, (int[]){6}) && z->data == x->data, "flatten");
    tg_tensor *one = tg_tape_full(t, 2, (int[]){1, 1}, 5);
    tg_tensor *s = tg_reshape(t, one, 0, NULL);
    CHECK(s && s->rank == 0 && s->size == 1 && tg_item(s) == 5, "(1,1) -> rank 0");
    s = tg_reshape(t, s, 3, (int[]){1, -1, 1});
    CHECK(has_shape(s, 3, (int[]){1, 1, 1}), "rank 0 -> (1,1,1)");
    /* The caller's shape array may change after the call. */
    int shp[2] = {2, 3};
    tg_tensor *v = tg_reshape(t, x, 2, shp);
    shp[0] = 6, shp[1] = 1;
    CHECK(has_shape(v, 2, (int[]){2, 3}), "shape kept after the caller's array changed");
    CHECK(tg_tape_status(t) == TG_OK, "tape ok: %s", tg_tape_message(t));

    x = iota(t, 2, (int[]){2, 3});
    CHECK(tg_reshape(t, x, 2, (int[]){4, 2}) == NULL, "count mismatch");
    CHECK_MSG(t, TG_ERR_SHAPE, "tg_reshape: element counts differ: (2,3) has 6, (4,2) has 8");
    x = iota(t, 2, (int[]){2, 3});
    CHECK(tg_reshape(t, x, 2, (int[]){65536, 65536}) == NULL, "huge count");
    CHECK_MSG(t, TG_ERR_SHAPE,
              "tg_reshape: element counts differ: (2,3) has 6, (65536,65536) has 4294967296");
    x = iota(t, 2, (int[]){2, 3});
    CHECK(tg_reshape(t, x, 2, (int[]){-1, -1}) == NULL, "two -1");
    CHECK_MSG(t, TG_ERR_SHAPE, "tg_reshape: more than one dimension is -1: (-1,-1)");
    x = iota(t, 2, (int[]){2, 3});
    CHECK(tg_reshape(t, x, 2, (int[]){-1, 4}) == NULL, "-1 not divisible");
    CHECK_MSG(t, TG_ERR_SHAPE,
              "tg_reshape: cannot infer the -1 in (-1,4): 6 elements of (2,3) are not a multiple of 4");
    x = iota(t, 2, (int[]){2, 3});
    CHECK(tg_reshape(t, x, 2, (int[]){0, 6}) == NULL, "zero dim");
    CHECK_MSG(t, TG_ERR_SHAPE, "tg_reshape: dimension 0 is 0 (must be >= 1, or -1 once): (0,6)");
    x = iota(t, 2, (int[]){2, 3});
    CHECK(tg_reshape(t, x, 3, (int[]){1, -2, 6}) == NULL, "dim -2");
    CHECK_MSG(t, TG_ERR_SHAPE, "tg_reshape: dimension 1 is -2 (must be >= 1, or -1 once): (1,-2,6)");
    x = iota(t, 2, (int[]){2, 3});
    CHECK(tg_reshape(t, x, 9, (int[]){1, 1, 1, 1, 1, 1, 1, 1, 6}) == NULL, "rank 9");
    CHECK_MSG(t, TG_ERR_SHAPE, "tg_reshape: rank 9 is outside 0..8");
    x = iota(t, 2, (int[]){2, 3});
    CHECK(tg_reshape(t, x, -1, NULL) == NULL, "rank -1");
    CHECK_MSG(t, TG_ERR_SHAPE, "tg_reshape: rank -1 is outside 0..8");
    x = iota(t, 2, (int[]){2, 3});
    CHECK(tg_reshape(t, x, 2, NULL) == NULL, "NULL shape");
    CHECK_MSG(t, TG_ERR_ARG, "tg_reshape: shape is NULL for rank 2");
    x = iota(t, 2, (int[]){2, 3});
    CHECK(tg_reshape(t, x, 0, NULL) == NULL, "rank 0 of 6 elements");
    CHECK_MSG(t, TG_ERR_SHAPE, "tg_reshape: element counts differ: (2,3) has 6, () has 1");
    tg_tape_free(t);
}

/* ---- slice ---- */

static void test_slice(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = iota(t, 2, (int[]){4, 3});
    tg_tensor *y = tg_slice(t, x, 0, 1, 2);
    CHECK(has_shape(y, 2, (int[]){2, 3}), "slice axis 0 shape (2,3)");
    CHECK(y && y->data == x->data + 3, "slice along axis 0 is a view at row 1");
    for (int i = 0; i < 6; i++) CHECK_NEAR(y->data[i], 3 + i, 0);
    /* Axis 1 (as -1): a copy of columns 1..2: [1 2; 4 5; 7 8; 10 11]. */
    tg_tensor *c = tg_slice(t, x, -1, 1, 2);
    CHECK(has_shape(c, 2, (int[]){4, 2}), "slice axis -1 shape (4,2)");
    CHECK(c && (c->data < x->data || c->data >= x->data + x->size), "slice along axis 1 copies");
    const double w[8] = {1, 2, 4, 5, 7, 8, 10, 11};
    for (int i = 0; i < 8; i++) CHECK_NEAR(c->data[i], w[i], 0);
    /* Middle axis of (2,3,2): y[a,j,b] = x[a,2+j,b]. */
    tg_tensor *x3 = iota(t, 3, (int[]){2, 3, 2});
    tg_tensor *m = tg_slice(t, x3, 1, 2, 1);
    CHECK(has_shape(m, 3, (int[]){2, 1, 2}), "slice middle axis shape");
    const double wm[4] = {4, 5, 10, 11};
    for (int i = 0; i < 4; i++) CHECK_NEAR(m->data[i], wm[i], 0);
    /* The whole axis. */
    tg_tensor *all = tg_slice(t, x, 0, 0, 4);
    CHECK(all && all->data == x->data && all->size == 12, "full slice");
    CHECK(tg_tape_status(t) == TG_OK, "tape ok: %s", tg_tape_message(t));

    x = iota(t, 2, (int[]){3, 4});
    CHECK(tg_slice(t, x, 2, 0, 1) == NULL, "axis 2");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_slice: axis 2 is out of range for shape (3,4)");
    x = iota(t, 2, (int[]){3, 4});
    CHECK(tg_slice(t, x, -3, 0, 1) == NULL, "axis -3");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_slice: axis -3 is out of range for shape (3,4)");
    x = iota(t, 2, (int[]){3, 4});
    CHECK(tg_slice(t, x, 0, 3, 1) == NULL, "start 3");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_slice: start 3 is outside 0..2 for axis 0 of shape (3,4)");
    x = iota(t, 2, (int[]){3, 4});
    CHECK(tg_slice(t, x, 1, -1, 1) == NULL, "start -1");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_slice: start -1 is outside 0..3 for axis 1 of shape (3,4)");
    x = iota(t, 2, (int[]){3, 4});
    CHECK(tg_slice(t, x, 0, 0, 0) == NULL, "len 0");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_slice: length 0 must be >= 1 (axis 0 of shape (3,4))");
    x = iota(t, 2, (int[]){3, 4});
    CHECK(tg_slice(t, x, -1, 2, 3) == NULL, "start + len too far");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_slice: start 2 + length 3 exceeds 4 on axis -1 of shape (3,4)");
    x = iota(t, 2, (int[]){3, 4});
    CHECK(tg_slice(t, x, 0, 1, 2147483647) == NULL, "huge len");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_slice: start 1 + length 2147483647 exceeds 3 on axis 0 of shape (3,4)");
    x = tg_tape_full(t, 0, NULL, 1);
    CHECK(tg_slice(t, x, 0, 0, 1) == NULL, "rank 0");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_slice: axis 0 is out of range for shape ()");
    tg_tape_free(t);
}

/* ---- concat ---- */

static void test_concat(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *a = iota(t, 2, (int[]){2, 2});                               /* [0 1; 2 3] */
    tg_tensor *b = tg_tape_tensor(t, 2, (int[]){1, 2}, (tg_real[]){7, 8}, 0); /* [7 8] */
    tg_tensor *y = tg_concat(t, (tg_tensor *[]){a, b}, 2, 0);
    CHECK(has_shape(y, 2, (int[]){3, 2}), "concat axis 0 shape (3,2)");
    const double w0[6] = {0, 1, 2, 3, 7, 8};
    for (int i = 0; i < 6; i++) CHECK_NEAR(y->data[i], w0[i], 0);
    /* Axis -1: [0 1 | 9; 2 3 | 9 ] with c = [9; 9] and a again. */
    tg_tensor *c = tg_tape_full(t, 2, (int[]){2, 1}, 9);
    y = tg_concat(t, (tg_tensor *[]){a, c, a}, 3, -1);
    CHECK(has_shape(y, 2, (int[]){2, 5}), "concat axis -1 shape (2,5)");
    const double w1[10] = {0, 1, 9, 0, 1, 2, 3, 9, 2, 3};
    for (int i = 0; i < 10; i++) CHECK_NEAR(y->data[i], w1[i], 0);
    /* One input: a copy. */
    y = tg_concat(t, &a, 1, 1);
    CHECK(has_shape(y, 2, (int[]){2, 2}) && y->data != a->data && y->data[3] == 3, "concat of one");
    CHECK(tg_tape_status(t) == TG_OK, "tape ok: %s", tg_tape_message(t));

    a = iota(t, 2, (int[]){2, 3});
    b = iota(t, 2, (int[]){4, 5});
    CHECK(tg_concat(t, (tg_tensor *[]){a, b}, 2, 0) == NULL, "dims differ");
    CHECK_MSG(t, TG_ERR_SHAPE,
              "tg_concat: input 2 has shape (4,5), input 1 has (2,3): they must match outside axis 0");
    a = iota(t, 2, (int[]){2, 3});
    b = iota(t, 1, (int[]){3});
    CHECK(tg_concat(t, (tg_tensor *[]){a, a, b}, 3, 1) == NULL, "ranks differ");
    CHECK_MSG(t, TG_ERR_SHAPE,
              "tg_concat: input 3 has shape (3), input 1 has (2,3): they must match outside axis 1");
    a = iota(t, 2, (int[]){2, 3});
    CHECK(tg_concat(t, &a, 1, 2) == NULL, "axis 2");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_concat: axis 2 is out of range for shape (2,3)");
    CHECK(tg_concat(t, &a, 0, 0) == NULL, "n = 0");
    CHECK_MSG(t, TG_ERR_ARG, "tg_concat: need at least one input, got n = 0");
    CHECK(tg_concat(t, NULL, 2, 0) == NULL, "xs NULL");
    CHECK_MSG(t, TG_ERR_ARG, "tg_concat: xs is NULL");
    a = iota(t, 2, (int[]){2, 3});
    CHECK(tg_concat(t, (tg_tensor *[]){a, NULL}, 2, 0) == NULL, "an input NULL");
    CHECK_MSG(t, TG_ERR_ARG, "tg_concat: argument 2 is NULL");
    CHECK(tg_concat(NULL, &a, 1, 0) == NULL, "NULL tape");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_concat: tape is NULL");
    tg_tape_free(t);
}

/* ---- gather_rows ---- */

static void test_gather_rows(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *table = tg_param_new("emb", 2, (int[]){5, 2});
    for (int i = 0; i < 10; i++) table->data[i] = (tg_real)i; /* row v = (2v, 2v+1) */
    int idx[4] = {3, 0, 3, 4};
    tg_tensor *y = tg_gather_rows(t, table, idx, 4);
    CHECK(has_shape(y, 2, (int[]){4, 2}), "gather shape (4,2)");
    const double w[8] = {6, 7, 0, 1, 6, 7, 8, 9};
    for (int i = 0; i < 8; i++) CHECK_NEAR(y->data[i], w[i], 0);
    /* The caller's index array changes before backward: the op kept its own copy. */
    idx[0] = idx[1] = idx[2] = idx[3] = 1;
    tg_tensor *seed = tg_tape_tensor(t, 2, (int[]){4, 2}, (tg_real[]){1, 2, 3, 4, 5, 6, 7, 8}, 0);
    CHECK(tg_backward(t, y, seed) == TG_OK, "backward: %s", tg_tape_message(t));
    /* dtable[3] = g[0] + g[2] (repeats accumulate), dtable[0] = g[1], dtable[4] = g[3]. */
    const double dw[10] = {3, 4, 0, 0, 0, 0, 1 + 5, 2 + 6, 7, 8};
    for (int i = 0; i < 10; i++) CHECK_NEAR(table->grad[i], dw[i], 0);
    tg_tensor_zero_grad(table);
    tg_tape_reset(t);

    int bad_idx[3] = {1, 2, 7};
    CHECK(tg_gather_rows(t, table, bad_idx, 3) == NULL, "index 7");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_gather_rows: index 7 at position 2 is outside 0..4");
    CHECK(tg_gather_rows(t, table, (int[]){-1}, 1) == NULL, "index -1");
    CHECK_MSG(t, TG_ERR_RANGE, "tg_gather_rows: index -1 at position 0 is outside 0..4");
    CHECK(tg_gather_rows(t, table, bad_idx, 0) == NULL, "n = 0");
    CHECK_MSG(t, TG_ERR_VALUE, "tg_gather_rows: n must be >= 1, got 0");
    CHECK(tg_gather_rows(t, table, NULL, 2) == NULL, "idx NULL");
    CHECK_MSG(t, TG_ERR_ARG, "tg_gather_rows: idx is NULL");
    tg_tensor *v = iota(t, 1, (int[]){5});
    CHECK(tg_gather_rows(t, v, bad_idx, 1) == NULL, "rank 1 table");
    CHECK_MSG(t, TG_ERR_SHAPE, "tg_gather_rows: table must have rank 2 (V,D), got shape (5)");
    tg_tensor_free(table);
    tg_tape_free(t);
}

/* ---- gradients through views: storage shared, gradients separate ---- */

static void test_view_gradients(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_param_new("x", 2, (int[]){4, 3});
    for (size_t i = 0; i < x->size; i++) x->data[i] = (tg_real)i;
    /* L = sum(2 * slice(reshape(x, (2,6)), 0, 1, 1)): rows 2..3 of x get 2, others 0. */
    tg_tensor *r = tg_reshape(t, x, 2, (int[]){2, 6});
    tg_tensor *s = tg_slice(t, r, 0, 1, 1);
    CHECK(r && s && r->data == x->data && s->data == x->data + 6, "views share x's storage");
    tg_tensor *l = tg_sum(t, tg_mul_scalar(t, s, 2));
    CHECK(l && tg_item(l) == 2 * (6 + 7 + 8 + 9 + 10 + 11), "L = %g", l ? (double)tg_item(l) : NAN);
    CHECK(tg_backward(t, l, NULL) == TG_OK, "backward: %s", tg_tape_message(t));
    for (int i = 0; i < 12; i++) CHECK_NEAR(x->grad[i], i >= 6 ? 2 : 0, 0);
    CHECK(r && s && r->grad && s->grad && r->grad != x->grad && s->grad != x->grad + 6,
          "views have gradient buffers of their own");
    /* Gradients accumulate across sweeps into the parameter. */
    CHECK(tg_backward(t, l, NULL) == TG_OK, "second backward");
    CHECK_NEAR(x->grad[6], 4, 0);
    CHECK_NEAR(x->grad[0], 0, 0);
    tg_tensor_free(x);
    tg_tape_free(t);
}

/* ---- gradient checks ---- */

typedef struct { int a0, a1; } axes;
static tg_tensor *build_transpose(tg_tape *t, tg_tensor *const *in, void *u) {
    axes *a = u;
    return tg_transpose(t, in[0], a->a0, a->a1);
}
typedef struct { int rank, shape[4]; } new_shape;
static tg_tensor *build_reshape(tg_tape *t, tg_tensor *const *in, void *u) {
    new_shape *s = u;
    return tg_reshape(t, in[0], s->rank, s->shape);
}
typedef struct { int axis, start, len; } slice_args;
static tg_tensor *build_slice(tg_tape *t, tg_tensor *const *in, void *u) {
    slice_args *s = u;
    return tg_slice(t, in[0], s->axis, s->start, s->len);
}
typedef struct { int n, axis; } concat_args;
static tg_tensor *build_concat(tg_tape *t, tg_tensor *const *in, void *u) {
    concat_args *c = u;
    return tg_concat(t, in, c->n, c->axis);
}
typedef struct { const int *idx; int n; } gather_args;
static tg_tensor *build_gather(tg_tape *t, tg_tensor *const *in, void *u) {
    gather_args *g = u;
    return tg_gather_rows(t, in[0], g->idx, g->n);
}
/* A view feeding a matmul: gradients from an op that reads the view's storage. */
static tg_tensor *build_view_chain(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    tg_tensor *r = tg_reshape(t, in[0], 2, (int[]){3, -1});  /* (12) -> (3,4) */
    tg_tensor *s = tg_slice(t, r, 0, 1, 2);                   /* rows 1..2: (2,4) */
    return tg_matmul(t, s, tg_transpose(t, r, 0, 1));         /* (2,4) x (4,3) */
}

static void test_gradients(void) {
    tg_rng g;
    tg_rng_seed(&g, 5);
    char label[96];
    static const struct { int rank, shape[4]; axes ax; } tr[] = {
        {2, {1, 1}, {0, 1}}, {2, {3, 4}, {0, 1}}, {2, {7, 1}, {1, 0}},
        {3, {2, 3, 4}, {0, 2}}, {3, {2, 3, 4}, {1, -1}}, {3, {2, 3, 4}, {0, 1}},
        {4, {2, 1, 3, 2}, {1, 3}}, {2, {3, 2}, {1, 1}},
    };
    for (size_t c = 0; c < sizeof tr / sizeof tr[0]; c++) {
        tg_tensor *x = check_input(&g, tr[c].rank, tr[c].shape, -1, 1);
        snprintf(label, sizeof label, "tg_transpose case %zu", c);
        check_op_grad(label, build_transpose, (void *)&tr[c].ax, &x, 1);
        tg_tensor_free(x);
    }
    static const struct { int rank, shape[4]; new_shape to; } rs[] = {
        {2, {1, 1}, {0, {0}}}, {2, {3, 4}, {2, {2, 6}}}, {1, {12}, {3, {2, -1, 3}}},
        {3, {2, 3, 2}, {1, {-1}}},
    };
    for (size_t c = 0; c < sizeof rs / sizeof rs[0]; c++) {
        tg_tensor *x = check_input(&g, rs[c].rank, rs[c].shape, -1, 1);
        snprintf(label, sizeof label, "tg_reshape case %zu", c);
        check_op_grad(label, build_reshape, (void *)&rs[c].to, &x, 1);
        tg_tensor_free(x);
    }
    static const struct { int rank, shape[4]; slice_args sa; } sl[] = {
        {2, {1, 1}, {0, 0, 1}}, {2, {5, 3}, {0, 1, 3}}, {2, {5, 3}, {1, 2, 1}},
        {3, {2, 5, 3}, {1, 1, 3}}, {3, {2, 5, 3}, {-1, 0, 2}}, {1, {7}, {0, 6, 1}},
    };
    for (size_t c = 0; c < sizeof sl / sizeof sl[0]; c++) {
        tg_tensor *x = check_input(&g, sl[c].rank, sl[c].shape, -1, 1);
        snprintf(label, sizeof label, "tg_slice case %zu", c);
        check_op_grad(label, build_slice, (void *)&sl[c].sa, &x, 1);
        tg_tensor_free(x);
    }
    /* concat: three inputs of different lengths along axis 1 of rank 3; one input;
     * along axis 0. */
    {
        tg_tensor *in[3] = {check_input(&g, 3, (int[]){2, 1, 3}, -1, 1),
                            check_input(&g, 3, (int[]){2, 4, 3}, -1, 1),
                            check_input(&g, 3, (int[]){2, 2, 3}, -1, 1)};
        check_op_grad("tg_concat axis 1 of 3", build_concat, &(concat_args){3, 1}, in, 3);
        check_op_grad("tg_concat axis 1 of 1", build_concat, &(concat_args){1, 1}, in, 1);
        for (int k = 0; k < 3; k++) tg_tensor_free(in[k]);
        tg_tensor *in2[2] = {check_input(&g, 2, (int[]){1, 1}, -1, 1),
                             check_input(&g, 2, (int[]){3, 1}, -1, 1)};
        check_op_grad("tg_concat axis 0", build_concat, &(concat_args){2, 0}, in2, 2);
        check_op_grad("tg_concat axis -1", build_concat, &(concat_args){1, -1}, in2, 1);
        for (int k = 0; k < 2; k++) tg_tensor_free(in2[k]);
    }
    /* gather_rows with repeats; a (1,1) table. */
    {
        static const int idx[6] = {2, 0, 2, 3, 2, 1};
        tg_tensor *tab = check_input(&g, 2, (int[]){4, 3}, -1, 1);
        check_op_grad("tg_gather_rows repeats", build_gather, &(gather_args){idx, 6}, &tab, 1);
        tg_tensor_free(tab);
        static const int zero[2] = {0, 0};
        tab = check_input(&g, 2, (int[]){1, 1}, -1, 1);
        check_op_grad("tg_gather_rows (1,1)", build_gather, &(gather_args){zero, 2}, &tab, 1);
        tg_tensor_free(tab);
    }
    tg_tensor *x = check_input(&g, 1, (int[]){12}, -1, 1);
    check_op_grad("reshape -> slice -> matmul chain", build_view_chain, NULL, &x, 1);
    tg_tensor_free(x);
}

/* Shape checks that need sizes no test could allocate, on tensor headers whose data
 * is never read: an inferred dimension and a joined axis beyond INT_MAX. */
static void test_beyond_int_max(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *w = tg_param_new("w", 2, (int[]){2, 3});
    /* A header claiming 2^32 elements: reshape's check runs before any data is read. */
    tg_tensor big = *w;
    big.flags = 0;
    big.grad = NULL;
    big.rank = 2;
    big.shape[0] = big.shape[1] = 65536;
    big.size = (size_t)65536 * 65536;
    CHECK(tg_reshape(t, &big, 2, (int[]){1, -1}) == NULL, "inferred > INT_MAX");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_reshape: inferred dimension 4294967296 of (1,-1) is too large");
    tg_tape_reset(t);
    tg_tensor col = *w;
    col.flags = 0;
    col.grad = NULL;
    col.rank = 2;
    col.shape[0] = INT_MAX / 2 + 1;
    col.shape[1] = 1;
    col.size = (size_t)col.shape[0];
    CHECK(tg_concat(t, (tg_tensor *[]){&col, &col, &col}, 3, 0) == NULL, "joined axis > INT_MAX");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_concat: the joined axis 0 would have 3221225472 elements");
    tg_tape_free(t);
    tg_tensor_free(w);
}

int main(void) {
    test_transpose();
    test_reshape();
    test_slice();
    test_concat();
    test_gather_rows();
    test_view_gradients();
    test_gradients();
    test_beyond_int_max();
    return check_done();
}
