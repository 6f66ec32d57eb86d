/* test_tools_fail.c — the checking and teaching tools when something goes wrong:
 *
 *   1. allocation failure at every point of tg_gradcheck, tg_handcheck,
 *      tg_gradcheck_locate, tg_opcheck, tg_jacobian_view, tg_tape_print, tg_tape_dot
 *      and tg_backward_trace: each N-th
 *      allocation fails in turn; each call must report TG_ERR_NOMEM naming itself (or
 *      the op it ran), leak nothing, change no parameter, and succeed once the hook is
 *      off;
 *   2. their reports on a function whose backward fails (an anomaly), that returns
 *      NULL or a value no gradient reaches, whose finite differences step out of the
 *      domain, and on a custom op whose derivative is wrong (the hand check must blame
 *      the tape, not the student).
 */
#include <tg/core.h>
#include "check.h"

/* ---- 1. allocation failure ---- */

typedef struct tools {
    tg_tensor *w, *x;  /* parameters of f */
    FILE *out;         /* /dev/null */
} tools;

/* L = sum(tanh(w * x)^2) with names for the hand check. */
static tg_tensor *f_loss(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    tg_tensor *z = tg_name(tg_mul(t, p[0], p[1]), "z");
    return tg_sum(t, tg_square(t, tg_tanh(t, z)));
}
static tg_tensor *f_jac(tg_tape *t, tg_tensor *x, void *u) { (void)u; return tg_tanh(t, tg_square(t, x)); }

/* dL/dz = 2 tanh(z) (1 - tanh(z)^2), from the forward values (tg_find). */
static void hand_z(const tg_tape *t, const tg_tensor *x, tg_real *g, void *u) {
    (void)t, (void)u;
    for (size_t i = 0; i < x->size; i++) {
        double th = tanh((double)x->data[i]);
        g[i] = (tg_real)(2 * th * (1 - th * th));
    }
}

static tg_status run_gradcheck(tools *c) {
    tg_gradcheck_result r[2];
    bool ok;
    return tg_gradcheck(f_loss, NULL, (tg_tensor *[]){c->w, c->x}, 2, NULL, r, &ok);
}
static tg_status run_handcheck(tools *c) {
    tg_hand h = {"z", NULL, 0, hand_z, NULL};
    tg_handcheck_row rows[1];
    int bad;
    return tg_handcheck(c->out, f_loss, NULL, (tg_tensor *[]){c->w, c->x}, 2, &h, 1, NULL, rows, &bad);
}
static tg_status run_locate(tools *c) {
    tg_locate_result r;
    return tg_gradcheck_locate(c->out, f_loss, NULL, (tg_tensor *[]){c->w, c->x}, 2, NULL, &r);
}
static tg_status run_opcheck(tools *c) {
    (void)c;
    size_t n;
    const tg_op_info *tab = tg_op_table(&n);
    const tg_op *op = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(tab[i].op->name, "tg_mul") == 0) op = tab[i].op;
    tg_opcheck_input in[2] = {{1, {3}, 0, 0}, {1, {3}, 0, 0}}, wrong[2] = {{1, {3}, 0, 0}, {1, {2}, 0, 0}};
    tg_opcheck_report rep;
    return tg_opcheck(c->out, op, in, 2, &(tg_opcheck_opts){.wrong = wrong, .n_wrong = 1}, &rep);
}
static tg_status run_jacobian(tools *c) {
    tg_jacobian j;
    return tg_jacobian_view(c->out, "J", f_jac, NULL, c->x, NULL, &j);
}
/* The printing tools on a fresh tape: tg_tape_new, the ops, then the tool. */
static tg_status run_printer(tools *c, int which) {
    tg_tape *t = tg_tape_new();
    if (!t) return tg_last_status();
    tg_tensor *L = f_loss(t, (tg_tensor *[]){c->w, c->x}, 2, NULL);
    tg_status st = L ? TG_OK : tg_tape_status(t);
    if (st == TG_OK) {
        if (which == 0) st = tg_tape_print(c->out, t, L, NULL);
        else if (which == 1) st = tg_tape_dot(c->out, t, L, NULL);
        else st = tg_backward_trace(c->out, t, L, NULL, NULL);
    }
    tg_tape_free(t);
    return st;
}
static tg_status run_print(tools *c) { return run_printer(c, 0); }
static tg_status run_dot(tools *c) { return run_printer(c, 1); }
static tg_status run_trace(tools *c) { return run_printer(c, 2); }

typedef struct tool {
    const char *name;
    tg_status (*run)(tools *c);
    const char *fns[5]; /* functions an out-of-memory message may start with */
} tool;

