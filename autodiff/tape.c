/* tape.c — the arena, recording, and the one generic backward sweep. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "tg_internal.h"
#include "tg_tape.h"

/* ---- arena: a list of chunks kept across resets ----
 * Requests are bumped from the current chunk; when it is full we move to the next
 * chunk kept from an earlier step, or allocate a new one (twice the last size, and at
 * least the request). After the first step of a loop the same sequence of requests
 * fits the same chunks, so no allocation happens. */
typedef struct chunk {
    struct chunk *next;
    size_t cap, used;
    unsigned char *base; /* 64-byte aligned start of usable memory */
} chunk;

#define ARENA_FIRST_CHUNK ((size_t)1 << 20)

struct tg_tape {
    chunk *first, *cur;
    size_t total_cap;
    tg_node *last;
    size_t n_nodes;
    uint64_t epoch;
    bool grad_enabled;
    bool anomaly;
    const char *who;      /* the op (or function) allocating now, for OOM messages */
    tg_trace_fn trace;
    void *trace_user;
    tg_status status;
    char msg[512];
};

static chunk *chunk_new(size_t cap) {
    unsigned char *mem = tg__malloc(sizeof(chunk) + cap + 64);
    if (!mem) return NULL;
    chunk *c = (chunk *)mem;
    c->next = NULL;
    c->cap = cap;
    c->used = 0;
    c->base = (unsigned char *)(((uintptr_t)(mem + sizeof(chunk)) + 63) & ~(uintptr_t)63);
    return c;
}

void *tg_tape_alloc(tg_tape *t, size_t bytes) {
    if (!t) {
        tg__error(TG_ERR_ARG, "tg_tape_alloc: tape is NULL");
        return NULL;
    }
    if (bytes > SIZE_MAX / 4) {
        tg_tape_fail(t, TG_ERR_NOMEM, "%s: out of memory growing the tape's arena by %zu bytes",
                     t->who ? t->who : "tg_tape_alloc", bytes);
        return NULL;
    }
    bytes = (bytes + 63) & ~(size_t)63;
    for (;;) {
        chunk *c = t->cur;
        if (c && c->cap - c->used >= bytes) {
            void *p = c->base + c->used;
            c->used += bytes;
            return p;
        }
        if (c && c->next) { /* a chunk kept from an earlier step */
            t->cur = c->next;
            t->cur->used = 0;
            continue;
        }
        size_t cap = c ? c->cap * 2 : ARENA_FIRST_CHUNK;
        if (cap < bytes) cap = bytes;
        chunk *n = chunk_new(cap);
        if (!n) {
            tg_tape_fail(t, TG_ERR_NOMEM, "%s: out of memory growing the tape's arena by %zu bytes",
                         t->who ? t->who : "tg_tape_alloc", cap);
            return NULL;
        }
        t->total_cap += cap;
        if (c) c->next = n; else t->first = n;
        t->cur = n;
    }
}

/* The common case of tg_tape_alloc, inlined into the hot paths: room in the current
 * chunk. bytes must already be a multiple of 64. */
static inline void *arena_bump(tg_tape *t, size_t bytes) {
    chunk *c = t->cur;
    if (c && c->cap - c->used >= bytes) {
        void *p = c->base + c->used;
        c->used += bytes;
        return p;
    }
    return tg_tape_alloc(t, bytes);
}
#define ROUND64(b) (((b) + 63) & ~(size_t)63)

tg_tape *tg_tape_new(void) {
    tg_tape *t = tg__calloc(1, sizeof *t);
    if (!t) {
        tg__error(TG_ERR_NOMEM, "tg_tape_new: out of memory");
        return NULL;
    }
    t->grad_enabled = true;
    t->epoch = 1;
    return t;
}

void tg_tape_free(tg_tape *t) {
    if (!t) return;
    for (chunk *c = t->first, *n; c; c = n) {
        n = c->next;
        tg__free(c);
    }
    tg__free(t);
}

void tg_tape_reset(tg_tape *t) {
    if (!t) return;
    t->cur = t->first;
    if (t->cur) t->cur->used = 0;
    t->last = NULL;
    t->n_nodes = 0;
    t->epoch++;
    t->status = TG_OK;
    t->msg[0] = '\0';
}

tg_status tg_tape_status(const tg_tape *t) { return t ? t->status : TG_ERR_ARG; }
const char *tg_tape_message(const tg_tape *t) { return t ? t->msg : "tg_tape: tape is NULL"; }

