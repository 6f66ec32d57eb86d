/* names.c — the names of a tape's tensors in printouts (n<k>, p<k>, i<k>, or a
 * tensor's own name) and of its ops, shared by the table, the DOT picture, the trace
 * and the hand check. */
#include <string.h>
#include <tapegrad/tg_grad.h>
#include "inspect_private.h"

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
    m->first_recorded = (size_t)-1;
    for (const tg_node *nd = last; nd; nd = nd->prev) {
        if (nd->id < n) m->nodes[nd->id] = nd;
        if (tg__show_recorded(nd->out)) m->first_recorded = nd->id;
    }
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

bool tg__show_recorded(const tg_tensor *x) {
    return strncmp(x->name, TG_GRAD_NAME_PREFIX, strlen(TG_GRAD_NAME_PREFIX)) == 0;
}

char *tg__show_name(const tg__show_map *m, const tg_tensor *x, char *buf, size_t n) {
    (void)m;
    if (x->name[0] || !x->label) {
        snprintf(buf, n, "%s", x->name);
        return buf;
    }
    const char *own = x->label_owner ? x->label_owner->name : "";
    const char *dot = strrchr(own, '.');
    int pre = dot ? (int)(dot - own) : (int)strlen(own);
    if (x->label_step >= 0)
        snprintf(buf, n, "%.*s%st%d.%s", pre, own, pre ? "." : "", x->label_step, x->label);
    else
        snprintf(buf, n, "%.*s%s%s", pre, own, pre ? "." : "", x->label);
    return buf;
}

char *tg__show_short(const tg__show_map *m, const tg_tensor *x, char *buf, size_t n) {
    /* A recorded sweep's names label, they do not identify: many nodes share one. */
    if (tg__show_recorded(x)) return tg__show_id(m, x, buf, n);
    tg__show_name(m, x, buf, n);
    return buf[0] ? buf : tg__show_id(m, x, buf, n);
}

/* ---- ops ---- */

char *tg__show_op(const tg_node *nd, bool with_args, const tg_show_opts *o, char *buf,
                  size_t n) {
    const char *name = nd->op->name ? nd->op->name : "?";
    if (strncmp(name, "tg_", 3) == 0) name += 3;
    char a[128] = "";
    const tg_op_info *info = tg_op_info_of(nd->op); /* built-in ops format their arguments */
    if (with_args && info) info->format_args(nd, o->precision, a, sizeof a);
    if (a[0]) snprintf(buf, n, "%s(%s)", name, a);
    else snprintf(buf, n, "%s", name);
    return buf;
}
