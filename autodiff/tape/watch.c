/* watch.c — watching the sweep: anomaly detection (the first NaN or infinity an op
 * produces, in its forward output or in the gradients its backward adds) and the
 * backward trace hook (what each node's local derivative added to each input). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "tape_private.h"

void tg_tape_set_anomaly_detection(tg_tape *t, bool on) {
    if (!t) return;
    t->anomaly = on;
    tg__grad_update_plain(t);
}

void tg_tape_set_trace(tg_tape *t, tg_trace_fn fn, void *user) {
    if (!t) return;
    t->trace = fn;
    t->trace_user = user;
    tg__grad_update_plain(t);
}

/* Index of the first non-finite value of v[0..n), or n. */
static size_t first_nonfinite(const tg_real *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return i;
    return n;
}

/* Appends "[a, b, c, ...]" (at most 6 values) to buf. */
static void fmt_values(char *buf, size_t cap, const tg_real *v, size_t n) {
    size_t k = strlen(buf);
    k += (size_t)snprintf(buf + k, k < cap ? cap - k : 0, "[");
    for (size_t i = 0; i < n && i < 6 && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, i ? ", %g" : "%g", (double)v[i]);
    if (k < cap) snprintf(buf + k, cap - k, n > 6 ? ", ...]" : "]");
}

/* Fails the tape with the anomaly message for node (op, id, in[]) where vals[bad]
 * is not finite; phase is "forward" (vals = output) or "backward" (vals = the
 * gradient of input `which`). */
static void report_anomaly(tg_tape *t, const tg_op *op, size_t id, tg_tensor *const *in,
                           int n_in, const char *phase, const char *what, size_t bad,
                           tg_real v) {
    char msg[400] = "";
    for (int i = 0; i < n_in && strlen(msg) < 300; i++) {
        char sh[64];
        size_t k = strlen(msg);
        snprintf(msg + k, sizeof msg - k, "%sinput %d %s = ", i ? "; " : "", i + 1,
                 tg_shape_str(in[i], sh, sizeof sh));
        fmt_values(msg, sizeof msg, in[i]->data, in[i]->size);
    }
    tg_tape_fail(t, TG_ERR_VALUE, "%s: anomaly in %s at node %zu: %s[%zu] = %g; %s", op->name,
                 phase, id, what, bad, (double)v, msg);
}

/* The element of mask (broadcast to out's shape, NumPy rules) that out's element i
 * corresponds to. */
static tg_real mask_at(const tg_tensor *mask, const tg_tensor *out, size_t i) {
    size_t off = 0, stride = 1;
    for (int d = out->rank - 1, m = mask->rank - 1; d >= 0; d--, m--) {
        size_t j = i % (size_t)out->shape[d];
        i /= (size_t)out->shape[d];
        if (m < 0) continue;
        if (mask->shape[m] != 1) off += j * stride;
        stride *= (size_t)mask->shape[m];
    }
    return mask->data[off];
}

/* The first non-finite output that is not a fill: with TG_OPF_FILLS, elements where
 * the op's last input (its mask) is nonzero hold the caller's value and are skipped,
 * so a -inf fill passes and a -inf that a computation produced elsewhere does not. */
static size_t first_anomaly(const tg_op *op, tg_tensor *const *in, int n_in, const tg_tensor *out) {
    size_t bad = first_nonfinite(out->data, out->size);
    if (!(op->flags & TG_OPF_FILLS) || n_in < 1) return bad;
    const tg_tensor *mask = in[n_in - 1];
    while (bad < out->size && mask_at(mask, out, bad) != 0)
        bad += 1 + first_nonfinite(out->data + bad + 1, out->size - bad - 1);
    return bad;
}

tg_status tg__watch_forward(tg_tape *t, const tg_op *op, tg_tensor *const *in, int n_in,
                            const tg_tensor *out) {
    size_t bad = first_anomaly(op, in, n_in, out);
    if (bad == out->size) return TG_OK;
    report_anomaly(t, op, t->n_nodes, in, n_in, "forward", "output", bad, out->data[bad]);
    return t->status;
}

/* True if in[i] already appeared as an earlier input of n. */
static bool repeated_input(const tg_node *n, int i) {
    for (int k = 0; k < i; k++)
        if (n->in[k] == n->in[i]) return true;
    return false;
}

/* One node's local derivative, with the trace and/or anomaly checks around it.
 * The trace reports what the backward kernel actually added (after - before). */
tg_status tg__watched_backward(tg_tape *t, tg_node *n) {
    /* Every input is watched (tg_concat over hundreds of steps is common): the copies'
     * pointers sit on the stack for up to 64 inputs, in the arena beyond. */
    tg_real *local[64] = {0}, **before = local;
    int m = n->n_in;
    if (t->trace && m > 64) {
        before = tg_tape_alloc(t, (size_t)m * sizeof *before);
        if (!before) return t->status;
        memset(before, 0, (size_t)m * sizeof *before);
    }
    if (t->trace)
        for (int i = 0; i < m; i++) {
            tg_tensor *x = n->in[i];
            if (!x->grad || repeated_input(n, i)) continue;
            before[i] = tg_tape_alloc(t, x->size * sizeof(tg_real));
            if (!before[i]) return t->status;
            memcpy(before[i], x->grad, x->size * sizeof(tg_real));
        }
    n->op->backward(n);
    for (int i = 0; i < m; i++) {
        tg_tensor *x = n->in[i];
        if (!x->grad || repeated_input(n, i)) continue;
        if (t->anomaly) {
            size_t bad = first_nonfinite(x->grad, x->size);
            if (bad < x->size) {
                char what[32];
                snprintf(what, sizeof what, "gradient of input %d", i + 1);
                report_anomaly(t, n->op, n->id, n->in, n->n_in, "backward", what, bad, x->grad[bad]);
                return t->status;
            }
        }
        if (t->trace) {
            for (size_t j = 0; j < x->size; j++) before[i][j] = x->grad[j] - before[i][j];
            uint64_t epoch = t->epoch;
            t->trace(n, i, before[i], t->trace_user);
            if (t->epoch != epoch) return TG_OK; /* reset by the callback: n is gone; the sweep stops */
        }
    }
    return TG_OK;
}
