/* idx.c — the IDX format of (Fashion-)MNIST, and the Fashion-MNIST loader.
 *
 * Layout (big-endian): bytes 0-1 zero, byte 2 the type code, byte 3 the number of
 * dimensions D, then D uint32 sizes, then the values row-major. Fashion-MNIST:
 * images 00 00 08 03, (N,28,28); labels 00 00 08 01, (N), values 0..9.
 * Every size is checked against the bytes actually present before anything is
 * allocated, so a hostile header cannot make the reader allocate more than the input.
 * A gzipped file's header is checked from the first inflated bytes, and inflating
 * stops where the declared data ends: a small file cannot inflate to more than its
 * header declares, nor declare more than deflate can pack into it.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <tapegrad/tg_data.h>
#include <tg/io.h>

static uint32_t get_be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *type_name(int code) {
    switch (code) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return NULL;
    }
}

/* The header at b[0..n): magic, type, rank, sizes. Sets *rank, shape, *hdr (header
 * bytes) and *size (data bytes the shape declares; SIZE_MAX - hdr if that product
 * overflows). */
static tg_status idx_header(const char *fn, const unsigned char *b, size_t n, const char *label,
                            int *rank_out, int shape[TG_MAX_RANK], size_t *hdr_out, size_t *size_out) {
    if (n < 4)
        return tg__error(TG_ERR_FORMAT, "%s: %s: truncated: the 4-byte header has only %zu bytes",
                         fn, label, n);
    if (b[0] != 0 || b[1] != 0)
        return tg__error(TG_ERR_FORMAT,
                         "%s: %s: bad magic %02x %02x %02x %02x (an IDX file starts with two zero bytes)",
                         fn, label, b[0], b[1], b[2], b[3]);
    if (b[2] != 0x08) {
        const char *tn = type_name(b[2]);
        if (tn)
            return tg__error(TG_ERR_FORMAT, "%s: %s: type 0x%02X (%s) is not supported (only 0x08, unsigned byte)",
                             fn, label, b[2], tn);
        return tg__error(TG_ERR_FORMAT, "%s: %s: unknown type code 0x%02X", fn, label, b[2]);
    }
    int rank = b[3];
    if (rank < 1 || rank > TG_MAX_RANK)
        return tg__error(TG_ERR_FORMAT, "%s: %s: %d dimensions (must be 1..%d)", fn, label, rank,
                         TG_MAX_RANK);
    size_t hdr = 4 + 4 * (size_t)rank;
    if (n < hdr)
        return tg__error(TG_ERR_FORMAT, "%s: %s: truncated: the %d dimension sizes need %zu bytes, the file has %zu",
                         fn, label, rank, hdr, n);
    size_t size = 1;
    for (int d = 0; d < rank; d++) {
        uint32_t v = get_be32(b + 4 + 4 * d);
        if (v < 1 || v > INT_MAX)
            return tg__error(TG_ERR_FORMAT, "%s: %s: dimension %d is %u (must be 1..%d)", fn, label,
                             d, (unsigned)v, INT_MAX);
        shape[d] = (int)v;
        if (!tg__mul_size(size, v, &size) || size > SIZE_MAX - hdr) size = SIZE_MAX - hdr;
    }
    *rank_out = rank;
    *hdr_out = hdr;
    *size_out = size;
    return TG_OK;
}

static tg_status idx_parse(const char *fn, const unsigned char *b, size_t n, const char *label,
                           tg_idx *out) {
    int rank = 0, shape[TG_MAX_RANK];
    size_t hdr = 0, size = 0;
    tg_status st = idx_header(fn, b, n, label, &rank, shape, &hdr, &size);
    if (st != TG_OK) return st;
    size_t present = n - hdr;
    char sb[128];
    tg__shape_fmt(rank, shape, sb, sizeof sb);
    if (present < size)
        return tg__error(TG_ERR_FORMAT, "%s: %s: truncated: shape %s needs more data than the %zu bytes present",
                         fn, label, sb, present);
    if (present > size)
        return tg__error(TG_ERR_FORMAT, "%s: %s: %zu unexpected bytes after the %zu data bytes of shape %s",
                         fn, label, present - size, size, sb);
    uint8_t *data = tg__malloc(size);
    if (!data)
        return tg__error(TG_ERR_NOMEM, "%s: %s: out of memory for %zu bytes", fn, label, size);
    memcpy(data, b + hdr, size);
    out->rank = rank;
    for (int d = 0; d < TG_MAX_RANK; d++) out->shape[d] = d < rank ? shape[d] : 1;
    out->size = size;
    out->data = data;
    return TG_OK;
}

tg_status tg_idx_parse(const void *buf, size_t n, const char *label, tg_idx *out) {
    if (!out) return tg__error(TG_ERR_ARG, "tg_idx_parse: out is NULL");
    memset(out, 0, sizeof *out);
    if (!label) label = "<memory>";
    if (!buf && n > 0) return tg__error(TG_ERR_ARG, "tg_idx_parse: %s: buf is NULL", label);
    return idx_parse("tg_idx_parse", buf ? buf : (const void *)"", n, label, out);
}

/* A gzipped file's header, seen before the rest is inflated (tg__read_file_checked):
 * the header's own mistakes are reported at once, and a shape the compressed file
 * cannot hold is refused; the stream then stops where the declared data ends. */
