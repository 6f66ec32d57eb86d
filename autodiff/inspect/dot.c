/* dot.c — the tape as a Graphviz DOT graph (tg_tape_dot). See tg_show.h.
 *
 * Items are the leaves the picture shows (p<k>, i<k>) and its nodes (n<k>). With the
 * options for big graphs, each item may belong to a layer (the prefix of its name,
 * "lstm.0" of "lstm.0.t3.f") and a time step (3), and may be folded into a box
 * (a collapsed layer or time step); edges then run between boxes and items, once
 * each. */
#include <stdlib.h>
#include <string.h>
#include "inspect_private.h"

/* Writes s into a DOT double-quoted string (escaping " and \). */
static void dot_str(FILE *out, const char *s) {
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', out);
        fputc(*s, out);
    }
}

#define KEY 96

typedef struct picture {
    FILE *out;
    const tg__show_map *m;
    tg_show_opts o;
    const tg_tensor *root;
    size_t n_items;          /* leaves (0..n_leaves-1) then nodes (n_leaves + id) */
    bool *shown;             /* item is in the picture */
    int *layer;              /* index into keys of the item's layer, or -1 */
    int *box;                /* index into keys of the item's box, or -1 */
    int *rank;               /* longest path from a leaf (leaves 0) */
    char (*keys)[KEY];       /* layer and box names */
    int *key_count;          /* items folded into box k */
    int n_keys, cap_keys;
    int marked_box;          /* the box holding the marked node (opts.mark), or -1 */
} picture;

static const tg_tensor *item_tensor(const picture *p, size_t it) {
    size_t nl = p->m->n_leaves;
    return it < nl ? p->m->leaves[it] : p->m->nodes[it - nl]->out;
}

/* Index of key s, added if new; -1 when the table is full. */
static int key_index(picture *p, const char *s) {
    for (int k = 0; k < p->n_keys; k++)
        if (strcmp(p->keys[k], s) == 0) return k;
    if (p->n_keys == p->cap_keys) return -1;
    snprintf(p->keys[p->n_keys], KEY, "%.*s", KEY - 1, s);
    p->key_count[p->n_keys] = 0;
    return p->n_keys++;
}

/* The layer prefix and time step of a display name: "lstm.0.t3.f" -> "lstm.0", 3;
 * "lstm.0.W_x" -> "lstm.0", -1; "w" -> "", -1. */
static int split_name(const char *name, char *prefix, size_t cap) {
    int step = -1;
    prefix[0] = '\0';
    const char *last = strrchr(name, '.');
    if (!last) return -1;
    size_t n = (size_t)(last - name);
    const char *q = name;
    for (const char *c = name; c < last; c = q + 1) { /* a component "t<digits>" */
        q = strchr(c, '.');
        if (!q || q > last) q = last;
        if (*c == 't' && q > c + 1 && strspn(c + 1, "0123456789") == (size_t)(q - c - 1)) {
            step = atoi(c + 1);
            n = c > name ? (size_t)(c - 1 - name) : 0;
            break;
        }
    }
    if (n >= cap) n = cap - 1;
    memcpy(prefix, name, n);
    prefix[n] = '\0';
    return step;
}

/* Sorts every shown item into its layer and box. */
static void classify(picture *p) {
    for (size_t it = 0; it < p->n_items; it++) {
        p->layer[it] = p->box[it] = -1;
        if (!p->shown[it]) continue;
        char nm[KEY], prefix[KEY], key[KEY + 16];
        tg__show_name(p->m, item_tensor(p, it), nm, sizeof nm);
        if (it >= p->m->n_leaves && tg__show_second(p->m, p->m->nodes[it - p->m->n_leaves])) {
            /* the nodes a recorded sweep added: a frame of their own */
            if (p->o.clusters) p->layer[it] = key_index(p, TG__RECORDED_LAYER);
            continue;
        }
        int step = split_name(nm, prefix, sizeof prefix);
        if (!prefix[0]) continue;
        /* Frames hold step tensors; a parameter is drawn just outside its layer's
         * frame, so that a layer's frame starts where its first op does and the frames
         * of consecutive layers stack instead of standing side by side. */
        if (p->o.clusters && it >= p->m->n_leaves) p->layer[it] = key_index(p, prefix);
        size_t lc = p->o.collapse ? strlen(p->o.collapse) : 0;
        if (lc && strncmp(prefix, p->o.collapse, lc) == 0 && (prefix[lc] == '\0' || prefix[lc] == '.'))
            p->box[it] = key_index(p, p->o.collapse);
        else if (p->o.collapse_steps && step >= 0 && step != p->o.keep_step) {
            snprintf(key, sizeof key, "%s.t%d", prefix, step);
            p->box[it] = key_index(p, key);
        }
        if (p->box[it] >= 0) p->key_count[p->box[it]]++;
        if (p->box[it] >= 0 && it >= p->m->n_leaves && tg__show_marked(&p->o, p->m->nodes[it - p->m->n_leaves]))
            p->marked_box = p->box[it];
    }
}

