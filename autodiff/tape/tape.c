/* tape.c — a tape's life (new, reset, free, the sticky error, settings), the step
 * tensors it owns, and recording: tg_apply runs an op and appends its node. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "tape_private.h"

tg_tape *tg_tape_new(void) {
    tg_tape *t = tg__calloc(1, sizeof *t);
    if (!t) {
        tg__error(TG_ERR_NOMEM, "tg_tape_new: out of memory");
        return NULL;
    }
    t->grad_enabled = true;
    t->plain = true;
    t->epoch = 1;
    return t;
}

void tg_tape_free(tg_tape *t) {
    if (!t) return;
    tg__sweep_free(t);
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
    t->step_leaves = 0;
    t->grad_bytes = 0;
    t->swept = false;
    t->epoch++;
    t->who = NULL;
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
const tg_node *tg_tape_last(const tg_tape *t) { return t ? t->last : NULL; }

tg_tensor *tg_find(const tg_tape *t, const char *name) {
    if (!t || !name || !name[0]) return NULL;
    /* Walking backwards, the last match seen is the first in recording order. */
    tg_tensor *found = NULL;
    for (const tg_node *nd = t->last; nd; nd = nd->prev) {
        if (strcmp(nd->out->name, name) == 0) found = nd->out;
        for (int i = nd->n_in; i-- > 0;)
            if (strcmp(nd->in[i]->name, name) == 0) found = nd->in[i];
    }
    return found;
}

/* ---- step tensors ---- */

/* total + the 64-byte multiple holding a gradient of n elements, saturating. */
static inline size_t grad_bytes_add(size_t total, size_t n) {
    size_t b = ROUND64(n * sizeof(tg_real)); /* n <= TG__MAX_BYTES / sizeof(tg_real) */
    return b > SIZE_MAX - total ? SIZE_MAX : total + b;
}

/* Inline here, for tg_apply: every input of every op is checked. */
static inline bool live(const tg_tape *t, const tg_tensor *x) {
    return !x->tape || (x->tape == t && x->epoch == t->epoch);
}
bool tg__tensor_live(const tg_tape *t, const tg_tensor *x) { return live(t, x); }

/* Fills a step tensor's header: every field zero but shape, size and the tape's
 * stamp (what tg__tensor_init does, without a call and a 136-byte memset). padded:
 * shape has all TG_MAX_RANK entries, 1 past rank (tg_apply's), copied as a block. */
static inline void step_header(tg_tape *t, tg_tensor *x, int rank, const int *shape, size_t n,
                               bool padded) {
    x->data = x->grad = NULL;
    x->size = n;
    x->rank = rank;
    if (padded) memcpy(x->shape, shape, sizeof x->shape);
    else for (int i = 0; i < TG_MAX_RANK; i++) x->shape[i] = i < rank ? shape[i] : 1;
    x->flags = 0;
    x->node = NULL;
    x->label = NULL;
    x->tape = t;
    x->epoch = t->epoch;
    x->name[0] = '\0';
    x->version = 0;
    x->base = NULL;
}

/* The way out of step_tensor when the arena has no room: the arena said how many
 * bytes it could not find (callers come here with a sound tape, so the message is
 * this request's); add which tensor. */
static __attribute__((noinline, cold)) void step_tensor_oom(tg_tape *t, int rank, const int *shape) {
    char b[128];
    tg__shape_fmt(rank, shape, b, sizeof b);
    if (t->status == TG_OK)
        tg_tape_fail(t, TG_ERR_NOMEM, "%s: out of memory for a tensor of shape %s",
                     t->who ? t->who : "tg_tape_alloc", b);
    size_t k = strlen(t->msg);
    if (!strstr(t->msg, b)) snprintf(t->msg + k, sizeof t->msg - k, " for a tensor of shape %s", b);
    tg__error(TG_ERR_NOMEM, "%s", t->msg);
}

/* A step tensor header plus (unless view) its values, in one piece of the arena
 * (padded: as step_header's). Values that fit the header's last 64-byte line behind
 * it (TAIL bytes: a few elements, every node of a scalar graph) go there: one line
 * less per tensor. Larger ones start on a line of their own. */
enum { HDR_EXACT = (sizeof(tg_tensor) + 15) & ~(size_t)15,
       TAIL = ROUND64(sizeof(tg_tensor)) - HDR_EXACT };

