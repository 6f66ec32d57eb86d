/* check.h — the tiny test harness shared by tests/ (header-only, test code only).
 *
 *   CHECK(cond, "fmt", ...)      counts a pass or prints a failure with file:line
 *   CHECK_NEAR(a, b, tol)        |a - b| <= tol
 *   CHECK_ERR(tape_or_NULL, status, "substring")  the last error has that code and text
 *   check_op_grad(...)           gradient check of sum(r * op(inputs)) with fixed r
 *   return check_done();         prints "N passed, N failed" and returns the exit code
 */
#ifndef TG_TEST_CHECK_H
#define TG_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <tapegrad.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (cond) {                                                           \
            check_passed++;                                                   \
        } else {                                                              \
            check_failed++;                                                   \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                       \
            printf(__VA_ARGS__);                                              \
            printf("\n");                                                     \
        }                                                                     \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                 \
    do {                                                                      \
        double check_a_ = (double)(a), check_b_ = (double)(b);                \
        CHECK(fabs(check_a_ - check_b_) <= (tol), "%s = %.17g, expected %.17g (tol %g)", \
              #a, check_a_, check_b_, (double)(tol));                         \
    } while (0)

/* The last error (on tape t if given, else the thread's) has code s and contains
 * the substring sub. */
#define CHECK_ERR(t, s, sub)                                                  \
    do {                                                                      \
        tg_status check_s_ = (t) ? tg_tape_status(t) : tg_last_status();      \
        const char *check_m_ = (t) ? tg_tape_message(t) : tg_last_error();    \
        CHECK(check_s_ == (s) && strstr(check_m_, (sub)) != NULL,             \
              "expected %s containing \"%s\", got %s \"%s\"", tg_status_name(s), (sub), \
              tg_status_name(check_s_), check_m_);                            \
    } while (0)

static inline int check_done(void) {
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

/* ---- gradient checks of one op ---- */

/* Builds the op's output from its inputs; user carries extra arguments. */
typedef tg_tensor *(*check_build_fn)(tg_tape *t, tg_tensor *const *in, void *user);

typedef struct {
    check_build_fn build;
    void *user;
} check_op_ctx;

/* L = sum(r * y) with r a fixed pseudo-random tensor of y's shape (same every call,
 * entries in [0.5, 1.5] with random signs), so every output element matters. */
static tg_tensor *check_op_loss(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n;
    check_op_ctx *c = user;
    tg_tensor *y = c->build(t, p, c->user);
    if (!y) return NULL;
    tg_tensor *r = tg_tape_tensor(t, y->rank, y->shape, NULL, 0);
    if (!r) return NULL;
    tg_rng g;
    tg_rng_seed(&g, 12345);
    for (size_t i = 0; i < r->size; i++) {
        double v = 0.5 + tg_rng_uniform(&g);
        r->data[i] = (tg_real)(tg_rng_u64(&g) & 1 ? v : -v);
    }
    return tg_sum(t, tg_mul(t, y, r));
}

/* Gradient-checks build(inputs) with the build's default tolerances (tight in double,
 * loose in float); prints the report line of an input that does not pass (or, with
 * allow_inconclusive, that FAILED). Returns whether all passed. */
static inline bool check_op_grad_verdict(const char *label, check_build_fn build, void *user,
                                         tg_tensor *const *in, int n,
                                         const tg_gradcheck_opts *opts, bool allow_inconclusive) {
    check_op_ctx c = {build, user};
    tg_gradcheck_result res[8];
    bool ok = false;
    tg_status st = tg_gradcheck(check_op_loss, &c, in, n, opts, res, &ok);
    CHECK(st == TG_OK, "%s: gradcheck did not run: %s", label, tg_last_error());
    if (st != TG_OK) return false;
    for (int k = 0; k < n && k < 8; k++) {
        bool fine = res[k].passed || (allow_inconclusive && res[k].verdict == TG_CHECK_INCONCLUSIVE);
        CHECK(fine, "%s: input %d: %s", label, k, tg_verdict_name(res[k].verdict));
        if (!fine) tg_gradcheck_print(stdout, &res[k], 1);
    }
    return ok;
}

/* The same, requiring every input to PASS. */
static inline bool check_op_grad_opts(const char *label, check_build_fn build, void *user,
                                      tg_tensor *const *in, int n,
                                      const tg_gradcheck_opts *opts) {
    return check_op_grad_verdict(label, build, user, in, n, opts, false);
}

static inline bool check_op_grad(const char *label, check_build_fn build, void *user,
                                 tg_tensor *const *in, int n) {
    return check_op_grad_opts(label, build, user, in, n, NULL);
}

/* Two backward sweeps of build(in[0..n)) on one tape, with upstream gradients s1 then
 * s2 (each the output's size), after the inputs' gradients are zeroed: the first
 * output's values go to out, and each input's gradient after both sweeps (so the
 * second adds onto the first) to grads[a]; `what` names the build in messages. */
static inline void check_two_sweeps(const char *what, check_build_fn build, void *user, tg_tensor *const *in,
                                    int n, const tg_real *s1, const tg_real *s2, tg_real *out,
                                    tg_real *const *grads) {
    for (int a = 0; a < n; a++) tg_tensor_zero_grad(in[a]);
    tg_tape *t = tg_tape_new();
    for (int pass = 0; pass < 2; pass++) {
        tg_tensor *y = build(t, in, user);
        CHECK(y != NULL, "the %s runs: %s", what, tg_tape_message(t));
        if (!y) break;
        if (pass == 0) memcpy(out, y->data, y->size * sizeof(tg_real));
        CHECK(tg_backward(t, y, tg_tape_tensor(t, y->rank, y->shape, pass ? s2 : s1, 0)) == TG_OK, "backward: %s",
              tg_tape_message(t));
        tg_tape_reset(t);
    }
    tg_tape_free(t);
    for (int a = 0; a < n; a++)
        if (in[a]->grad) memcpy(grads[a], in[a]->grad, in[a]->size * sizeof(tg_real));
}

/* How far a is from b: the largest |a_j - b_j| over the largest |b_j| (two routes to
 * one tensor, such as Hessian-vector products through an op and its composition). */
static inline double check_rel_dist(const tg_tensor *a, const tg_tensor *b) {
    double worst = 0, top = 1e-300;
    for (size_t j = 0; j < b->size; j++) top = fmax(top, fabs((double)b->data[j]));
    for (size_t j = 0; j < b->size; j++) worst = fmax(worst, fabs((double)a->data[j] - b->data[j]) / top);
    return worst;
}

/* A long-lived input with a gradient buffer, filled uniformly in [lo, hi). */
static inline tg_tensor *check_input(tg_rng *g, int rank, const int *shape, double lo, double hi) {
    tg_tensor *x = tg_param_new("x", rank, shape);
    if (x) tg_tensor_uniform(x, g, (tg_real)lo, (tg_real)hi);
    return x;
}

#endif
