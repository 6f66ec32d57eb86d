/* test_clip_sched.c — gradient clipping and learning-rate schedules against PyTorch
 * (tests/fixtures/optim/clip.txt and sched.txt, written by
 * tests/fixtures/make_optim_fixtures.py), plus every error path with its message.
 *
 * Clipping compares gradients and the returned norm to 1e-10 relative (double build)
 * or 1e-5 (float). Schedules compute the lr in double in both builds, so they are held
 * to 1e-12 relative against PyTorch's chainable step() sequence in both. (The
 * trajectories of optimizers driven by schedules, also in sched.txt, are replayed by
 * test_optim_torch.c.)
 */
#include <stdlib.h>
#include "check.h"

#ifndef TG_SOURCE_ROOT
#define TG_SOURCE_ROOT "."
#endif

#if TG_REAL_IS_DOUBLE
#define TOL 1e-10
#else
#define TOL 1e-5
#endif
#define SCHED_TOL 1e-12
static const double PI = 3.14159265358979323846;

static double worst_clip, worst_sched;

static double relerr(double c, double t) {
    if (c == t) return 0; /* also inf == inf */
    return fabs(c - t) / fmax(fabs(t), 1e-300);
}

static FILE *open_fixture(const char *file) {
    char path[512];
    snprintf(path, sizeof path, "%s/tests/fixtures/optim/%s", TG_SOURCE_ROOT, file);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    return f;
}

/* Reads n doubles after the first word of line. */
static int read_values(const char *line, double *v, int max) {
    const char *s = strchr(line, ' ');
    int n = 0;
    while (s && n < max) {
        char *e;
        double x = strtod(s, &e);
        if (e == s) break;
        v[n++] = x;
        s = e;
    }
    return n;
}

/* ---- clipping ---- */

static void test_clip_fixture(void) {
    FILE *f = open_fixture("clip.txt");
    if (!f) return;
    char line[4096], name[64] = "", mode[16] = "", nt_s[32] = "";
    double m = 0, before[64], after[64], total;
    int sizes[8], nsizes = 0, cases = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "clip ", 5) == 0) {
            sscanf(line + 5, "%63s %15s %lf %31s", name, mode, &m, nt_s);
        } else if (strncmp(line, "sizes ", 6) == 0) {
            double v[9];
            int n = read_values(line, v, 9);
            nsizes = (int)v[0];
            CHECK(n == nsizes + 1, "%s: sizes line", name);
            for (int i = 0; i < nsizes; i++) sizes[i] = (int)v[i + 1];
        } else if (strncmp(line, "before ", 7) == 0) {
            read_values(line, before, 64);
        } else if (strncmp(line, "after ", 6) == 0) {
            read_values(line, after, 64);
        } else if (strncmp(line, "total ", 6) == 0) {
            total = strtod(line + 6, NULL);
            /* Build the parameters with the 'before' gradients and clip. */
            tg_params ps = {0};
            int k = 0;
            for (int i = 0; i < nsizes; i++) {
                char pn[16];
                snprintf(pn, sizeof pn, "p%d", i);
                tg_tensor *p = tg_param_new(pn, 1, &sizes[i]);
                for (int j = 0; j < sizes[i]; j++) p->grad[j] = (tg_real)before[k++];
                tg_params_add(&ps, p);
            }
            double nt = strcmp(nt_s, "inf") == 0 ? INFINITY : strtod(nt_s, NULL);
            double got = NAN;
            tg_status st = strcmp(mode, "norm") == 0 ? tg_clip_grad_norm(&ps, m, nt, &got)
                                                     : tg_clip_grad_value(&ps, m);
            CHECK(st == TG_OK, "%s: %s", name, tg_last_error());
            double w = 0;
            if (strcmp(mode, "norm") == 0) w = relerr(got, total);
            k = 0;
            for (int i = 0; i < ps.n; i++)
                for (size_t j = 0; j < ps.items[i]->size; j++, k++) {
                    double e = fabs((double)ps.items[i]->grad[j] - after[k]) / fmax(fabs(after[k]), 1e-3);
                    w = fmax(w, e);
                }
            CHECK(w <= TOL, "%s: worst relative difference %.3g (total %.17g vs %.17g)", name, w, got, total);
            worst_clip = fmax(worst_clip, w);
            for (int i = 0; i < ps.n; i++) tg_tensor_free(ps.items[i]);
            tg_params_free(&ps);
            cases++;
        }
    }
    fclose(f);
    CHECK(cases == 8, "clip cases read: %d", cases);
}