/* The marked node (opts.mark) and a box holding it: red. */
static const char RED[] = "color=\"#d00000\", fontcolor=\"#d00000\", penwidth=3, ";

/* The DOT id of item it as drawn: its own ("n3") or its box's ("g2"). */
static char *drawn_id(const picture *p, size_t it, char *buf, size_t n) {
    if (p->box[it] >= 0) snprintf(buf, n, "g%d", p->box[it]);
    else tg__show_id(p->m, item_tensor(p, it), buf, n);
    return buf;
}

/* label="<id> <name>\n<what> <shape>\nvalue ...\ngrad ..." (fewer lines when the
 * labels option says so) */
static void dot_label(const picture *p, const tg_tensor *x, const char *what) {
    char id[32], sh[128], v[TG__SHOW_BUF], nm[KEY];
    FILE *out = p->out;
    tg__show_name(p->m, x, nm, sizeof nm);
    fprintf(out, "label=\"");
    if (p->o.labels == TG_DOT_COMPACT) {
        if (tg__show_recorded(x)) fprintf(out, "%s ", tg__show_id(p->m, x, id, sizeof id));
        dot_str(out, nm[0] && !tg__show_recorded(x) ? nm : what);
        fprintf(out, "\"");
        return;
    }
    dot_str(out, tg__show_id(p->m, x, id, sizeof id));
    if (nm[0]) {
        fputc(' ', out);
        dot_str(out, nm);
    }
    fprintf(out, "\\n");
    dot_str(out, what);
    fprintf(out, " %s", tg_shape_str(x, sh, sizeof sh));
    if (p->o.labels != TG_DOT_NO_VALUES) {
        fprintf(out, "\\nvalue ");
        dot_str(out, tg__show_vals(x->data, x->size, &p->o, v, sizeof v));
        fprintf(out, "\\ngrad ");
        dot_str(out, tg__show_vals(x->grad, x->size, &p->o, v, sizeof v));
    }
    if (x->node && tg__show_marked(&p->o, x->node))
        fprintf(out, "\\nWRONG derivative (input %d)", p->o.mark->input);
    fprintf(out, "\"");
}

static void dot_item(const picture *p, size_t it, const char *indent) {
    const tg__show_map *m = p->m;
    const tg_tensor *x = item_tensor(p, it);
    char id[32];
    FILE *out = p->out;
    fprintf(out, "%s%s [", indent, tg__show_id(m, x, id, sizeof id));
    if (it < m->n_leaves && m->leaf_kind[it] == 'p') {
        fprintf(out, "shape=box, style=filled, fillcolor=\"#cfe2ff\", ");
        dot_label(p, x, "param");
    } else if (it < m->n_leaves) {
        fprintf(out, "shape=box, style=dashed, color=\"#777777\", ");
        dot_label(p, x, "input");
    } else {
        char opn[160];
        fprintf(out, "shape=ellipse, %s%s", x == p->root ? "peripheries=2, " : "",
                tg__show_marked(&p->o, x->node) ? RED : "");
        dot_label(p, x, tg__show_op(x->node, true, &p->o, opn, sizeof opn));
    }
    fprintf(out, "];\n");
}

/* Items (and boxes) of layer L (-1: outside every layer), leaves first. */
static void dot_layer(const picture *p, int L, const char *indent) {
    for (size_t it = 0; it < p->n_items; it++)
        if (p->shown[it] && p->box[it] < 0 && p->layer[it] == L) dot_item(p, it, indent);
    for (int k = 0; k < p->n_keys; k++) {
        if (!p->key_count[k]) continue;
        char prefix[KEY];
        split_name(p->keys[k], prefix, sizeof prefix);
        int kl = -1; /* a step box "lstm.0.t3" belongs to layer "lstm.0" */
        for (int j = 0; j < p->n_keys && p->o.clusters; j++)
            if (!p->key_count[j] && strcmp(p->keys[j], prefix) == 0) kl = j;
        if (kl != L) continue;
        fprintf(p->out, "%sg%d [shape=box3d, style=filled, fillcolor=\"#eeeeee\", %slabel=\"", indent, k,
                k == p->marked_box ? RED : "");
        dot_str(p->out, p->keys[k]);
        fprintf(p->out, "\\n(%d nodes)\"];\n", p->key_count[k]);
    }
}

/* With compact labels, an input more than GHOST_SPAN ranks before its reader (a
 * parameter read at every time step, a sequence concatenated at its end) is drawn as
 * a dashed copy next to the reader: edges spanning hundreds of ranks would make the
 * picture wide and Graphviz's layout slow (a virtual node per rank crossed). */
