/* fashion_cnn.c — a small convolutional network classifies Fashion-MNIST (28x28 grey
 * images of clothes, 10 classes) and reports the test accuracy and the seconds of
 * training after every epoch.
 *
 *   Run:  ./build/examples/fashion_cnn [options]
 *   Data: the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)
 *
 * Model (every layer from tg_conv.h / tg_linear.h, composed of primitive ops):
 *   x (N,1,28,28) -> conv 3x3 pad 1, C1 channels -> relu -> max pool 2  (N,C1,14,14)
 *                    (computed as max pool then relu: the same bits, see forward)
 *                 -> conv 3x3 pad 1, C2 channels -> relu -> max pool 2  (N,C2,7,7)
 *                 -> flatten (N, C2*49) -> dropout p -> linear -> relu (N,H)
 *                 -> linear (N,10), softmax cross-entropy on the logits.
 * Defaults C1 16, C2 32, H 128, p 0.25 (dropout in training only; it draws from the
 * run's tg_rng, which the checkpoints hold). Initialisation as PyTorch's defaults for
 * nn.Conv2d and nn.Linear (TG_INIT_TORCH, U(-k, k), k = 1/sqrt(fan_in)), so that the
 * PyTorch twin in benchmarks/compare.py (--fashion-cnn) starts from the same
 * distribution. Pixels scaled to [0,1]. Adam (lr 1e-3) on mini-batches of 64,
 * reshuffled every epoch; the learning rate halves every 3 epochs (a function of the
 * epoch alone, so resuming keeps it). The 60000 training images train, the 10000
 * test images are only evaluated. Default: 15 epochs.
 *
 * Measured (the defaults, float build, 1 thread, one run of
 * `benchmarks/compare.py --fashion-cnn` on 2026-12-02, which trains this program and
 * the same network in PyTorch at the same time, so both see the same load; a 2-vCPU
 * VM that also ran the test suite for part of the run):
 *   91.59% test accuracy after 15 epochs (91.00% after 8, 91.36% after 10, 91.71%
 *   after 14), 57.4 s per epoch of training (PyTorch 1.13 in the same run: 91.39%,
 *   65.9 s per epoch). The MLP of fashion_mnist.c reaches 89.33%.
 *
 * Options (and the common ones of train_util.h: --epochs --seed --save --resume
 * --svg --quick):
 *   --data DIR      directory holding the four *-ubyte[.gz] files
 *   --c1 N, --c2 N  channels of the two convolutions (16, 32)
 *   --hidden N      width of the hidden linear layer (128)
 *   --dropout P     dropout before the hidden layer (0.25)
 *   --batch N       mini-batch size (64)
 *   --lr X          Adam's learning rate (1e-3)
 * --quick: channels 4 and 8, hidden 32, no dropout, lr 3e-3, 2000 training and 1000
 * test images, 2 epochs (seconds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tapegrad/tg_threads.h>
#include "train_util.h"

#define PROG "fashion_cnn"
#define S 28          /* image side */
#define D (S * S)     /* pixels */
#define C 10          /* classes */
/* Images per evaluation step: the activations scale with it (the convolutions hold
 * one image's columns whatever the batch). */
#define EVAL_BATCH 200

typedef struct {
    tu_opts o;
    const char *data;  /* NULL: the package's directory */
    int c1, c2, hidden, batch;
    double lr, dropout;
    int n_train, n_test;
} config;

typedef struct {
    tg_conv *conv1, *conv2;
    tg_linear *fc1, *fc2;
    tg_real p;  /* dropout */
} cnn;

