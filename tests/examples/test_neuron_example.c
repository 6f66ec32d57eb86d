/* test_neuron_example.c — the numbers of the lecture notes' single neuron
 * (the W6 lecture): ŷ = 0.731, L = 0.036, ∂L/∂w = −0.106 to the notes' three decimals,
 * and the tape equal to the hand chain rule to rounding. */
#include "check.h"

int main(void) {
    tg_tensor *w = tg_param_new("w", 0, NULL), *b = tg_param_new("b", 0, NULL);
    w->data[0] = (tg_real)0.5;
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_full(t, 0, NULL, 2), *y = tg_tape_full(t, 0, NULL, 1);
    tg_tensor *yhat = tg_sigmoid(t, tg_add(t, tg_mul(t, w, x), b));
    tg_tensor *L = tg_mul_scalar(t, tg_square(t, tg_sub(t, y, yhat)), (tg_real)0.5);
    CHECK(tg_backward(t, L, NULL) == TG_OK, "backward: %s", tg_tape_message(t));
    double yh = (double)tg_item(yhat);
    /* The notes' rounded figures. */
    CHECK(round(yh * 1000) == 731, "yhat = %.6f rounds to 0.731", yh);
    CHECK(round((double)tg_item(L) * 1000) == 36, "L = %.6f rounds to 0.036", (double)tg_item(L));
    CHECK(round((double)w->grad[0] * 1000) == -106, "dL/dw = %.6f rounds to -0.106", (double)w->grad[0]);
    /* Exact values. */
    double s = 1 / (1 + exp(-1.0));
    double tol = TG_REAL_IS_DOUBLE ? 1e-15 : 1e-7;
    CHECK_NEAR(yh, s, tol);
    CHECK_NEAR(tg_item(L), 0.5 * (1 - s) * (1 - s), tol);
    CHECK_NEAR(w->grad[0], -(1 - s) * s * (1 - s) * 2, tol);
    CHECK_NEAR(b->grad[0], -(1 - s) * s * (1 - s), tol);
    tg_tape_free(t);
    tg_tensor_free(w);
    tg_tensor_free(b);
    return check_done();
}
