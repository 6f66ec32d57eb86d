/* rnn_check.h — checks shared by test_rnn.c, test_lstm.c and test_gru.c (test code
 * only): gradient checks of whole stacked sequences, cells against the sequence
 * layer, zero initial state, truncated BPTT, and the common error paths. */
#ifndef TG_TEST_RNN_CHECK_H
#define TG_TEST_RNN_CHECK_H

#include <stdlib.h>
#include "check.h"

/* Fills a tape tensor of y's shape with the fixed weights of check_op_loss's kind
 * (entries in +-[0.5, 1.5]), seeded per output so out, h_n, c_n differ. */
static tg_tensor *rc_weights(tg_tape *t, const tg_tensor *y, uint64_t seed) {
    tg_tensor *r = y ? tg_tape_tensor(t, y->rank, y->shape, NULL, 0) : NULL;
    if (!r) return NULL;
    tg_rng g;
    tg_rng_seed(&g, seed);
    for (size_t i = 0; i < r->size; i++) {
        double v = 0.5 + tg_rng_uniform(&g);
        r->data[i] = (tg_real)(tg_rng_u64(&g) & 1 ? v : -v);
    }
    return r;
}

/* L = sum(r1 out) + sum(r2 h_n) [+ sum(r3 c_n)] */
static tg_tensor *rc_outputs_loss(tg_tape *t, tg_tensor *out, tg_tensor *hn, tg_tensor *cn) {
    tg_tensor *l = tg_add(t, tg_sum(t, tg_mul(t, out, rc_weights(t, out, 101))),
                          tg_sum(t, tg_mul(t, hn, rc_weights(t, hn, 202))));
    if (cn) l = tg_add(t, l, tg_sum(t, tg_mul(t, cn, rc_weights(t, cn, 303))));
    return l;
}

typedef struct {
    const tg_rnn *m;
    int n_model;          /* the first n_model gradcheck params are the model's */
    int ix, ih, ic;       /* positions of x, h0, c0 among the params (-1: absent) */
} rc_ctx;

static tg_tensor *rc_seq_loss(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n;
    rc_ctx *c = user;
    tg_tensor *out, *hn, *cn;
    if (tg_rnn_forward(t, c->m, p[c->ix], c->ih >= 0 ? p[c->ih] : NULL,
                       c->ic >= 0 ? p[c->ic] : NULL, &out, &hn, &cn) != TG_OK)
        return NULL;
    return rc_outputs_loss(t, out, hn, cn);
}

/* Gradient check of every parameter, the input and the initial state(s) of a stack
 * of `layers` layers over T steps. */
static void rc_gradcheck(tg_rnn_kind kind, int F, int H, int layers, int T, int B,
                         bool with_state, const tg_gradcheck_opts *opts) {
    tg_rng g;
    tg_rng_seed(&g, 1000 + (uint64_t)kind * 17 + (uint64_t)T);
    tg_rnn_config cfg = {kind, F, H, layers, false};
    tg_rnn *m = tg_rnn_new("m", &cfg, &g);
    CHECK(m != NULL, "tg_rnn_new: %s", tg_last_error());
    if (!m) return;
    tg_params ps = {0};
    CHECK(tg_rnn_params(m, &ps) == TG_OK, "params: %s", tg_last_error());
    tg_tensor *all[64];
    int n = 0;
    for (int i = 0; i < ps.n && n < 60; i++) all[n++] = ps.items[i];
    rc_ctx c = {m, n, -1, -1, -1};
    c.ix = n;
    all[n++] = check_input(&g, 3, (int[]){T, B, F}, -1.5, 1.5);
    if (with_state) {
        c.ih = n;
        all[n++] = check_input(&g, 3, (int[]){layers, B, H}, -0.8, 0.8);
        if (kind == TG_RNN_LSTM) {
            c.ic = n;
            all[n++] = check_input(&g, 3, (int[]){layers, B, H}, -0.8, 0.8);
        }
    }
    tg_gradcheck_result res[64];
    bool ok = false;
    tg_status st = tg_gradcheck(rc_seq_loss, &c, all, n, opts, res, &ok);
    CHECK(st == TG_OK, "%s gradcheck did not run: %s", tg_rnn_kind_name(kind), tg_last_error());
    for (int k = 0; st == TG_OK && k < n; k++)
        CHECK(res[k].passed,
              "%s T=%d layers=%d state=%d: tensor %d (%s): max abs %.3g rel %.3g; element %zu analytic %.10g numeric %.10g",
              tg_rnn_kind_name(kind), T, layers, (int)with_state, k,
              k < c.n_model ? all[k]->name : k == c.ix ? "x" : k == c.ih ? "h0" : "c0",
              res[k].max_abs_err, res[k].max_rel_err, res[k].worst_index, res[k].worst_analytic,
              res[k].worst_numeric);
    for (int k = c.n_model; k < n; k++) tg_tensor_free(all[k]);
    tg_params_free(&ps);
    tg_rnn_free(m);
}

