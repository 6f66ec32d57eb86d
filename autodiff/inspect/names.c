/* show.c — names of a tape's tensors, number formatting, and the tape as a table
 * (tg_show.h). Only reads the tape; prints only to the caller's FILE*. */
#include <math.h>
#include <string.h>
#include <tg/ops.h>
#include "inspect_private.h"

/* ---- options and numbers ---- */

tg_show_opts tg_show_defaults(void) { return (tg_show_opts){.precision = 4, .max_elems = 6}; }

tg_show_opts tg__show_opts(const tg_show_opts *o) {
    tg_show_opts r = o ? *o : tg_show_defaults();
    if (r.precision < 1) r.precision = 4;
    if (r.precision > 17) r.precision = 17;
    if (r.max_elems < 2) r.max_elems = 6;
    if (r.max_elems > 64) r.max_elems = 64;
    return r;
}

char *tg__show_num(double v, const tg_show_opts *o, char *buf, size_t n) {
    if (v == 0) v = 0; /* -0 prints as 0: the sign of a zero is rounding noise here */
    snprintf(buf, n, "%.*g", o->precision, v);
    return buf;
}

/* Appends s to buf (capacity cap, length *k), truncating. */
static void put(char *buf, size_t cap, size_t *k, const char *s) {
    size_t l = strlen(s);
    if (*k + 1 >= cap) return;
    if (l > cap - 1 - *k) l = cap - 1 - *k;
    memcpy(buf + *k, s, l);
    *k += l;
    buf[*k] = '\0';
}

/* One element: the number, or nan_as for a NaN when given. */
static const char *elem(double v, const tg_show_opts *o, const char *nan_as, char *num,
                        size_t n) {
    return isnan(v) && nan_as ? nan_as : tg__show_num(v, o, num, n);
}

char *tg__show_seq(size_t n, double (*get)(const void *ctx, size_t i), const void *ctx,
                   const tg_show_opts *o, const char *nan_as, char *buf, size_t cap) {
    char num[64];
    size_t k = 0;
    if (cap == 0) return buf;
    buf[0] = '\0';
    if (n == 1) {
        put(buf, cap, &k, elem(get(ctx, 0), o, nan_as, num, sizeof num));
        return buf;
    }
    size_t head = n <= (size_t)o->max_elems ? n : (size_t)o->max_elems - 1;
    put(buf, cap, &k, "[");
    for (size_t i = 0; i < head; i++) {
        if (i) put(buf, cap, &k, ", ");
        put(buf, cap, &k, elem(get(ctx, i), o, nan_as, num, sizeof num));
    }
    if (head < n) {
        put(buf, cap, &k, ", ..., ");
        put(buf, cap, &k, elem(get(ctx, n - 1), o, nan_as, num, sizeof num));
    }
    put(buf, cap, &k, "]");
    return buf;
}

static double get_real(const void *ctx, size_t i) { return (double)((const tg_real *)ctx)[i]; }
static double get_double(const void *ctx, size_t i) { return ((const double *)ctx)[i]; }

char *tg__show_vals(const tg_real *v, size_t n, const tg_show_opts *o, char *buf, size_t cap) {
    if (!v) {
        snprintf(buf, cap, "-");
        return buf;
    }
    return tg__show_seq(n, get_real, v, o, NULL, buf, cap);
}

char *tg__show_dvals(const double *v, size_t n, const tg_show_opts *o, char *buf, size_t cap) {
    return tg__show_seq(n, get_double, v, o, NULL, buf, cap);
}

tg_status tg__show_io(FILE *out, const char *fn) {
    if (fflush(out) != 0 || ferror(out))
        return tg__error(TG_ERR_IO, "%s: writing the output failed", fn);
    return TG_OK;
}

/* ---- the map of names ---- */

static size_t hash_ptr(const void *p, size_t cap) {
    uint64_t h = (uint64_t)(uintptr_t)p;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)h & (cap - 1);
}

size_t tg__show_leaf_index(const tg__show_map *m, const tg_tensor *x) {
    if (!m->hcap) return (size_t)-1;
    for (size_t h = hash_ptr(x, m->hcap);; h = (h + 1) & (m->hcap - 1)) {
        if (!m->hkeys[h]) return (size_t)-1;
        if (m->hkeys[h] == x) return m->hvals[h];
    }
}

