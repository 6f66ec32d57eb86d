/* lecture_04_xor_hand.c — example 4: XOR by hand-set weights (the introductory
 * lecture, "Linear classifiers cannot solve this"). Two sigmoid units and an output
 * unit:
 *
 *   h1 = sigmoid(20 x1 + 20 x2 - 10)     (OR)
 *   h2 = sigmoid(-20 x1 - 20 x2 + 30)    (NAND)
 *   y  = sigmoid(20 h1 + 20 h2 - 30)     (AND)  ->  y ~ XOR(x1, x2)
 *
 * All four rows go through the tape at once as a (4,2) batch: h = sigmoid(X W1 + b1).
 * Run: ./build/examples/lecture_04_xor_hand
 */
#include <math.h>
#include <stdio.h>
#include <tapegrad.h>
#include "cli.h"

typedef struct lec04 { double h1[4], h2[4], y[4]; int correct; } lec04;

static int lec04_run(FILE *out, lec04 *res) {
    static const tg_real X[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){4, 2}, X, 0);
    tg_tensor *W1 = tg_tape_tensor(t, 2, (int[]){2, 2}, (tg_real[]){20, -20, 20, -20}, 0);
    tg_tensor *b1 = tg_tape_tensor(t, 1, (int[]){2}, (tg_real[]){-10, 30}, 0);
    tg_tensor *W2 = tg_tape_tensor(t, 2, (int[]){2, 1}, (tg_real[]){20, 20}, 0);
    tg_tensor *b2 = tg_tape_tensor(t, 1, (int[]){1}, (tg_real[]){-30}, 0);
    tg_tensor *h = tg_sigmoid(t, tg_add(t, tg_matmul(t, x, W1), b1));   /* (4,2) */
    tg_tensor *y = tg_sigmoid(t, tg_add(t, tg_matmul(t, h, W2), b2));   /* (4,1) */
    if (!y) {
        fprintf(stderr, "lecture_04_xor_hand: %s\n", tg_tape_message(t));
        return 1;
    }
    lec04 r = {0};
    fprintf(out, "XOR by hand-set weights (the introductory lecture)\n");
    fprintf(out, "x1 x2  h1 = s(20x1+20x2-10)  h2 = s(-20x1-20x2+30)  y = s(20h1+20h2-30)  y > 0.5\n");
    for (int i = 0; i < 4; i++) {
        r.h1[i] = h->data[2 * i];
        r.h2[i] = h->data[2 * i + 1];
        r.y[i] = y->data[i];
        int want = (X[2 * i] != X[2 * i + 1]);
        r.correct += (r.y[i] > 0.5) == want;
        fprintf(out, " %d  %d  %-20.6f  %-22.6f  %-20.6f  %d\n", (int)X[2 * i], (int)X[2 * i + 1],
                r.h1[i], r.h2[i], r.y[i], r.y[i] > 0.5);
    }
    fprintf(out, "%d of 4 rows equal XOR(x1, x2)\n", r.correct);
    if (res) *res = r;
    tg_tape_free(t);
    return r.correct == 4 ? 0 : 1;
}

#ifndef LECTURE_TEST
int main(int argc, char **argv) {
    cli c = {"lecture_04_xor_hand", "",
             "Example 4 of the lecture notes: XOR by hand-set weights (OR, NAND, AND units).\n",
             cli_no_options, 0, NULL, 0, false};
    int rc = cli_parse(&c, argc, argv);
    return rc != CLI_RUN ? rc : lec04_run(stdout, NULL);
}
#endif