static double rc_maxdiff(const tg_real *a, const tg_real *b, size_t n) {
    double d = 0;
    for (size_t i = 0; i < n; i++) d = fmax(d, fabs((double)a[i] - (double)b[i]));
    return d;
}

/* Running tg_rnn_cell step by step (layer by layer) gives the same values as
 * tg_rnn_forward, and h0 = NULL / c0 = NULL equals explicit zeros. */
static void rc_cell_matches_sequence(tg_rnn_kind kind) {
    const int F = 3, H = 4, L = 2, T = 5, B = 2;
    tg_rng g;
    tg_rng_seed(&g, 77 + (uint64_t)kind);
    tg_rnn_config cfg = {kind, F, H, L, kind == TG_RNN_LSTM};
    tg_rnn *m = tg_rnn_new("m", &cfg, &g);
    tg_tensor *x = check_input(&g, 3, (int[]){T, B, F}, -1, 1);
    tg_tensor *h0 = check_input(&g, 3, (int[]){L, B, H}, -1, 1);
    bool lstm = kind == TG_RNN_LSTM;
    tg_tensor *c0 = lstm ? check_input(&g, 3, (int[]){L, B, H}, -1, 1) : NULL;
    tg_tape *t = tg_tape_new();
    tg_tensor *out, *hn, *cn;
    tg_status st = tg_rnn_forward(t, m, x, h0, c0, &out, &hn, &cn);
    CHECK(st == TG_OK, "%s forward: %s", tg_rnn_kind_name(kind), tg_tape_message(t));
    if (st == TG_OK) {
        CHECK(out->rank == 3 && out->shape[0] == T && out->shape[1] == B && out->shape[2] == H,
              "out shape");
        CHECK(hn->rank == 3 && hn->shape[0] == L && hn->shape[1] == B && hn->shape[2] == H,
              "h_n shape");
        CHECK(lstm ? cn != NULL : cn == NULL, "c_n only for LSTM");
        /* Layer by layer with cells; layer l's inputs are layer l-1's states. */
        tg_tensor *seq[8];
        for (int s = 0; s < T; s++)
            seq[s] = tg_reshape(t, tg_slice(t, x, 0, s, 1), 2, (int[]){B, F});
        double d = 0;
        for (int l = 0; l < L; l++) {
            tg_tensor *h = tg_reshape(t, tg_slice(t, h0, 0, l, 1), 2, (int[]){B, H});
            tg_tensor *c = lstm ? tg_reshape(t, tg_slice(t, c0, 0, l, 1), 2, (int[]){B, H}) : NULL;
            for (int s = 0; s < T; s++) {
                tg_tensor *c2 = NULL;
                CHECK(tg_rnn_cell(t, m, l, seq[s], h, c, &h, &c2) == TG_OK, "cell: %s",
                      tg_tape_message(t));
                c = c2;
                seq[s] = h;
            }
            if (h) d = fmax(d, rc_maxdiff(h->data, hn->data + (size_t)l * B * H, (size_t)B * H));
            if (lstm && c) d = fmax(d, rc_maxdiff(c->data, cn->data + (size_t)l * B * H, (size_t)B * H));
        }
        for (int s = 0; s < T; s++)
            if (seq[s]) d = fmax(d, rc_maxdiff(seq[s]->data, out->data + (size_t)s * B * H, (size_t)B * H));
        CHECK(d < 1e-6, "%s: cells differ from the sequence layer by %g", tg_rnn_kind_name(kind), d);
        /* many-to-one: h_n[L-1] is out[T-1] */
        CHECK(rc_maxdiff(hn->data + (size_t)(L - 1) * B * H, out->data + (size_t)(T - 1) * B * H,
                         (size_t)B * H) == 0, "h_n[L-1] == out[T-1]");
    }
    /* NULL initial state == explicit zeros */
    tg_tensor_fill(h0, 0);
    if (c0) tg_tensor_fill(c0, 0);
    tg_tensor *out0, *out1;
    CHECK(tg_rnn_forward(t, m, x, h0, c0, &out0, NULL, NULL) == TG_OK, "zeros");
    CHECK(tg_rnn_forward(t, m, x, NULL, NULL, &out1, NULL, NULL) == TG_OK, "NULL state");
    if (out0 && out1)
        CHECK(rc_maxdiff(out0->data, out1->data, out0->size) == 0, "%s: NULL state != zeros",
              tg_rnn_kind_name(kind));
    tg_tape_free(t);
    tg_tensor_free(x);
    tg_tensor_free(h0);
    tg_tensor_free(c0);
    tg_rnn_free(m);
}

