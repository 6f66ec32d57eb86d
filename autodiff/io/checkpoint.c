/* checkpoint.c — named tensors to and from a versioned binary file (format in
 * tg_checkpoint.h).
 *
 * Saving builds the whole file image in memory (one tg__malloc), then writes it with
 * tg__write_atomic (atomic.c), so a reader (or a crash) sees the old file or the new
 * one, never half of one.
 *
 * Loading reads the whole file, then validates in this order, touching nothing:
 *   1. magic and version;
 *   2. structure: every record's fields and sizes lie inside the file, the checksum
 *      sits exactly at the end (this is where a truncated file is caught);
 *   3. the checksum (a corrupted byte);
 *   4. the lists: every tensor's name is in the file with the same shape, and the file
 *      has no other tensor (another model's checkpoint);
 *   5. in the float build, every value of a double file fits in a float.
 * Only then are the values copied (and meta), which cannot fail.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <tapegrad/tg_checkpoint.h>
#include <tg/io.h>

#define FN_SAVE "tg_checkpoint_save"
#define FN_LOAD "tg_checkpoint_load"

static const unsigned char ckpt_magic[8] = {'T', 'G', 'C', 'K', 'P', 'T', '\r', '\n'};
enum {
    HEADER_BYTES = 20,                              /* magic, version, n_tensors, n_meta */
    NAME_MAX_LEN = (int)sizeof(((tg_tensor *)0)->name) - 1, /* 47 */
    MIN_RECORD_BYTES = 2 + 1 + 1 + 1 + 4,           /* 1-byte name, rank 0, one float */
    CHECKSUM_BYTES = 8
};

/* ---- little-endian fields and the checksum ---- */

static void put_u16(unsigned char *p, unsigned v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}
static void put_u32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put_u64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static unsigned get_u16(const unsigned char *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }
static uint32_t get_u32(const unsigned char *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static uint64_t get_u64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* FNV-1a 64: h = (h ^ byte) * 0x100000001b3 from the offset basis. */
static uint64_t fnv1a64(const unsigned char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

/* ---- the lists ---- */

/* Checks lists[0..n_lists-1]: every entry a long-lived tensor with data and a distinct
 * non-empty name. *total receives the number of tensors. */
static tg_status check_lists(const char *fn, const char *label, const tg_params *const *lists,
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

/* ---- saving ---- */

tg_status tg_checkpoint_save(const char *path, const tg_params *const *lists, int n_lists,
                             const tg_ckpt_meta *meta) {
    if (!path || !path[0])
        return tg__error(TG_ERR_ARG, "%s: path is %s", FN_SAVE, path ? "empty" : "NULL");
    int total;
    tg_status st = check_lists(FN_SAVE, path, lists, n_lists, &total);
    if (st != TG_OK) return st;
    int n_meta = meta ? meta->n : 0;
    if (n_meta < 0 || n_meta > TG_CKPT_META_MAX)
        return tg__error(TG_ERR_ARG, "%s: %s: meta->n is %d (must be 0..%d)", FN_SAVE, path,
                         n_meta, TG_CKPT_META_MAX);

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
    put_u32(p + 8, TG_CKPT_VERSION);
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
    st = tg__write_atomic(FN_SAVE, path, img, bytes);
    tg__free(img);
    return st;
}

/* ---- loading ---- */

typedef struct ckpt_rec {
    const unsigned char *name; /* name_len bytes, not NUL-terminated */
    int name_len;
    int dtype;                 /* 4 or 8 */
    int rank;
    int shape[TG_MAX_RANK];
    size_t size;               /* element count */
    const unsigned char *data; /* size * dtype bytes */
    int matched;
} ckpt_rec;

/* A record's name, printable (control bytes shown as '?'), NUL-terminated. */
static const char *rec_name(const ckpt_rec *r, char out[NAME_MAX_LEN + 1]) {
    for (int i = 0; i < r->name_len; i++)
        out[i] = (r->name[i] < 0x20 || r->name[i] == 0x7f) ? '?' : (char)r->name[i];
    out[r->name_len] = '\0';
    return out;
}

/* "truncated: <what> at byte <at> needs <need> bytes, the file ends at byte <n>" */
static tg_status truncated(const char *label, const char *what, size_t at, size_t need,
                           size_t n) {
    return tg__error(TG_ERR_FORMAT, "%s: %s: truncated: %s at byte %zu needs %zu bytes, the file ends at byte %zu",
                     FN_LOAD, label, what, at, need, n);
}

/* Steps 1-3: fills recs[0..n_tensors-1] (allocated here) from buf. */
static tg_status parse_file(const unsigned char *buf, size_t n, const char *label,
                            ckpt_rec **out_recs, uint32_t *out_count) {
    *out_recs = NULL;
    *out_count = 0;
    if (n < 8 || memcmp(buf, ckpt_magic, 8) != 0) {
        /* A short prefix of the magic is a truncated checkpoint, anything else is not one. */
        if (n < 8 && memcmp(buf, ckpt_magic, n) == 0) return truncated(label, "the magic", 0, 8, n);
        return tg__error(TG_ERR_FORMAT, "%s: %s: bad magic (not a tapegrad checkpoint)", FN_LOAD, label);
    }
    if (n < HEADER_BYTES) return truncated(label, "the header", 0, HEADER_BYTES, n);
    uint32_t version = get_u32(buf + 8);
    if (version != TG_CKPT_VERSION)
        return tg__error(TG_ERR_FORMAT, "%s: %s: version %u is not supported (this library reads version %d)",
                         FN_LOAD, label, (unsigned)version, TG_CKPT_VERSION);
    uint32_t count = get_u32(buf + 12), n_meta = get_u32(buf + 16);
    if (n_meta > TG_CKPT_META_MAX)
        return tg__error(TG_ERR_FORMAT, "%s: %s: %u meta words (at most %d)", FN_LOAD, label,
                         (unsigned)n_meta, TG_CKPT_META_MAX);
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
                           FN_LOAD, label, (unsigned)t, rec_name(r, nm));
            break;
        }
        pos += len;
        rec_name(r, nm);
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

/* Value e of a record as a double. */
static double rec_value(const ckpt_rec *r, size_t e) {
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
        rec_name(&recs[j], nm);
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
            double v = rec_value(r, e);
            if (isfinite(v) && fabs(v) > FLT_MAX)
                return tg__error(TG_ERR_VALUE, "%s: %s: tensor '%s' element %zu is %g in the file, outside the float range",
                                 FN_LOAD, label, rec_name(r, nm), e, v);
        }
    }
#endif
    return TG_OK;
}

