/* dot.c — the tape as a Graphviz DOT graph (tg_tape_dot). See tg_show.h. */
#include <string.h>
#include "inspect_private.h"

/* Writes s into a DOT double-quoted string (escaping " and \). */
static void dot_str(FILE *out, const char *s) {
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', out);
        fputc(*s, out);
    }
}

/* label="<id> <name>\n<what> <shape>\nvalue ...\ngrad ..." */
static void dot_label(FILE *out, const tg__show_map *m, const tg_tensor *x, const char *what,
                      const tg_show_opts *o) {
    char id[32], sh[128], v[TG__SHOW_BUF];
    fprintf(out, "label=\"");
    dot_str(out, tg__show_id(m, x, id, sizeof id));
    if (x->name[0]) {
        fputc(' ', out);
        dot_str(out, x->name);
    }
    fprintf(out, "\\n");
    dot_str(out, what);
    fprintf(out, " %s\\nvalue ", tg_shape_str(x, sh, sizeof sh));
    dot_str(out, tg__show_vals(x->data, x->size, o, v, sizeof v));
    fprintf(out, "\\ngrad ");
    dot_str(out, tg__show_vals(x->grad, x->size, o, v, sizeof v));
    fprintf(out, "\"");
}

static void dot_leaf(FILE *out, const tg__show_map *m, size_t k, const tg_show_opts *o) {
    const tg_tensor *x = m->leaves[k];
    char id[32];
    fprintf(out, "  %s [", tg__show_id(m, x, id, sizeof id));
    if (m->leaf_kind[k] == 'p') {
        fprintf(out, "shape=box, style=filled, fillcolor=\"#cfe2ff\", ");
        dot_label(out, m, x, "param", o);
    } else {
        fprintf(out, "shape=box, style=dashed, color=\"#777777\", ");
        dot_label(out, m, x, "input", o);
    }
    fprintf(out, "];\n");
}

tg_status tg_tape_dot(FILE *out, const tg_tape *t, const tg_tensor *root,
                      const tg_show_opts *opts) {
    if (!out || !t)
        return tg__error(TG_ERR_ARG, "tg_tape_dot: %s is NULL", !out ? "out" : "tape");
    tg__show_map m;
    tg_status st = tg__show_map_build(&m, t, root, "tg_tape_dot");
    if (st != TG_OK) return st;
    tg_show_opts o = tg__show_opts(opts);
    fprintf(out, "digraph tape {\n  rankdir=LR;\n"
                 "  node [fontname=\"Helvetica\", fontsize=10];\n"
                 "  edge [fontname=\"Helvetica\", fontsize=9];\n");
    /* Leaves read by a kept node, then kept nodes, then edges: all in recording order. */
    bool *shown = tg__calloc(m.n_leaves + 1, sizeof *shown);
    if (!shown) {
        tg__show_map_free(&m);
        return tg__error(TG_ERR_NOMEM, "tg_tape_dot: out of memory");
    }
    if (root && !tg__show_node_of(&m, root) && m.n_leaves) shown[0] = true;
    for (size_t id = 0; id < m.n_nodes; id++) {
        const tg_node *nd = m.nodes[id];
        for (int i = 0; nd && m.keep[id] && i < nd->n_in; i++) {
            size_t k = tg__show_leaf_index(&m, nd->in[i]);
            if (k != (size_t)-1) shown[k] = true;
        }
    }
    for (size_t k = 0; k < m.n_leaves; k++)
        if (shown[k]) dot_leaf(out, &m, k, &o);
    for (size_t id = 0; id < m.n_nodes; id++) {
        const tg_node *nd = m.nodes[id];
        if (!nd || !m.keep[id]) continue;
        char opn[160];
        fprintf(out, "  n%zu [shape=ellipse, %s", id,
                nd->out == root ? "peripheries=2, " : "");
        dot_label(out, &m, nd->out, tg__show_op(nd, true, &o, opn, sizeof opn), &o);
        fprintf(out, "];\n");
    }
    for (size_t id = 0; id < m.n_nodes; id++) {
        const tg_node *nd = m.nodes[id];
        if (!nd || !m.keep[id]) continue;
        for (int i = 0; i < nd->n_in; i++) {
            char from[32];
            fprintf(out, "  %s -> n%zu", tg__show_id(&m, nd->in[i], from, sizeof from), id);
            if (nd->n_in > 1) fprintf(out, " [label=\"%d\"]", i + 1);
            fprintf(out, ";\n");
        }
    }
    fprintf(out, "}\n");
    tg__free(shown);
    tg__show_map_free(&m);
    return tg__show_io(out, "tg_tape_dot");
}