tg_status tg_tape_fail(tg_tape *t, tg_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (t && t->status == TG_OK) {
        va_list aq;
        va_copy(aq, ap);
        t->status = s;
        vsnprintf(t->msg, sizeof t->msg, fmt, aq);
        va_end(aq);
    }
    tg__verror(s, fmt, ap);
    va_end(ap);
    return s;
}

bool tg_tape_set_grad_enabled(tg_tape *t, bool enabled) {
    if (!t) return false;
    bool old = t->grad_enabled;
    t->grad_enabled = enabled;
    return old;
}
bool tg_tape_grad_enabled(const tg_tape *t) { return t && t->grad_enabled; }
size_t tg_tape_node_count(const tg_tape *t) { return t ? t->n_nodes : 0; }
size_t tg_tape_arena_bytes(const tg_tape *t) { return t ? t->total_cap : 0; }
size_t tg_tape_arena_used(const tg_tape *t) {
    size_t u = 0;
    if (!t) return 0;
    for (chunk *c = t->first; c; c = c->next) {
        u += c->used;
        if (c == t->cur) break;
    }
    return u;
}
const tg_node *tg_tape_last(const tg_tape *t) { return t ? t->last : NULL; }

void tg_tape_set_anomaly_detection(tg_tape *t, bool on) {
    if (t) t->anomaly = on;
}

