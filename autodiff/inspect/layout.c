/* layout.c — a layered drawing of a tape for the sweep viewer (html.c), computed here
 * so that the page needs no Graphviz: each node in the column after its latest input,
 * each leaf in the column before its first reader, rows in recording order and then
 * sorted once by the mean row of each item's inputs (a barycentre pass, which
 * untangles most crossings of small graphs). */
#include <stdlib.h>
#include "inspect_private.h"

typedef struct by_key { size_t item; double key; } by_key;
static int key_cmp(const void *a, const void *b) {
    const by_key *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->item < y->item ? -1 : x->item > y->item;
}

/* The item of tensor x: leaf index, or n_leaves + node id. */
size_t tg__layout_item(const tg__show_map *m, const tg_tensor *x) {
    const tg_node *nd = tg__show_node_of(m, x);
    return nd ? m->n_leaves + nd->id : tg__show_leaf_index(m, x);
}

tg_status tg__layout(const tg__show_map *m, const bool *shown, tg__layout_xy *xy, int *w, int *h) {
    size_t nl = m->n_leaves, n = nl + m->n_nodes;
    int *col = tg__calloc(n + 1, sizeof *col);
    by_key *order = tg__calloc(n + 1, sizeof *order);
    if (!col || !order) {
        tg__free(col);
        tg__free(order);
        return tg__error(TG_ERR_NOMEM, "tg_tape_html: out of memory");
    }
    int max_col = 0;
    for (size_t id = 0; id < m->n_nodes; id++) {
        if (!shown[nl + id]) continue;
        const tg_node *nd = m->nodes[id];
        int c = 1;
        for (int i = 0; i < nd->n_in; i++) {
            const tg_node *s = tg__show_node_of(m, nd->in[i]);
            if (s && col[nl + s->id] + 1 > c) c = col[nl + s->id] + 1;
        }
        col[nl + id] = c;
        if (c > max_col) max_col = c;
    }
    for (size_t k = 0; k < nl; k++) col[k] = -1;
    for (size_t id = 0; id < m->n_nodes; id++) /* a leaf sits just before its first reader */
        for (int i = 0; shown[nl + id] && i < m->nodes[id]->n_in; i++) {
            size_t k = tg__show_leaf_index(m, m->nodes[id]->in[i]);
            if (k != (size_t)-1 && col[k] < 0) col[k] = col[nl + id] - 1;
        }
    /* Rows: per column in order of first appearance, then one barycentre pass. */
    int *rows = tg__calloc((size_t)max_col + 2, sizeof *rows), max_rows = 0;
    if (!rows) {
        tg__free(col);
        tg__free(order);
        return tg__error(TG_ERR_NOMEM, "tg_tape_html: out of memory");
    }
    for (size_t it = 0; it < n; it++)
        if (shown[it] && col[it] >= 0) xy[it].row = rows[col[it]]++;
    for (int c = 1; c <= max_col; c++) {
        size_t cnt = 0;
        for (size_t it = 0; it < n; it++) { /* the column's leaves keep their place */
            if (!shown[it] || col[it] != c) continue;
            double sum = 0;
            int k = 0;
            const tg_node *nd = it >= nl ? m->nodes[it - nl] : NULL;
            for (int i = 0; nd && i < nd->n_in; i++) {
                size_t s = tg__layout_item(m, nd->in[i]);
                if (s != (size_t)-1 && col[s] < c) sum += xy[s].row, k++;
            }
            order[cnt++] = (by_key){it, k ? sum / k : xy[it].row};
        }
        qsort(order, cnt, sizeof *order, key_cmp);
        for (size_t j = 0; j < cnt; j++) xy[order[j].item].row = (int)j;
    }
    for (int c = 0; c <= max_col; c++)
        if (rows[c] > max_rows) max_rows = rows[c];
    for (size_t it = 0; it < n; it++) {
        xy[it].col = col[it] < 0 ? 0 : col[it];
        xy[it].x = TG__LAYOUT_PAD + xy[it].col * (TG__LAYOUT_W + TG__LAYOUT_GAPX);
        xy[it].y = TG__LAYOUT_PAD + xy[it].row * (TG__LAYOUT_H + TG__LAYOUT_GAPY);
    }
    *w = 2 * TG__LAYOUT_PAD + (max_col + 1) * (TG__LAYOUT_W + TG__LAYOUT_GAPX) - TG__LAYOUT_GAPX;
    *h = 2 * TG__LAYOUT_PAD + max_rows * (TG__LAYOUT_H + TG__LAYOUT_GAPY) - TG__LAYOUT_GAPY;
    tg__free(rows);
    tg__free(col);
    tg__free(order);
    return TG_OK;
}