const tg_node *tg__show_node_of(const tg__show_map *m, const tg_tensor *x) {
    const tg_node *nd = x ? x->node : NULL;
    if (nd && nd->id < m->n_nodes && m->nodes[nd->id] == nd) return nd;
    return NULL;
}

/* Registers x as a leaf first read by node id `first` (no-op if known). */
static void add_leaf(tg__show_map *m, const tg_tensor *x, size_t first, size_t counts[2]) {
    size_t h = hash_ptr(x, m->hcap);
    for (; m->hkeys[h]; h = (h + 1) & (m->hcap - 1))
        if (m->hkeys[h] == x) return;
    size_t k = m->n_leaves++;
    m->hkeys[h] = x;
    m->hvals[h] = k;
    m->leaves[k] = x;
    m->leaf_kind[k] = (x->flags & TG_PARAM) ? 'p' : 'i';
    m->leaf_num[k] = counts[m->leaf_kind[k] == 'p']++;
    m->leaf_first[k] = first;
}

void tg__show_map_free(tg__show_map *m) {
    tg__free(m->nodes);
    tg__free(m->keep);
    tg__free(m->leaves);
    tg__free(m->leaf_kind);
    tg__free(m->leaf_num);
    tg__free(m->leaf_first);
    tg__free(m->hkeys);
    tg__free(m->hvals);
    memset(m, 0, sizeof *m);
}

tg_status tg__show_map_build(tg__show_map *m, const tg_tape *t, const tg_tensor *root,
                             const char *fn) {
    memset(m, 0, sizeof *m);
    if (root && !tg__tensor_live(t, root))
        return tg__error(TG_ERR_STATE,
                         "%s: root belongs to another tape or to a step before the last tg_tape_reset", fn);
    const tg_node *last = tg_tape_last(t);
    size_t n = last ? last->id + 1 : 0, slots = 1;
    for (const tg_node *nd = last; nd; nd = nd->prev) slots += (size_t)nd->n_in;
    m->hcap = 16;
    while (m->hcap < 2 * slots) m->hcap *= 2;
    m->n_nodes = n;
    m->nodes = tg__calloc(n + 1, sizeof *m->nodes);
    m->keep = tg__calloc(n + 1, sizeof *m->keep);
    m->leaves = tg__calloc(slots, sizeof *m->leaves);
    m->leaf_kind = tg__calloc(slots, 1);
    m->leaf_num = tg__calloc(slots, sizeof *m->leaf_num);
    m->leaf_first = tg__calloc(slots, sizeof *m->leaf_first);
    m->hkeys = tg__calloc(m->hcap, sizeof *m->hkeys);
    m->hvals = tg__calloc(m->hcap, sizeof *m->hvals);
    if (!m->nodes || !m->keep || !m->leaves || !m->leaf_kind || !m->leaf_num ||
        !m->leaf_first || !m->hkeys || !m->hvals) {
        tg__show_map_free(m);
        return tg__error(TG_ERR_NOMEM, "%s: out of memory", fn);
    }
    /* Ids run 0..n-1 since the last reset, so nodes[] is the tape in recording order. */
    for (const tg_node *nd = last; nd; nd = nd->prev)
        if (nd->id < n) m->nodes[nd->id] = nd;
    size_t counts[2] = {0, 0};
    for (size_t id = 0; id < n; id++) {
        const tg_node *nd = m->nodes[id];
        for (int i = 0; nd && i < nd->n_in; i++)
            if (!tg__show_node_of(m, nd->in[i])) add_leaf(m, nd->in[i], id, counts);
    }
    /* Ancestors of root, walking back from it: inputs always have smaller ids. */
    const tg_node *rn = root ? tg__show_node_of(m, root) : NULL;
    if (!root) {
        for (size_t id = 0; id < n; id++) m->keep[id] = true;
    } else if (rn) {
        m->keep[rn->id] = true;
        for (size_t id = rn->id + 1; id-- > 0;) {
            const tg_node *nd = m->nodes[id];
            if (!nd || !m->keep[id]) continue;
            for (int i = 0; i < nd->n_in; i++) {
                const tg_node *p = tg__show_node_of(m, nd->in[i]);
                if (p) m->keep[p->id] = true;
            }
        }
    } else {
        add_leaf(m, root, 0, counts); /* a root that is itself a leaf */
    }
    return TG_OK;
}