#define GHOST_SPAN 4

typedef struct edge { size_t from, to; int label; } edge;
static int edge_cmp(const void *a, const void *b) {
    const edge *x = a, *y = b;
    if (x->from != y->from) return x->from < y->from ? -1 : 1;
    return x->to < y->to ? -1 : x->to > y->to;
}

/* Edges in recording order; between boxes each pair once. Box k is drawn id
 * n_items + k. */
static tg_status dot_edges(const picture *p) {
    const tg__show_map *m = p->m;
    size_t n = 0, cap = 0, nl = m->n_leaves;
    for (size_t id = 0; id < m->n_nodes; id++)
        if (p->shown[nl + id]) cap += (size_t)m->nodes[id]->n_in;
    edge *e = tg__calloc(cap + 1, sizeof *e);
    if (!e) return tg__error(TG_ERR_NOMEM, "tg_tape_dot: out of memory");
    bool boxes = false;
    for (size_t id = 0; id < m->n_nodes; id++) {
        const tg_node *nd = m->nodes[id];
        if (!p->shown[nl + id]) continue;
        for (int i = 0; i < nd->n_in; i++) {
            const tg_node *src = tg__show_node_of(m, nd->in[i]);
            size_t si = src ? nl + src->id : tg__show_leaf_index(m, nd->in[i]);
            size_t a = p->box[si] >= 0 ? p->n_items + (size_t)p->box[si] : si;
            size_t b = p->box[nl + id] >= 0 ? p->n_items + (size_t)p->box[nl + id] : nl + id;
            if (a == b) continue;
            boxes |= a >= p->n_items || b >= p->n_items;
            e[n++] = (edge){a, b, nd->n_in > 1 && p->o.labels != TG_DOT_COMPACT ? i + 1 : 0};
        }
    }
    if (boxes) { /* one edge per pair, without input numbers */
        qsort(e, n, sizeof *e, edge_cmp);
        size_t u = 0;
        for (size_t i = 0; i < n; i++)
            if (!u || e[i].from != e[u - 1].from || e[i].to != e[u - 1].to) e[u++] = (edge){e[i].from, e[i].to, 0};
        n = u;
    }
    size_t ghosts = 0;
    for (size_t i = 0; i < n; i++) {
        char a[32], b[32];
        if (e[i].from >= p->n_items) snprintf(a, sizeof a, "g%zu", e[i].from - p->n_items);
        else drawn_id(p, e[i].from, a, sizeof a);
        if (p->o.labels == TG_DOT_COMPACT && e[i].from < p->n_items && e[i].to < p->n_items &&
            p->rank[e[i].to] - p->rank[e[i].from] > GHOST_SPAN) {
            char nm[KEY], prefix[KEY];
            const tg_tensor *x = item_tensor(p, e[i].from);
            tg__show_name(m, x, nm, sizeof nm);
            split_name(nm, prefix, sizeof prefix); /* the copy says "t12.h", not "lstm.1.t12.h" */
            size_t lp = strlen(prefix);
            snprintf(a, sizeof a, "x%zu", ghosts++);
            int L = p->layer[e[i].to]; /* drawn in the reader's frame (DOT merges the cluster) */
            if (L >= 0) fprintf(p->out, "  subgraph cluster_%d { ", L);
            else fprintf(p->out, "  ");
            fprintf(p->out, "%s [shape=plaintext, fontcolor=\"#666666\", fontsize=8, label=\"", a);
            dot_str(p->out, nm[0] && !tg__show_recorded(x) ? nm + (lp ? lp + 1 : 0) : tg__show_id(m, x, nm, sizeof nm));
            fprintf(p->out, L >= 0 ? "\"]; }\n" : "\"];\n");
        }
        if (e[i].to >= p->n_items) snprintf(b, sizeof b, "g%zu", e[i].to - p->n_items);
        else drawn_id(p, e[i].to, b, sizeof b);
        fprintf(p->out, "  %s -> %s", a, b);
        if (e[i].label) fprintf(p->out, " [label=\"%d\"]", e[i].label);
        fprintf(p->out, ";\n");
    }
    tg__free(e);
    return TG_OK;
}

/* shown[]: kept nodes (root's ancestors; with `from`, only those on a path from it)
 * and the leaves they read. */
