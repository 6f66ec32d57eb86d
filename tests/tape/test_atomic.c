/* test_atomic.c — what the backward sweep promises when things go wrong:
 *   - tg_backward checks its seed as it checks y: a seed from before tg_tape_reset
 *     (whose memory the next step reuses) or from another tape is TG_ERR_STATE;
 *   - a failed tg_backward (anomaly detection, out of memory at every allocation it
 *     makes, a trace callback that resets the tape) leaves every leaf's ->grad
 *     exactly as it was before the call;
 *   - a trace callback that resets the tape gives TG_ERR_STATE, not a crash, and one
 *     that starts a sweep from inside the sweep is refused. */
#include <tg/core.h>
#include "check.h"

static tg_tensor *P(const char *name, int n, const tg_real *v) {
    tg_tensor *p = tg_param_new(name, 1, (int[]){n});
    tg_tensor_copy_from(p, v, (size_t)n);
    return p;
}

/* sum(tanh(w * x)) * 2 with w, x parameters. */
static tg_tensor *f_tanh(tg_tape *t, tg_tensor *w, tg_tensor *x) {
    return tg_mul_scalar(t, tg_sum(t, tg_tanh(t, tg_mul(t, w, x))), 2);
}

static bool same_grads(const tg_tensor *a, const tg_real *b) {
    return memcmp(a->grad, b, a->size * sizeof(tg_real)) == 0;
}

static void seed_checks(void) {
    tg_tensor *w = P("w", 3, (tg_real[]){1, 2, 3});
    tg_tape *t = tg_tape_new(), *t2 = tg_tape_new();
    /* a seed from before the reset: its values' memory is reused by the next step
     * (padding first, so that its header survives and the shapes match) */
    tg_tape_alloc(t, 1 << 16);
    tg_tensor *old = tg_tape_full(t, 1, (int[]){3}, 7);
    tg_tape_reset(t);
    tg_tensor *y = tg_mul(t, w, w);
    CHECK(tg_backward(t, y, old) == TG_ERR_STATE, "stale seed refused");
    CHECK_ERR(t, TG_ERR_STATE, "tg_backward: seed belongs to another tape or to a step before the last tg_tape_reset");
    CHECK(w->grad[0] == 0 && w->grad[2] == 0, "no gradient written");
    tg_tape_reset(t);
    y = tg_mul(t, w, w);
    tg_tensor *other = tg_tape_full(t2, 1, (int[]){3}, 1);
    CHECK(tg_backward(t, y, other) == TG_ERR_STATE, "seed of another tape refused");
    CHECK_ERR(t, TG_ERR_STATE, "tg_backward: seed belongs to another tape");
    tg_tape_reset(t);
    y = tg_mul(t, w, w);
    tg_tensor *ok = tg_tensor_new(1, (int[]){3}, 0);
    tg_tensor_fill(ok, 1);
    CHECK(tg_backward(t, y, ok) == TG_OK && w->grad[2] == 6, "a long-lived seed is fine");
    tg_tensor_free(ok);
    tg_tensor_free(w);
    tg_tape_free(t);
    tg_tape_free(t2);
}

/* A trace callback that resets the tape at its k-th call. */
typedef struct { tg_tape *t; int calls, reset_at; } resetter;
static void reset_cb(const tg_node *n, int i, const tg_real *c, void *u) {
    (void)n, (void)i, (void)c;
    resetter *r = u;
    if (++r->calls == r->reset_at) {
        tg_tape_reset(r->t);
        /* record over the old step's memory, as a careless callback would */
        tg_tensor *junk = tg_tape_full(r->t, 1, (int[]){4096}, -1);
        (void)junk;
    }
}
static void recursive_cb(const tg_node *n, int i, const tg_real *c, void *u) {
    (void)i, (void)c;
    resetter *r = u;
    if (r->calls++ == 0) r->reset_at = tg_backward(r->t, n->out, NULL) == TG_ERR_STATE;
}