static void test_clip_errors(void) {
    tg_tensor *a = tg_param_new("a", 1, (int[]){3});
    tg_tensor *b = tg_param_new("b", 1, (int[]){2});
    tg_params ps = {0};
    tg_params_add(&ps, a);
    tg_params_add(&ps, b);
    double total = 0;

    CHECK(tg_clip_grad_norm(NULL, 1, 2, &total) == TG_ERR_ARG, "NULL ps");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_clip_grad_norm: ps is NULL");
    CHECK(tg_clip_grad_norm(&ps, -1, 2, &total) == TG_ERR_VALUE, "negative max_norm");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_clip_grad_norm: max_norm must be >= 0, got -1");
    CHECK(tg_clip_grad_norm(&ps, NAN, 2, NULL) == TG_ERR_VALUE, "NaN max_norm");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_clip_grad_norm: max_norm must be >= 0, got nan");
    CHECK(tg_clip_grad_norm(&ps, 1, 0, NULL) == TG_ERR_VALUE, "norm_type 0");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_clip_grad_norm: norm_type must be > 0 (or INFINITY), got 0");
    CHECK(tg_clip_grad_value(NULL, 1) == TG_ERR_ARG, "NULL ps");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_clip_grad_value: ps is NULL");
    CHECK(tg_clip_grad_value(&ps, -0.5) == TG_ERR_VALUE, "negative clip");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_clip_grad_value: clip must be >= 0, got -0.5");

    /* A non-finite gradient: error, gradients untouched, the norm still reported. */
    a->grad[0] = 3;
    a->grad[1] = 4;
    b->grad[1] = (tg_real)INFINITY;
    CHECK(tg_clip_grad_norm(&ps, 1, 2, &total) == TG_ERR_VALUE, "inf gradient");
    CHECK_ERR(NULL, TG_ERR_VALUE,
              "tg_clip_grad_norm: the total gradient norm is not finite (inf); gradients left unchanged");
    CHECK(isinf(total) && a->grad[0] == 3 && a->grad[1] == 4, "untouched, total %g", total);
    b->grad[1] = (tg_real)NAN;
    CHECK(tg_clip_grad_norm(&ps, 1, INFINITY, &total) == TG_ERR_VALUE && isnan(total), "nan, inf-norm");
    CHECK(a->grad[0] == 3, "untouched");

    /* Hand-computed: ||(3,4,0,0,0)|| = 5, max_norm 1 -> coef 1/(5 + 1e-6). */
    b->grad[1] = 0;
    CHECK(tg_clip_grad_norm(&ps, 1, 2, &total) == TG_OK, "clip");
    CHECK_NEAR(total, 5, 1e-6);
    CHECK_NEAR(a->grad[0], 3 / (5 + 1e-6), 1e-6);
    CHECK_NEAR(a->grad[1], 4 / (5 + 1e-6), 1e-6);
    /* An empty list: total 0, nothing to do. */
    tg_params empty = {0};
    CHECK(tg_clip_grad_norm(&empty, 1, 2, &total) == TG_OK && total == 0, "empty list");

    tg_params_free(&ps);
    tg_tensor_free(a);
    tg_tensor_free(b);
}

/* ---- schedules ---- */

typedef struct {
    char kind[32];
    double step_size, gamma, T_max, eta_min, start_factor, end_factor, total_iters, milestone;
} sched_spec;

static void parse_spec(const char *s, sched_spec *sp) {
    char tok[64];
    int off;
    while (sscanf(s, "%63s%n", tok, &off) == 1) {
        s += off;
        char *eq = strchr(tok, '=');
        if (!eq) continue;
        *eq = '\0';
        double v = strtod(eq + 1, NULL);
        if (!strcmp(tok, "step_size")) sp->step_size = v;
        else if (!strcmp(tok, "gamma")) sp->gamma = v;
        else if (!strcmp(tok, "T_max")) sp->T_max = v;
        else if (!strcmp(tok, "eta_min")) sp->eta_min = v;
        else if (!strcmp(tok, "start_factor")) sp->start_factor = v;
        else if (!strcmp(tok, "end_factor")) sp->end_factor = v;
        else if (!strcmp(tok, "total_iters")) sp->total_iters = v;
        else if (!strcmp(tok, "milestone")) sp->milestone = v;
    }
}