void tg_tape_set_trace(tg_tape *t, tg_trace_fn fn, void *user) {
    if (!t) return;
    t->trace = fn;
    t->trace_user = user;
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

bool tg__tensor_live(const tg_tape *t, const tg_tensor *x) {
    if (!x->tape) return true;
    return x->tape == t && x->epoch == t->epoch;
}

/* Fills a step tensor's header: every field zero but shape, size and the tape's
 * stamp (what tg__tensor_init does, without a call and a 136-byte memset). */
static inline void step_header(tg_tape *t, tg_tensor *x, int rank, const int *shape, size_t n) {
    x->data = x->grad = NULL;
    x->size = n;
    x->rank = rank;
    for (int i = 0; i < TG_MAX_RANK; i++) x->shape[i] = i < rank ? shape[i] : 1;
    x->flags = 0;
    x->node = NULL;
    x->tape = t;
    x->epoch = t->epoch;
    x->name[0] = '\0';
}

/* A step tensor header plus (unless view) its values, in one piece of the arena;
 * extra bytes (a multiple of 64) are reserved in front of it and returned in *pre. */
static tg_tensor *step_tensor_pre(tg_tape *t, int rank, const int *shape, size_t n,
                                  bool alloc_data, size_t extra, void **pre) {
    size_t hdr = ROUND64(sizeof(tg_tensor));
    size_t data = alloc_data ? n * sizeof(tg_real) : 0;
    if (data > SIZE_MAX / 4) data = SIZE_MAX / 4 + 1; /* tg_tape_alloc reports it */
    unsigned char *mem = arena_bump(t, extra + hdr + ROUND64(data));
    if (!mem) return NULL;
    if (pre) *pre = mem;
    tg_tensor *x = (tg_tensor *)(mem + extra);
    step_header(t, x, rank, shape, n);
    if (alloc_data) x->data = (tg_real *)(mem + extra + hdr);
    return x;
}

static tg_tensor *step_tensor(tg_tape *t, int rank, const int *shape, size_t n, bool alloc_data) {
    return step_tensor_pre(t, rank, shape, n, alloc_data, 0, NULL);
}

/* tg_tape_tensor and tg_tape_full: `who` names the public function in messages. */
static tg_tensor *tape_tensor(tg_tape *t, const char *who, int rank, const int *shape,
                              const tg_real *data, unsigned flags) {
    if (!t) {
        tg__error(TG_ERR_ARG, "%s: tape is NULL", who);
        return NULL;
    }
    if (t->status != TG_OK) return NULL;
    t->who = who;
    tg_status st;
    size_t n = tg__shape_size(who, rank, shape, &st);
    if (st != TG_OK) {
        tg_tape_fail(t, st, "%s", tg_last_error());
        return NULL;
    }
    tg_tensor *x = step_tensor(t, rank, shape, n, true);
    t->who = NULL;
    if (!x) return NULL;
    if (data) memcpy(x->data, data, n * sizeof(tg_real));
    else memset(x->data, 0, n * sizeof(tg_real));
    x->flags = flags & TG_REQUIRES_GRAD;
    return x;
}

tg_tensor *tg_tape_tensor(tg_tape *t, int rank, const int *shape, const tg_real *data,
                          unsigned flags) {
    return tape_tensor(t, "tg_tape_tensor", rank, shape, data, flags);
}

tg_tensor *tg_tape_full(tg_tape *t, int rank, const int *shape, tg_real v) {
    tg_tensor *x = tape_tensor(t, "tg_tape_full", rank, shape, NULL, 0);
    if (x) tg_tensor_fill(x, v);
    return x;
}

tg_tensor *tg_detach(tg_tape *t, tg_tensor *x) {
    if (!t) {
        tg__error(TG_ERR_ARG, "tg_detach: tape is NULL");
        return NULL;
    }
    if (t->status != TG_OK) return NULL;
    if (!x) {
        tg_tape_fail(t, TG_ERR_ARG, "tg_detach: argument 1 (x) is NULL");
        return NULL;
    }
    if (!tg__tensor_live(t, x)) {
        tg_tape_fail(t, TG_ERR_STATE,
                     "tg_detach: argument 1 (x) belongs to another tape or to a step before the last tg_tape_reset");
        return NULL;
    }
    t->who = "tg_detach";
    tg_tensor *y = step_tensor(t, x->rank, x->shape, x->size, false);
    t->who = NULL;
    if (!y) return NULL;
    y->data = x->data; /* shares storage; no gradient link */
    y->flags = TG_VIEW;
    return y;
}

/* ---- recording ---- */

tg_tensor *tg_apply(tg_tape *t, const tg_op *op, tg_tensor *const *in, int n_in,
                    const tg_op_args *args) {
    if (!t) {
        tg__error(TG_ERR_ARG, "%s: tape is NULL", op ? op->name : "tg_apply");
        return NULL;
    }
    if (t->status != TG_OK) return NULL; /* sticky: the first error stays */
    t->who = op ? op->name : "tg_apply";
    if (!op || !op->infer || !op->forward) {
        tg_tape_fail(t, TG_ERR_ARG, "tg_apply: op %s has no shape or forward function",
                     op && op->name ? op->name : "(NULL)");
        return NULL;
    }
    if (!in) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: the input array is NULL", op->name);
        return NULL;
    }
    if (n_in < 1 || (op->n_in >= 0 && n_in != op->n_in)) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: expected %d inputs, got %d", op->name, op->n_in, n_in);
        return NULL;
    }
    bool need_grad = false;
    for (int i = 0; i < n_in; i++) {
        if (!in[i]) {
            tg_tape_fail(t, TG_ERR_ARG, "%s: argument %d is NULL", op->name, i + 1);
            return NULL;
        }
        if (!tg__tensor_live(t, in[i])) {
            tg_tape_fail(t, TG_ERR_STATE,
                         "%s: argument %d belongs to another tape or to a step before the last tg_tape_reset",
                         op->name, i + 1);
            return NULL;
        }
        need_grad |= tg__requires_grad(in[i]);
    }
    need_grad = need_grad && t->grad_enabled;

    tg_node tmp = {.op = op, .in = (tg_tensor **)in, .n_in = n_in};
    if (args) tmp.args = *args;
    int rank = 0, shape[TG_MAX_RANK];
    for (int i = 0; i < TG_MAX_RANK; i++) shape[i] = 1;
    if (op->infer(t, &tmp, &rank, shape) != TG_OK) {
        if (t->status == TG_OK) tg_tape_fail(t, TG_ERR_SHAPE, "%s: invalid arguments", op->name);
        return NULL;
    }
    tg_status st;
    size_t n = tg__shape_size(op->name, rank, shape, &st);
    if (st != TG_OK) {
        tg_tape_fail(t, st, "%s", tg_last_error());
        return NULL;
    }
    /* One piece of the arena: [node | inputs | output header | output values]. */
    size_t node_bytes = need_grad ? ROUND64(sizeof(tg_node) + (size_t)n_in * sizeof(tg_tensor *)) : 0;
    void *pre = NULL;
    tg_tensor *out = step_tensor_pre(t, rank, shape, n, !(op->flags & TG_OPF_VIEW), node_bytes, &pre);
    if (!out) return NULL;
    tg_node *node = &tmp;
    if (need_grad) {
        node = pre;
        tg_tensor **ins = (tg_tensor **)(node + 1);
        *node = tmp;
        for (int i = 0; i < n_in; i++) ins[i] = in[i];
        node->in = ins;
        out->flags |= TG_REQUIRES_GRAD;
    }
    node->out = out;
    if (op->forward(t, node) != TG_OK) {
        if (t->status == TG_OK) tg_tape_fail(t, TG_ERR_VALUE, "%s: forward failed", op->name);
        return NULL;
    }
    t->who = NULL; /* a caller's own tg_tape_alloc is named as such */
    if (op->flags & TG_OPF_VIEW) /* a view op may still copy (slice off axis 0) */
        for (int i = 0; i < n_in; i++) {
            uintptr_t o = (uintptr_t)out->data, b = (uintptr_t)in[i]->data;
            if (o >= b && o < b + in[i]->size * sizeof(tg_real)) out->flags |= TG_VIEW;
        }
    if (t->anomaly) {
        size_t bad = first_nonfinite(out->data, out->size);
        if (bad < out->size) {
            report_anomaly(t, op, t->n_nodes, in, n_in, "forward", "output", bad, out->data[bad]);
            return NULL;
        }
    }
    if (need_grad) {
        node->id = t->n_nodes++;
        node->prev = t->last;
        t->last = node;
        out->node = node;
    }
    return out;
}

