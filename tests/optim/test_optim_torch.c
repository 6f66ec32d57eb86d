/* test_optim_torch.c — every optimizer against PyTorch's own trajectories.
 *
 * tests/fixtures/optim/{sgd,adagrad,rmsprop,adam,adamw}.txt hold, for several option
 * sets, the parameters after each of 25 steps of torch.optim on Rosenbrock in 2-D and
 * on a least-squares fit; sched.txt adds optimizers driven by a schedule. They were
 * written by tests/fixtures/make_optim_fixtures.py (run by hand with python3-torch;
 * no Python at test time). This program rebuilds each optimizer from the options in
 * the file, computes the same gradients by hand (no tape: the optimizer is what is
 * under test), steps freely (never re-synchronised to the fixture) and compares every
 * parameter after every step:
 *     err = |ours - torch| / max(|torch|, 0.1)   (relative; absolute 0.1 tol near zero)
 * must stay below 1e-10 in the double build and 1e-5 in the float build. The worst
 * error per optimizer is printed.
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
#define FLOOR 0.1

/* ---- the two problems, gradients by hand (in double) ---- */

/* f(x, y) = (1 - x)^2 + 100 (y - x^2)^2
 * df/dx = -2 (1 - x) - 400 x (y - x^2),  df/dy = 200 (y - x^2) */
static void grad_rosenbrock(tg_params *ps) {
    tg_tensor *p = ps->items[0];
    double x = (double)p->data[0], y = (double)p->data[1];
    p->grad[0] = (tg_real)(-2 * (1 - x) - 400 * x * (y - x * x));
    p->grad[1] = (tg_real)(200 * (y - x * x));
}

/* L(w, c) = mean((A w + c - b)^2) over 6 rows; r = A w + c - b (6),
 * dL/dw = A^T (2 r / 6) (3), dL/dc = sum(2 r / 6). Same A, b as the script. */
static const double A[6][3] = {{1.0, 2.0, -1.0}, {0.5, -1.5, 2.0}, {-2.0, 0.25, 1.0},
                               {1.5, 1.0, 0.5},  {0.0, -0.75, -1.25}, {2.5, 0.5, -0.5}};
static const double B[6] = {1.0, -2.0, 0.5, 3.0, -1.0, 2.0};

static void grad_lsq(tg_params *ps) {
    tg_tensor *w = ps->items[0], *c = ps->items[1];
    double gw[3] = {0, 0, 0}, gc = 0;
    for (int i = 0; i < 6; i++) {
        double r = (double)c->data[0] - B[i];
        for (int k = 0; k < 3; k++) r += A[i][k] * (double)w->data[k];
        double dr = 2 * r / 6;
        for (int k = 0; k < 3; k++) gw[k] += A[i][k] * dr;
        gc += dr;
    }
    for (int k = 0; k < 3; k++) w->grad[k] = (tg_real)gw[k];
    c->grad[0] = (tg_real)gc;
}

/* ---- "key=value" options of a fixture line ---- */

typedef struct {
    char kind[32];
    int n;
    char key[12][32];
    double val[12];
} kv_line;

static void parse_kv(const char *rest, kv_line *o) {
    memset(o, 0, sizeof *o);
    int off = 0;
    if (sscanf(rest, "%31s%n", o->kind, &off) != 1) return;
    rest += off;
    char tok[96];
    while (o->n < 12 && sscanf(rest, "%95s%n", tok, &off) == 1) {
        rest += off;
        char *eq = strchr(tok, '=');
        if (!eq) continue;
        *eq = '\0';
        snprintf(o->key[o->n], sizeof o->key[0], "%.31s", tok);
        o->val[o->n++] = strtod(eq + 1, NULL);
    }
}

static double get(const kv_line *o, const char *key) {
    for (int i = 0; i < o->n; i++)
        if (strcmp(o->key[i], key) == 0) return o->val[i];
    CHECK(0, "fixture option '%s' missing for %s", key, o->kind);
    return NAN;
}

static tg_optim *make_optim(const kv_line *o, tg_params *ps) {
    if (strcmp(o->kind, "sgd") == 0) {
        tg_sgd_opts s = {get(o, "lr"), get(o, "momentum"), get(o, "dampening"),
                         get(o, "weight_decay"), get(o, "nesterov") != 0};
        return tg_sgd_new(ps, &s);
    }
    if (strcmp(o->kind, "adagrad") == 0) {
        tg_adagrad_opts s = {get(o, "lr"), get(o, "lr_decay"), get(o, "weight_decay"),
                             get(o, "initial_accumulator_value"), get(o, "eps")};
        return tg_adagrad_new(ps, &s);
    }
    if (strcmp(o->kind, "rmsprop") == 0) {
        tg_rmsprop_opts s = {get(o, "lr"), get(o, "alpha"), get(o, "eps"), get(o, "weight_decay"),
                             get(o, "momentum"), get(o, "centered") != 0};
        return tg_rmsprop_new(ps, &s);
    }
    if (strcmp(o->kind, "adam") == 0 || strcmp(o->kind, "adamw") == 0) {
        tg_adam_opts s = {get(o, "lr"), get(o, "beta1"), get(o, "beta2"), get(o, "eps"),
                          get(o, "weight_decay"), get(o, "amsgrad") != 0};
        return o->kind[4] == 'w' ? tg_adamw_new(ps, &s) : tg_adam_new(ps, &s);
    }
    CHECK(0, "unknown optimizer '%s'", o->kind);
    return NULL;
}