static tg_sched *make_sched(const sched_spec *s, tg_optim *opt) {
    if (!strcmp(s->kind, "step")) return tg_sched_step_decay_new(opt, (int)s->step_size, s->gamma);
    if (!strcmp(s->kind, "exponential")) return tg_sched_exponential_new(opt, s->gamma);
    if (!strcmp(s->kind, "cosine")) return tg_sched_cosine_new(opt, (int)s->T_max, s->eta_min);
    if (!strcmp(s->kind, "linear"))
        return tg_sched_linear_new(opt, s->start_factor, s->end_factor, (int)s->total_iters);
    if (!strcmp(s->kind, "warmup_cosine")) {
        int m = (int)s->milestone;
        tg_sched *parts[2] = {tg_sched_linear_new(opt, s->start_factor, 1.0, m),
                              tg_sched_cosine_new(opt, (int)s->T_max, s->eta_min)};
        return tg_sched_sequential_new(opt, parts, 2, &m);
    }
    return NULL;
}

static void test_sched_fixture(void) {
    FILE *f = open_fixture("sched.txt");
    if (!f) return;
    char line[8192], name[64] = "";
    sched_spec sp;
    int cases = 0;
    tg_tensor *w = tg_param_new("w", 1, (int[]){1});
    tg_params ps = {0};
    tg_params_add(&ps, w);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "lrs ", 4) == 0) {
            int off = 0;
            memset(&sp, 0, sizeof sp);
            sscanf(line + 4, "%63s %31s%n", name, sp.kind, &off);
            parse_spec(line + 4 + off, &sp);
        } else if (strncmp(line, "values ", 7) == 0) {
            double v[64];
            int n = read_values(line, v, 64);
            CHECK(n >= 2 && n == (int)v[0] + 1, "%s: values line", name);
            /* Every schedule with every optimizer kind: the lr is the optimizer's. */
            tg_sgd_opts so = {.lr = 0.1};
            tg_adam_opts ao = tg_adam_defaults();
            ao.lr = 0.1;
            tg_optim *opts[2] = {tg_sgd_new(&ps, &so), tg_adamw_new(&ps, &ao)};
            for (int o = 0; o < 2; o++) {
                tg_sched *s = make_sched(&sp, opts[o]);
                CHECK(s != NULL, "%s: %s", name, tg_last_error());
                if (!s) continue;
                double w8 = 0;
                for (int e = 0; e < n - 1; e++) {
                    if (e > 0) CHECK(tg_sched_step(s) == TG_OK, "%s: step", name);
                    double lr = tg_optim_get_lr(opts[o]);
                    w8 = fmax(w8, relerr(lr, v[e + 1]));
                    CHECK(tg_sched_epoch(s) == e, "%s: epoch %d", name, tg_sched_epoch(s));
                    CHECK(tg_sched_lr_at(s, e) == lr, "%s: lr_at(%d)", name, e);
                }
                CHECK(w8 <= SCHED_TOL, "%s/%s: worst relative difference %.3g", name,
                      tg_optim_name(opts[o]), w8);
                worst_sched = fmax(worst_sched, w8);
                /* Resuming at an epoch gives the same lr as stepping there. */
                CHECK(tg_sched_set_epoch(s, 7) == TG_OK, "%s: set_epoch", name);
                CHECK(relerr(tg_optim_get_lr(opts[o]), v[8]) <= SCHED_TOL, "%s: resume at 7", name);
                tg_sched_free(s);
            }
            tg_optim_free(opts[0]);
            tg_optim_free(opts[1]);
            cases++;
        }
    }
    fclose(f);
    CHECK(cases == 7, "schedule cases read: %d", cases);
    tg_params_free(&ps);
    tg_tensor_free(w);
}

