/* neuron.c — the single neuron of the lecture notes (the W6 lecture, "Simple Example
 * of Computing Gradient"), computed by the tape.
 *
 *   x = 2, y = 1, w = 0.5, b = 0
 *   z = w x + b,  ŷ = σ(z),  L = ½ (y − ŷ)²
 *   ∂L/∂w = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂w = −(y − ŷ) · ŷ(1 − ŷ) · x
 *
 * The notes give ŷ = 0.731, L = 0.036, ∂L/∂w = −0.106. This program builds the same
 * expression from primitive ops, runs the backward sweep, prints the numbers and the
 * three chain-rule factors, and checks the tape against the hand formula (exit 1 if
 * they differ). Run: ./build/examples/neuron
 */
#include <math.h>
#include <stdio.h>
#include <tapegrad.h>
#include "cli.h"

int main(int argc, char **argv) {
    cli c = {"neuron", "",
             "The lecture notes' single neuron on the tape: prints yhat, L, dL/dw and the three\n"
             "chain-rule factors, and exits 1 if the tape disagrees with the hand formula.\n",
             cli_no_options, 0, NULL, 0, false};
    int rc = cli_parse(&c, argc, argv);
    if (rc != CLI_RUN) return rc;
    tg_tensor *w = tg_param_new("w", 0, NULL);
    tg_tensor *b = tg_param_new("b", 0, NULL);
    w->data[0] = 0.5;
    b->data[0] = 0;
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_full(t, 0, NULL, 2);
    tg_tensor *y = tg_tape_full(t, 0, NULL, 1);

    tg_tensor *z = tg_add(t, tg_mul(t, w, x), b);                    /* z = w x + b */
    tg_tensor *yhat = tg_sigmoid(t, z);                              /* ŷ = σ(z) */
    tg_tensor *loss = tg_mul_scalar(t, tg_square(t, tg_sub(t, y, yhat)), 0.5); /* ½(y − ŷ)² */
    if (!loss || tg_backward(t, loss, NULL) != TG_OK) {
        fprintf(stderr, "neuron: %s\n", tg_tape_message(t));
        return 1;
    }
    double yh = (double)tg_item(yhat), L = (double)tg_item(loss), dw = (double)w->grad[0];
    double dL_dyhat = -(1.0 - yh), dyhat_dz = yh * (1 - yh), dz_dw = 2.0;
    double hand = dL_dyhat * dyhat_dz * dz_dw;

    printf("single neuron (the W6 lecture)\n"
           "x = 2, y = 1, w = 0.5, b = 0, sigmoid, L = 1/2 (y - yhat)^2\n");
    printf("  z     = w x + b          = %.3f\n", (double)tg_item(z));
    printf("  yhat  = sigmoid(z)       = %.3f\n", yh);
    printf("  L     = (1 - yhat)^2 / 2 = %.3f\n", L);
    printf("  dL/dw from the tape      = %.3f\n", dw);
    printf("  chain rule by hand: dL/dyhat * dyhat/dz * dz/dw = (%.4f) * (%.4f) * (%.1f) = %.3f\n",
           dL_dyhat, dyhat_dz, dz_dw, hand);
    printf("  dL/db from the tape      = %.3f (dz/db = 1)\n", (double)b->grad[0]);
    double tol = TG_REAL_IS_DOUBLE ? 1e-15 : 1e-6;
    int ok = fabs(dw - hand) <= tol && fabs(yh - 1 / (1 + exp(-1.0))) <= tol;
    printf("  tape %s the hand formula (|difference| = %.2g)\n", ok ? "matches" : "DIFFERS FROM",
           fabs(dw - hand));
    tg_tape_free(t);
    tg_tensor_free(w);
    tg_tensor_free(b);
    return ok ? 0 : 1;
}