static inline tg_tensor *step_tensor(tg_tape *t, int rank, const int *shape, size_t n,
                                     bool padded, bool alloc_data) {
    size_t hdr = ROUND64(sizeof(tg_tensor));
    /* n passed the size check (n * sizeof(tg_real) <= TG__MAX_BYTES, far below
     * SIZE_MAX / 2), so neither the product nor the sum can wrap. */
    size_t data = alloc_data ? n * sizeof(tg_real) : 0;
    size_t total = hdr + (data <= TAIL ? 0 : ROUND64(data));
    bool fits = n <= TG__MAX_BYTES / sizeof(tg_real);
    unsigned char *mem = fits ? tg__arena_bump(t, total) : NULL;
    if (!mem) {
        step_tensor_oom(t, rank, shape);
        return NULL;
    }
    tg_tensor *x = (tg_tensor *)mem;
    step_header(t, x, rank, shape, n, padded);
    if (alloc_data) x->data = (tg_real *)(mem + (data <= TAIL ? HDR_EXACT : hdr));
    return x;
}

/* tg_tape_tensor and tg_tape_full: `who` names the public function in messages (and
 * in the arena's, while it allocates: t->who is cleared on every way out). */
static tg_tensor *tape_tensor(tg_tape *t, const char *who, int rank, const int *shape,
                              const tg_real *data, unsigned flags) {
    if (!t) {
        tg__error(TG_ERR_ARG, "%s: tape is NULL", who);
        return NULL;
    }
    if (t->status != TG_OK) return NULL;
    tg_status st;
    size_t n = tg__shape_size(who, rank, shape, &st);
    if (st != TG_OK) {
        tg_tape_fail(t, st, "%s", tg_last_error());
        return NULL;
    }
    t->who = who;
    tg_tensor *x = step_tensor(t, rank, shape, n, false, true);
    t->who = NULL;
    if (!x) return NULL;
    if (data) memcpy(x->data, data, n * sizeof(tg_real));
    else memset(x->data, 0, n * sizeof(tg_real));
    x->flags = flags & TG_REQUIRES_GRAD;
    t->step_leaves += x->flags != 0;
    if (x->flags) t->grad_bytes = grad_bytes_add(t->grad_bytes, n);
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
    tg_tensor *y = step_tensor(t, x->rank, x->shape, x->size, true, false);
    t->who = NULL;
    if (!y) return NULL;
    y->data = x->data; /* shares storage (and so the version counter); no gradient link */
    y->base = tg__version_owner(x);
    return y;
}

/* ---- recording ---- */

/* After a view op's forward: out->data must be set (TG_ERR_STATE otherwise), and if
 * it points into an input's storage, out shares that input's version counter. */
static tg_status adopt_view(tg_tape *t, const tg_op *op, tg_tensor *const *in, int n_in,
                            tg_tensor *out) {
    if (!out->data)
        return tg_tape_fail(t, TG_ERR_STATE,
                            "%s: the op is flagged TG_OPF_VIEW but its forward left out->data NULL",
                            op->name);
    uintptr_t d = (uintptr_t)out->data;
    for (int i = 0; i < n_in; i++) {
        uintptr_t lo = (uintptr_t)in[i]->data, hi = lo + in[i]->size * sizeof(tg_real);
        if (in[i]->data && d >= lo && d < hi) {
            out->base = tg__version_owner(in[i]);
            break;
        }
    }
    return TG_OK;
}

/* The element count of the shape an op's infer set, inline: rank 0..TG_MAX_RANK,
 * every dimension >= 1, no overflow, at most TG__MAX_BYTES of values. false: the
 * caller asks tg__shape_size, which words the error. */
static inline bool quick_size(int rank, const int *shape, size_t *n) {
    if (rank < 0 || rank > TG_MAX_RANK) return false;
    size_t k = 1;
    bool ok = true;
    for (int i = 0; i < rank; i++) {
        ok &= shape[i] >= 1;
        ok &= !__builtin_mul_overflow(k, (size_t)(unsigned)shape[i], &k);
    }
    *n = k;
    return ok && k <= TG__MAX_BYTES / sizeof(tg_real);
}

/* tg_apply's checks of its inputs failed: which one and why. */
static __attribute__((noinline, cold)) void bad_inputs(tg_tape *t, const tg_op *op,
                                                       tg_tensor *const *in, int n_in) {
    if (!in) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: the input array is NULL", op->name);
        return;
    }
    if (op->n_in < 0 && n_in < 1) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: expected at least 1 input, got %d", op->name, n_in);
        return;
    }
    if (n_in < 1 || (op->n_in >= 0 && n_in != op->n_in)) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: expected %d inputs, got %d", op->name, op->n_in, n_in);
        return;
    }
    for (int i = 0; i < n_in; i++) {
        if (!in[i]) {
            tg_tape_fail(t, TG_ERR_ARG, "%s: argument %d is NULL", op->name, i + 1);
            return;
        }
        if (!live(t, in[i])) {
            tg_tape_fail(t, TG_ERR_STATE,
                         "%s: argument %d belongs to another tape or to a step before the last tg_tape_reset",
                         op->name, i + 1);
            return;
        }
    }
}

