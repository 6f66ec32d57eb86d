/* svg_chart.c — see svg_chart.h. Plain C11 + libm; example code, so it may use
 * malloc and stdio directly. */
#include "svg_chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *name;
    double *x, *y;
    int n;
} series;

struct svg_chart {
    char *title, *xlabel, *ylabel;
    int log_y;
    int width, height;
    series *s;
    int n, cap;
};

/* Tableau 10: distinguishable, print-friendly. */
static const char *const palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
#define N_PALETTE (int)(sizeof palette / sizeof palette[0])

static char *dup(const char *s) {
    if (!s) s = "";
    char *d = malloc(strlen(s) + 1);
    if (d) strcpy(d, s);
    return d;
}

svg_chart *svg_chart_new(const char *title, const char *xlabel, const char *ylabel) {
    svg_chart *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->title = dup(title), c->xlabel = dup(xlabel), c->ylabel = dup(ylabel);
    c->width = 800, c->height = 500;
    if (!c->title || !c->xlabel || !c->ylabel) {
        svg_chart_free(c);
        return NULL;
    }
    return c;
}

void svg_chart_set_log_y(svg_chart *c, int on) { c->log_y = on != 0; }

void svg_chart_set_size(svg_chart *c, int width, int height) {
    c->width = width < 200 ? 200 : width;
    c->height = height < 200 ? 200 : height;
}

int svg_chart_add(svg_chart *c, const char *name, const double *x, const double *y, int n) {
    if (!c || !y || n < 0) return -1;
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 8;
        series *s = realloc(c->s, (size_t)cap * sizeof *s);
        if (!s) return -1;
        c->s = s, c->cap = cap;
    }
    series *s = &c->s[c->n];
    s->name = dup(name);
    s->x = malloc((size_t)(n ? n : 1) * sizeof *s->x);
    s->y = malloc((size_t)(n ? n : 1) * sizeof *s->y);
    if (!s->name || !s->x || !s->y) {
        free(s->name), free(s->x), free(s->y);
        return -1;
    }
    for (int i = 0; i < n; i++) s->x[i] = x ? x[i] : i, s->y[i] = y[i];
    s->n = n;
    c->n++;
    return 0;
}

void svg_chart_free(svg_chart *c) {
    if (!c) return;
    for (int i = 0; i < c->n; i++) free(c->s[i].name), free(c->s[i].x), free(c->s[i].y);
    free(c->s), free(c->title), free(c->xlabel), free(c->ylabel);
    free(c);
}

/* ---- drawing ---- */