/* CLI_RUN, or the exit code (cli.h). */
static int parse(int argc, char **argv, config *c) {
    const cli_opt opts[] = {
        TU_COMMON_OPTS(c->o),
        {"--data", "DIR", CLI_STR, &c->data, 0, 0, "folder of the four *-ubyte[.gz] files",
         "the package's folder", NULL},
        {"--c1", "N", CLI_INT, &c->c1, 1, 1024, "channels of the first convolution", NULL, NULL},
        {"--c2", "N", CLI_INT, &c->c2, 1, 1024, "channels of the second convolution", NULL, NULL},
        {"--hidden", "N", CLI_INT, &c->hidden, 1, 16384, "width of the hidden linear layer", NULL,
         NULL},
        {"--dropout", "P", CLI_DOUBLE, &c->dropout, 0, 0.95, "dropout before the hidden layer",
         NULL, NULL},
        {"--batch", "N", CLI_INT, &c->batch, 1, 60000, "mini-batch size", NULL, NULL},
        {"--lr", "X", CLI_DOUBLE, &c->lr, 0, 10, "Adam's learning rate", NULL, NULL},
        {0}};
    cli cl = {PROG, "",
              "Trains a small CNN (two 3x3 conv + relu + 2x2 max pool, then two linear layers)\n"
              "on Fashion-MNIST (Debian package dataset-fashion-mnist) and prints the test\n"
              "accuracy and the seconds of training after every epoch; writes the loss curve\n"
              "to --svg. --quick: channels 4 and 8, hidden 32, no dropout, lr 3e-3, 2000\n"
              "training and 1000 test images, 2 epochs.\n",
              opts, 0, NULL, 0, false};
    return cli_parse(&cl, argc, argv);
}

/* Images idx[0..n-1] as a (n,1,28,28) step tensor scaled to [0,1], labels into lab. */
static tg_tensor *batch(tg_tape *t, const tg_idx *img, const tg_idx *lab, const int *idx, int n,
                        int *labels) {
    tg_tensor *x = tg_tape_tensor(t, 4, (int[]){n, 1, S, S}, NULL, 0);
    if (!x) return NULL;
    for (int i = 0; i < n; i++) {
        const uint8_t *p = img->data + (size_t)idx[i] * D;
        for (int j = 0; j < D; j++) x->data[(size_t)i * D + j] = (tg_real)p[j] / (tg_real)255;
        labels[i] = lab->data[idx[i]];
    }
    return x;
}

/* The logits (n,10) of x (n,1,28,28); dropout draws from rng when train. */
static tg_tensor *forward(tg_tape *t, const cnn *m, tg_tensor *x, tg_rng *rng, bool train) {
    static const int k2[2] = {2, 2};
    /* relu(max pool(y)) is max pool(relu(y)) to the bit, values and gradients (relu is
     * monotone, and a window's first maximum is also its first after relu, or all of
     * them are <= 0 and the gradient is 0 either way): relu then runs on a quarter of
     * the values. */
    tg_tensor *h = tg_relu(t, tg_max_pool2d(t, tg_conv_forward(t, m->conv1, x), k2, NULL, NULL));
    h = tg_relu(t, tg_max_pool2d(t, tg_conv_forward(t, m->conv2, h), k2, NULL, NULL));
    if (!h) return NULL;
    h = tg_reshape(t, h, 2, (int[]){h->shape[0], m->conv2->out * (S / 4) * (S / 4)});
    h = tg_dropout(t, h, m->p, rng, train);
    return tg_linear_forward(t, m->fc2, tg_relu(t, tg_linear_forward(t, m->fc1, h)));
}

/* Test loss and accuracy on the first n images (no gradients recorded). */
static int evaluate(tg_tape *t, const cnn *m, const tg_idx *img, const tg_idx *lab, int n,
                    double *loss, double *acc) {
    int idx[EVAL_BATCH], labels[EVAL_BATCH], correct = 0;
    double sum = 0;
    bool was = tg_tape_set_grad_enabled(t, false);
    for (int s = 0; s < n; s += EVAL_BATCH) {
        int bs = n - s < EVAL_BATCH ? n - s : EVAL_BATCH;
        for (int i = 0; i < bs; i++) idx[i] = s + i;
        tg_tape_reset(t);
        tg_tensor *logits = forward(t, m, batch(t, img, lab, idx, bs, labels), NULL, false);
        tg_tensor *l = tg_cross_entropy(t, logits, labels);
        if (!l) break;
        sum += (double)tg_item(l) * bs;
        for (int i = 0; i < bs; i++) {
            const tg_real *z = logits->data + (size_t)i * C;
            int best = 0;
            for (int k = 1; k < C; k++)
                if (z[k] > z[best]) best = k;
            correct += best == labels[i];
        }
    }
    tg_tape_set_grad_enabled(t, was);
    if (tg_tape_status(t) != TG_OK) {
        fprintf(stderr, PROG ": evaluation failed: %s\n", tg_tape_message(t));
        return -1;
    }
    *loss = sum / n;
    *acc = (double)correct / n;
    return 0;
}