tg_status tg_checkpoint_load_mem(const void *buf, size_t n, const char *label,
                                 const tg_params *const *lists, int n_lists,
                                 tg_ckpt_meta *meta) {
    if (!label) label = "<memory>";
    int total;
    tg_status st = check_lists(FN_LOAD, label, lists, n_lists, &total);
    if (st != TG_OK) return st;
    if (!buf && n > 0) return tg__error(TG_ERR_ARG, "%s: %s: buf is NULL", FN_LOAD, label);
    const unsigned char *b = buf ? buf : (const unsigned char *)"";
    ckpt_rec *recs;
    uint32_t count;
    if ((st = parse_file(b, n, label, &recs, &count)) != TG_OK) return st;
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
                for (size_t e = 0; e < x->size; e++) x->data[e] = (tg_real)rec_value(match[k], e);
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
                             tg_ckpt_meta *meta) {
    if (!path || !path[0])
        return tg__error(TG_ERR_ARG, "%s: path is %s", FN_LOAD, path ? "empty" : "NULL");
    int total;
    tg_status st = check_lists(FN_LOAD, path, lists, n_lists, &total);
    if (st != TG_OK) return st;
    unsigned char *buf;
    size_t n;
    if ((st = tg__read_file(FN_LOAD, path, TG__READ_SAY_OPEN, &buf, &n)) != TG_OK) return st;
    st = tg_checkpoint_load_mem(buf, n, path, lists, n_lists, meta);
    tg__free(buf);
    return st;
}

/* ---- meta words ---- */

tg_status tg_ckpt_meta_add(tg_ckpt_meta *m, uint64_t v) {
    if (!m) return tg__error(TG_ERR_ARG, "tg_ckpt_meta_add: m is NULL");
    if (m->n < 0 || m->n >= TG_CKPT_META_MAX)
        return tg__error(TG_ERR_RANGE, "tg_ckpt_meta_add: meta holds %d words (at most %d)", m->n,
                         TG_CKPT_META_MAX);
    m->v[m->n++] = v;
    return TG_OK;
}

tg_status tg_ckpt_meta_add_rng(tg_ckpt_meta *m, const tg_rng *r) {
    if (!m || !r) return tg__error(TG_ERR_ARG, "tg_ckpt_meta_add_rng: %s is NULL", m ? "r" : "m");
    if (m->n < 0 || m->n > TG_CKPT_META_MAX - TG_CKPT_RNG_WORDS)
        return tg__error(TG_ERR_RANGE, "tg_ckpt_meta_add_rng: meta holds %d words, no room for %d more (at most %d)",
                         m->n, TG_CKPT_RNG_WORDS, TG_CKPT_META_MAX);
    for (int i = 0; i < 4; i++) m->v[m->n++] = r->s[i];
    m->v[m->n++] = (uint64_t)(r->has_spare != 0);
    uint64_t u;
    memcpy(&u, &r->spare, 8);
    m->v[m->n++] = u;
    return TG_OK;
}

tg_status tg_ckpt_meta_get_rng(const tg_ckpt_meta *m, int at, tg_rng *r) {
    if (!m || !r) return tg__error(TG_ERR_ARG, "tg_ckpt_meta_get_rng: %s is NULL", m ? "r" : "m");
    if (at < 0 || m->n > TG_CKPT_META_MAX || at > m->n - TG_CKPT_RNG_WORDS)
        return tg__error(TG_ERR_RANGE, "tg_ckpt_meta_get_rng: words %d..%d are not in use (meta holds %d)",
                         at, at + TG_CKPT_RNG_WORDS - 1, m->n);
    for (int i = 0; i < 4; i++) r->s[i] = m->v[at + i];
    r->has_spare = m->v[at + 4] != 0;
    memcpy(&r->spare, &m->v[at + 5], 8);
    return TG_OK;
}
