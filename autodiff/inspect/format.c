/* format.c — numbers, value lists and display options shared by every printout of
 * inspect/ (tg_show.h): %.4g by default, -0 as 0, long tensors elided. */
#include <math.h>
#include <string.h>
#include "inspect_private.h"

tg_show_opts tg_show_defaults(void) { return (tg_show_opts){.precision = 4, .max_elems = 6}; }

tg_show_opts tg__show_opts(const tg_show_opts *o) {
    tg_show_opts r = o ? *o : tg_show_defaults();
    if (r.precision < 1) r.precision = 4;
    if (r.precision > 17) r.precision = 17;
    if (r.max_elems < 2) r.max_elems = 6;
    if (r.max_elems > 64) r.max_elems = 64;
    return r;
}

char *tg__show_num(double v, const tg_show_opts *o, char *buf, size_t n) {
    return tg__num_fmt(v, o->precision, buf, n);
}

/* Appends s to buf (capacity cap, length *k), truncating. */
void tg__show_put(char *buf, size_t cap, size_t *k, const char *s) {
    size_t l = strlen(s);
    if (*k + 1 >= cap) return;
    if (l > cap - 1 - *k) l = cap - 1 - *k;
    memcpy(buf + *k, s, l);
    *k += l;
    buf[*k] = '\0';
}

/* One element: the number, or nan_as for a NaN when given. */
static const char *elem(double v, const tg_show_opts *o, const char *nan_as, char *num,
                        size_t n) {
    return isnan(v) && nan_as ? nan_as : tg__show_num(v, o, num, n);
}

char *tg__show_seq(size_t n, double (*get)(const void *ctx, size_t i), const void *ctx,
                   const tg_show_opts *o, const char *nan_as, char *buf, size_t cap) {
    char num[64];
    size_t k = 0;
    if (cap == 0) return buf;
    buf[0] = '\0';
    if (n == 1) {
        tg__show_put(buf, cap, &k, elem(get(ctx, 0), o, nan_as, num, sizeof num));
        return buf;
    }
    size_t head = n <= (size_t)o->max_elems ? n : (size_t)o->max_elems - 1;
    tg__show_put(buf, cap, &k, "[");
    for (size_t i = 0; i < head; i++) {
        if (i) tg__show_put(buf, cap, &k, ", ");
        tg__show_put(buf, cap, &k, elem(get(ctx, i), o, nan_as, num, sizeof num));
    }
    if (head < n) {
        tg__show_put(buf, cap, &k, ", ..., ");
        tg__show_put(buf, cap, &k, elem(get(ctx, n - 1), o, nan_as, num, sizeof num));
    }
    tg__show_put(buf, cap, &k, "]");
    return buf;
}

static double get_real(const void *ctx, size_t i) { return (double)((const tg_real *)ctx)[i]; }
static double get_double(const void *ctx, size_t i) { return ((const double *)ctx)[i]; }

char *tg__show_vals(const tg_real *v, size_t n, const tg_show_opts *o, char *buf, size_t cap) {
    if (!v) {
        snprintf(buf, cap, "-");
        return buf;
    }
    return tg__show_seq(n, get_real, v, o, NULL, buf, cap);
}

char *tg__show_dvals(const double *v, size_t n, const tg_show_opts *o, char *buf, size_t cap) {
    return tg__show_seq(n, get_double, v, o, NULL, buf, cap);
}

tg_status tg__show_io(FILE *out, const char *fn) {
    if (fflush(out) != 0 || ferror(out))
        return tg__error(TG_ERR_IO, "%s: writing the output failed", fn);
    return TG_OK;
}

/* ---- tensors in matrix form ---- */

char *tg__show_dims(const tg_tensor *x, char *buf, size_t cap) {
    size_t k = 0;
    char d[24];
    if (cap) buf[0] = '\0';
    if (x->rank == 0) tg__show_put(buf, cap, &k, "()");
    for (int i = 0; i < x->rank; i++) {
        snprintf(d, sizeof d, "%s%d", i ? "x" : "(", x->shape[i]);
        tg__show_put(buf, cap, &k, d);
    }
    if (x->rank > 0) tg__show_put(buf, cap, &k, ")");
    return buf;
}

