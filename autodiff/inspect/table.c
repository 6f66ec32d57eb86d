/* table.c — the tape as a table (tg_tape_print): one row per tensor in recording
 * order, each leaf just before the first node that reads it. */
#include <string.h>
#include "inspect_private.h"

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
    char nm[96];
    size_t k = 0;
    for (int i = 0; i < nd->n_in; i++) {
        char b[32];
        if (i) tg__show_put(ins, sizeof ins, &k, " ");
        tg__show_put(ins, sizeof ins, &k, tg__show_id(tb->m, nd->in[i], b, sizeof b));
    }
    tg__show_id(tb->m, x, id, sizeof id);
    const char *f[COLS] = {id, tg__show_name(tb->m, x, nm, sizeof nm), tg__show_op(nd, true, &tb->o, opn, sizeof opn), ins,
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
            /* A later shown node may read it when its first reader is not shown. */
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