static void cnn_free(cnn *m) {
    tg_conv_free(m->conv1);
    tg_conv_free(m->conv2);
    tg_linear_free(m->fc1);
    tg_linear_free(m->fc2);
}

/* The model of c from rng, its parameters appended to ps; -1 after an error. */
static int cnn_init(cnn *m, const config *c, tg_rng *rng, tg_params *ps) {
    static const int k3[2] = {3, 3}, pad1[2] = {1, 1};
    m->p = (tg_real)c->dropout;
    m->conv1 = tg_conv2d_new("conv1", 1, c->c1, k3, NULL, pad1, NULL, true, TG_INIT_TORCH, rng);
    m->conv2 = m->conv1 ? tg_conv2d_new("conv2", c->c1, c->c2, k3, NULL, pad1, NULL, true,
                                        TG_INIT_TORCH, rng) : NULL;
    m->fc1 = m->conv2 ? tg_linear_new("fc1", c->c2 * (S / 4) * (S / 4), c->hidden, TG_INIT_TORCH,
                                      rng) : NULL;
    m->fc2 = m->fc1 ? tg_linear_new("fc2", c->hidden, C, TG_INIT_TORCH, rng) : NULL;
    if (!m->fc2 || tg_conv_params(m->conv1, ps) != TG_OK || tg_conv_params(m->conv2, ps) != TG_OK ||
        tg_linear_params(m->fc1, ps) != TG_OK || tg_linear_params(m->fc2, ps) != TG_OK)
        return -1;
    return 0;
}

