/* csv.c — a small CSV reader for numeric columns, with a header line.
 *
 * Two levels: split_line cuts one line into fields (quotes and "" escapes, no
 * multi-line fields); csv_parse walks the lines, checks that each has the header's
 * number of fields and converts the selected columns. Every error names the line
 * (1-based, the header is line 1) and the column (1-based field index, and its name).
 *
 * Numbers: the grammar is checked here ([+-]digits[.digits][e[+-]digits]; no hex, inf
 * or nan), then strtod converts under the "C" locale (uselocale, per thread), so a
 * program that called setlocale(LC_ALL, "") in a comma-decimal locale still reads
 * "39.4" (and the conversion is correctly rounded, as glibc's strtod is).
 */
#include <ctype.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tapegrad/tg_data.h>
#include <tg/io.h>

typedef struct field {
    const char *s; /* inside the quotes for a quoted field, "" escapes still in */
    size_t len;
    bool quoted;
} field;

typedef struct csv_ctx {
    const char *fn, *label;
    int line;
} csv_ctx;

/* Up to 40 bytes of s, control bytes as '?', "..." if cut; for messages. */
static const char *excerpt(const char *s, size_t len, char out[48]) {
    size_t k = len > 40 ? 40 : len;
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    strcpy(out + k, len > 40 ? "..." : "");
    return out;
}

/* Splits line [s, s+len) at commas into f[0..cap-1] (extra fields are counted, not
 * stored). Returns the number of fields, or -1 after setting the error. */
static long split_line(const csv_ctx *c, const char *s, size_t len, field *f, long cap) {
    long k = 0;
    size_t i = 0;
    for (;;) {
        field x = {s + i, 0, false};
        if (i < len && s[i] == '"') {
            size_t j = i + 1;
            while (j < len && !(s[j] == '"' && !(j + 1 < len && s[j + 1] == '"'))) j += s[j] == '"' ? 2 : 1;
            if (j >= len) {
                tg__error(TG_ERR_FORMAT, "%s: %s: line %d, column %ld: unterminated quote", c->fn,
                          c->label, c->line, k + 1);
                return -1;
            }
            x = (field){s + i + 1, j - i - 1, true};
            i = j + 1;
            if (i < len && s[i] != ',') {
                tg__error(TG_ERR_FORMAT, "%s: %s: line %d, column %ld: unexpected character after a closing quote",
                          c->fn, c->label, c->line, k + 1);
                return -1;
            }
        } else {
            const char *e = i < len ? memchr(s + i, ',', len - i) : NULL;
            size_t j = e ? (size_t)(e - s) : len;
            x.len = j - i;
            i = j;
        }
        if (k < cap) f[k] = x;
        if (k == LONG_MAX) return k;
        k++;
        if (i >= len) return k;
        i++; /* the comma */
    }
}

/* Copies field x to out (at most cap-1 bytes, NUL-terminated), undoing "" escapes.
 * Returns the unescaped length (which may exceed cap-1). */
static size_t unescape(field x, char *out, size_t cap) {
    size_t k = 0;
    for (size_t i = 0; i < x.len; i++) {
        if (x.quoted && x.s[i] == '"') i++; /* the first of "" */
        if (k + 1 < cap) out[k] = x.s[i];
        k++;
    }
    if (cap) out[k < cap ? k : cap - 1] = '\0';
    return k;
}

/* Whether field x, unescaped, is the wlen bytes at want. */
static bool field_equals(field x, const char *want, size_t wlen) {
    size_t k = 0;
    for (size_t i = 0; i < x.len; i++, k++) {
        if (x.quoted && x.s[i] == '"') i++;
        if (k >= wlen || x.s[i] != want[k]) return false;
    }
    return k == wlen;
}

/* Converts a field to a double (C syntax, spaces around allowed). A number of any
 * length is read: fields that fit go through a stack buffer, longer ones (hundreds of
 * digits are valid) through one allocation. */
static tg_status number_at(const csv_ctx *c, int col, const char *name, field x, char *buf, double *v);

static tg_status parse_number(const csv_ctx *c, int col, const char *name, field x, double *v) {
    char small[80];
    if (x.len < sizeof small) return number_at(c, col, name, x, small, v);
    char *big = tg__malloc(x.len + 1); /* unescaping never lengthens a field */
    if (!big)
        return tg__error(TG_ERR_NOMEM, "%s: %s: line %d, column %d ('%s'): out of memory for a %zu-byte field",
                         c->fn, c->label, c->line, col, name, x.len);
    tg_status st = number_at(c, col, name, x, big, v);
    tg__free(big);
    return st;
}

