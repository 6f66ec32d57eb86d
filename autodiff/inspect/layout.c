/* layout.c — a layered drawing of a tape for the sweep viewer (html.c), computed here
 * so that the page needs no Graphviz: each node in the column after its latest input,
 * each leaf in the column before its first reader, rows in recording order and then
 * sorted once by the mean row of each item's inputs (a barycentre pass, which
 * untangles most crossings of small graphs).
 *
 * Pictures that scale: the columns are cut into strips of TG__LAYOUT_COLS columns
 * stacked top to bottom (read like lines of text), so a 500-node LSTM is a page
 * under 4,000 px wide instead of a 50,000-px strip. The nodes a recorded sweep
 * added (tg_grad with TG_GRAD_CREATE_GRAPH) form a band of their own below the
 * forward graph, with its columns counted from its first node. */
#include <stdlib.h>
#include <string.h>
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

void tg__layout_free(tg__layout *L) {
    tg__free(L->xy);
    tg__free(L->strips);
    L->xy = NULL;
    L->strips = NULL;
}

/* Columns: depth for nodes, a leaf just before its first reader; band: 1 for the
 * nodes a recorded sweep added and the leaves they read first. */
static int columns(const tg__show_map *m, const bool *shown, int *col, char *band) {
    size_t nl = m->n_leaves;
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
        band[nl + id] = tg__show_second(m, nd);
        if (c > max_col) max_col = c;
    }
    for (size_t k = 0; k < nl; k++) col[k] = -1;
    for (size_t id = 0; id < m->n_nodes; id++)
        for (int i = 0; shown[nl + id] && i < m->nodes[id]->n_in; i++) {
            size_t k = tg__show_leaf_index(m, m->nodes[id]->in[i]);
            if (k != (size_t)-1 && col[k] < 0) col[k] = col[nl + id] - 1, band[k] = band[nl + id];
        }
    return max_col;
}

tg_status tg__layout_build(const tg__show_map *m, const bool *shown, tg__layout *L) {
    size_t nl = m->n_leaves, n = nl + m->n_nodes;
    memset(L, 0, sizeof *L);
    L->xy = tg__calloc(n + 1, sizeof *L->xy);
    int *col = tg__calloc(n + 1, sizeof *col), *rows = NULL;
    char *band = tg__calloc(n + 1, 1);
    by_key *order = tg__calloc(n + 1, sizeof *order);
    tg_status st = TG_OK;
    if (!L->xy || !col || !band || !order) goto nomem;
    int max_col = columns(m, shown, col, band), first[2] = {max_col + 1, max_col + 1}, last[2] = {-1, -1};
    for (size_t it = 0; it < n; it++) {
        if (!shown[it]) continue;
        if (col[it] < 0) col[it] = 0;
        int b = band[it];
        if (col[it] < first[b]) first[b] = col[it];
        if (col[it] > last[b]) last[b] = col[it];
    }
    /* Strips: band 0's then band 1's, TG__LAYOUT_COLS columns each. */
    int n_str[2], K = TG__LAYOUT_COLS;
    for (int b = 0; b < 2; b++) n_str[b] = last[b] < 0 ? 0 : (last[b] - first[b]) / K + 1;
    L->n_strips = n_str[0] + n_str[1];
    L->strips = tg__calloc((size_t)L->n_strips + 1, sizeof *L->strips);
    rows = tg__calloc((size_t)(L->n_strips + 1) * (size_t)K, sizeof *rows);
    if (!L->strips || !rows) goto nomem;
    /* g: the item's column over all strips, strip by strip */
    for (size_t it = 0; it < n; it++) {
        if (!shown[it]) continue;
        int b = band[it], lc = col[it] - first[b];
        L->xy[it].strip = (b ? n_str[0] : 0) + lc / K;
        L->xy[it].col = lc % K;
        col[it] = L->xy[it].strip * K + L->xy[it].col;
        L->xy[it].row = rows[col[it]]++;
    }
    for (int c = 1; c < L->n_strips * K; c++) { /* the barycentre pass */
        size_t cnt = 0;
        for (size_t it = 0; it < n; it++) {
            if (!shown[it] || col[it] != c) continue;
            double sum = 0;
            int k = 0;
            const tg_node *nd = it >= nl ? m->nodes[it - nl] : NULL;
            for (int i = 0; nd && i < nd->n_in; i++) {
                size_t s = tg__layout_item(m, nd->in[i]);
                if (s != (size_t)-1 && col[s] < c && L->xy[s].strip == L->xy[it].strip) sum += L->xy[s].row, k++;
            }
            order[cnt++] = (by_key){it, k ? sum / k : L->xy[it].row};
        }
        qsort(order, cnt, sizeof *order, key_cmp);
        for (size_t j = 0; j < cnt; j++) L->xy[order[j].item].row = (int)j;
    }
    /* Strips stacked: a gap between strips, a heading above each band when there
     * are two. */
    int y = TG__LAYOUT_PAD, cols = 1;
    for (int s = 0; s < L->n_strips; s++) {
        tg__layout_strip *S = &L->strips[s];
        S->recorded = s >= n_str[0];
        S->heading = n_str[1] > 0 && (s == 0 || s == n_str[0]);
        if (S->heading) y += TG__LAYOUT_HEAD;
        int r = 0;
        for (int c = 0; c < K; c++) {
            if (rows[s * K + c] > r) r = rows[s * K + c];
            if (rows[s * K + c] && c + 1 > cols) cols = c + 1;
        }
        S->y = y;
        S->h = r * (TG__LAYOUT_H + TG__LAYOUT_GAPY) - TG__LAYOUT_GAPY;
        y += S->h + TG__LAYOUT_GAPS;
    }
    for (size_t it = 0; it < n; it++) {
        if (!shown[it]) continue;
        L->xy[it].x = TG__LAYOUT_PAD + L->xy[it].col * (TG__LAYOUT_W + TG__LAYOUT_GAPX);
        L->xy[it].y = L->strips[L->xy[it].strip].y + L->xy[it].row * (TG__LAYOUT_H + TG__LAYOUT_GAPY);
    }
    L->w = 2 * TG__LAYOUT_PAD + cols * (TG__LAYOUT_W + TG__LAYOUT_GAPX) - TG__LAYOUT_GAPX;
    L->h = L->n_strips ? y - TG__LAYOUT_GAPS + TG__LAYOUT_PAD : 2 * TG__LAYOUT_PAD;
    goto done;
nomem:
    st = tg__error(TG_ERR_NOMEM, "tg_tape_html: out of memory");
    tg__layout_free(L);
done:
    tg__free(rows);
    tg__free(col);
    tg__free(band);
    tg__free(order);
    return st;
}