char *tg__show_id(const tg__show_map *m, const tg_tensor *x, char *buf, size_t n) {
    const tg_node *nd = tg__show_node_of(m, x);
    size_t k = nd ? 0 : tg__show_leaf_index(m, x);
    if (nd) snprintf(buf, n, "n%zu", nd->id);
    else if (k != (size_t)-1) snprintf(buf, n, "%c%zu", m->leaf_kind[k], m->leaf_num[k]);
    else snprintf(buf, n, "?"); /* not reached: every tensor shown is on the map */
    return buf;
}

char *tg__show_short(const tg__show_map *m, const tg_tensor *x, char *buf, size_t n) {
    if (x->name[0]) {
        snprintf(buf, n, "%s", x->name);
        return buf;
    }
    return tg__show_id(m, x, buf, n);
}

/* ---- ops ---- */

bool tg__show_elementwise(const tg_op *op) {
    static const tg_op *const ew[] = {
        &tg__op_add, &tg__op_sub, &tg__op_mul, &tg__op_div, &tg__op_neg,
        &tg__op_add_scalar, &tg__op_mul_scalar, &tg__op_pow_scalar, &tg__op_square,
        &tg__op_sqrt, &tg__op_exp, &tg__op_log, &tg__op_abs, &tg__op_clamp, &tg__op_relu,
        &tg__op_leaky_relu, &tg__op_softplus, &tg__op_sigmoid, &tg__op_tanh, &tg__op_step,
        &tg__op_sign,
    };
    for (size_t i = 0; i < sizeof ew / sizeof ew[0]; i++)
        if (op == ew[i]) return true;
    return false;
}

char *tg__show_op(const tg_node *nd, bool with_args, const tg_show_opts *o, char *buf,
                  size_t n) {
    const tg_op *op = nd->op;
    const char *name = op->name ? op->name : "?";
    if (strncmp(name, "tg_", 3) == 0) name += 3;
    char a[128] = "", b[64], c[64];
    const double *f = nd->args.f;
    const long *i = nd->args.i;
    /* Argument layouts of the built-in ops (see each op's builder). */
    if (op == &tg__op_add_scalar || op == &tg__op_mul_scalar || op == &tg__op_pow_scalar ||
        op == &tg__op_leaky_relu)
        snprintf(a, sizeof a, "%s", tg__show_num(f[0], o, b, sizeof b));
    else if (op == &tg__op_clamp)
        snprintf(a, sizeof a, "%s, %s", tg__show_num(f[0], o, b, sizeof b),
                 tg__show_num(f[1], o, c, sizeof c));
    else if (op == &tg__op_sum_axis || op == &tg__op_mean_axis || op == &tg__op_max_axis)
        snprintf(a, sizeof a, "axis %ld%s", i[0], i[1] ? ", keepdim" : "");
    else if (op == &tg__op_transpose)
        snprintf(a, sizeof a, "%ld, %ld", i[0], i[1]);
    else if (op == &tg__op_slice)
        snprintf(a, sizeof a, "axis %ld, %ld:%ld", i[0], i[1], i[1] + i[2]);
    else if (op == &tg__op_concat)
        snprintf(a, sizeof a, "axis %ld", i[0]);
    if (with_args && a[0]) snprintf(buf, n, "%s(%s)", name, a);
    else snprintf(buf, n, "%s", name);
    return buf;
}

/* ---- the table ---- */

enum { COLS = 7 };

typedef struct table {
    FILE *out;
    const tg__show_map *m;
    tg_show_opts o;
    size_t width[COLS];
    bool printing;
} table;

static void row(table *tb, const char *const f[COLS]) {
    if (!tb->printing) {
        for (int c = 0; c < COLS; c++) {
            size_t l = strlen(f[c]);
            if (l > tb->width[c]) tb->width[c] = l;
        }
        return;
    }
    /* Every column but the last is padded; no trailing blanks. */
    int last = COLS - 1;
    while (last > 0 && !f[last][0]) last--;
    for (int c = 0; c <= last; c++)
        if (c < last) fprintf(tb->out, "%-*s  ", (int)tb->width[c], f[c]);
        else fprintf(tb->out, "%s\n", f[c]);
}

static void leaf_row(table *tb, size_t k) {
    const tg_tensor *x = tb->m->leaves[k];
    char id[32], sh[128], val[TG__SHOW_BUF], gr[TG__SHOW_BUF];
    tg__show_id(tb->m, x, id, sizeof id);
    const char *f[COLS] = {id, x->name, tb->m->leaf_kind[k] == 'p' ? "param" : "input", "",
                           tg_shape_str(x, sh, sizeof sh),
                           tg__show_vals(x->data, x->size, &tb->o, val, sizeof val),
                           tg__show_vals(x->grad, x->size, &tb->o, gr, sizeof gr)};
    row(tb, f);
}