/* parse_number with buf of at least x.len + 1 bytes. */
static tg_status number_at(const csv_ctx *c, int col, const char *name, field x, char *buf, double *v) {
    char ex[48];
    size_t len = unescape(x, buf, x.len + 1);
    char *s = buf;
    while (len && (*s == ' ' || *s == '\t')) s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    if (len == 0)
        return tg__error(TG_ERR_FORMAT, "%s: %s: line %d, column %d ('%s'): empty field, expected a number",
                         c->fn, c->label, c->line, col, name);
    size_t i = 0, d1 = 0, d2 = 0, d3 = 0;
    if (s[i] == '+' || s[i] == '-') i++;
    while (i < len && isdigit((unsigned char)s[i])) i++, d1++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && isdigit((unsigned char)s[i])) i++, d2++;
    }
    bool ok = d1 + d2 > 0;
    if (ok && i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        while (i < len && isdigit((unsigned char)s[i])) i++, d3++;
        ok = d3 > 0;
    }
    if (!ok || i != len)
        return tg__error(TG_ERR_FORMAT, "%s: %s: line %d, column %d ('%s'): '%s' is not a number",
                         c->fn, c->label, c->line, col, name, excerpt(x.s, x.len, ex));
    s[len] = '\0';
    *v = strtod(s, NULL);
    if (!isfinite(*v))
        return tg__error(TG_ERR_FORMAT, "%s: %s: line %d, column %d ('%s'): %s is outside the range of double",
                         c->fn, c->label, c->line, col, name, excerpt(s, len, ex));
    return TG_OK;
}

/* The line starting at *pos: [*pos, end) without its ending, which is "\n", "\r\n"
 * or a lone "\r" (the classic Mac OS convention, still written by some
 * spreadsheets); advances *pos past it. */
static size_t next_line(const char *b, size_t n, size_t *pos, const char **start) {
    const char *s = b + *pos;
    size_t len = 0, rest = n - *pos;
    while (len < rest && s[len] != '\n' && s[len] != '\r') len++;
    size_t end = len;
    if (end < rest) end += s[end] == '\r' && end + 1 < rest && s[end + 1] == '\n' ? 2 : 1;
    *pos += end;
    *start = s;
    return len;
}

/* The header: selects columns and fills out->names; *sel and *hf are allocated. */
static tg_status parse_header(const csv_ctx *c, const char *s, size_t len,
                              const char *const *columns, int n_columns, tg_csv *out,
                              int **sel_out, field **hf_out, long *nh_out) {
    long nh = split_line(c, s, len, NULL, 0);
    if (nh < 0) return tg_last_status();
    if (nh > INT_MAX) return tg__error(TG_ERR_FORMAT, "%s: %s: line 1: too many columns", c->fn, c->label);
    field *hf = tg__calloc((size_t)nh, sizeof *hf);
    int cols = columns ? n_columns : (int)nh;
    int *sel = tg__calloc((size_t)cols, sizeof *sel);
    if (!hf || !sel) {
        tg__free(hf);
        tg__free(sel);
        return tg__error(TG_ERR_NOMEM, "%s: %s: out of memory", c->fn, c->label);
    }
    split_line(c, s, len, hf, nh);
    char ex[48];
    tg_status st = TG_OK;
    size_t name_bytes = 0;
    for (int k = 0; k < cols && st == TG_OK; k++) {
        if (!columns) {
            sel[k] = k;
        } else {
            sel[k] = -1;
            size_t want = strlen(columns[k]);
            for (long h = 0; h < nh && st == TG_OK; h++) {
                if (!field_equals(hf[h], columns[k], want)) continue;
                if (sel[k] >= 0)
                    st = tg__error(TG_ERR_FORMAT, "%s: %s: line 1: column '%s' appears twice in the header (columns %d and %ld)",
                                   c->fn, c->label, columns[k], sel[k] + 1, h + 1);
                else
                    sel[k] = (int)h;
            }
            if (st == TG_OK && sel[k] < 0)
                st = tg__error(TG_ERR_FORMAT, "%s: %s: line 1: no column '%s' in the header '%s'",
                               c->fn, c->label, columns[k], excerpt(s, len, ex));
        }
        if (st == TG_OK) name_bytes += unescape(hf[sel[k]], NULL, 0) + 1;
    }
    /* Names: one block, the pointer array then the strings. */
    char **names = st == TG_OK ? tg__malloc((size_t)cols * sizeof(char *) + name_bytes) : NULL;
    if (st == TG_OK && !names) st = tg__error(TG_ERR_NOMEM, "%s: %s: out of memory", c->fn, c->label);
    if (st != TG_OK) {
        tg__free(hf);
        tg__free(sel);
        return st;
    }
    char *p = (char *)(names + cols);
    size_t left = name_bytes;
    for (int k = 0; k < cols; k++) {
        size_t l = unescape(hf[sel[k]], p, left);
        names[k] = p;
        p += l + 1;
        left -= l + 1;
    }
    out->cols = cols;
    out->names = names;
    *sel_out = sel;
    *hf_out = hf;
    *nh_out = nh;
    return TG_OK;
}