static const tool tool_list[] = {
    {"gradcheck", run_gradcheck, {"tg_gradcheck"}},
    {"handcheck", run_handcheck, {"tg_handcheck"}},
    {"gradcheck_locate", run_locate, {"tg_gradcheck_locate"}},
    {"opcheck", run_opcheck, {"tg_opcheck"}},
    {"jacobian_view", run_jacobian, {"tg_jacobian_view"}},
    {"tape_print", run_print, {"tg_tape_print", "tg_tape_new", "tg_mul", "tg_tanh"}},
    {"tape_dot", run_dot, {"tg_tape_dot", "tg_tape_new", "tg_mul", "tg_tanh"}},
    {"backward_trace", run_trace, {"tg_backward_trace", "tg_tape_new", "tg_mul", "tg_tanh", "tg_backward"}},
};

static bool starts_with_one(const char *msg, const char *const *fns) {
    for (int i = 0; i < 5 && fns[i]; i++) {
        size_t n = strlen(fns[i]);
        if (strncmp(msg, fns[i], n) == 0 && msg[n] == ':') return true;
    }
    return false;
}

static void oom_tools(void) {
    tools c;
    tg_rng g;
    tg_rng_seed(&g, 3);
    c.w = tg_param_new("w", 1, (int[]){3});
    c.x = tg_param_new("x", 1, (int[]){3});
    tg_tensor_uniform(c.w, &g, -1, 1);
    tg_tensor_uniform(c.x, &g, -1, 1);
    c.out = fopen("/dev/null", "w");
    for (size_t k = 0; k < sizeof tool_list / sizeof tool_list[0]; k++) {
        const tool *tl = &tool_list[k];
        tg_real w0 = c.w->data[0];
        size_t N;
        int failed = 0;
        for (N = 1; N < 10000; N++) {
            size_t live = tg_alloc_live();
            tg__alloc_fail_after(N);
            tg_status st = tl->run(&c);
            tg__alloc_fail_after(0);
            CHECK(tg_alloc_live() == live, "%s, N=%zu: %zu allocations leaked", tl->name, N,
                  tg_alloc_live() - live);
            CHECK(c.w->data[0] == w0, "%s, N=%zu: parameter changed", tl->name, N);
            if (st == TG_OK) break;
            failed++;
            CHECK(st == TG_ERR_NOMEM && strstr(tg_last_error(), "out of memory") &&
                      starts_with_one(tg_last_error(), tl->fns),
                  "%s, N=%zu: %s \"%s\"", tl->name, N, tg_status_name(st), tg_last_error());
        }
        CHECK(failed > 0 && N < 10000, "%s: %d failures before success at N=%zu", tl->name, failed, N);
        printf("%-15s fails cleanly at each of its %zu allocations\n", tl->name, N - 1);
    }
    fclose(c.out);
    tg_tensor_free(c.w);
    tg_tensor_free(c.x);
}

/* ---- 2. failure reports ---- */

/* sum(sqrt(0 * p)): forward 0, backward g / (2 * 0) = inf, which anomaly detection
 * turns into a failed backward. */
static tg_tensor *f_anomaly(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    tg_tape_set_anomaly_detection(t, true);
    return tg_sum(t, tg_sqrt(t, tg_name(tg_mul_scalar(t, p[0], 0), "z")));
}
static tg_tensor *f_null(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)t, (void)p, (void)n, (void)u;
    return NULL;
}
static tg_tensor *f_const(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)p, (void)n, (void)u;
    return tg_sum(t, tg_tape_full(t, 1, (int[]){2}, 1));
}
/* A custom op y = 3x whose backward adds 2g (wrong on purpose). */
static tg_status triple_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)t;
    *rank = n->in[0]->rank;
    for (int i = 0; i < *rank; i++) shape[i] = n->in[0]->shape[i];
    return TG_OK;
}
static tg_status triple_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < n->out->size; i++) n->out->data[i] = 3 * n->in[0]->data[i];
    return TG_OK;
}
static void triple_bwd_wrong(tg_node *n) {
    if (n->in[0]->grad)
        for (size_t i = 0; i < n->out->size; i++) n->in[0]->grad[i] += 2 * n->out->grad[i];
}
static const tg_op triple_wrong = {"my_triple", 1, 0, triple_infer, triple_fwd, triple_bwd_wrong, NULL};
static tg_tensor *f_wrong(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    tg_tensor *x = p[0];
    return tg_sum(t, tg_apply(t, &triple_wrong, &x, 1, NULL));
}
/* sum(log(p)) with anomaly detection: fine at p = 0.25, a NaN once the finite
 * difference steps to p - 0.5 < 0. */
static tg_tensor *f_log(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    tg_tape_set_anomaly_detection(t, true);
    return tg_sum(t, tg_log(t, p[0]));
}
static tg_tensor *j_anomaly(tg_tape *t, tg_tensor *x, void *u) {
    (void)u;
    tg_tape_set_anomaly_detection(t, true);
    return tg_sqrt(t, tg_mul_scalar(t, x, 0));
}