static tg_sched *make_sched(const kv_line *s, tg_optim *opt) {
    if (strcmp(s->kind, "step") == 0)
        return tg_sched_step_decay_new(opt, (int)get(s, "step_size"), get(s, "gamma"));
    if (strcmp(s->kind, "exponential") == 0) return tg_sched_exponential_new(opt, get(s, "gamma"));
    if (strcmp(s->kind, "cosine") == 0)
        return tg_sched_cosine_new(opt, (int)get(s, "T_max"), get(s, "eta_min"));
    if (strcmp(s->kind, "linear") == 0)
        return tg_sched_linear_new(opt, get(s, "start_factor"), get(s, "end_factor"),
                               (int)get(s, "total_iters"));
    if (strcmp(s->kind, "warmup_cosine") == 0) {
        int m = (int)get(s, "milestone");
        tg_sched *parts[2] = {tg_sched_linear_new(opt, get(s, "start_factor"), 1.0, m),
                              tg_sched_cosine_new(opt, (int)get(s, "T_max"), get(s, "eta_min"))};
        return tg_sched_sequential_new(opt, parts, 2, &m);
    }
    CHECK(0, "unknown schedule '%s'", s->kind);
    return NULL;
}

/* ---- replay ---- */

typedef struct {
    const char *label;
    double worst, worst_rosen, worst_lsq;
    char worst_case[80];
    int cases, values;
} summary;

static void replay_file(const char *file, summary *sum) {
    char path[512];
    snprintf(path, sizeof path, "%s/tests/fixtures/optim/%s", TG_SOURCE_ROOT, file);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return;
    static char line[8192];
    char name[80] = "", problem[32] = "";
    kv_line oo, so;
    bool has_sched = false;
    tg_params ps = {0};
    tg_optim *opt = NULL;
    tg_sched *sch = NULL;
    double case_worst = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        if (strncmp(line, "case ", 5) == 0) {
            sscanf(line + 5, "%79s", name);
            has_sched = false;
            case_worst = 0;
        } else if (strncmp(line, "optim ", 6) == 0) {
            parse_kv(line + 6, &oo);
        } else if (strncmp(line, "sched ", 6) == 0) {
            parse_kv(line + 6, &so);
            has_sched = true;
        } else if (strncmp(line, "problem ", 8) == 0) {
            sscanf(line + 8, "%31s", problem);
        } else if (strncmp(line, "param ", 6) == 0) {
            char pname[48];
            int n = 0, off = 0;
            sscanf(line + 6, "%47s %d%n", pname, &n, &off);
            tg_tensor *p = tg_param_new(pname, 1, (int[]){n});
            const char *s = line + 6 + off;
            for (int i = 0; i < n; i++) p->data[i] = (tg_real)strtod(s, (char **)&s);
            CHECK(tg_params_add(&ps, p) == TG_OK, "%s: add %s", name, pname);
        } else if (strncmp(line, "step ", 5) == 0) {
            if (!opt) {
                opt = make_optim(&oo, &ps);
                CHECK(opt != NULL, "%s: make optimizer: %s", name, tg_last_error());
                if (opt && has_sched) {
                    sch = make_sched(&so, opt);
                    CHECK(sch != NULL, "%s: make schedule: %s", name, tg_last_error());
                }
                if (!opt) break;
            }
            char *s = line + 5;
            long k = strtol(s, &s, 10);
            tg_optim_zero_grad(opt);
            if (strcmp(problem, "rosenbrock") == 0) grad_rosenbrock(&ps);
            else grad_lsq(&ps);
            CHECK(tg_optim_step(opt) == TG_OK, "%s step %ld: %s", name, k, tg_last_error());
            if (sch) tg_sched_step(sch);
            for (int i = 0; i < ps.n; i++)
                for (size_t j = 0; j < ps.items[i]->size; j++) {
                    double t = strtod(s, &s), c = (double)ps.items[i]->data[j];
                    double e = fabs(c - t) / fmax(fabs(t), FLOOR);
                    if (!(e <= TOL))
                        CHECK(0, "%s step %ld %s[%zu]: %.17g, torch %.17g (err %.3g)", name, k,
                              ps.items[i]->name, j, c, t, e);
                    if (!(e <= case_worst)) case_worst = e;
                    sum->values++;
                }
        } else if (strncmp(line, "end", 3) == 0) {
            CHECK(opt != NULL, "%s: no steps", name);
            if (!(case_worst <= sum->worst)) {
                sum->worst = case_worst;
                snprintf(sum->worst_case, sizeof sum->worst_case, "%s", name);
            }
            double *wp = strcmp(problem, "rosenbrock") == 0 ? &sum->worst_rosen : &sum->worst_lsq;
            *wp = fmax(*wp, case_worst);
            sum->cases++;
            check_passed++;
            tg_sched_free(sch);
            tg_optim_free(opt);
            for (int i = 0; i < ps.n; i++) tg_tensor_free(ps.items[i]);
            tg_params_free(&ps);
            sch = NULL;
            opt = NULL;
        }
    }
    fclose(f);
    CHECK(opt == NULL, "%s: truncated fixture %s", name, file);
}

int main(void) {
    static const char *files[] = {"sgd.txt", "adagrad.txt", "rmsprop.txt", "adam.txt", "adamw.txt",
                                  "sched.txt"};
    printf("worst error against PyTorch (%s build, tolerance %g):\n", TG_REAL_NAME, TOL);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        summary s = {files[i], 0, 0, 0, "", 0, 0};
        replay_file(files[i], &s);
        printf("  %-12s %2d cases %5d values  worst %.3g (%s); rosenbrock %.3g, lsq %.3g\n", files[i],
               s.cases, s.values, s.worst, s.worst_case, s.worst_rosen, s.worst_lsq);
    }
    return check_done();
}