static tg_status csv_parse(const char *fn, const char *b, size_t n, const char *label,
                           const char *const *columns, int n_columns, tg_csv *out) {
    csv_ctx c = {fn, label, 1};
    size_t pos = 0;
    if (n >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) pos = 3; /* UTF-8 byte order mark */
    if (pos >= n) return tg__error(TG_ERR_FORMAT, "%s: %s: empty (no header line)", fn, label);
    const char *s;
    size_t len = next_line(b, n, &pos, &s);
    if (len == 0) return tg__error(TG_ERR_FORMAT, "%s: %s: line 1: empty header line", fn, label);
    int *sel = NULL;
    field *hf = NULL;
    long nh = 0;
    tg_status st = parse_header(&c, s, len, columns, n_columns, out, &sel, &hf, &nh);
    if (st != TG_OK) return st;
    size_t cap_rows = 0;
    int blank_line = 0; /* first blank line seen, 0 if none */
    while (pos < n && st == TG_OK) {
        c.line++;
        len = next_line(b, n, &pos, &s);
        if (c.line == INT_MAX) {
            st = tg__error(TG_ERR_FORMAT, "%s: %s: too many lines", fn, label);
            break;
        }
        if (len == 0) {
            if (!blank_line) blank_line = c.line;
            continue;
        }
        if (blank_line) {
            st = tg__error(TG_ERR_FORMAT, "%s: %s: line %d: blank line before more data on line %d",
                           fn, label, blank_line, c.line);
            break;
        }
        long k = split_line(&c, s, len, hf, nh);
        if (k < 0) {
            st = tg_last_status();
            break;
        }
        if (k != nh) {
            st = tg__error(TG_ERR_FORMAT, "%s: %s: line %d: %ld field%s, the header has %ld", fn,
                           label, c.line, k, k == 1 ? "" : "s", nh);
            break;
        }
        /* Room for one more row (the values are rows of cols doubles; doubling from 256). */
        if ((size_t)out->cols > SIZE_MAX / sizeof(double) ||
            !tg__grow(&out->values, &cap_rows, (size_t)out->rows + 1,
                      (size_t)out->cols * sizeof(double), 256)) {
            st = tg__error(TG_ERR_NOMEM, "%s: %s: out of memory at line %d", fn, label, c.line);
            break;
        }
        double *row = out->values + (size_t)out->rows * (size_t)out->cols;
        for (int k2 = 0; k2 < out->cols && st == TG_OK; k2++)
            st = parse_number(&c, sel[k2] + 1, out->names[k2], hf[sel[k2]], &row[k2]);
        if (st == TG_OK) out->rows++;
    }
    if (st == TG_OK && out->rows == 0)
        st = tg__error(TG_ERR_FORMAT, "%s: %s: no data lines after the header", fn, label);
    tg__free(sel);
    tg__free(hf);
    if (st != TG_OK) tg_csv_free(out);
    return st;
}

/* Checks the arguments, switches to the C locale for the numbers, parses. */
static tg_status csv_run(const char *fn, const char *b, size_t n, const char *label,
                         const char *const *columns, int n_columns, tg_csv *out) {
    if (columns) {
        if (n_columns < 1)
            return tg__error(TG_ERR_ARG, "%s: %s: n_columns is %d (must be >= 1 with columns)", fn,
                             label, n_columns);
        for (int k = 0; k < n_columns; k++)
            if (!columns[k]) return tg__error(TG_ERR_ARG, "%s: %s: columns[%d] is NULL", fn, label, k);
    } else if (n_columns != 0) {
        return tg__error(TG_ERR_ARG, "%s: %s: columns is NULL but n_columns is %d", fn, label, n_columns);
    }
    locale_t cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!cloc) return tg__error(TG_ERR_NOMEM, "%s: %s: cannot make the C locale", fn, label);
    locale_t old = uselocale(cloc);
    tg_status st = csv_parse(fn, b, n, label, columns, n_columns, out);
    uselocale(old);
    freelocale(cloc);
    return st;
}

tg_status tg_csv_parse(const char *buf, size_t n, const char *label,
                       const char *const *columns, int n_columns, tg_csv *out) {
    if (!out) return tg__error(TG_ERR_ARG, "tg_csv_parse: out is NULL");
    memset(out, 0, sizeof *out);
    if (!label) label = "<memory>";
    if (!buf && n > 0) return tg__error(TG_ERR_ARG, "tg_csv_parse: %s: buf is NULL", label);
    return csv_run("tg_csv_parse", buf ? buf : "", n, label, columns, n_columns, out);
}

tg_status tg_csv_read(const char *path, const char *const *columns, int n_columns, tg_csv *out) {
    if (!out) return tg__error(TG_ERR_ARG, "tg_csv_read: out is NULL");
    memset(out, 0, sizeof *out);
    if (!path) return tg__error(TG_ERR_ARG, "tg_csv_read: path is NULL");
    unsigned char *buf;
    size_t n;
    tg_status st = tg__read_file("tg_csv_read", path, TG__READ_SAY_SO_FAR, &buf, &n);
    if (st != TG_OK) return st;
    st = csv_run("tg_csv_read", (const char *)buf, n, path, columns, n_columns, out);
    tg__free(buf);
    return st;
}

int tg_csv_column(const tg_csv *c, const char *name) {
    if (!c || !name || !c->names) return -1;
    for (int k = 0; k < c->cols; k++)
        if (strcmp(c->names[k], name) == 0) return k;
    return -1;
}

void tg_csv_free(tg_csv *c) {
    if (!c) return;
    tg__free(c->values);
    tg__free(c->names);
    memset(c, 0, sizeof *c);
}