static void atomic_sweeps(void) {
    tg_tensor *w = P("w", 3, (tg_real[]){0.5, -1, 2});
    tg_tensor *x = P("x", 3, (tg_real[]){1, 2, 3});
    tg_tape *t = tg_tape_new();
    /* earlier gradients a failed sweep must keep */
    tg_backward(t, f_tanh(t, w, x), NULL);
    tg_real gw[3], gx[3];
    memcpy(gw, w->grad, sizeof gw);
    memcpy(gx, x->grad, sizeof gx);

    /* 1. anomaly in the middle of the sweep: sqrt(0)'s gradient is inf at the last
     * node; the tanh branch's gradient reaches w and x before it */
    tg_tape_reset(t);
    tg_tensor *z = f_tanh(t, w, x);
    tg_tensor *d = tg_sqrt(t, tg_mul_scalar(t, x, 0));
    tg_tensor *l = tg_add(t, z, tg_sum(t, d));
    tg_tape_set_anomaly_detection(t, true);
    CHECK(tg_backward(t, l, NULL) == TG_ERR_VALUE, "anomaly stops the sweep: %s", tg_tape_message(t));
    CHECK(same_grads(w, gw) && same_grads(x, gx), "a failed sweep (anomaly) leaves the gradients as they were");
    tg_tape_set_anomaly_detection(t, false);

    /* 2. out of memory at every allocation the sweep makes */
    for (size_t k = 1; k < 64; k++) {
        tg_tape *t2 = tg_tape_new();
        tg_tensor *ys = f_tanh(t2, w, x);
        tg__alloc_fail_after(k);
        tg_status st = tg_backward(t2, ys, NULL);
        tg__alloc_fail_after(0);
        tg_tape_free(t2);
        if (st == TG_OK) {
            for (int i = 0; i < 3; i++) w->grad[i] = gw[i], x->grad[i] = gx[i];
            break;
        }
        CHECK(st == TG_ERR_NOMEM, "k=%zu: %s", k, tg_status_name(st));
        CHECK(same_grads(w, gw) && same_grads(x, gx), "k=%zu: a failed sweep (OOM) leaves the gradients", k);
    }

    /* 3. a trace callback that resets the tape mid-sweep, at each of its calls */
    for (int k = 1; k <= 4; k++) {
        tg_tape_reset(t);
        tg_tensor *s = tg_step(t, x); /* a step leaf on the path too */
        tg_tensor *xs = tg_tape_tensor(t, 1, (int[]){3}, x->data, TG_REQUIRES_GRAD);
        l = tg_add(t, f_tanh(t, w, x), tg_sum(t, tg_mul(t, xs, s)));
        resetter r = {t, 0, k};
        tg_tape_set_trace(t, reset_cb, &r);
        tg_status st = tg_backward(t, l, NULL);
        tg_tape_set_trace(t, NULL, NULL);
        CHECK(st == TG_ERR_STATE, "reset at trace call %d: %s", k, tg_status_name(st));
        CHECK_ERR(t, TG_ERR_STATE, "tg_backward: the tape was reset during the sweep");
        CHECK(same_grads(w, gw) && same_grads(x, gx), "reset at call %d: gradients as before", k);
    }
    /* 4. a sweep from inside a sweep */
    tg_tape_reset(t);
    l = f_tanh(t, w, x);
    resetter r = {t, 0, 0};
    tg_tape_set_trace(t, recursive_cb, &r);
    tg_status st = tg_backward(t, l, NULL);
    tg_tape_set_trace(t, NULL, NULL);
    CHECK(r.reset_at == 1 && st == TG_ERR_STATE, "a sweep inside a sweep is refused");
    CHECK(same_grads(w, gw) && same_grads(x, gx), "and changes no gradient");
    tg_tensor_free(w);
    tg_tensor_free(x);
    tg_tape_free(t);
}

int main(void) {
    seed_checks();
    atomic_sweeps();
    return check_done();
}
