/* ckpt_format.c — the bytes of a checkpoint file (layout in tg_checkpoint.h): the
 * checks on the lists that every entry point makes, the file image a save writes,
 * and the parse of a file with its structural checks and the checksum.
 *
 * Every field is written and read byte by byte, little-endian, so the file does not
 * depend on the machine or on struct padding. Parsing bounds every size by the bytes
 * actually present before it allocates anything for it, so a hostile header cannot
 * make the loader allocate more than the input.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "ckpt_private.h"

static const unsigned char ckpt_magic[8] = {'T', 'G', 'C', 'K', 'P', 'T', '\r', '\n'};

/* FNV-1a 64: h = (h ^ byte) * 0x100000001b3 from the offset basis. */
static uint64_t fnv1a64(const unsigned char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

/* ---- the lists ---- */

tg_status tg__ckpt_check_lists(const char *fn, const char *label, const tg_params *const *lists,
                               int n_lists, int *total) {
    *total = 0;
    if (n_lists < 0) return tg__error(TG_ERR_ARG, "%s: %s: n_lists is %d", fn, label, n_lists);
    if (n_lists > 0 && !lists)
        return tg__error(TG_ERR_ARG, "%s: %s: lists is NULL but n_lists is %d", fn, label, n_lists);
    for (int l = 0; l < n_lists; l++) {
        const tg_params *ps = lists[l];
        if (!ps) return tg__error(TG_ERR_ARG, "%s: %s: list %d is NULL", fn, label, l);
        if (ps->n < 0 || (ps->n > 0 && !ps->items))
            return tg__error(TG_ERR_ARG, "%s: %s: list %d is invalid (n = %d)", fn, label, l, ps->n);
        if (ps->n > INT_MAX - *total)
            return tg__error(TG_ERR_ARG, "%s: %s: too many tensors", fn, label);
        for (int i = 0; i < ps->n; i++) {
            const tg_tensor *x = ps->items[i];
            if (!x || !x->data)
                return tg__error(TG_ERR_ARG, "%s: %s: list %d entry %d is %s", fn, label, l, i,
                                 x ? "a tensor without data" : "NULL");
            if (x->tape)
                return tg__error(TG_ERR_ARG,
                                 "%s: %s: list %d entry %d ('%s') is a step tensor of a tape; only long-lived tensors can be checkpointed",
                                 fn, label, l, i, x->name);
            size_t len = strnlen(x->name, sizeof x->name);
            if (len == 0 || len == sizeof x->name)
                return tg__error(TG_ERR_ARG,
                                 "%s: %s: list %d entry %d has no name (checkpoints match tensors by name)",
                                 fn, label, l, i);
            /* Names must be distinct over all lists (earlier entries). */
            for (int m = 0; m <= l; m++)
                for (int j = 0; j < (m == l ? i : lists[m]->n); j++)
                    if (strcmp(lists[m]->items[j]->name, x->name) == 0)
                        return tg__error(TG_ERR_ARG,
                                         "%s: %s: duplicate tensor name '%s' (list %d entry %d and list %d entry %d)",
                                         fn, label, x->name, m, j, l, i);
        }
        *total += ps->n;
    }
    return TG_OK;
}

/* ---- writing ---- */

tg_status tg__ckpt_image(const char *path, const tg_params *const *lists, int n_lists, int total,
                         const tg_checkpoint_meta *meta, int n_meta, unsigned char **out, size_t *out_bytes) {
    *out = NULL;
    *out_bytes = 0;
    /* Size of the image: header, meta, records, checksum. */
    size_t bytes = HEADER_BYTES + 8 * (size_t)n_meta + CHECKSUM_BYTES;
    for (int l = 0; l < n_lists; l++)
        for (int i = 0; i < lists[l]->n; i++) {
            const tg_tensor *x = lists[l]->items[i];
            size_t rec = 2 + strlen(x->name) + 2 + 4 * (size_t)x->rank;
            if (x->size > (SIZE_MAX - rec) / sizeof(tg_real) ||
                rec + x->size * sizeof(tg_real) > SIZE_MAX - bytes)
                return tg__error(TG_ERR_NOMEM, "%s: %s: checkpoint size overflows size_t",
                                 FN_SAVE, path);
            bytes += rec + x->size * sizeof(tg_real);
        }
    unsigned char *img = tg__malloc(bytes);
    if (!img)
        return tg__error(TG_ERR_NOMEM, "%s: %s: out of memory for a %zu-byte file image",
                         FN_SAVE, path, bytes);

    unsigned char *p = img;
    memcpy(p, ckpt_magic, 8);
    put_u32(p + 8, TG_CHECKPOINT_VERSION);
    put_u32(p + 12, (uint32_t)total);
    put_u32(p + 16, (uint32_t)n_meta);
    p += HEADER_BYTES;
    for (int k = 0; k < n_meta; k++, p += 8) put_u64(p, meta->v[k]);
    for (int l = 0; l < n_lists; l++)
        for (int i = 0; i < lists[l]->n; i++) {
            const tg_tensor *x = lists[l]->items[i];
            size_t len = strlen(x->name);
            put_u16(p, (unsigned)len);
            memcpy(p + 2, x->name, len);
            p += 2 + len;
            *p++ = (unsigned char)sizeof(tg_real);
            *p++ = (unsigned char)x->rank;
            for (int d = 0; d < x->rank; d++, p += 4) put_u32(p, (uint32_t)x->shape[d]);
            for (size_t e = 0; e < x->size; e++, p += sizeof(tg_real)) {
#if TG_REAL_IS_DOUBLE
                uint64_t u;
                memcpy(&u, &x->data[e], 8);
                put_u64(p, u);
#else
                uint32_t u;
                memcpy(&u, &x->data[e], 4);
                put_u32(p, u);
#endif
            }
        }
    put_u64(p, fnv1a64(img, (size_t)(p - img)));
    *out = img;
    *out_bytes = bytes;
    return TG_OK;
}

/* ---- parsing ---- */

const char *tg__ckpt_rec_name(const ckpt_rec *r, char out[NAME_MAX_LEN + 1]) {
    for (int i = 0; i < r->name_len; i++)
        out[i] = (r->name[i] < 0x20 || r->name[i] == 0x7f) ? '?' : (char)r->name[i];
    out[r->name_len] = '\0';
    return out;
}

double tg__ckpt_rec_value(const ckpt_rec *r, size_t e) {
    if (r->dtype == 8) {
        uint64_t u = get_u64(r->data + 8 * e);
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    uint32_t u = get_u32(r->data + 4 * e);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* "truncated: <what> at byte <at> needs <need> bytes, the file ends at byte <n>" */
static tg_status truncated(const char *label, const char *what, size_t at, size_t need,
                           size_t n) {
    return tg__error(TG_ERR_FORMAT, "%s: %s: truncated: %s at byte %zu needs %zu bytes, the file ends at byte %zu",
                     FN_LOAD, label, what, at, need, n);
}

/* Magic and version, then every record's fields and sizes inside the file (where a
 * truncated file is caught), the checksum exactly at the end, and its value. */
tg_status tg__ckpt_parse(const unsigned char *buf, size_t n, const char *label, ckpt_rec **out_recs,
                         uint32_t *out_count) {
    *out_recs = NULL;
    *out_count = 0;
    if (n < 8 || memcmp(buf, ckpt_magic, 8) != 0) {
        /* A short prefix of the magic is a truncated checkpoint, anything else is not one. */
        if (n < 8 && memcmp(buf, ckpt_magic, n) == 0) return truncated(label, "the magic", 0, 8, n);
        return tg__error(TG_ERR_FORMAT, "%s: %s: bad magic (not a tapegrad checkpoint)", FN_LOAD, label);
    }
    if (n < HEADER_BYTES) return truncated(label, "the header", 0, HEADER_BYTES, n);
    uint32_t version = get_u32(buf + 8);
    if (version != TG_CHECKPOINT_VERSION)
        return tg__error(TG_ERR_FORMAT, "%s: %s: version %u is not supported (this library reads version %d)",
                         FN_LOAD, label, (unsigned)version, TG_CHECKPOINT_VERSION);
    uint32_t count = get_u32(buf + 12), n_meta = get_u32(buf + 16);
    if (n_meta > TG_CHECKPOINT_META_MAX)
        return tg__error(TG_ERR_FORMAT, "%s: %s: %u meta words (at most %d)", FN_LOAD, label,
                         (unsigned)n_meta, TG_CHECKPOINT_META_MAX);
    size_t pos = HEADER_BYTES;
    if (n - pos < 8 * (size_t)n_meta) return truncated(label, "the meta words", pos, 8 * (size_t)n_meta, n);
    pos += 8 * (size_t)n_meta;
    /* Bound the count by the bytes present before allocating anything for it. */
    if (count > (n - pos) / MIN_RECORD_BYTES)
        return tg__error(TG_ERR_FORMAT, "%s: %s: truncated: %u tensors cannot fit in the %zu bytes after the header",
                         FN_LOAD, label, (unsigned)count, n - pos);
    ckpt_rec *recs = tg__calloc(count ? count : 1, sizeof *recs);
    if (!recs) return tg__error(TG_ERR_NOMEM, "%s: %s: out of memory", FN_LOAD, label);
    tg_status st = TG_OK;
    char nm[NAME_MAX_LEN + 1], what[96];
    for (uint32_t t = 0; t < count && st == TG_OK; t++) {
        ckpt_rec *r = &recs[t];
        if (n - pos < 2) { st = truncated(label, "a name length", pos, 2, n); break; }
        unsigned len = get_u16(buf + pos);
        if (len < 1 || len > NAME_MAX_LEN) {
            st = tg__error(TG_ERR_FORMAT, "%s: %s: tensor %u: name length %u at byte %zu is outside 1..%d",
                           FN_LOAD, label, (unsigned)t, len, pos, NAME_MAX_LEN);
            break;
        }
        pos += 2;
        if (n - pos < len) { st = truncated(label, "a name", pos, len, n); break; }
        r->name = buf + pos;
        r->name_len = (int)len;
        if (memchr(r->name, 0, len)) {
            st = tg__error(TG_ERR_FORMAT, "%s: %s: tensor %u: name '%s' contains a NUL byte",
                           FN_LOAD, label, (unsigned)t, tg__ckpt_rec_name(r, nm));
            break;
        }
        pos += len;
        tg__ckpt_rec_name(r, nm);
        snprintf(what, sizeof what, "tensor '%s': dtype and rank", nm);
        if (n - pos < 2) { st = truncated(label, what, pos, 2, n); break; }
        r->dtype = buf[pos];
        r->rank = buf[pos + 1];
        if (r->dtype != 4 && r->dtype != 8) {
            st = tg__error(TG_ERR_FORMAT, "%s: %s: tensor '%s': dtype code %d is not 4 (float32) or 8 (float64)",
                           FN_LOAD, label, nm, r->dtype);
            break;
        }
        if (r->rank > TG_MAX_RANK) {
            st = tg__error(TG_ERR_FORMAT, "%s: %s: tensor '%s': rank %d is outside 0..%d",
                           FN_LOAD, label, nm, r->rank, TG_MAX_RANK);
            break;
        }
        pos += 2;
        snprintf(what, sizeof what, "tensor '%s': shape", nm);
        if (n - pos < 4 * (size_t)r->rank) { st = truncated(label, what, pos, 4 * (size_t)r->rank, n); break; }
        /* The element count, or overflow: a shape no file could hold. */
        bool overflow = false;
        r->size = 1;
        for (int d = 0; d < r->rank; d++) {
            uint32_t dim = get_u32(buf + pos + 4 * (size_t)d);
            if (dim < 1 || dim > INT_MAX) {
                st = tg__error(TG_ERR_FORMAT, "%s: %s: tensor '%s': dimension %d is %u (must be 1..%d)",
                               FN_LOAD, label, nm, d, (unsigned)dim, INT_MAX);
                break;
            }
            r->shape[d] = (int)dim;
            if (!overflow && dim > SIZE_MAX / (size_t)r->dtype / r->size) overflow = true;
            if (!overflow) r->size *= dim;
        }
        if (st != TG_OK) break;
        pos += 4 * (size_t)r->rank;
        if (overflow) {
            char sb[128];
            st = tg__error(TG_ERR_FORMAT, "%s: %s: truncated: tensor '%s' of shape %s at byte %zu is larger than any file",
                           FN_LOAD, label, nm, tg__shape_fmt(r->rank, r->shape, sb, sizeof sb), pos);
            break;
        }
        snprintf(what, sizeof what, "tensor '%s': data", nm);
        if (n - pos < r->size * (size_t)r->dtype) {
            st = truncated(label, what, pos, r->size * (size_t)r->dtype, n);
            break;
        }
        r->data = buf + pos;
        pos += r->size * (size_t)r->dtype;
    }
    if (st == TG_OK) {
        if (n - pos < CHECKSUM_BYTES) {
            st = truncated(label, "the checksum", pos, CHECKSUM_BYTES, n);
        } else if (n - pos > CHECKSUM_BYTES) {
            st = tg__error(TG_ERR_FORMAT, "%s: %s: %zu unexpected bytes after the checksum at byte %zu",
                           FN_LOAD, label, n - pos - CHECKSUM_BYTES, pos);
        } else {
            uint64_t stored = get_u64(buf + pos), computed = fnv1a64(buf, pos);
            if (stored != computed)
                st = tg__error(TG_ERR_FORMAT, "%s: %s: checksum mismatch (corrupted file): stored 0x%016llx, computed 0x%016llx",
                               FN_LOAD, label, (unsigned long long)stored, (unsigned long long)computed);
        }
    }
    if (st != TG_OK) {
        tg__free(recs);
        return st;
    }
    *out_recs = recs;
    *out_count = count;
    return TG_OK;
}
