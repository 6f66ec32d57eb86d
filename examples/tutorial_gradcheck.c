/* tutorial_gradcheck.c — checking gradients of your own function (examples/TUTORIAL.md,
 * part 3): the tape against finite differences (tg_gradcheck), then a hand derivation
 * against the tape (tg_handcheck), with a typical slip and its correction.
 * Run: ./build/examples/tutorial_gradcheck
 */
#include <stdio.h>
#include <tapegrad.h>
#include "cli.h"

/* Your function: one tanh unit and a squared error on the sample x = (1, -2), y = 0.5.
 *   z = x w + b,  a = tanh(z),  L = (a - 0.5)^2        p[0] = w (2,1), p[1] = b (1) */
static tg_tensor *my_loss(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){1, 2}, (tg_real[]){1, -2}, 0);
    tg_tensor *z = tg_name(tg_add(t, tg_matmul(t, x, p[0]), p[1]), "z");
    tg_tensor *a = tg_name(tg_tanh(t, z), "a");
    return tg_name(tg_square(t, tg_add_scalar(t, a, -0.5)), "L");
}

/* Hand derivation, from the forward value of a:
 *   dL/da = 2 (a - 0.5),  da/dz = 1 - a^2,  dL/dz = dL/da da/dz,  dL/dw = x^T dL/dz.
 * `slip` uses da/dz = 1 - a instead (a classic mistake). */
static int slip;
static double dz_by_hand(const tg_tape *t) {
    double a = (double)tg_find(t, "a")->data[0];
    return 2 * (a - 0.5) * (slip ? 1 - a : 1 - a * a);
}
static void hand_a(const tg_tape *t, const tg_tensor *x, tg_real *g, void *u) {
    (void)x, (void)u;
    g[0] = (tg_real)(2 * ((double)tg_find(t, "a")->data[0] - 0.5));
}
static void hand_z(const tg_tape *t, const tg_tensor *x, tg_real *g, void *u) {
    (void)x, (void)u;
    g[0] = (tg_real)dz_by_hand(t);
}
static void hand_w(const tg_tape *t, const tg_tensor *x, tg_real *g, void *u) {
    (void)x, (void)u;
    g[0] = (tg_real)(1 * dz_by_hand(t));
    g[1] = (tg_real)(-2 * dz_by_hand(t));
}

static int tut_run(FILE *out) {
    tg_tensor *w = tg_param_new("w", 2, (int[]){2, 1}), *b = tg_param_new("b", 1, (int[]){1});
    tg_tensor_copy_from(w, (tg_real[]){0.8, -0.1}, 2);
    b->data[0] = (tg_real)0.2;
    tg_tensor *params[2] = {w, b};

    /* 1. The tape against central finite differences, every parameter element. */
    tg_gradcheck_result res[2];
    bool ok = false;
    if (tg_gradcheck(my_loss, NULL, params, 2, NULL, res, &ok) != TG_OK) {
        fprintf(stderr, "tutorial_gradcheck: %s\n", tg_last_error());
        return 1;
    }
    fprintf(out, "tg_gradcheck: w %s, b %s\n", res[0].passed ? "passed" : "FAILED",
            res[1].passed ? "passed" : "FAILED");

    /* 2. A hand derivation against the tape: dL/da, dL/dz, dL/dw. */
    tg_hand hands[3] = {{.name = "a", .fn = hand_a}, {.name = "z", .fn = hand_z},
                        {.name = "w", .fn = hand_w}};
    /* eps 1e-3 suits both builds (see lecture_10_fd_eps), so this prints the same
     * numbers in float and double. */
    tg_handcheck_opts ho = tg_handcheck_defaults();
    ho.fd.eps = 1e-3;
    int first_bad;
    for (slip = 1; slip >= 0; slip--) {
        fprintf(out, "\n%s\n", slip ? "with the slip da/dz = 1 - a:" : "corrected, da/dz = 1 - a^2:");
        if (tg_handcheck(out, my_loss, NULL, params, 2, hands, 3, &ho, NULL, &first_bad) != TG_OK) {
            fprintf(stderr, "tutorial_gradcheck: %s\n", tg_last_error());
            return 1;
        }
    }
    tg_tensor_free(w);
    tg_tensor_free(b);
    return ok && first_bad < 0 ? 0 : 1;
}

#ifndef LECTURE_TEST
int main(int argc, char **argv) {
    cli c = {"tutorial_gradcheck", "",
             "Part 3 of examples/TUTORIAL.md: the tape against finite differences, then a hand\n"
             "derivation against the tape.\n",
             cli_no_options, 0, NULL, 0, false};
    int rc = cli_parse(&c, argc, argv);
    return rc != CLI_RUN ? rc : tut_run(stdout);
}
#endif