static void put_text(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static int usable(const svg_chart *c, double x, double y) {
    return isfinite(x) && isfinite(y) && (!c->log_y || y > 0);
}

/* A "nice" tick step (1, 2 or 5 times a power of ten) giving about 5 intervals. */
static double nice_step(double range) {
    if (!(range > 0)) return 1;
    double raw = range / 5, p = pow(10, floor(log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

typedef struct {
    double lo, hi;      /* axis range (log10 units on a log axis) */
    double ticks[64];   /* tick positions, same units */
    int nt;
} axis;

static void linear_axis(axis *a, double lo, double hi) {
    if (lo == hi) lo -= 1, hi += 1;
    double st = nice_step(hi - lo);
    a->lo = floor(lo / st) * st, a->hi = ceil(hi / st) * st;
    a->nt = 0;
    for (double t = a->lo; t <= a->hi + st * 1e-9 && a->nt < 64; t += st)
        a->ticks[a->nt++] = fabs(t) < st * 1e-9 ? 0 : t;
}

static void log_axis(axis *a, double lo, double hi) {
    a->lo = floor(log10(lo)), a->hi = ceil(log10(hi));
    if (a->lo == a->hi) a->hi += 1;
    a->nt = 0;
    int decades = (int)(a->hi - a->lo);
    for (double d = a->lo; d <= a->hi && a->nt < 64; d++) {
        a->ticks[a->nt++] = d;
        if (decades <= 2 && d < a->hi && a->nt < 62) { /* few decades: 2 and 5 as well */
            a->ticks[a->nt++] = d + log10(2);
            a->ticks[a->nt++] = d + log10(5);
        }
    }
}

int svg_chart_write(const svg_chart *c, const char *path) {
    if (!c || !path) return -1;
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    /* Data ranges over usable points. */
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int k = 0; k < c->n; k++)
        for (int i = 0; i < c->s[k].n; i++) {
            double x = c->s[k].x[i], y = c->s[k].y[i];
            if (!usable(c, x, y)) continue;
            x0 = fmin(x0, x), x1 = fmax(x1, x), y0 = fmin(y0, y), y1 = fmax(y1, y);
        }
    if (x0 > x1) x0 = 0, x1 = 1, y0 = c->log_y ? 1 : 0, y1 = c->log_y ? 10 : 1;
    axis ax, ay;
    linear_axis(&ax, x0, x1);
    if (c->log_y) log_axis(&ay, y0, y1);
    else linear_axis(&ay, y0, y1);

    /* Plot area: margins for tick labels, axis labels, title and the legend column. */
    size_t longest = 0;
    for (int k = 0; k < c->n; k++)
        if (strlen(c->s[k].name) > longest) longest = strlen(c->s[k].name);
    const double L = 80, T = 50, B = 60;
    const double R = c->n ? 60 + 7.0 * (double)longest : 20; /* legend column: ~7 px a character */
    const double W = c->width - L - R, H = c->height - T - B;
#define PX(x) (L + ((x) - ax.lo) / (ax.hi - ax.lo) * W)
#define PY(v) (T + H - ((v) - ay.lo) / (ay.hi - ay.lo) * H)

    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
            c->width, c->height, c->width, c->height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"%g\" y=\"28\" font-size=\"16\" text-anchor=\"middle\">", L + W / 2);
    put_text(f, c->title);
    fprintf(f, "</text>\n");

    /* Grid and ticks. */
    for (int i = 0; i < ax.nt; i++) {
        double px = PX(ax.ticks[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#e5e5e5\"/>\n", px, T, px, T + H);
        fprintf(f, "<text x=\"%.1f\" y=\"%g\" text-anchor=\"middle\">%g</text>\n", px, T + H + 16, ax.ticks[i]);
    }
    for (int i = 0; i < ay.nt; i++) {
        double py = PY(ay.ticks[i]);
        double v = c->log_y ? pow(10, ay.ticks[i]) : ay.ticks[i];
        int major = !c->log_y || ay.ticks[i] == floor(ay.ticks[i]);
        fprintf(f, "<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" stroke=\"%s\"/>\n", L, py, L + W, py,
                major ? "#e5e5e5" : "#f3f3f3");
        fprintf(f, "<text x=\"%g\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">%.3g</text>\n",
                L - 6, py, v);
    }
    fprintf(f, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"#333\"/>\n", L, T, W, H);
    fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">", L + W / 2, T + H + 40);
    put_text(f, c->xlabel);
    fprintf(f, "</text>\n<text transform=\"translate(18,%g) rotate(-90)\" text-anchor=\"middle\">", T + H / 2);
    put_text(f, c->ylabel);
    /* A log axis says so once: not again when the label already does. */
    int says_log = c->ylabel && strstr(c->ylabel, "log scale");
    fprintf(f, "%s</text>\n", c->log_y && !says_log ? " (log scale)" : "");

    /* Series: one polyline per unbroken run of usable points, clipped to the area; a
     * run of one point (a series of one point, or one between gaps) has no line to
     * draw, so it is a dot. */
    fprintf(f, "<clipPath id=\"area\"><rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\"/></clipPath>\n",
            L, T, W, H);
    for (int k = 0; k < c->n; k++) {
        const series *s = &c->s[k];
        const char *col = palette[k % N_PALETTE];
        for (int i = 0; i < s->n;) {
            if (!usable(c, s->x[i], s->y[i])) {
                i++;
                continue;
            }
            int end = i + 1; /* the run is i .. end-1 */
            while (end < s->n && usable(c, s->x[end], s->y[end])) end++;
            if (end - i == 1) {
                fprintf(f, "<circle clip-path=\"url(#area)\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n",
                        PX(s->x[i]), PY(c->log_y ? log10(s->y[i]) : s->y[i]), col);
            } else {
                fprintf(f, "<polyline clip-path=\"url(#area)\" fill=\"none\" stroke=\"%s\" "
                           "stroke-width=\"1.6\" points=\"", col);
                for (; i < end; i++)
                    fprintf(f, "%.1f,%.1f ", PX(s->x[i]), PY(c->log_y ? log10(s->y[i]) : s->y[i]));
                fprintf(f, "\"/>\n");
            }
            i = end;
        }
        /* Legend entry. */
        double ly = T + 10 + 20 * k;
        fprintf(f, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\" stroke-width=\"3\"/>\n",
                L + W + 15, ly, L + W + 40, ly, col);
        fprintf(f, "<text x=\"%g\" y=\"%g\" dominant-baseline=\"middle\">", L + W + 46, ly);
        put_text(f, s->name);
        fprintf(f, "</text>\n");
    }
#undef PX
#undef PY
    fprintf(f, "</svg>\n");
    int bad = ferror(f);
    if (fclose(f) != 0) bad = 1;
    return bad ? -1 : 0;
}