/* ---- the backward sweep ---- */

static tg_status ensure_grad(tg_tape *t, tg_tensor *x) {
    if (x->grad) return TG_OK;
    size_t bytes = x->size * sizeof(tg_real);
    x->grad = bytes <= SIZE_MAX / 4 ? arena_bump(t, ROUND64(bytes)) : tg_tape_alloc(t, bytes);
    if (!x->grad) return TG_ERR_NOMEM;
    memset(x->grad, 0, x->size * sizeof(tg_real));
    return TG_OK;
}

/* True if in[i] already appeared as an earlier input of n. */
static bool repeated_input(const tg_node *n, int i) {
    for (int k = 0; k < i; k++)
        if (n->in[k] == n->in[i]) return true;
    return false;
}

/* One node's local derivative, with the trace and/or anomaly checks around it.
 * The trace reports what the backward kernel actually added (after - before). */
static tg_status watched_backward(tg_tape *t, tg_node *n) {
    tg_real *before[64] = {0};
    int m = n->n_in < 64 ? n->n_in : 64;
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
            t->trace(n, i, before[i], t->trace_user);
        }
    }
    return TG_OK;
}

tg_status tg_backward(tg_tape *t, tg_tensor *y, const tg_tensor *seed) {
    if (!t) return tg__error(TG_ERR_ARG, "tg_backward: tape is NULL");
    if (t->status != TG_OK)
        return tg__error(t->status, "tg_backward: the tape has failed earlier: %s", t->msg);
    t->who = "tg_backward";
    if (!y) return tg_tape_fail(t, TG_ERR_ARG, "tg_backward: argument 1 (y) is NULL");
    if (!tg__tensor_live(t, y))
        return tg_tape_fail(t, TG_ERR_STATE,
                            "tg_backward: y belongs to another tape or to a step before the last tg_tape_reset");
    if (!tg__requires_grad(y))
        return tg_tape_fail(t, TG_ERR_STATE,
                            "tg_backward: y does not require a gradient (no parameter reaches it, or it was computed with gradients disabled)");
    char b1[128], b2[128];
    if (!seed && y->size != 1)
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "tg_backward: y has shape %s; a seed gradient is needed unless y has one element",
                            tg_shape_str(y, b1, sizeof b1));
    if (seed && (seed->size != y->size || seed->rank != y->rank ||
                 memcmp(seed->shape, y->shape, sizeof y->shape) != 0))
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_backward: seed shape %s differs from y shape %s",
                            tg_shape_str(seed, b1, sizeof b1), tg_shape_str(y, b2, sizeof b2));

    /* Intermediate gradients of this sweep start from zero (a second sweep over the
     * same tape recomputes them); ancestors of y were all recorded before it. */
    tg_node *start = y->node;
    for (tg_node *n = start; n; n = n->prev)
        if (n->out->grad) memset(n->out->grad, 0, n->out->size * sizeof(tg_real));
    if (ensure_grad(t, y) != TG_OK) return t->status;
    for (size_t i = 0; i < y->size; i++) y->grad[i] += seed ? seed->data[i] : (tg_real)1;

    for (tg_node *n = start; n; n = n->prev) {
        if (!n->out->grad || !n->op->backward) continue; /* not on a path to y */
        for (int i = 0; i < n->n_in; i++)
            if (tg__requires_grad(n->in[i]) && ensure_grad(t, n->in[i]) != TG_OK)
                return t->status;
        if (t->trace || t->anomaly) {
            if (watched_backward(t, n) != TG_OK) return t->status;
        } else {
            n->op->backward(n);
        }
    }
    t->who = NULL;
    return TG_OK;
}