static void test_sched_errors(void) {
    tg_tensor *w = tg_param_new("w", 1, (int[]){2});
    tg_params ps = {0};
    tg_params_add(&ps, w);
    tg_optim *o = tg_sgd_new(&ps, NULL), *o2 = tg_sgd_new(&ps, NULL);

    CHECK(!tg_sched_step_decay_new(NULL, 3, 0.5), "NULL opt");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_sched_step_decay_new: opt is NULL");
    CHECK(!tg_sched_step_decay_new(o, 0, 0.5), "step_size 0");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_sched_step_decay_new: step_size must be >= 1, got 0");
    CHECK(!tg_sched_step_decay_new(o, 2, -0.5), "gamma < 0");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_sched_step_decay_new: gamma must be finite and > 0, got -0.5");
    CHECK(!tg_sched_exponential_new(o, NAN), "gamma nan");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_sched_exponential_new: gamma must be finite and > 0, got nan");
    CHECK(!tg_sched_cosine_new(o, 0, 0), "T_max 0");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_sched_cosine_new: T_max must be >= 1, got 0");
    CHECK(!tg_sched_cosine_new(o, 10, -1e-3), "eta_min < 0");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_sched_cosine_new: eta_min must be finite and >= 0, got -0.001");
    CHECK(!tg_sched_linear_new(o, 1.5, 1, 5), "start > 1");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_sched_linear_new: start_factor must be in [0, 1], got 1.5");
    CHECK(!tg_sched_linear_new(o, 0.5, -1, 5), "end < 0");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_sched_linear_new: end_factor must be in [0, 1], got -1");
    CHECK(!tg_sched_linear_new(o, 0.5, 1, 0), "total_iters 0");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_sched_linear_new: total_iters must be >= 1, got 0");
    CHECK(tg_optim_get_lr(o) == 0.01, "failed constructors leave the lr alone");

    CHECK(tg_sched_step(NULL) == TG_ERR_ARG, "step NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_sched_step: s is NULL");
    tg_sched *s = tg_sched_exponential_new(o, 0.5);
    CHECK(tg_sched_set_epoch(s, -2) == TG_ERR_VALUE, "negative epoch");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_sched_set_epoch: epoch must be in [0, INT_MAX], got -2");
    CHECK(tg_sched_epoch(s) == 0 && tg_sched_epoch(NULL) == -1, "epoch");
    CHECK(isnan(tg_sched_lr_at(s, -1)) && isnan(tg_sched_lr_at(NULL, 0)), "lr_at bad");
    tg_sched_free(s);

    /* Sequential: takes ownership of its parts even when it fails (ASan checks leaks). */
    tg_sched *p[2] = {tg_sched_linear_new(o, 0.5, 1, 2), tg_sched_cosine_new(o2, 5, 0)};
    CHECK(!tg_sched_sequential_new(o, p, 2, (int[]){2}), "parts of two optimizers");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_sched_sequential_new: schedule 1 is bound to another optimizer");
    p[0] = tg_sched_linear_new(o, 0.5, 1, 2);
    p[1] = tg_sched_cosine_new(o, 5, 0);
    CHECK(!tg_sched_sequential_new(o, p, 2, (int[]){0}), "milestone 0");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_sched_sequential_new: milestones must be >= 1 and increasing, got 0 at 0");
    tg_sched *q[3] = {tg_sched_linear_new(o, 0.5, 1, 2), NULL, tg_sched_cosine_new(o, 5, 0)};
    q[1] = q[0];
    CHECK(!tg_sched_sequential_new(o, q, 3, (int[]){2, 4}), "same part twice");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_sched_sequential_new: schedules 0 and 1 are the same");
    q[0] = tg_sched_linear_new(o, 0.5, 1, 2);
    q[1] = NULL;
    q[2] = tg_sched_cosine_new(o, 5, 0);
    CHECK(!tg_sched_sequential_new(o, q, 3, (int[]){2, 4}), "NULL part");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_sched_sequential_new: schedule 1 is NULL");
    q[0] = tg_sched_linear_new(o, 0.5, 1, 2);
    q[1] = tg_sched_exponential_new(o, 0.9);
    q[2] = tg_sched_cosine_new(o, 5, 0);
    CHECK(!tg_sched_sequential_new(o, q, 3, (int[]){4, 4}), "equal milestones");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_sched_sequential_new: milestones must be >= 1 and increasing, got 4 at 1");
    CHECK(!tg_sched_sequential_new(o, q, 0, NULL), "n 0");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_sched_sequential_new: n must be >= 1, got 0");

    /* Three parts, by hand: base 0.01; linear 0.5 -> 1 over 2 epochs, then x0.9 per
     * epoch, then cosine to 0 over 5 epochs. */
    tg_optim_set_lr(o, 0.01);
    q[0] = tg_sched_linear_new(o, 0.5, 1, 2);
    q[1] = tg_sched_exponential_new(o, 0.9);
    q[2] = tg_sched_cosine_new(o, 5, 0);
    tg_sched *seq = tg_sched_sequential_new(o, q, 3, (int[]){2, 4});
    CHECK(seq != NULL, "sequential: %s", tg_last_error());
    const double want[8] = {0.005, 0.0075, 0.01, 0.009, 0.01, 0.01 * (1 + cos(PI / 5)) / 2,
                            0.01 * (1 + cos(2 * PI / 5)) / 2, 0.01 * (1 + cos(3 * PI / 5)) / 2};
    for (int e = 0; e < 8; e++) {
        if (e) tg_sched_step(seq);
        CHECK_NEAR(tg_optim_get_lr(o), want[e], 1e-15);
    }
    tg_sched_free(seq);

    tg_optim_free(o);
    tg_optim_free(o2);
    tg_params_free(&ps);
    tg_tensor_free(w);
}

int main(void) {
    test_clip_fixture();
    test_clip_errors();
    test_sched_fixture();
    test_sched_errors();
    printf("worst relative difference against PyTorch: clipping %.3g, schedules %.3g\n",
           worst_clip, worst_sched);
    return check_done();
}
