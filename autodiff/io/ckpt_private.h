/* ckpt_private.h — the checkpoint file format (documented in tg_checkpoint.h), shared
 * by the checkpoint's files of io/ only: ckpt_format.c writes and parses the bytes,
 * ckpt_save.c and ckpt_load.c are the public entry points, ckpt_meta.c the meta
 * words. */
#ifndef TG_CKPT_PRIVATE_H
#define TG_CKPT_PRIVATE_H

#include <stdint.h>
#include <tapegrad/tg_checkpoint.h>
#include <tg/core.h>
#include <tg/io.h>

#define FN_SAVE "tg_checkpoint_save"
#define FN_LOAD "tg_checkpoint_load"

enum {
    HEADER_BYTES = 20,                              /* magic, version, n_tensors, n_meta */
    NAME_MAX_LEN = (int)sizeof(((tg_tensor *)0)->name) - 1, /* 47 */
    MIN_RECORD_BYTES = 2 + 1 + 1 + 1 + 4,           /* 1-byte name, rank 0, one float */
    CHECKSUM_BYTES = 8
};

/* ---- little-endian fields ---- */

static inline void put_u16(unsigned char *p, unsigned v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}
static inline void put_u32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline void put_u64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline unsigned get_u16(const unsigned char *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }
static inline uint32_t get_u32(const unsigned char *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static inline uint64_t get_u64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* ---- the lists ---- */

/* Checks lists[0..n_lists-1]: every entry a long-lived tensor with data and a distinct
 * non-empty name. *total receives the number of tensors. Messages read
 * "fn: label: ...". */
tg_status tg__ckpt_check_lists(const char *fn, const char *label, const tg_params *const *lists,
                               int n_lists, int *total);

/* ---- writing ---- */

/* The whole file image of the (checked) lists, holding total tensors, and the n_meta
 * words of meta: *img is tg__malloc'd, *bytes long. TG_ERR_NOMEM (also when the size
 * overflows size_t) with a message naming FN_SAVE and path. */
tg_status tg__ckpt_image(const char *path, const tg_params *const *lists, int n_lists, int total,
                         const tg_checkpoint_meta *meta, int n_meta, unsigned char **img, size_t *bytes);

/* ---- parsing ---- */

/* One tensor record of a parsed file; name and data point into the file's bytes. */
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

/* Checks magic, version, structure and checksum of the n bytes at buf (steps 1-3 of
 * ckpt_load.c) and fills *recs (tg__calloc'd, *count records; NULL and 0 on error).
 * Messages read "tg_checkpoint_load: label: ...". */
tg_status tg__ckpt_parse(const unsigned char *buf, size_t n, const char *label, ckpt_rec **recs,
                         uint32_t *count);

/* A record's name, printable (control bytes shown as '?'), NUL-terminated in out. */
const char *tg__ckpt_rec_name(const ckpt_rec *r, char out[NAME_MAX_LEN + 1]);

/* Value e of a record as a double. */
double tg__ckpt_rec_value(const ckpt_rec *r, size_t e);

#endif
