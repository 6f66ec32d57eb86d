/* test_edges.c — every activation, elementwise op, reduction and loss at the edges of
 * the number line (NaN, +-inf, +-0, the smallest subnormals, +-the largest finite
 * value), values and gradients against PyTorch: tests/fixtures/ops/edges.txt, written
 * by hand with tests/fixtures/make_edge_fixtures.py. The float build replays the
 * float32 cases, the double build the float64 ones.
 *
 * Agreement: NaN where PyTorch has NaN and nowhere else (NaN placement included, so a
 * NaN that an op swallows or invents fails), the same infinity, else a relative
 * difference of at most 2e-5 (float) or 1e-12 (double) or an absolute one below
 * the smallest normal number. The sign of a zero is not compared. A gradient written
 * "-" (PyTorch defines none: bce's target) is not compared. Upstream gradients are
 * all ones. */
#include <stdlib.h>
#include "check.h"

enum { MAX_IN = 2, MAX_VALS = 256 };

typedef struct { int rank, shape[TG_MAX_RANK]; size_t n; double v[MAX_VALS]; } ftensor;
typedef struct {
    char op[32], dtype[8];
    double arg;
    int n_in, n_labels, labels[8];
    ftensor in[MAX_IN], out, grad[MAX_IN];
    bool has_grad[MAX_IN];
} fcase;

/* t->n values (hex floats, nan, inf) into t->v. */
static bool read_values(FILE *f, ftensor *t) {
    for (size_t i = 0; i < t->n; i++) {
        char w[64];
        if (fscanf(f, "%63s", w) != 1) return false;
        t->v[i] = strtod(w, NULL);
    }
    return true;
}

static bool read_tensor(FILE *f, ftensor *t) {
    if (fscanf(f, "%d", &t->rank) != 1 || t->rank < 0 || t->rank > TG_MAX_RANK) return false;
    t->n = 1;
    for (int d = 0; d < t->rank; d++) {
        if (fscanf(f, "%d", &t->shape[d]) != 1 || t->shape[d] < 1) return false;
        t->n *= (size_t)t->shape[d];
    }
    return t->n <= MAX_VALS && read_values(f, t);
}

/* The next case; false at the end of the file (or on a malformed one, counted). */
static bool read_case(FILE *f, fcase *c) {
    char w[64], rest[128];
    memset(c, 0, sizeof *c);
    while (fscanf(f, "%63s", w) == 1) {
        if (w[0] == '#') {
            if (!fgets(rest, sizeof rest, f)) return false;
            while (!strchr(rest, '\n') && fgets(rest, sizeof rest, f)) {}
            continue;
        }
        if (strcmp(w, "case") == 0) {
            if (fscanf(f, "%31s %7s", c->op, c->dtype) != 2) break;
            int ch = fgetc(f);
            if (ch == ' ' && fscanf(f, "%63s", w) == 1) c->arg = strtod(w, NULL);
            else ungetc(ch, f);
        } else if (strcmp(w, "in") == 0) {
            if (c->n_in >= MAX_IN || !read_tensor(f, &c->in[c->n_in++])) break;
        } else if (strcmp(w, "labels") == 0) {
            if (fscanf(f, "%d", &c->n_labels) != 1 || c->n_labels > 8) break;
            for (int i = 0; i < c->n_labels; i++)
                if (fscanf(f, "%d", &c->labels[i]) != 1) return false;
        } else if (strcmp(w, "out") == 0) {
            if (!read_tensor(f, &c->out)) break;
        } else if (strcmp(w, "grad") == 0) {
            int k;
            if (fscanf(f, "%d", &k) != 1 || k < 0 || k >= c->n_in) break;
            long pos = ftell(f);
            if (fscanf(f, " %63s", w) == 1 && strcmp(w, "-") == 0) continue;
            fseek(f, pos, SEEK_SET);
            c->grad[k] = c->in[k];
            if (!read_values(f, &c->grad[k])) break;
            c->has_grad[k] = true;
        } else if (strcmp(w, "end") == 0) {
            return true;
        } else {
            break;
        }
    }
    CHECK(feof(f), "malformed fixture near '%s'", w);
    return false;
}