static tg_tensor *apply(tg_tape *t, const tg_op *op, tg_tensor *const *in, int n_in,
                        const tg_op_args *args) {
    if (!op || !op->infer || !op->forward) {
        tg_tape_fail(t, TG_ERR_ARG, "tg_apply: op %s has no shape or forward function",
                     op && op->name ? op->name : "(NULL)");
        return NULL;
    }
    if (!in || n_in < 1 || (n_in != op->n_in && op->n_in >= 0)) {
        bad_inputs(t, op, in, n_in);
        return NULL;
    }
    unsigned flags = 0; /* the inputs' flags, or'ed */
    for (int i = 0; i < n_in; i++) {
        const tg_tensor *x = in[i];
        if (!x || !live(t, x)) {
            bad_inputs(t, op, in, n_in);
            return NULL;
        }
        flags |= x->flags;
    }
    bool need_grad = (flags & TG_REQUIRES_GRAD) && t->grad_enabled;

    /* A recorded node goes straight to the arena, in front of its output (the piece
     * is wasted if the shape check fails, but then the tape has failed and the next
     * step resets it); a node that is not recorded lives on the stack. Its `in` is
     * the caller's array until the forward has run (below). */
    tg_node tmp, *node = &tmp;
    if (need_grad) {
        /* [node | inputs | versions of inputs and output]; n_in is an int, so the
         * words fit a size_t */
        size_t words = (size_t)n_in * (sizeof(tg_tensor *) + sizeof(uint64_t)) + sizeof(uint64_t);
        node = tg__arena_bump(t, ROUND64(sizeof(tg_node) + words));
        if (!node) return NULL;
    }
    node->op = op;
    node->out = NULL;
    node->in = (tg_tensor **)in;
    node->n_in = n_in;
    if (args) node->args = *args;
    else memset(&node->args, 0, sizeof node->args);
    node->saved = NULL;
    node->prev = NULL;
    node->id = 0;
    node->saved_version = NULL;
    int rank = 0, shape[TG_MAX_RANK];
    for (int i = 0; i < TG_MAX_RANK; i++) shape[i] = 1;
    if (op->infer(t, node, &rank, shape) != TG_OK) {
        if (t->status == TG_OK) tg_tape_fail(t, TG_ERR_SHAPE, "%s: invalid arguments", op->name);
        return NULL;
    }
    size_t n;
    if (!quick_size(rank, shape, &n)) {
        tg_status st;
        n = tg__shape_size(op->name, rank, shape, &st);
        if (st != TG_OK) {
            tg_tape_fail(t, st, "%s", tg_last_error());
            return NULL;
        }
    }
    /* The output: [header | values], right after the node. */
    tg_tensor *out = step_tensor(t, rank, shape, n, true, !(op->flags & TG_OPF_VIEW));
    if (!out) return NULL;
    if (need_grad) out->flags |= TG_REQUIRES_GRAD;
    node->out = out;
    if (op->forward(t, node) != TG_OK) {
        if (t->status == TG_OK) tg_tape_fail(t, TG_ERR_VALUE, "%s: forward failed", op->name);
        return NULL;
    }
    if ((op->flags & TG_OPF_VIEW) && adopt_view(t, op, in, n_in, out) != TG_OK) return NULL;
    t->who = NULL; /* a caller's own tg_tape_alloc is named as such */
    if (t->anomaly && tg__watch_forward(t, op, in, n_in, out) != TG_OK) return NULL;
    if (need_grad) {
        /* The inputs, and the versions backward will expect (tg__check_saved_versions):
         * a load and two stores per input, the whole cost of version tracking when
         * recording. */
        tg_tensor **ins = (tg_tensor **)(node + 1);
        uint64_t *vers = (uint64_t *)(ins + n_in);
        if (t->n_nodes == 0) /* before any version is read: a write in between moves it */
            t->writes_at_first = atomic_load_explicit(&tg__version_writes, memory_order_relaxed);
        for (int i = 0; i < n_in; i++) {
            ins[i] = in[i];
            vers[i] = tg__version_owner(in[i])->version;
        }
        vers[n_in] = tg__version_owner(out)->version;
        t->grad_bytes = grad_bytes_add(t->grad_bytes, n);
        node->in = ins;
        node->saved_version = vers;
        node->id = t->n_nodes++;
        node->prev = t->last;
        t->last = node;
        out->node = node;
    }
    return out;
}

tg_tensor *tg_apply(tg_tape *t, const tg_op *op, tg_tensor *const *in, int n_in,
                    const tg_op_args *args) {
    if (!t) {
        tg__error(TG_ERR_ARG, "%s: tape is NULL", op && op->name ? op->name : "tg_apply");
        return NULL;
    }
    if (t->status != TG_OK) return NULL; /* sticky: the first error stays */
    t->who = op && op->name ? op->name : "tg_apply";
    tg_tensor *out = apply(t, op, in, n_in, args);
    t->who = NULL;
    return out;
}
