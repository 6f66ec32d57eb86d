/* nn_private.h — what the op families of <tapegrad/tg_ops_nn.h> share (select.c,
 * index.c, layout.c, stats.c, act2.c, conv.c, random.c, matmul_t.c): a broadcasting
 * iteration plan over up to three inputs, and the (outer, len, inner) view of a
 * tensor around one axis. */
#ifndef TG_NN_PRIVATE_H
#define TG_NN_PRIVATE_H

#include <string.h>
#include "ops_private.h"

/* ---- broadcasting over k <= 3 inputs ----
 * The output is visited row by row along its last axis; st[j][d] is input j's element
 * stride along output axis d (0 where input j is broadcast). A row's inner stride
 * st[j][rank-1] is 0 or 1. */
typedef struct {
    int rank, k;              /* rank >= 1 (a rank-0 output is one row of one value) */
    int shape[TG_MAX_RANK];
    size_t st[3][TG_MAX_RANK];
    size_t len, rows;         /* row length, number of rows */
} tg__bc_plan;

/* Strides of x broadcast to out's shape (x right-aligned). */
static inline void tg__bc_strides(const tg_tensor *x, const tg_tensor *out, size_t *s) {
    int r = out->rank < 1 ? 1 : out->rank, off = r - x->rank;
    size_t acc = 1;
    for (int i = r - 1; i >= 0; i--) {
        int d = i < off ? 1 : x->shape[i - off];
        int o = out->rank < 1 ? 1 : out->shape[i];
        s[i] = d == 1 && o != 1 ? 0 : acc;
        acc *= (size_t)d;
    }
}

static inline void tg__bc_make(tg__bc_plan *p, const tg_tensor *out, tg_tensor *const *in, int k) {
    p->rank = out->rank < 1 ? 1 : out->rank;
    p->k = k;
    for (int i = 0; i < p->rank; i++) p->shape[i] = out->rank < 1 ? 1 : out->shape[i];
    for (int j = 0; j < k; j++) tg__bc_strides(in[j], out, p->st[j]);
    p->len = (size_t)p->shape[p->rank - 1];
    p->rows = out->size / p->len;
}

/* Advances the odometer idx over the leading axes and the inputs' offsets off[]
 * to the next row. */
static inline void tg__bc_next(const tg__bc_plan *p, int *idx, size_t *off) {
    for (int d = p->rank - 2; d >= 0; d--) {
        for (int j = 0; j < p->k; j++) off[j] += p->st[j][d];
        if (++idx[d] < p->shape[d]) return;
        for (int j = 0; j < p->k; j++) off[j] -= p->st[j][d] * (size_t)p->shape[d];
        idx[d] = 0;
    }
}

/* The broadcast shape of in[0..k) into shape/rank, or an error naming the op. */
static inline tg_status tg__bc_infer(tg_tape *t, const tg_node *n, int k, int *rank,
                                     int shape[TG_MAX_RANK]) {
    int r = 0;
    for (int j = 0; j < k; j++) r = n->in[j]->rank > r ? n->in[j]->rank : r;
    for (int i = 0; i < r; i++) {
        int dim = 1;
        for (int j = 0; j < k; j++) {
            const tg_tensor *x = n->in[j];
            int d = i < r - x->rank ? 1 : x->shape[i - (r - x->rank)];
            if (d != 1 && dim != 1 && d != dim) {
                char s[3][128] = {"", "", ""};
                for (int q = 0; q < k; q++) tg_shape_str(n->in[q], s[q], sizeof s[q]);
                return tg_tape_fail(t, TG_ERR_SHAPE,
                                    "%s: shapes cannot broadcast: %s%s%s%s%s (axis %d: %d vs %d)",
                                    n->op->name, s[0], k > 1 ? " and " : "", s[1],
                                    k > 2 ? " and " : "", s[2], i, dim, d);
            }
            if (d != 1) dim = d;
        }
        shape[i] = dim;
    }
    *rank = r;
    return TG_OK;
}

/* ---- one axis: x viewed as (outer, len, inner) ---- */
typedef struct {
    size_t outer, len, inner;
} tg__axis_view;

static inline tg__axis_view tg__view_at(const tg_tensor *x, int axis) {
    tg__axis_view v = {1, (size_t)x->shape[axis], 1};
    for (int i = 0; i < axis; i++) v.outer *= (size_t)x->shape[i];
    for (int i = axis + 1; i < x->rank; i++) v.inner *= (size_t)x->shape[i];
    return v;
}

/* The shape of x with `axis` removed (or kept as 1 with keepdim). */
static inline int tg__drop_axis(const tg_tensor *x, int axis, bool keepdim, int shape[TG_MAX_RANK]) {
    int r = 0;
    for (int i = 0; i < x->rank; i++)
        if (i != axis) shape[r++] = x->shape[i];
        else if (keepdim) shape[r++] = 1;
    return r;
}

/* Checks that axis lies in -rank..rank-1 of x; the normalised axis or -1 after
 * failing t with "<op>: axis A is outside -R..R-1 for shape S". */
static inline int tg__axis_check(tg_tape *t, const tg_node *n, const tg_tensor *x, long axis) {
    int a = tg__norm_axis(axis, x->rank);
    if (a < 0 && x->rank == 0) {
        tg_tape_fail(t, TG_ERR_RANGE, "%s: axis %ld: a rank-0 tensor has no axis", n->op->name, axis);
    } else if (a < 0) {
        char s[128];
        tg_tape_fail(t, TG_ERR_RANGE, "%s: axis %ld is outside -%d..%d for shape %s", n->op->name,
                     axis, x->rank, x->rank - 1, tg_shape_str(x, s, sizeof s));
    }
    return a;
}

#endif
