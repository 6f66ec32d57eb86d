/* text.c — a text file as a sequence of byte ids for character-level models.
 *
 * The vocabulary is the set of distinct bytes of the text, numbered in increasing
 * byte order, so the same text always gives the same ids (and a model saved with one
 * run's vocabulary loads in the next). Multi-byte UTF-8 characters become several
 * tokens: simple, and the model learns to emit valid sequences.
 */
#include <string.h>
#include <tapegrad/tg_data.h>
#include <tg/io.h>

static tg_status text_build(const char *fn, const unsigned char *b, size_t n, const char *label,
                            tg_text *out) {
    if (n == 0) return tg__error(TG_ERR_FORMAT, "%s: %s: the text is empty", fn, label);
    if (n > SIZE_MAX / sizeof(int) - 1)
        return tg__error(TG_ERR_NOMEM, "%s: %s: %zu bytes is too large", fn, label, n);
    unsigned char *bytes = tg__malloc(n + 1);
    int *ids = tg__malloc(n * sizeof(int));
    if (!bytes || !ids) {
        tg__free(bytes);
        tg__free(ids);
        return tg__error(TG_ERR_NOMEM, "%s: %s: out of memory for a text of %zu bytes", fn, label, n);
    }
    memcpy(bytes, b, n);
    bytes[n] = '\0';
    bool seen[256] = {false};
    for (size_t i = 0; i < n; i++) seen[bytes[i]] = true;
    out->vocab_size = 0;
    for (int c = 0; c < 256; c++) {
        out->index[c] = seen[c] ? out->vocab_size : -1;
        if (seen[c]) out->vocab[out->vocab_size++] = (unsigned char)c;
    }
    for (size_t i = 0; i < n; i++) ids[i] = out->index[bytes[i]];
    out->bytes = bytes;
    out->ids = ids;
    out->n = n;
    return TG_OK;
}

tg_status tg_text_from(const void *buf, size_t n, const char *label, tg_text *out) {
    if (!out) return tg__error(TG_ERR_ARG, "tg_text_from: out is NULL");
    memset(out, 0, sizeof *out);
    if (!label) label = "<memory>";
    if (!buf && n > 0) return tg__error(TG_ERR_ARG, "tg_text_from: %s: buf is NULL", label);
    tg_status st = text_build("tg_text_from", buf, n, label, out);
    if (st != TG_OK) memset(out, 0, sizeof *out);
    return st;
}

tg_status tg_text_read(const char *path, tg_text *out) {
    if (!out) return tg__error(TG_ERR_ARG, "tg_text_read: out is NULL");
    memset(out, 0, sizeof *out);
    if (!path) return tg__error(TG_ERR_ARG, "tg_text_read: path is NULL");
    unsigned char *buf;
    size_t n;
    tg_status st = tg__read_file("tg_text_read", path, TG__READ_SAY_SO_FAR, &buf, &n);
    if (st != TG_OK) return st;
    st = text_build("tg_text_read", buf, n, path, out);
    tg__free(buf);
    if (st != TG_OK) memset(out, 0, sizeof *out);
    return st;
}

void tg_text_free(tg_text *t) {
    if (!t) return;
    tg__free(t->bytes);
    tg__free(t->ids);
    memset(t, 0, sizeof *t);
}