/* The op of case c on the tape's inputs x[]. */
static tg_tensor *run(tg_tape *t, const fcase *c, tg_tensor **x) {
    const char *o = c->op;
    tg_real a = (tg_real)c->arg;
    if (!strcmp(o, "neg")) return tg_neg(t, x[0]);
    if (!strcmp(o, "add_scalar")) return tg_add_scalar(t, x[0], a);
    if (!strcmp(o, "mul_scalar")) return tg_mul_scalar(t, x[0], a);
    if (!strcmp(o, "pow_scalar")) return tg_pow_scalar(t, x[0], a);
    if (!strcmp(o, "square")) return tg_square(t, x[0]);
    if (!strcmp(o, "sqrt")) return tg_sqrt(t, x[0]);
    if (!strcmp(o, "exp")) return tg_exp(t, x[0]);
    if (!strcmp(o, "log")) return tg_log(t, x[0]);
    if (!strcmp(o, "abs")) return tg_abs(t, x[0]);
    if (!strcmp(o, "clamp")) return tg_clamp(t, x[0], -1, 1);
    if (!strcmp(o, "relu")) return tg_relu(t, x[0]);
    if (!strcmp(o, "leaky_relu")) return tg_leaky_relu(t, x[0], a);
    if (!strcmp(o, "sigmoid")) return tg_sigmoid(t, x[0]);
    if (!strcmp(o, "softplus")) return tg_softplus(t, x[0]);
    if (!strcmp(o, "tanh")) return tg_tanh(t, x[0]);
    if (!strcmp(o, "step")) return tg_step(t, x[0]);
    if (!strcmp(o, "sign")) return tg_sign(t, x[0]);
    if (!strcmp(o, "add")) return tg_add(t, x[0], x[1]);
    if (!strcmp(o, "sub")) return tg_sub(t, x[0], x[1]);
    if (!strcmp(o, "mul")) return tg_mul(t, x[0], x[1]);
    if (!strcmp(o, "div")) return tg_div(t, x[0], x[1]);
    if (!strcmp(o, "sum")) return tg_sum(t, x[0]);
    if (!strcmp(o, "mean")) return tg_mean(t, x[0]);
    if (!strcmp(o, "sum_axis")) return tg_sum_axis(t, x[0], 1, false);
    if (!strcmp(o, "mean_axis")) return tg_mean_axis(t, x[0], 1, false);
    if (!strcmp(o, "max_axis")) return tg_max_axis(t, x[0], 1, false);
    if (!strcmp(o, "softmax")) return tg_softmax(t, x[0]);
    if (!strcmp(o, "log_softmax")) return tg_log_softmax(t, x[0]);
    if (!strcmp(o, "mse_loss")) return tg_mse_loss(t, x[0], x[1]);
    if (!strcmp(o, "bce_loss")) return tg_bce_loss(t, x[0], x[1]);
    if (!strcmp(o, "bce_with_logits")) return tg_bce_with_logits(t, x[0], x[1]);
    if (!strcmp(o, "cross_entropy")) return tg_cross_entropy(t, x[0], c->labels);
    CHECK(0, "unknown op %s in the fixture", o);
    return NULL;
}

#if TG_REAL_IS_DOUBLE
#define RTOL 1e-12
#define RTOL_EPS 2.220446049250313e-16
#define TINY 2.2250738585072014e-308
#define DTYPE "f64"
#else
#define RTOL 2e-5
#define RTOL_EPS 1.1920929e-07
#define TINY 1.1754943508222875e-38
#define DTYPE "f32"
#endif

static int mismatches;

/* ours against torch's, as the file's comment says; atol for results that are a
 * cancellation (below). */
static bool agree(double ours, double torch, double atol) {
    if (isnan(torch) || isnan(ours)) return isnan(torch) && isnan(ours);
    if (isinf(torch) || isinf(ours)) return ours == torch;
    double d = fabs(ours - torch);
    return d <= TINY || d <= atol || d <= RTOL * fabs(torch);
}

static void compare(const fcase *c, const char *what, const tg_real *ours, const ftensor *want,
                    const ftensor *in0) {
    /* softmax's gradient under an upstream of ones is y (1 - sum(y)) = 0 exactly in
     * real numbers: both libraries return rounding noise of a few ulps of 1. */
    double atol = strcmp(c->op, "softmax") == 0 && what[0] == 'g' ? 16 * RTOL_EPS : 0;
    for (size_t i = 0; i < want->n; i++) {
        double o = ours ? (double)ours[i] : 0;
        if (agree(o, want->v[i], atol)) {
            check_passed++;
            continue;
        }
        check_failed++;
        if (++mismatches <= 60)
            printf("FAIL %s(%g) %s[%zu] at input %.17g: ours %.17g, torch %.17g\n", c->op, c->arg,
                   what, i, in0->n == want->n ? in0->v[i] : NAN, o, want->v[i]);
    }
}

static void run_case(const fcase *c) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x[MAX_IN] = {0};
    for (int k = 0; k < c->n_in; k++) {
        tg_real vals[MAX_VALS];
        for (size_t i = 0; i < c->in[k].n; i++) vals[i] = (tg_real)c->in[k].v[i];
        x[k] = tg_tape_tensor(t, c->in[k].rank, c->in[k].shape, vals, TG_REQUIRES_GRAD);
    }
    tg_tensor *y = run(t, c, x);
    CHECK(y != NULL && y->size == c->out.n, "%s(%g): %s", c->op, c->arg, tg_tape_message(t));
    if (!y || y->size != c->out.n) {
        tg_tape_free(t);
        return;
    }
    compare(c, "value", y->data, &c->out, &c->in[0]);
    tg_tensor *seed = y->size == 1 ? NULL : tg_tape_full(t, y->rank, y->shape, 1);
    CHECK(tg_backward(t, y, seed) == TG_OK, "%s: backward: %s", c->op, tg_tape_message(t));
    for (int k = 0; k < c->n_in; k++)
        if (c->has_grad[k]) compare(c, k ? "grad 1" : "grad 0", x[k]->grad, &c->grad[k], &c->in[0]);
    tg_tape_free(t);
}

int main(void) {
    char path[512];
    snprintf(path, sizeof path, "%s/tests/fixtures/ops/edges.txt", TG_SOURCE_ROOT);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return check_done();
    fcase *c = malloc(sizeof *c);
    int cases = 0;
    while (c && read_case(f, c))
        if (strcmp(c->dtype, DTYPE) == 0) {
            run_case(c);
            cases++;
        }
    fclose(f);
    free(c);
    CHECK(cases >= 120, "only %d " DTYPE " cases in %s", cases, path);
    printf("%d " DTYPE " cases, %d values and gradients differ from PyTorch\n", cases, mismatches);
    return check_done();
}
