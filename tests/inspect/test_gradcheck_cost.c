/* test_gradcheck_cost.c — what each default of the gradient check costs, on one LSTM
 * layer (tg_rnn, 4 inputs, 8 hidden, 5 steps, batch 2: 416 parameters): the check at
 * the defaults must PASS the layer, and the program prints the wall time and the
 * number of function evaluations of each variant (elements only with the two-point
 * or four-point stencil, with or without directions, a sample of 32 per tensor, and
 * tg_gradcheck_locate). Timings depend on the machine and its load. */
#include <time.h>
#include "check.h"

enum { T = 5, B = 2, F = 4, H = 8 };

typedef struct lstm_ctx {
    tg_rnn *m;
    tg_tensor *x;
    long evals;
} lstm_ctx;

/* L = sum(r * out) + sum(c_n) with fixed r */
static tg_tensor *lstm_loss(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)p, (void)n;
    lstm_ctx *c = user;
    c->evals++;
    tg_tensor *out = NULL, *cn = NULL;
    if (tg_rnn_forward(t, c->m, c->x, NULL, NULL, &out, NULL, &cn) != TG_OK) return NULL;
    tg_tensor *r = tg_tape_tensor(t, out->rank, out->shape, NULL, 0);
    if (!r) return NULL;
    for (size_t i = 0; i < r->size; i++) r->data[i] = (tg_real)(0.5 + 0.1 * (double)(i % 7));
    return tg_add(t, tg_sum(t, tg_mul(t, out, r)), tg_sum(t, cn));
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void) {
    tg_rng g;
    tg_rng_seed(&g, 21);
    tg_rnn_config cfg = {TG_RNN_LSTM, F, H, 1, false};
    lstm_ctx c = {tg_rnn_new("lstm", &cfg, &g), tg_tensor_new(3, (int[]){T, B, F}, 0), 0};
    tg_tensor_uniform(c.x, &g, -1, 1);
    tg_params ps = {0};
    tg_rnn_params(c.m, &ps);
    size_t n_par = 0;
    for (int k = 0; k < ps.n; k++) n_par += ps.items[k]->size;
    tg_gradcheck_result res[4];
    struct { const char *what; int order, dirs; size_t sample; } v[] = {
        {"defaults", 0, 0, 0},
        {"elements only, order 2", 2, -1, 0},
        {"elements only, order 4", 4, -1, 0},
        {"order 2 + 4 directions", 2, 4, 0},
        {"order 4 + 4 directions", 4, 4, 0},
        {"order 4 + 16 directions", 4, 16, 0},
        {"a sample of 32 + 4 directions", 0, 4, 32},
    };
    printf("LSTM layer, %zu parameters in %d tensors (%s)\n", n_par, ps.n, TG_REAL_NAME);
    printf("%-32s %9s %8s  %s\n", "variant", "seconds", "f evals", "verdicts");
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        tg_gradcheck_opts o = tg_gradcheck_defaults();
        if (v[k].order) o.order = v[k].order;
        if (v[k].dirs) o.n_dirs = v[k].dirs;
        o.sample = v[k].sample;
        bool ok = false;
        c.evals = 0;
        double t0 = now();
        tg_status st = tg_gradcheck(lstm_loss, &c, ps.items, ps.n, &o, res, &ok);
        double dt = now() - t0;
        CHECK(st == TG_OK, "%s: %s", v[k].what, tg_last_error());
        printf("%-32s %9.3f %8ld ", v[k].what, dt, c.evals);
        for (int p = 0; p < ps.n; p++) printf(" %s", tg_verdict_name(res[p].verdict));
        printf("\n");
        if (k == 0) {
            CHECK(ok, "the LSTM layer passes at the defaults");
            tg_gradcheck_print(stdout, res, ps.n);
        }
    }
    tg_locate_result loc;
    c.evals = 0;
    double t0 = now();
    CHECK(tg_gradcheck_locate(NULL, lstm_loss, &c, ps.items, ps.n, NULL, &loc) == TG_OK && !loc.found,
          "locate finds no wrong node");
    printf("%-32s %9.3f %8ld  %zu nodes checked, %zu inputs inconclusive\n", "tg_gradcheck_locate",
           now() - t0, c.evals, loc.n_checked, loc.n_inconclusive);
    tg_params_free(&ps);
    tg_rnn_free(c.m);
    tg_tensor_free(c.x);
    return check_done();
}