static void node_row(table *tb, const tg_node *nd) {
    const tg_tensor *x = nd->out;
    char id[32], opn[160], ins[TG__SHOW_BUF] = "", sh[128], val[TG__SHOW_BUF], gr[TG__SHOW_BUF];
    size_t k = 0;
    for (int i = 0; i < nd->n_in; i++) {
        char b[32];
        if (i) put(ins, sizeof ins, &k, " ");
        put(ins, sizeof ins, &k, tg__show_id(tb->m, nd->in[i], b, sizeof b));
    }
    tg__show_id(tb->m, x, id, sizeof id);
    const char *f[COLS] = {id, x->name, tg__show_op(nd, true, &tb->o, opn, sizeof opn), ins,
                           tg_shape_str(x, sh, sizeof sh),
                           tg__show_vals(x->data, x->size, &tb->o, val, sizeof val),
                           tg__show_vals(x->grad, x->size, &tb->o, gr, sizeof gr)};
    row(tb, f);
}

/* All rows: each kept node, preceded by the leaves it is the first to read. */
static void rows(table *tb, const tg_tensor *root) {
    static const char *const head[COLS] = {"id", "name", "op", "inputs", "shape", "value", "grad"};
    row(tb, head);
    const tg__show_map *m = tb->m;
    size_t next_leaf = 0;
    if (root && !tg__show_node_of(m, root)) { /* the root is a leaf */
        size_t k = tg__show_leaf_index(m, root);
        if (k != (size_t)-1) leaf_row(tb, k);
        return;
    }
    for (size_t id = 0; id < m->n_nodes; id++) {
        const tg_node *nd = m->nodes[id];
        /* Leaves are numbered in first-use order, so those first read by node id come
         * next in the list. Leaves only read by dropped nodes are skipped. */
        for (; next_leaf < m->n_leaves && m->leaf_first[next_leaf] == id; next_leaf++) {
            bool used = false;
            for (int i = 0; nd && m->keep[id] && i < nd->n_in; i++)
                used |= nd->in[i] == m->leaves[next_leaf];
            /* A later shown node may read it when its first reader is not shown (the
             * tests' roots never leave such a leaf, so coverage marks this loop). */
            for (size_t j = id + 1; !used && j < m->n_nodes; j++)
                for (int i = 0; m->keep[j] && m->nodes[j] && i < m->nodes[j]->n_in; i++)
                    used |= m->nodes[j]->in[i] == m->leaves[next_leaf];
            if (used) leaf_row(tb, next_leaf);
        }
        if (nd && m->keep[id]) node_row(tb, nd);
    }
}

tg_status tg_tape_print(FILE *out, const tg_tape *t, const tg_tensor *root,
                        const tg_show_opts *opts) {
    if (!out || !t)
        return tg__error(TG_ERR_ARG, "tg_tape_print: %s is NULL", !out ? "out" : "tape");
    tg__show_map m;
    tg_status st = tg__show_map_build(&m, t, root, "tg_tape_print");
    if (st != TG_OK) return st;
    table tb = {.out = out, .m = &m, .o = tg__show_opts(opts)};
    rows(&tb, root);
    tb.printing = true;
    rows(&tb, root);
    if (tg_tape_status(t) != TG_OK) fprintf(out, "tape failed: %s\n", tg_tape_message(t));
    tg__show_map_free(&m);
    return tg__show_io(out, "tg_tape_print");
}

/* ---- names ---- */

tg_tensor *tg_name(tg_tensor *x, const char *name) {
    if (x) snprintf(x->name, sizeof x->name, "%s", name ? name : "");
    return x;
}

tg_tensor *tg_find(const tg_tape *t, const char *name) {
    if (!t || !name || !name[0]) return NULL;
    /* Walking backwards, the last match seen is the first in recording order. */
    tg_tensor *found = NULL;
    for (const tg_node *nd = tg_tape_last(t); nd; nd = nd->prev) {
        if (strcmp(nd->out->name, name) == 0) found = nd->out;
        for (int i = nd->n_in; i-- > 0;)
            if (strcmp(nd->in[i]->name, name) == 0) found = nd->in[i];
    }
    return found;
}