static void tool_failures(void) {
    tg_tensor *p = tg_param_new("p", 1, (int[]){3});
    tg_tensor_fill(p, (tg_real)0.5);
    FILE *out = fopen("/dev/null", "w");
    tg_gradcheck_result r[1];
    bool ok = true;
    CHECK(tg_gradcheck(f_anomaly, NULL, &p, 1, NULL, r, &ok) == TG_ERR_VALUE && !ok, "gradcheck: anomaly");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_gradcheck: backward failed: tg_sqrt: anomaly in backward");
    CHECK(tg_gradcheck(f_null, NULL, &p, 1, NULL, r, &ok) == TG_ERR_ARG, "gradcheck: NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_gradcheck: the function failed: it returned NULL");
    CHECK(tg_gradcheck(f_wrong, NULL, &p, 1, NULL, r, &ok) == TG_OK && !ok && !r[0].passed,
          "gradcheck finds the wrong derivative");
    CHECK_NEAR(r[0].worst_analytic, 2, 1e-6);
    CHECK_NEAR(r[0].worst_numeric, 3, 1e-2);

    tg_real hz[3] = {0, 0, 0}, h3[3] = {3, 3, 3};
    tg_handcheck_row row[1];
    int bad = 7;
    CHECK(tg_handcheck(out, f_wrong, NULL, &p, 1, NULL, 0, NULL, row, &bad) == TG_ERR_ARG, "no hands");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_handcheck: no hand gradients given");
    CHECK(tg_handcheck(out, f_wrong, NULL, NULL, 1, &(tg_hand){"p", h3, 3, NULL, NULL}, 1, NULL, row, &bad) ==
              TG_ERR_ARG, "params NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_handcheck: params is NULL or n_params < 0");
    CHECK(tg_handcheck(out, f_anomaly, NULL, &p, 1, &(tg_hand){"z", hz, 3, NULL, NULL}, 1, NULL, row, &bad) ==
              TG_ERR_VALUE, "handcheck: anomaly");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_handcheck: backward failed: tg_sqrt: anomaly in backward");
    CHECK(tg_handcheck(out, f_null, NULL, &p, 1, &(tg_hand){"p", h3, 3, NULL, NULL}, 1, NULL, row, &bad) ==
              TG_ERR_ARG, "handcheck: NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_handcheck: the function returned NULL");
    CHECK(tg_handcheck(out, f_const, NULL, &p, 1, &(tg_hand){"p", h3, 3, NULL, NULL}, 1, NULL, row, &bad) ==
              TG_ERR_ARG, "handcheck: no gradient reaches the value");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_handcheck: the function returned a value no gradient reaches");
    /* the student says 3 (right); the tape says 2 (the op is wrong): tape_ok is false */
    CHECK(tg_handcheck(out, f_wrong, NULL, &p, 1, &(tg_hand){"p", h3, 3, NULL, NULL}, 1, NULL, row, &bad) ==
              TG_OK, "handcheck runs: %s", tg_last_error());
    CHECK(!row[0].tape_ok && !row[0].hand_ok && bad == 0, "the tape disagrees with the numbers");

    /* failures in the finite differences only (the first evaluation is fine) */
    tg_tensor_fill(p, (tg_real)0.25);
    tg_gradcheck_opts wide = {.eps = 0.5, .atol = 1e-5, .rtol = 1e-3};
    CHECK(tg_gradcheck(f_log, NULL, &p, 1, &wide, r, &ok) == TG_ERR_VALUE, "gradcheck: step to log(-0.25)");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_gradcheck: the function failed: tg_log: anomaly in forward");
    tg_handcheck_opts hw = tg_handcheck_defaults();
    hw.fd.eps = 0.5;
    tg_real h4[3] = {4, 4, 4};
    /* the hand check replays the forward kernels itself: the NaN shows as a numeric
     * value that disagrees with the tape, not as an error */
    CHECK(tg_handcheck(out, f_log, NULL, &p, 1, &(tg_hand){"p", h4, 3, NULL, NULL}, 1, &hw, row, &bad) ==
              TG_OK && row[0].hand_ok && !row[0].tape_ok && !isfinite(row[0].max_tape_numeric),
          "handcheck: step to log(-0.25): %s", tg_last_error());
    /* the same tensor checked twice: rows tie on their order and keep the given one */
    tg_handcheck_row rows2[2];
    tg_hand two[2] = {{"p", h4, 3, NULL, NULL}, {"p", h4, 3, NULL, NULL}};
    CHECK(tg_handcheck(out, f_log, NULL, &p, 1, two, 2, NULL, rows2, &bad) == TG_OK && bad == -1 &&
              rows2[0].hand_ok && rows2[1].hand_ok, "two rows of p: %s", tg_last_error());
    tg_tensor_fill(p, (tg_real)0.5);

    tg_jacobian j;
    CHECK(tg_jacobian_view(out, "J", j_anomaly, NULL, p, NULL, &j) == TG_ERR_VALUE, "jacobian: anomaly");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_jacobian_view: backward failed: tg_sqrt: anomaly in backward");
    fclose(out);
    tg_tensor_free(p);
}

int main(void) {
    size_t live = tg_alloc_live();
    oom_tools();
    tool_failures();
    CHECK(tg_alloc_live() == live, "%zu allocations live at the end", tg_alloc_live() - live);
    return check_done();
}