int main(int argc, char **argv) {
    config c = {.o = {.epochs = 15, .seed = 1, .svg = PROG "_loss.svg"}, .c1 = 16, .c2 = 32,
                .hidden = 128, .batch = 64, .lr = 1e-3, .dropout = 0.25};
    if (tu_has_quick(argc, argv)) { /* small enough for the sanitizer build of meson test */
        c.c1 = 4, c.c2 = 8, c.hidden = 32, c.o.epochs = 2, c.lr = 3e-3, c.dropout = 0;
    }
    int cli_rc = parse(argc, argv, &c);
    if (cli_rc != CLI_RUN) return cli_rc;

    tu_fashion fd;
    int load_rc = tu_fashion_load(PROG, c.data, c.o.quick, &fd);
    if (load_rc != 0) return load_rc;
    c.n_train = fd.n_train, c.n_test = fd.n_test;
    if (c.batch > c.n_train) c.batch = c.n_train;

    char fp[256];
    snprintf(fp, sizeof fp, PROG " c1=%d c2=%d hidden=%d dropout=%.17g batch=%d lr=%.17g n_train=%d",
             c.c1, c.c2, c.hidden, c.dropout, c.batch, c.lr, c.n_train);
    const uint64_t config_hash = tu_hash(fp);

    tg_rng rng;
    tg_rng_seed(&rng, c.o.seed);
    cnn m = {0};
    tg_params ps = {0};
    tg_optim *opt = NULL;
    if (cnn_init(&m, &c, &rng, &ps) == 0) {
        tg_adam_opts ao = tg_adam_defaults();
        ao.lr = c.lr;
        opt = tg_adam_new(&ps, &ao);
    }
    tg_sched *sched = opt ? tg_sched_step_decay_new(opt, 3, 0.5) : NULL;
    tg_tape *t = tg_tape_new();
    const int steps = (c.n_train + c.batch - 1) / c.batch;
    tu_run run;
    bool run_ok = tu_run_init(&run, c.n_train, c.batch, c.o.epochs);
    int *perm = run.perm, *labels = run.labels;
    int status = 1;
    if (!sched || !t || !run_ok) {
        fprintf(stderr, PROG ": setup failed: %s\n", tg_last_error());
        goto done;
    }

    int epoch = 0;
    if (c.o.resume) {
        if (tu_resume(PROG, c.o.resume, &ps, opt, config_hash, &epoch, &rng) != 0) goto done;
        printf("resumed from %s after epoch %d\n", c.o.resume, epoch);
    }
    tg_sched_set_epoch(sched, epoch);
    printf("Fashion-MNIST: CNN conv3x3(%d)-pool-conv3x3(%d)-pool-%d-%d, dropout %g (%zu "
           "parameters), %s lr %g, batch %d, %d train / %d test images, seed %llu, %d thread(s)\n",
           c.c1, c.c2, c.hidden, C, c.dropout, tg_params_numel(&ps), tg_optim_name(opt), c.lr,
           c.batch, c.n_train, c.n_test, (unsigned long long)c.o.seed, tg_get_num_threads());

    tu_progress prog;
    tu_steady steady = {0};
    double acc = 0, test_loss = 0, train_time = 0;
    int epochs_run = 0;
    tu_progress_start(&prog, (long)(c.o.epochs - epoch) * steps, "img");
    for (; epoch < c.o.epochs; epoch++) {
        double t0 = tu_now();
        tu_shuffle(perm, c.n_train, &rng);
        for (int s = 0; s < steps; s++) {
            int off = s * c.batch, bs = c.n_train - off < c.batch ? c.n_train - off : c.batch;
            tu_steady_begin(&steady);
            tg_tape_reset(t);
            tg_tensor *x = batch(t, &fd.train_img, &fd.train_lab, perm + off, bs, labels);
            tg_tensor *loss = tg_cross_entropy(t, forward(t, &m, x, &rng, true), labels);
            tg_optim_zero_grad(opt);
            if (tg_backward(t, loss, NULL) != TG_OK) {
                fprintf(stderr, "\n" PROG ": %s\n", tg_tape_message(t));
                goto done;
            }
            if (tg_optim_step(opt) != TG_OK) {
                fprintf(stderr, "\n" PROG ": %s\n", tg_last_error());
                goto done;
            }
            tu_steady_end(&steady);
            double l = (double)tg_item(loss);
            tu_progress_step(&prog, epoch, c.o.epochs, s, steps, l, bs);
            tu_curve_step(&run.curve, epoch, s, steps, l);
        }
        double train_loss = tu_progress_epoch_end(&prog), dt = tu_now() - t0;
        train_time += dt, epochs_run++;
        tg_sched_step(sched);
        if (evaluate(t, &m, &fd.test_img, &fd.test_lab, c.n_test, &test_loss, &acc) != 0) goto done;
        tu_run_test_point(&run, epoch + 1, test_loss);
        printf("epoch %2d/%d  train loss %.4f  test loss %.4f  test accuracy %.2f%%  (%.2f s)\n",
               epoch + 1, c.o.epochs, train_loss, test_loss, 100 * acc, dt);
        fflush(stdout);
        if (c.o.save && tu_save(PROG, c.o.save, &ps, opt, config_hash, epoch + 1, &rng) != 0)
            goto done;
    }
    if (!epochs_run &&
        evaluate(t, &m, &fd.test_img, &fd.test_lab, c.n_test, &test_loss, &acc) != 0)
        goto done;
    tu_print_accuracy(acc, c.o.epochs, train_time, epochs_run);
    printf("\n");
    status = tu_finish(PROG, "Fashion-MNIST CNN: cross-entropy loss", &c.o, &run, &steady, acc);
done:
    tu_run_free(&run);
    tg_tape_free(t);
    tg_sched_free(sched);
    tg_optim_free(opt);
    tg_params_free(&ps);
    cnn_free(&m);
    tu_fashion_free(&fd);
    return status;
}
