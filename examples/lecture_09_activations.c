/* lecture_09_activations.c — example 9: activation functions and their derivatives
 * (the in-class notes on backpropagation, "Activation functions and their
 * derivatives", and the lecture notes' overview): step, sign, sigmoid, tanh, ReLU,
 * leaky ReLU (slope 0.1 here, to be visible) and softplus, on x = -4, -3.9, ..., 4.
 * Values are the ops' outputs; derivatives come from the tape: one backward sweep
 * seeded with ones gives f'(x_i) for every i at once, because each y_i depends on x_i
 * alone. Step and sign have zero derivative wherever it exists, and the tape passes
 * no gradient through them (the reason perceptrons are not trained by
 * backpropagation).
 *
 * Two slips of the notes, stated correctly and checked numerically:
 *   - the in-class notes on backpropagation, eq. (16), write
 *     tanh'(z) = 2 tanh(2z) - 1. The identity is of VALUES: tanh(z) = 2 sigmoid(2z) - 1;
 *     the derivative is tanh'(z) = 1 - tanh(z)^2 = 4 sigmoid'(2z).
 *   - the notes on neural networks (FFNN, MLP, optimizers) write
 *     softmax(x)_i = exp(x_i) / sum_{j != i} exp(x_j). The denominator sums over ALL j
 *     (including i); otherwise the outputs do not sum to 1.
 * Softmax is not elementwise: the program also prints its 3 x 3 Jacobian next to the
 * vector-Jacobian product one backward sweep computes (tg_jacobian_view).
 * Run: ./build/examples/lecture_09_activations [values.svg [derivatives.svg]]
 *      (default ./activations.svg and ./activations_deriv.svg)
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <tapegrad.h>
#ifndef LECTURE_TEST
#include "svg_chart.h"
#include "cli.h"
#endif

#define LEC09_N 81 /* x = -4 .. 4 by 0.1 */
#define LEC09_F 7

typedef struct lec09 {
    double x[LEC09_N], y[LEC09_F][LEC09_N], dy[LEC09_F][LEC09_N];
    double tanh_identity_err;   /* max |tanh(z) - (2 sigmoid(2z) - 1)| */
    double tanh_deriv_err;      /* max |tanh'(z) - 4 sigmoid'(2z)|, both from the tape */
    double notes_tanh_at_1;     /* the notes' formula 2 tanh(2) - 1 at z = 1 */
    double softmax[3], notes_softmax[3], softmax_sum, notes_softmax_sum;
} lec09;

static const char *const lec09_names[LEC09_F] = {"step", "sign", "sigmoid", "tanh", "relu",
                                                 "leaky_relu", "softplus"};

static tg_tensor *lec09_apply(tg_tape *t, int f, tg_tensor *x) {
    switch (f) {
    case 0: return tg_step(t, x);
    case 1: return tg_sign(t, x);
    case 2: return tg_sigmoid(t, x);
    case 3: return tg_tanh(t, x);
    case 4: return tg_relu(t, x);
    case 5: return tg_leaky_relu(t, x, (tg_real)0.1);
    default: return tg_softplus(t, x);
    }
}

/* y = f(scale * x) and dy/du at u = scale * x, from one sweep seeded with ones. */
static int lec09_eval(tg_tape *t, int f, const tg_real *x, double scale, double *y, double *dy) {
    tg_tape_reset(t);
    tg_tensor *u = tg_tape_tensor(t, 1, (int[]){LEC09_N}, NULL, TG_REQUIRES_GRAD);
    for (int i = 0; i < LEC09_N; i++) u->data[i] = (tg_real)(scale * x[i]);
    tg_tensor *v = lec09_apply(t, f, u);
    tg_tensor *ones = tg_tape_full(t, 1, (int[]){LEC09_N}, 1);
    if (!v || tg_backward(t, v, ones) != TG_OK) return 1;
    for (int i = 0; i < LEC09_N; i++) y[i] = v->data[i], dy[i] = u->grad[i];
    return 0;
}

static int lec09_compute(lec09 *r) {
    tg_tape *t = tg_tape_new();
    tg_real x[LEC09_N];
    for (int i = 0; i < LEC09_N; i++) r->x[i] = x[i] = (tg_real)((i - 40) / 10.0);
    for (int f = 0; f < LEC09_F; f++)
        if (lec09_eval(t, f, x, 1, r->y[f], r->dy[f])) return 1;
    /* tanh(z) = 2 sigmoid(2z) - 1 and tanh'(z) = 4 sigmoid'(2z). */
    double s2[LEC09_N], ds2[LEC09_N];
    if (lec09_eval(t, 2, x, 2, s2, ds2)) return 1;
    for (int i = 0; i < LEC09_N; i++) {
        r->tanh_identity_err = fmax(r->tanh_identity_err, fabs(r->y[3][i] - (2 * s2[i] - 1)));
        r->tanh_deriv_err = fmax(r->tanh_deriv_err, fabs(r->dy[3][i] - 4 * ds2[i]));
    }
    r->notes_tanh_at_1 = 2 * tanh(2.0) - 1;
    /* softmax of (1, 2, 3): the tape's, and the notes' denominator without j = i. */
    tg_tape_reset(t);
    tg_tensor *sm = tg_softmax(t, tg_tape_tensor(t, 1, (int[]){3}, (tg_real[]){1, 2, 3}, 0));
    if (!sm) return 1;
    for (int i = 0; i < 3; i++) {
        double den = 0;
        for (int j = 0; j < 3; j++) den += j != i ? exp(j + 1.0) : 0;
        r->softmax[i] = sm->data[i];
        r->notes_softmax[i] = exp(i + 1.0) / den;
        r->softmax_sum += r->softmax[i];
        r->notes_softmax_sum += r->notes_softmax[i];
    }
    tg_tape_free(t);
    return 0;
}

