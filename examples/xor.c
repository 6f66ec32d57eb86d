/* xor.c — an MLP learns XOR from random initialisation.
 *
 *   Run:  ./build/examples/xor [loss.svg]        (default: ./xor_loss.svg)
 *
 * XOR is the function a single perceptron cannot learn (the introductory lecture: no
 * line separates {01, 10} from {00, 11}). One hidden layer is enough: here 2 -> 4 -> 1
 * with tanh hidden units and a sigmoid output, trained on the four rows with binary
 * cross-entropy and Adam. The MLP is tg_mlp (<tapegrad/tg_linear.h>); its gradients
 * come from the tape. The program prints the loss curve (as a text chart and an SVG
 * file) and the truth table, and exits 1 unless all four rows are right.
 */
#include <math.h>
#include <stdio.h>
#include "svg_chart.h"
#include "cli.h"
#include <tapegrad.h>
#include <tapegrad/tg_optim.h>

#define STEPS 600

int main(int argc, char **argv) {
    const char *svg = "xor_loss.svg";
    cli cl = {"xor", "[LOSS.svg]",
              "Trains an MLP 2-4-1 on XOR, prints the loss curve and the truth table, writes the\n"
              "curve to LOSS.svg (default xor_loss.svg); exits 1 unless all four rows are right.\n",
              cli_no_options, 1, &svg, 0, false};
    int rc = cli_parse(&cl, argc, argv);
    if (rc != CLI_RUN) return rc;
    const tg_real X[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    const tg_real Y[4] = {0, 1, 1, 0};

    tg_rng rng;
    tg_rng_seed(&rng, 2024);
    tg_mlp *net = tg_mlp_new("xor", 3, (int[]){2, 4, 1}, TG_ACT_TANH, TG_ACT_SIGMOID, &rng);
    tg_params ps = {0};
    if (!net || tg_mlp_params(net, &ps) != TG_OK) {
        fprintf(stderr, "xor: %s\n", tg_last_error());
        return 1;
    }
    tg_adam_opts ao = tg_adam_defaults();
    ao.lr = 0.05;
    tg_optim *opt = tg_adam_new(&ps, &ao);
    tg_tape *t = tg_tape_new();
    if (!opt || !t) {
        fprintf(stderr, "xor: %s\n", tg_last_error());
        return 1;
    }

    printf("XOR with an MLP 2 -> 4 (tanh) -> 1 (sigmoid), %zu parameters, Adam lr %.2f\n\n",
           tg_params_numel(&ps), ao.lr);
    double losses[STEPS];
    for (int step = 0; step < STEPS; step++) {
        tg_tape_reset(t);
        tg_tensor *x = tg_tape_tensor(t, 2, (int[]){4, 2}, X, 0);
        tg_tensor *y = tg_tape_tensor(t, 2, (int[]){4, 1}, Y, 0);
        tg_tensor *loss = tg_bce_loss(t, tg_mlp_forward(t, net, x), y);
        tg_optim_zero_grad(opt);
        if (tg_backward(t, loss, NULL) != TG_OK || tg_optim_step(opt) != TG_OK) {
            fprintf(stderr, "xor: step %d: %s\n", step, tg_tape_message(t));
            return 1;
        }
        losses[step] = (double)tg_item(loss);
    }

    /* Loss curve as text: one bar per 40 steps, 50 columns = the first loss. */
    printf("step   BCE loss\n");
    for (int step = 0; step < STEPS; step += 40) {
        int bar = (int)lround(50 * losses[step] / losses[0]);
        printf("%4d  %8.5f  ", step, losses[step]);
        for (int i = 0; i < bar; i++) putchar('#');
        putchar('\n');
    }
    printf("%4d  %8.5f\n\n", STEPS - 1, losses[STEPS - 1]);

    /* Truth table on the trained network. */
    tg_tape_reset(t);
    tg_tensor *p = tg_mlp_forward(t, net, tg_tape_tensor(t, 2, (int[]){4, 2}, X, 0));
    int right = 0;
    printf(" x1 x2 | target | p(y=1)  class\n");
    printf("-------+--------+--------------\n");
    for (int i = 0; p && i < 4; i++) {
        int cls = p->data[i] >= 0.5;
        right += cls == (int)Y[i];
        printf("  %d  %d |   %d    | %.4f   %d %s\n", (int)X[2 * i], (int)X[2 * i + 1], (int)Y[i],
               (double)p->data[i], cls, cls == (int)Y[i] ? "" : "<- wrong");
    }
    printf("\naccuracy %d/4 (%.0f%%)\n", right, 25.0 * right);

    svg_chart *c = svg_chart_new("XOR: MLP 2-4-1 training loss", "step", "binary cross-entropy");
    int written = 0;
    if (c) {
        svg_chart_set_log_y(c, 1);
        svg_chart_add(c, "Adam lr 0.05", NULL, losses, STEPS);
        written = svg_chart_write(c, svg) == 0;
        svg_chart_free(c);
    }
    if (written) printf("loss curve written to %s\n", svg);
    else cli_write_failed("xor", svg);

    tg_tape_free(t);
    tg_optim_free(opt);
    tg_params_free(&ps);
    tg_mlp_free(net);
    return right == 4 && written ? 0 : 1;
}