/* "norm 3.21, largest 0.5 at [3,4], -0.41 at [1,2], 0.3 at [0,0]": the Frobenius
 * norm and the three entries of largest magnitude (first one wins a tie). */
static void summary(char *buf, size_t cap, size_t *k, const tg_real *v, const tg_tensor *x,
                    const tg_show_opts *o) {
    enum { TOP = 3 };
    size_t top[TOP];
    int n_top = 0;
    double ss = 0;
    for (size_t i = 0; i < x->size; i++) {
        double a = fabs((double)v[i]);
        ss += a * a;
        int p = n_top;
        while (p > 0 && fabs((double)v[top[p - 1]]) < a) p--;
        if (p >= TOP) continue;
        if (n_top < TOP) n_top++;
        for (int q = n_top - 1; q > p; q--) top[q] = top[q - 1];
        top[p] = i;
    }
    char num[64], at[96];
    tg__show_put(buf, cap, k, "norm ");
    tg__show_put(buf, cap, k, tg__show_num(sqrt(ss), o, num, sizeof num));
    tg__show_put(buf, cap, k, ", largest ");
    for (int j = 0; j < n_top; j++) {
        size_t idx = top[j], a = 0;
        int coord[TG_MAX_RANK];
        for (int d = x->rank; d-- > 0;) {
            coord[d] = (int)(idx % (size_t)x->shape[d]);
            idx /= (size_t)x->shape[d];
        }
        at[0] = '\0';
        for (int d = 0; d < x->rank; d++) {
            snprintf(num, sizeof num, "%s%d", d ? "," : "", coord[d]);
            tg__show_put(at, sizeof at, &a, num);
        }
        tg__show_put(buf, cap, k, j ? ", " : "");
        tg__show_put(buf, cap, k, tg__show_num((double)v[top[j]], o, num, sizeof num));
        tg__show_put(buf, cap, k, " at [");
        tg__show_put(buf, cap, k, at);
        tg__show_put(buf, cap, k, "]");
    }
}

void tg__show_matrix(char *buf, size_t cap, size_t *k, const tg_real *v, const tg_tensor *x,
                     const tg_show_opts *o, const char *indent) {
    char num[64];
    size_t max = (size_t)o->max_elems;
    if (!v) {
        tg__show_put(buf, cap, k, " -");
        return;
    }
    if (x->size == 1 || (x->rank == 1 && x->size <= max)) {
        char s[TG__SHOW_BUF];
        tg__show_put(buf, cap, k, " ");
        tg__show_put(buf, cap, k, tg__show_vals(v, x->size, o, s, sizeof s));
        return;
    }
    if (x->rank != 2 || (size_t)x->shape[0] > max || (size_t)x->shape[1] > max) {
        tg__show_put(buf, cap, k, " ");
        summary(buf, cap, k, v, x, o);
        return;
    }
    size_t R = (size_t)x->shape[0], C = (size_t)x->shape[1];
    int width[64] = {0}; /* C <= max_elems <= 64 */
    for (size_t c = 0; c < C; c++)
        for (size_t r = 0; r < R; r++) {
            int w = (int)strlen(tg__show_num((double)v[r * C + c], o, num, sizeof num));
            if (w > width[c]) width[c] = w;
        }
    tg__show_put(buf, cap, k, R > 1 ? "\n" : " ");
    if (R > 1) tg__show_put(buf, cap, k, indent);
    tg__show_put(buf, cap, k, "[");
    for (size_t r = 0; r < R; r++) {
        if (r) {
            tg__show_put(buf, cap, k, ",\n");
            tg__show_put(buf, cap, k, indent);
            tg__show_put(buf, cap, k, " ");
        }
        tg__show_put(buf, cap, k, "[");
        for (size_t c = 0; c < C; c++) {
            char cell[80];
            snprintf(cell, sizeof cell, "%s%*s", c ? ", " : "", R > 1 ? width[c] : 0,
                     tg__show_num((double)v[r * C + c], o, num, sizeof num));
            tg__show_put(buf, cap, k, cell);
        }
        tg__show_put(buf, cap, k, "]");
    }
    tg__show_put(buf, cap, k, "]");
}