static tg_tensor *lec09_softmax(tg_tape *t, tg_tensor *x, void *user) {
    (void)user;
    return tg_softmax(t, x);
}

static int lec09_run(FILE *out, const char *svg_values, const char *svg_derivs, lec09 *res) {
    static lec09 r; /* 9 KB: kept off the stack */
    memset(&r, 0, sizeof r);
    if (lec09_compute(&r)) {
        fprintf(stderr, "lecture_09_activations: %s\n", tg_last_error());
        return 1;
    }
    static const int show[] = {20, 30, 35, 40, 45, 50, 60}; /* x = -2, -1, -0.5, 0, 0.5, 1, 2 */
    fprintf(out, "activation f(x) / derivative f'(x) from the tape\n"
                 "(the in-class notes on backpropagation, the lecture notes' overview)\n");
    fprintf(out, "%-11s", "x");
    for (int k = 0; k < 7; k++) fprintf(out, "%16.1f", r.x[show[k]]);
    fprintf(out, "\n");
    for (int f = 0; f < LEC09_F; f++) {
        fprintf(out, "%-11s", lec09_names[f]);
        for (int k = 0; k < 7; k++) fprintf(out, "  %6.3f /%6.3f", r.y[f][show[k]], r.dy[f][show[k]]);
        fprintf(out, "\n");
    }
    fprintf(out, "\nthe notes' slips, checked:\n");
    fprintf(out, "  the in-class notes on backpropagation, eq. (16): tanh'(z) = 2 tanh(2z) - 1\n"
                 "    is not a derivative: at z = 1 it gives %.4f, the tape's tanh'(1) = %.4f\n",
            r.notes_tanh_at_1, r.dy[3][50]);
    fprintf(out, "  correct: tanh(z) = 2 sigmoid(2z) - 1 (max difference on the grid %.1e)\n", r.tanh_identity_err);
    fprintf(out, "           tanh'(z) = 1 - tanh(z)^2 = 4 sigmoid'(2z) (max difference %.1e, two ops' backward rules)\n",
            r.tanh_deriv_err);
    fprintf(out, "  the notes on neural networks: softmax of x = (1, 2, 3)\n");
    fprintf(out, "    with the sum over j != i:             (%.4f, %.4f, %.4f), sum %.4f (= p/(1-p))\n",
            r.notes_softmax[0], r.notes_softmax[1], r.notes_softmax[2], r.notes_softmax_sum);
    fprintf(out, "    correct, sum over all j (tg_softmax): (%.4f, %.4f, %.4f), sum %.4f\n",
            r.softmax[0], r.softmax[1], r.softmax[2], r.softmax_sum);
    /* Softmax mixes its inputs: its Jacobian is the full matrix diag(p) - p p^T, and the
     * sweep applies it to the upstream gradient without forming it. */
    fprintf(out, "\n");
    tg_tensor *x3 = tg_tensor_from(1, (int[]){3}, (tg_real[]){1, 2, 3}, 0);
    tg_tensor *u3 = tg_tensor_from(1, (int[]){3}, (tg_real[]){1, 0, -1}, 0);
    tg_jacobian jac;
    tg_status st = tg_jacobian_view(out, "softmax", lec09_softmax, NULL, x3, u3, &jac);
    tg_tensor_free(x3);
    tg_tensor_free(u3);
    if (st != TG_OK) {
        fprintf(stderr, "lecture_09_activations: %s\n", tg_last_error());
        return 1;
    }
#ifndef LECTURE_TEST
    const char *files[2] = {svg_values, svg_derivs};
    for (int k = 0; k < 2; k++) {
        if (!files[k]) continue;
        svg_chart *c = svg_chart_new(k ? "Derivatives from the tape" : "Activation functions", "x",
                                     k ? "f'(x)" : "f(x)");
        for (int f = 0; c && f < LEC09_F; f++) svg_chart_add(c, lec09_names[f], r.x, k ? r.dy[f] : r.y[f], LEC09_N);
        if (!c || svg_chart_write(c, files[k]) != 0) {
            cli_write_failed("lecture_09_activations", files[k]);
            svg_chart_free(c);
            return 1;
        }
        svg_chart_free(c);
        fprintf(out, "chart written to %s\n", files[k]);
    }
#else
    (void)svg_values;
    (void)svg_derivs;
#endif
    if (res) *res = r;
    return 0;
}

#ifndef LECTURE_TEST
int main(int argc, char **argv) {
    const char *svg[2] = {"activations.svg", "activations_deriv.svg"};
    cli c = {"lecture_09_activations", "[VALUES.svg [DERIVATIVES.svg]]",
             "Example 9 of the lecture notes: the activation functions and their derivatives\n"
             "from the tape; writes two charts (default activations.svg and\n"
             "activations_deriv.svg).\n",
             cli_no_options, 2, svg, 0, false};
    int rc = cli_parse(&c, argc, argv);
    return rc != CLI_RUN ? rc : lec09_run(stdout, svg[0], svg[1], NULL);
}
#endif
