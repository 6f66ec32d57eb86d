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