static void select_items(picture *p) {
    const tg__show_map *m = p->m;
    size_t nl = m->n_leaves;
    const tg_node *fn = p->o.from ? tg__show_node_of(m, p->o.from) : NULL;
    size_t fl = p->o.from && !fn ? tg__show_leaf_index(m, p->o.from) : (size_t)-1;
    if (p->root && !tg__show_node_of(m, p->root) && nl) p->shown[0] = true;
    for (size_t id = 0; id < m->n_nodes; id++) {
        const tg_node *nd = m->nodes[id];
        bool keep = nd && m->keep[id];
        if (keep && p->o.from) { /* reached from `from`: from itself or an input that is */
            bool r = nd == fn;
            for (int i = 0; i < nd->n_in && !r; i++) {
                const tg_node *s = tg__show_node_of(m, nd->in[i]);
                r = s ? p->shown[nl + s->id] : tg__show_leaf_index(m, nd->in[i]) == fl;
            }
            keep = r;
        }
        p->shown[nl + id] = keep;
        for (int i = 0; nd && i < nd->n_in; i++) {
            const tg_node *s = tg__show_node_of(m, nd->in[i]);
            if (s && p->rank[nl + s->id] + 1 > p->rank[nl + id]) p->rank[nl + id] = p->rank[nl + s->id] + 1;
        }
        if (nd && p->rank[nl + id] == 0) p->rank[nl + id] = 1;
    }
    /* A leaf is shown when a kept node reads it, ranked just before its first reader
     * (where Graphviz puts it). */
    for (size_t id = 0; id < m->n_nodes; id++)
        for (int i = 0; p->shown[nl + id] && i < m->nodes[id]->n_in; i++) {
            size_t k = tg__show_leaf_index(m, m->nodes[id]->in[i]);
            if (k == (size_t)-1) continue;
            if (!p->shown[k]) p->rank[k] = p->rank[nl + id] - 1;
            p->shown[k] = true;
        }
}

tg_status tg_tape_dot(FILE *out, const tg_tape *t, const tg_tensor *root,
                      const tg_show_opts *opts) {
    if (!out || !t)
        return tg__error(TG_ERR_ARG, "tg_tape_dot: %s is NULL", !out ? "out" : "tape");
    tg__show_map m;
    tg_status st = tg__show_map_build(&m, t, root, "tg_tape_dot");
    if (st != TG_OK) return st;
    picture p = {.out = out, .m = &m, .o = tg__show_opts(opts), .root = root, .marked_box = -1};
    if (p.o.from && !tg__tensor_live(t, p.o.from)) {
        tg__show_map_free(&m);
        return tg__error(TG_ERR_STATE, "tg_tape_dot: opts->from belongs to another tape or to a step before the last tg_tape_reset");
    }
    p.n_items = m.n_leaves + m.n_nodes;
    p.cap_keys = (int)(p.n_items < 4096 ? p.n_items : 4096) + 1;
    p.shown = tg__calloc(p.n_items + 1, sizeof *p.shown);
    p.layer = tg__calloc(p.n_items + 1, sizeof *p.layer);
    p.box = tg__calloc(p.n_items + 1, sizeof *p.box);
    p.rank = tg__calloc(p.n_items + 1, sizeof *p.rank);
    p.keys = tg__calloc((size_t)p.cap_keys, sizeof *p.keys);
    p.key_count = tg__calloc((size_t)p.cap_keys, sizeof *p.key_count);
    if (!p.shown || !p.layer || !p.box || !p.rank || !p.keys || !p.key_count) {
        st = tg__error(TG_ERR_NOMEM, "tg_tape_dot: out of memory");
        goto done;
    }
    select_items(&p);
    classify(&p);
    static const char *const dirs[] = {"LR", "TB", "RL", "BT"};
    fprintf(out, "digraph tape {\n  rankdir=%s;\n", dirs[(unsigned)p.o.dir < 4 ? p.o.dir : 0]);
    if (p.o.labels == TG_DOT_COMPACT) fprintf(out, "  nodesep=0.12;\n  ranksep=0.2;\n");
    fprintf(out, "  node [fontname=\"Helvetica\", fontsize=10];\n"
                 "  edge [fontname=\"Helvetica\", fontsize=9];\n");
    dot_layer(&p, -1, "  ");
    for (int k = 0; k < p.n_keys; k++) {
        if (p.key_count[k]) continue; /* a box, not a layer */
        fprintf(out, "  subgraph cluster_%d {\n    label=\"", k);
        dot_str(out, p.keys[k]);
        fprintf(out, "\";\n    style=rounded;\n    color=\"#888888\";\n");
        dot_layer(&p, k, "    ");
        fprintf(out, "  }\n");
    }
    st = dot_edges(&p);
    fprintf(out, "}\n");
done:
    tg__free(p.shown);
    tg__free(p.layer);
    tg__free(p.box);
    tg__free(p.rank);
    tg__free(p.keys);
    tg__free(p.key_count);
    tg__show_map_free(&m);
    return st != TG_OK ? st : tg__show_io(out, "tg_tape_dot");
}