/* Truncated BPTT: chunk 2 started from tg_detach(h_n of chunk 1) gives exactly the
 * gradients of chunk 2 run alone from a constant state, and nothing reaches chunk 1's
 * input; without the detach, chunk 1's input does get a gradient. */
static void rc_truncated_bptt(tg_rnn_kind kind) {
    const int F = 2, H = 3, L = 2, T = 4, B = 2;
    tg_rng g;
    tg_rng_seed(&g, 99 + (uint64_t)kind);
    tg_rnn_config cfg = {kind, F, H, L, false};
    tg_rnn *m = tg_rnn_new("m", &cfg, &g);
    tg_params ps = {0};
    tg_rnn_params(m, &ps);
    tg_tensor *x1 = check_input(&g, 3, (int[]){T, B, F}, -1, 1);
    tg_tensor *x2 = check_input(&g, 3, (int[]){T, B, F}, -1, 1);
    bool lstm = kind == TG_RNN_LSTM;
    size_t np = tg_params_numel(&ps);
    tg_real *ga = calloc(np, sizeof *ga);

    /* A: one tape, two chunks, state carried detached */
    tg_tape *t = tg_tape_new();
    tg_tensor *o1, *h1, *c1, *o2, *h2, *c2;
    tg_rnn_forward(t, m, x1, NULL, NULL, &o1, &h1, &c1);
    tg_tensor *hd = tg_detach(t, h1), *cd = lstm ? tg_detach(t, c1) : NULL;
    tg_rnn_forward(t, m, x2, hd, cd, &o2, &h2, &c2);
    tg_tensor *loss = rc_outputs_loss(t, o2, h2, c2);
    CHECK(loss && tg_backward(t, loss, NULL) == TG_OK, "tbptt A: %s", tg_tape_message(t));
    double x1g = 0;
    for (size_t i = 0; i < x1->size; i++) x1g = fmax(x1g, fabs((double)x1->grad[i]));
    CHECK(x1g == 0, "%s: gradient leaked through the detached state: %g", tg_rnn_kind_name(kind), x1g);
    size_t k = 0;
    for (int i = 0; i < ps.n; i++)
        for (size_t j = 0; j < ps.items[i]->size; j++) ga[k++] = ps.items[i]->grad[j];
    tg_params_zero_grad(&ps);
    tg_tensor_zero_grad(x2);

    /* B: chunk 2 alone from long-lived constant states (the across-reset pattern) */
    tg_tensor *hs = tg_tensor_from(3, h1->shape, h1->data, 0);
    tg_tensor *cs = lstm ? tg_tensor_from(3, c1->shape, c1->data, 0) : NULL;
    tg_tape_reset(t);
    tg_rnn_forward(t, m, x2, hs, cs, &o2, &h2, &c2);
    loss = rc_outputs_loss(t, o2, h2, c2);
    CHECK(loss && tg_backward(t, loss, NULL) == TG_OK, "tbptt B: %s", tg_tape_message(t));
    double d = 0;
    k = 0;
    for (int i = 0; i < ps.n; i++)
        for (size_t j = 0; j < ps.items[i]->size; j++, k++)
            d = fmax(d, fabs((double)ga[k] - (double)ps.items[i]->grad[j]));
    CHECK(d == 0, "%s: detached chunk gradients differ from the chunk alone by %g",
          tg_rnn_kind_name(kind), d);
    tg_params_zero_grad(&ps);

    /* C: without the detach the first chunk is part of the graph */
    tg_tape_reset(t);
    tg_rnn_forward(t, m, x1, NULL, NULL, &o1, &h1, &c1);
    tg_rnn_forward(t, m, x2, h1, lstm ? c1 : NULL, &o2, &h2, &c2);
    loss = rc_outputs_loss(t, o2, h2, c2);
    CHECK(loss && tg_backward(t, loss, NULL) == TG_OK, "full BPTT: %s", tg_tape_message(t));
    x1g = 0;
    for (size_t i = 0; i < x1->size; i++) x1g = fmax(x1g, fabs((double)x1->grad[i]));
    CHECK(x1g > 0, "%s: full BPTT should reach chunk 1", tg_rnn_kind_name(kind));

    free(ga);
    tg_tape_free(t);
    tg_tensor_free(hs);
    tg_tensor_free(cs);
    tg_tensor_free(x1);
    tg_tensor_free(x2);
    tg_params_free(&ps);
    tg_rnn_free(m);
}