typedef struct { const char *fn, *path; } idx_where;

static tg_status idx_head(void *user, const unsigned char *head, size_t n, uint64_t can_hold,
                          size_t *limit) {
    const idx_where *w = user;
    int rank = 0, shape[TG_MAX_RANK];
    size_t hdr = 0, size = 0;
    tg_status st = idx_header(w->fn, head, n, w->path, &rank, shape, &hdr, &size);
    if (st != TG_OK) return st;
    if ((uint64_t)(hdr + size) > can_hold) {
        char sb[128];
        return tg__error(TG_ERR_FORMAT, "%s: %s: the header declares shape %s (%zu bytes), more than this gzip file can inflate to (%llu bytes at most)",
                         w->fn, w->path, tg__shape_fmt(rank, shape, sb, sizeof sb), hdr + size,
                         (unsigned long long)can_hold);
    }
    *limit = hdr + size;
    return TG_OK;
}

static tg_status idx_read(const char *fn, const char *path, tg_idx *out) {
    unsigned char *buf;
    size_t n;
    idx_where w = {fn, path};
    tg_status st = tg__read_file_checked(fn, path, TG__READ_GUNZIP | TG__READ_SAY_SO_FAR,
                                         4 + 4 * TG_MAX_RANK, idx_head, &w, &buf, &n);
    if (st != TG_OK) return st;
    st = idx_parse(fn, buf, n, path, out);
    tg__free(buf);
    return st;
}

tg_status tg_idx_read(const char *path, tg_idx *out) {
    if (!out) return tg__error(TG_ERR_ARG, "tg_idx_read: out is NULL");
    memset(out, 0, sizeof *out);
    if (!path) return tg__error(TG_ERR_ARG, "tg_idx_read: path is NULL");
    return idx_read("tg_idx_read", path, out);
}

void tg_idx_free(tg_idx *x) {
    if (!x) return;
    tg__free(x->data);
    memset(x, 0, sizeof *x);
}

/* ---- Fashion-MNIST ---- */

#define FM "tg_fashion_mnist_load"

/* Finds "<dir>/<split>-<kind>.gz" or, failing that, the uncompressed file. */
static tg_status find_file(const char *dir, const char *split, const char *kind, char *path,
                           size_t cap) {
    int k = snprintf(path, cap, "%s/%s-%s.gz", dir, split, kind);
    if (k < 0 || (size_t)k >= cap)
        return tg__error(TG_ERR_ARG, FM ": directory name '%s' is too long", dir);
    if (access(path, F_OK) == 0) return TG_OK;
    path[k - 3] = '\0';
    if (access(path, F_OK) == 0) return TG_OK;
    path[k - 3] = '.';
    return tg__error(TG_ERR_IO,
                     FM ": %s: no such file (nor without .gz); install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or give the directory that holds the files",
                     path);
}

tg_status tg_fashion_mnist_load(const char *dir, const char *split, tg_idx *images,
                                tg_idx *labels) {
    if (!images || !labels)
        return tg__error(TG_ERR_ARG, FM ": %s is NULL", images ? "labels" : "images");
    memset(images, 0, sizeof *images);
    memset(labels, 0, sizeof *labels);
    if (!split) return tg__error(TG_ERR_ARG, FM ": split is NULL");
    const char *s = strcmp(split, "train") == 0 ? "train"
                    : strcmp(split, "t10k") == 0 || strcmp(split, "test") == 0 ? "t10k"
                    : NULL;
    if (!s)
        return tg__error(TG_ERR_ARG, FM ": split is '%s' (must be \"train\", \"t10k\" or \"test\")", split);
    if (!dir) dir = TG_FASHION_MNIST_DIR;
    char ipath[4096], lpath[4096];
    tg_status st = find_file(dir, s, "images-idx3-ubyte", ipath, sizeof ipath);
    if (st == TG_OK) st = find_file(dir, s, "labels-idx1-ubyte", lpath, sizeof lpath);
    if (st == TG_OK) st = idx_read(FM, ipath, images);
    if (st == TG_OK) st = idx_read(FM, lpath, labels);
    char sb[128];
    if (st == TG_OK && (images->rank != 3 || images->shape[1] != 28 || images->shape[2] != 28))
        st = tg__error(TG_ERR_FORMAT, FM ": %s: images have shape %s, expected (N,28,28)", ipath,
                       tg__shape_fmt(images->rank, images->shape, sb, sizeof sb));
    if (st == TG_OK && labels->rank != 1)
        st = tg__error(TG_ERR_FORMAT, FM ": %s: labels have shape %s, expected (N)", lpath,
                       tg__shape_fmt(labels->rank, labels->shape, sb, sizeof sb));
    if (st == TG_OK && labels->shape[0] != images->shape[0])
        st = tg__error(TG_ERR_FORMAT, FM ": %s holds %d images but %s %d labels", ipath,
                       images->shape[0], lpath, labels->shape[0]);
    for (size_t i = 0; st == TG_OK && i < labels->size; i++)
        if (labels->data[i] > 9)
            st = tg__error(TG_ERR_FORMAT, FM ": %s: label %zu is %d (must be 0..9)", lpath, i,
                           labels->data[i]);
    if (st != TG_OK) {
        tg_idx_free(images);
        tg_idx_free(labels);
    }
    return st;
}
