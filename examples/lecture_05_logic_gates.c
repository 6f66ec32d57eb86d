/* lecture_05_logic_gates.c — example 5: logic gates as perceptrons (the notes on
 * neural networks (FFNN, MLP, optimizers), "Perceptron", "Logic Gate", "MLP"). A
 * perceptron outputs step(w . x + b) (the notes' y = 1 if w . x > theta, with
 * b = -theta); each gate is a tg_neuron with the step activation
 * (<tapegrad/tg_neuron.h>) and hand-set weights:
 *
 *   AND  w = ( 0.5,  0.5), b = -0.7
 *   OR   w = ( 0.5,  0.5), b = -0.2
 *   NAND w = (-0.5, -0.5), b =  0.7
 *
 * No single perceptron computes XOR; two layers do: Y = AND(NAND(x1,x2), OR(x1,x2)),
 * the notes' table with columns X1 X2 Z1 (NAND) Z2 (OR) Y (AND).
 * Run: ./build/examples/lecture_05_logic_gates
 */
#include <stdio.h>
#include <tapegrad.h>
#include "cli.h"

typedef struct lec05 { int and_[4], or_[4], nand[4], xor_[4]; } lec05;

/* The gate's output for the four rows of X (4,2). */
static void lec05_gate(tg_tape *t, const char *name, double w1, double w2, double b,
                       tg_tensor *X, int out4[4]) {
    tg_neuron *n = tg_neuron_new(name, 2, TG_ACT_STEP, NULL);
    if (!n) return;
    tg_tensor_copy_from(n->w, (tg_real[]){w1, w2}, 2);
    n->b->data[0] = (tg_real)b;
    tg_tensor *y = tg_neuron_forward(t, n, X);   /* (4,1) */
    for (int i = 0; y && i < 4; i++) out4[i] = (int)y->data[i];
    tg_neuron_free(n);
}

static int lec05_run(FILE *out, lec05 *res) {
    static const tg_real X[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){4, 2}, X, 0);
    lec05 r = {.and_ = {0}};
    lec05_gate(t, "and", 0.5, 0.5, -0.7, x, r.and_);
    lec05_gate(t, "or", 0.5, 0.5, -0.2, x, r.or_);
    lec05_gate(t, "nand", -0.5, -0.5, 0.7, x, r.nand);
    /* Second layer: AND of the two first-layer outputs. */
    tg_real Z[8];
    for (int i = 0; i < 4; i++) {
        Z[2 * i] = (tg_real)r.nand[i];
        Z[2 * i + 1] = (tg_real)r.or_[i];
    }
    lec05_gate(t, "and2", 0.5, 0.5, -0.7, tg_tape_tensor(t, 2, (int[]){4, 2}, Z, 0), r.xor_);
    int ok = tg_tape_status(t) == TG_OK;
    fprintf(out, "perceptrons y = step(w . x + b) (the notes on neural networks)\n");
    fprintf(out, "x1 x2  AND OR NAND\n");
    for (int i = 0; i < 4; i++)
        fprintf(out, " %d  %d   %d   %d   %d\n", (int)X[2 * i], (int)X[2 * i + 1], r.and_[i], r.or_[i], r.nand[i]);
    fprintf(out, "\nXOR from two layers, the notes' table:\n");
    fprintf(out, "X1 X2  Z1 (NAND)  Z2 (OR)  Y (AND)\n");
    for (int i = 0; i < 4; i++) {
        fprintf(out, " %d  %d      %d         %d        %d\n", (int)X[2 * i], (int)X[2 * i + 1],
                r.nand[i], r.or_[i], r.xor_[i]);
        ok &= r.xor_[i] == ((int)X[2 * i] ^ (int)X[2 * i + 1]);
    }
    if (!ok) fprintf(stderr, "lecture_05_logic_gates: wrong table (%s)\n", tg_tape_message(t));
    if (res) *res = r;
    tg_tape_free(t);
    return ok ? 0 : 1;
}

#ifndef LECTURE_TEST
int main(int argc, char **argv) {
    cli c = {"lecture_05_logic_gates", "",
             "Example 5 of the lecture notes: AND, OR and NAND as perceptrons with hand-set\n"
             "weights.\n",
             cli_no_options, 0, NULL, 0, false};
    int rc = cli_parse(&c, argc, argv);
    return rc != CLI_RUN ? rc : lec05_run(stdout, NULL);
}
#endif