/* Error paths of construction, forward and cell, with their messages. */
static void rc_errors(tg_rnn_kind kind) {
    tg_rng g;
    tg_rng_seed(&g, 5);
    tg_rnn_config cfg = {kind, 3, 5, 2, false};
    CHECK(tg_rnn_new("m", &(tg_rnn_config){kind, 0, 5, 2, false}, &g) == NULL, "F 0");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_rnn_new: input_size must be >= 1, got 0");
    CHECK(tg_rnn_new("m", &(tg_rnn_config){kind, 3, -2, 2, false}, &g) == NULL, "H -2");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_rnn_new: hidden_size must be >= 1, got -2");
    CHECK(tg_rnn_new("m", &(tg_rnn_config){kind, 3, 5, 0, false}, &g) == NULL, "L 0");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_rnn_new: num_layers must be >= 1, got 0");
    CHECK(tg_rnn_new("m", &cfg, NULL) == NULL, "rng NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_rnn_new: rng is NULL");
    CHECK(tg_rnn_new(NULL, &cfg, &g) == NULL, "prefix NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_rnn_new: prefix is NULL");
    tg_rnn_free(NULL);

    tg_rnn *m = tg_rnn_new("net", &cfg, &g);
    tg_tape *t = tg_tape_new();
    tg_tensor *out = (tg_tensor *)1, *hn = (tg_tensor *)1;
    tg_tensor *x = tg_tape_tensor(t, 3, (int[]){7, 2, 4}, NULL, 0);
    CHECK(tg_rnn_forward(t, m, x, NULL, NULL, &out, &hn, NULL) == TG_ERR_SHAPE, "x width");
    CHECK(out == NULL && hn == NULL, "outputs cleared on failure");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_rnn_forward: 'net': x must have shape (T,B,3), got (7,2,4)");
    tg_tape_reset(t);
    x = tg_tape_tensor(t, 2, (int[]){7, 3}, NULL, 0);
    CHECK(tg_rnn_forward(t, m, x, NULL, NULL, &out, NULL, NULL) == TG_ERR_SHAPE, "x rank");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_rnn_forward: 'net': x must have shape (T,B,3), got (7,3)");
    tg_tape_reset(t);
    x = tg_tape_tensor(t, 3, (int[]){7, 2, 3}, NULL, 0);
    tg_tensor *h0 = tg_tape_tensor(t, 3, (int[]){1, 2, 5}, NULL, 0);
    CHECK(tg_rnn_forward(t, m, x, h0, NULL, &out, NULL, NULL) == TG_ERR_SHAPE, "h0 shape");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_rnn_forward: 'net': h0 must have shape (2,2,5), got (1,2,5)");
    tg_tape_reset(t);
    x = tg_tape_tensor(t, 3, (int[]){7, 2, 3}, NULL, 0);
    tg_tensor *c0 = tg_tape_tensor(t, 3, (int[]){2, 2, 5}, NULL, 0);
    if (kind == TG_RNN_LSTM) {
        tg_tensor *bad = tg_tape_tensor(t, 3, (int[]){2, 3, 5}, NULL, 0);
        CHECK(tg_rnn_forward(t, m, x, NULL, bad, &out, NULL, NULL) == TG_ERR_SHAPE, "c0 shape");
        CHECK_ERR(t, TG_ERR_SHAPE, "tg_rnn_forward: 'net': c0 must have shape (2,2,5), got (2,3,5)");
    } else {
        CHECK(tg_rnn_forward(t, m, x, NULL, c0, &out, NULL, NULL) == TG_ERR_ARG, "c0 not LSTM");
        CHECK_ERR(t, TG_ERR_ARG, "tg_rnn_forward: 'net': c0 is only used by LSTM layers");
    }
    tg_tape_reset(t);
    CHECK(tg_rnn_forward(t, m, NULL, NULL, NULL, &out, NULL, NULL) == TG_ERR_ARG, "x NULL");
    CHECK_ERR(t, TG_ERR_ARG, "tg_rnn_forward: 'net': x is NULL");
    tg_tape_reset(t);
    CHECK(tg_rnn_forward(t, NULL, x, NULL, NULL, &out, NULL, NULL) == TG_ERR_ARG, "m NULL");
    CHECK_ERR(t, TG_ERR_ARG, "tg_rnn_forward: layer is NULL");
    CHECK(tg_rnn_forward(NULL, m, x, NULL, NULL, &out, NULL, NULL) == TG_ERR_ARG, "t NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_rnn_forward: tape is NULL");
    /* cells */
    tg_tape_reset(t);
    tg_tensor *xc = tg_tape_tensor(t, 2, (int[]){2, 3}, NULL, 0), *hc;
    CHECK(tg_rnn_cell(t, m, 2, xc, NULL, NULL, &hc, NULL) == TG_ERR_RANGE, "layer range");
    CHECK_ERR(t, TG_ERR_RANGE, "tg_rnn_cell: 'net': layer 2 is out of range 0..1");
    tg_tape_reset(t);
    xc = tg_tape_tensor(t, 2, (int[]){2, 3}, NULL, 0);
    CHECK(tg_rnn_cell(t, m, 1, xc, NULL, NULL, &hc, NULL) == TG_ERR_SHAPE, "layer 1 width");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_rnn_cell: 'net': layer 1: x must have shape (B,5), got (2,3)");
    tg_tape_reset(t);
    xc = tg_tape_tensor(t, 2, (int[]){2, 3}, NULL, 0);
    tg_tensor *hbad = tg_tape_tensor(t, 2, (int[]){3, 5}, NULL, 0);
    CHECK(tg_rnn_cell(t, m, 0, xc, hbad, NULL, &hc, NULL) == TG_ERR_SHAPE, "h shape");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_rnn_cell: 'net': h must have shape (2,5), got (3,5)");
    /* a failed tape stays failed: forward returns its status without recording */
    size_t nodes = tg_tape_node_count(t);
    CHECK(tg_rnn_forward(t, m, x, NULL, NULL, &out, NULL, NULL) == TG_ERR_SHAPE, "sticky");
    CHECK(tg_tape_node_count(t) == nodes, "nothing recorded on a failed tape");
    tg_tape_free(t);
    tg_rnn_free(m);
}

#endif
