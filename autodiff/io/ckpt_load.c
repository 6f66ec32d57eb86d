/* ckpt_load.c — tg_checkpoint_load and tg_checkpoint_load_mem.
 *
 * Loading reads the whole file, then validates in this order, touching nothing:
 *   1. magic and version;
 *   2. structure: every record's fields and sizes lie inside the file, the checksum
 *      sits exactly at the end (this is where a truncated file is caught);
 *   3. the checksum (a corrupted byte);
 *   4. the lists: every tensor's name is in the file with the same shape, and the file
 *      has no other tensor (another model's checkpoint);
 *   5. in the float build, every value of a double file fits in a float.
 * Steps 1-3 are tg__ckpt_parse (ckpt_format.c), 4 and 5 match_lists below. Only then
 * are the values copied (and meta), which cannot fail.
 */
#include <float.h>
#include <math.h>
#include <string.h>
#include "ckpt_private.h"

/* Step 4 and 5: every tensor of the lists has a record of the same name and shape,
 * and every record a tensor; *match[k] is the record of the k-th tensor. */
static tg_status match_lists(const char *label, const tg_params *const *lists, int n_lists,
                             ckpt_rec *recs, uint32_t count, ckpt_rec **match) {
    char nm[NAME_MAX_LEN + 1], sf[128], sm[128];
    int k = 0;
    for (int l = 0; l < n_lists; l++)
        for (int i = 0; i < lists[l]->n; i++, k++) {
            const tg_tensor *x = lists[l]->items[i];
            size_t len = strlen(x->name);
            ckpt_rec *r = NULL;
            for (uint32_t j = 0; j < count && !r; j++)
                if (!recs[j].matched && (size_t)recs[j].name_len == len &&
                    memcmp(recs[j].name, x->name, len) == 0)
                    r = &recs[j];
            if (!r)
                return tg__error(TG_ERR_ARG, "%s: %s: tensor '%s' of the model is not in the file",
                                 FN_LOAD, label, x->name);
            bool same = r->rank == x->rank;
            for (int d = 0; same && d < x->rank; d++) same = r->shape[d] == x->shape[d];
            if (!same)
                return tg__error(TG_ERR_SHAPE, "%s: %s: tensor '%s' has shape %s in the file but %s in the model",
                                 FN_LOAD, label, x->name, tg__shape_fmt(r->rank, r->shape, sf, sizeof sf),
                                 tg__shape_fmt(x->rank, x->shape, sm, sizeof sm));
            r->matched = 1;
            match[k] = r;
        }
    for (uint32_t j = 0; j < count; j++) {
        if (recs[j].matched) continue;
        tg__ckpt_rec_name(&recs[j], nm);
        for (uint32_t q = 0; q < count; q++)
            if (q != j && recs[q].name_len == recs[j].name_len &&
                memcmp(recs[q].name, recs[j].name, (size_t)recs[j].name_len) == 0)
                return tg__error(TG_ERR_FORMAT, "%s: %s: tensor name '%s' appears twice in the file",
                                 FN_LOAD, label, nm);
        return tg__error(TG_ERR_ARG, "%s: %s: the file holds %u tensors, the model %d: '%s' is not in the model",
                         FN_LOAD, label, (unsigned)count, k, nm);
    }
#if !TG_REAL_IS_DOUBLE
    for (int t = 0; t < k; t++) {
        const ckpt_rec *r = match[t];
        if (r->dtype != 8) continue;
        for (size_t e = 0; e < r->size; e++) {
            double v = tg__ckpt_rec_value(r, e);
            if (isfinite(v) && fabs(v) > FLT_MAX)
                return tg__error(TG_ERR_VALUE, "%s: %s: tensor '%s' element %zu is %g in the file, outside the float range",
                                 FN_LOAD, label, tg__ckpt_rec_name(r, nm), e, v);
        }
    }
#endif
    return TG_OK;
}

tg_status tg_checkpoint_load_mem(const void *buf, size_t n, const char *label,
                                 const tg_params *const *lists, int n_lists,
                                 tg_checkpoint_meta *meta) {
    if (!label) label = "<memory>";
    int total;
    tg_status st = tg__ckpt_check_lists(FN_LOAD, label, lists, n_lists, &total);
    if (st != TG_OK) return st;
    if (!buf && n > 0) return tg__error(TG_ERR_ARG, "%s: %s: buf is NULL", FN_LOAD, label);
    const unsigned char *b = buf ? buf : (const unsigned char *)"";
    ckpt_rec *recs;
    uint32_t count;
    if ((st = tg__ckpt_parse(b, n, label, &recs, &count)) != TG_OK) return st;
    ckpt_rec **match = tg__calloc(total ? (size_t)total : 1, sizeof *match);
    if (!match) {
        tg__free(recs);
        return tg__error(TG_ERR_NOMEM, "%s: %s: out of memory", FN_LOAD, label);
    }
    st = match_lists(label, lists, n_lists, recs, count, match);
    if (st == TG_OK) {
        /* Everything is valid: copy (converting the dtype if needed). */
        int k = 0;
        for (int l = 0; l < n_lists; l++)
            for (int i = 0; i < lists[l]->n; i++, k++) {
                tg_tensor *x = lists[l]->items[i];
                for (size_t e = 0; e < x->size; e++) x->data[e] = (tg_real)tg__ckpt_rec_value(match[k], e);
                tg__bump(x); /* a library write: nodes that saved x see it */
            }
        if (meta) {
            memset(meta, 0, sizeof *meta);
            meta->n = (int)get_u32(b + 16);
            for (int w = 0; w < meta->n; w++) meta->v[w] = get_u64(b + HEADER_BYTES + 8 * (size_t)w);
        }
    }
    tg__free(match);
    tg__free(recs);
    return st;
}

tg_status tg_checkpoint_load(const char *path, const tg_params *const *lists, int n_lists,
                             tg_checkpoint_meta *meta) {
    if (!path || !path[0])
        return tg__error(TG_ERR_ARG, "%s: path is %s", FN_LOAD, path ? "empty" : "NULL");
    int total;
    tg_status st = tg__ckpt_check_lists(FN_LOAD, path, lists, n_lists, &total);
    if (st != TG_OK) return st;
    unsigned char *buf;
    size_t n;
    if ((st = tg__read_file(FN_LOAD, path, TG__READ_SAY_OPEN, &buf, &n)) != TG_OK) return st;
    st = tg_checkpoint_load_mem(buf, n, path, lists, n_lists, meta);
    tg__free(buf);
    return st;
}
