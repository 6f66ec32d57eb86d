/* fashion_mnist.c — an MLP classifies Fashion-MNIST (28x28 grey images of clothes,
 * 10 classes) and reports the test accuracy after every epoch.
 *
 *   Run:  ./build/examples/fashion_mnist [options]
 *   Data: the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)
 *
 * Model: 784 -> 256 -> 10, relu hidden layer, softmax cross-entropy on the logits
 * (tg_mlp + tg_cross_entropy), He initialisation. Pixels are scaled to [0,1]. Adam
 * (lr 1e-3) on mini-batches of 64 images, reshuffled every epoch with the run's
 * seeded tg_rng; the learning rate halves every 5 epochs (step decay, a function of
 * the epoch alone, so resuming keeps it). The 60000 training images train, the 10000
 * test images are only evaluated. Default: 15 epochs.
 *
 * The dataset's own MLP baselines reach 87-88% test accuracy. Measured
 * (./build/examples/fashion_mnist, the run of README.md's "Real data": one run on
 * 2026-12-01, float build, 2 threads, a 2-vCPU VM shared with other jobs, so the time
 * is that of a loaded machine):
 *   89.33% test accuracy after 15 epochs (88.43% after 6), 3.3 s per epoch of training;
 *   earlier runs: --seed 2: 89.36%, --seed 3: 89.17%, --optim sgd (Nesterov
 *   momentum): 89.25%.
 *
 * Options (and the common ones of train_util.h: --epochs --seed --save --resume
 * --svg --quick):
 *   --data DIR      directory holding the four *-ubyte[.gz] files
 *   --hidden N      hidden width (256)
 *   --batch N       mini-batch size (64)
 *   --lr X          learning rate (1e-3 for Adam, 0.05 for SGD)
 *   --optim NAME    adam or sgd (SGD with momentum 0.9, Nesterov)
 * --quick trains hidden 32 on 2000 images for 2 epochs and tests on 1000 (seconds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tapegrad/tg_threads.h>
#include "train_util.h"

#define PROG "fashion_mnist"
#define D 784   /* 28 x 28 pixels */
#define C 10    /* classes */
#define EVAL_BATCH 1000

static const char *const CLASSES[C] = {"T-shirt", "trouser", "pullover", "dress", "coat",
                                       "sandal", "shirt", "sneaker", "bag", "ankle boot"};

typedef struct {
    tu_opts o;
    const char *data;  /* NULL: the package's directory */
    int hidden, batch;
    double lr;
    int sgd;           /* 0 Adam, 1 SGD with Nesterov momentum */
    int n_train, n_test;
} config;

/* --optim adam|sgd into an int (1 for SGD). */
static int parse_optim(const char *prog, const char *name, const char *v, void *out) {
    if (strcmp(v, "adam") != 0 && strcmp(v, "sgd") != 0) {
        fprintf(stderr, "%s: %s must be adam or sgd, got '%s'\n", prog, name, v);
        return -1;
    }
    *(int *)out = v[0] == 's';
    return 0;
}

/* CLI_RUN, or the exit code (cli.h). */
static int parse(int argc, char **argv, config *c) {
    double lr = -1;
    const cli_opt opts[] = {
        TU_COMMON_OPTS(c->o),
        {"--data", "DIR", CLI_STR, &c->data, 0, 0, "folder of the four *-ubyte[.gz] files",
         "the package's folder", NULL},
        {"--hidden", "N", CLI_INT, &c->hidden, 1, 16384, "hidden width", NULL, NULL},
        {"--batch", "N", CLI_INT, &c->batch, 1, 60000, "mini-batch size", NULL, NULL},
        {"--lr", "X", CLI_DOUBLE, &lr, 0, 10, "learning rate", "1e-3 for Adam, 0.05 for SGD", NULL},
        {"--optim", "adam|sgd", CLI_FN, &c->sgd, 0, 0, "Adam, or SGD with Nesterov momentum 0.9",
         "adam", parse_optim},
        {0}};
    cli cl = {PROG, "",
              "Trains an MLP on Fashion-MNIST (Debian package dataset-fashion-mnist) and prints\n"
              "the test accuracy after every epoch; writes the loss curve to --svg. --quick:\n"
              "hidden 32, 2000 training and 1000 test images, 2 epochs.\n",
              opts, 0, NULL, 0, false};
    int rc = cli_parse(&cl, argc, argv);
    c->lr = lr >= 0 ? lr : c->sgd ? 0.05 : 1e-3;
    return rc;
}

/* Images idx[0..n-1] as a (n,784) step tensor scaled to [0,1], labels into lab. */
static tg_tensor *batch(tg_tape *t, const tg_idx *img, const tg_idx *lab, const int *idx, int n,
                        int *labels) {
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){n, D}, NULL, 0);
    if (!x) return NULL;
    for (int i = 0; i < n; i++) {
        const uint8_t *p = img->data + (size_t)idx[i] * D;
        for (int j = 0; j < D; j++) x->data[(size_t)i * D + j] = (tg_real)p[j] / (tg_real)255;
        labels[i] = lab->data[idx[i]];
    }
    return x;
}

/* Test loss and accuracy on the first n images (no gradients recorded). */
static int evaluate(tg_tape *t, const tg_mlp *m, const tg_idx *img, const tg_idx *lab, int n,
                    double *loss, double *acc, int *confusion) {
    int idx[EVAL_BATCH], labels[EVAL_BATCH], correct = 0;
    double sum = 0;
    bool was = tg_tape_set_grad_enabled(t, false);
    for (int s = 0; s < n; s += EVAL_BATCH) {
        int bs = n - s < EVAL_BATCH ? n - s : EVAL_BATCH;
        for (int i = 0; i < bs; i++) idx[i] = s + i;
        tg_tape_reset(t);
        tg_tensor *logits = tg_mlp_forward(t, m, batch(t, img, lab, idx, bs, labels));
        tg_tensor *l = tg_cross_entropy(t, logits, labels);
        if (!l) break;
        sum += (double)tg_item(l) * bs;
        for (int i = 0; i < bs; i++) {
            const tg_real *z = logits->data + (size_t)i * C;
            int best = 0;
            for (int k = 1; k < C; k++)
                if (z[k] > z[best]) best = k;
            correct += best == labels[i];
            if (confusion) confusion[labels[i] * C + best]++;
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

int main(int argc, char **argv) {
    config c = {.o = {.epochs = 15, .seed = 1, .svg = PROG "_loss.svg"}, .hidden = 256, .batch = 64};
    if (tu_has_quick(argc, argv)) { /* small enough for the sanitizer build of meson test */
        c.hidden = 32, c.o.epochs = 2;
    }
    int cli_rc = parse(argc, argv, &c);
    if (cli_rc != CLI_RUN) return cli_rc;

    tu_fashion fd;
    int load_rc = tu_fashion_load(PROG, c.data, c.o.quick, &fd);
    if (load_rc != 0) return load_rc;
    c.n_train = fd.n_train, c.n_test = fd.n_test;
    if (c.batch > c.n_train) c.batch = c.n_train;

    char fp[256];
    snprintf(fp, sizeof fp, PROG " hidden=%d batch=%d lr=%.17g optim=%s n_train=%d", c.hidden,
             c.batch, c.lr, c.sgd ? "sgd" : "adam", c.n_train);
    const uint64_t config_hash = tu_hash(fp);

    tg_rng rng;
    tg_rng_seed(&rng, c.o.seed);
    tg_mlp *m = tg_mlp_new("mlp", 3, (int[]){D, c.hidden, C}, TG_ACT_RELU, TG_ACT_IDENTITY, &rng);
    tg_params ps = {0};
    tg_optim *opt = NULL;
    if (m && tg_mlp_params(m, &ps) == TG_OK) {
        if (c.sgd) {
            tg_sgd_opts so = tg_sgd_defaults();
            so.lr = c.lr, so.momentum = 0.9, so.nesterov = true;
            opt = tg_sgd_new(&ps, &so);
        } else {
            tg_adam_opts ao = tg_adam_defaults();
            ao.lr = c.lr;
            opt = tg_adam_new(&ps, &ao);
        }
    }
    tg_sched *sched = opt ? tg_sched_step_decay_new(opt, 5, 0.5) : NULL;
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
    printf("Fashion-MNIST: MLP %d-%d-%d (%zu parameters), %s lr %g, batch %d, %d train / %d test"
           " images, seed %llu, %d thread(s)\n", D, c.hidden, C, tg_params_numel(&ps),
           tg_optim_name(opt), c.lr, c.batch, c.n_train, c.n_test,
           (unsigned long long)c.o.seed, tg_get_num_threads());

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
            tg_tensor *loss = tg_cross_entropy(t, tg_mlp_forward(t, m, x), labels);
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
        if (evaluate(t, m, &fd.test_img, &fd.test_lab, c.n_test, &test_loss, &acc, NULL) != 0) goto done;
        tu_run_test_point(&run, epoch + 1, test_loss);
        printf("epoch %2d/%d  train loss %.4f  test loss %.4f  test accuracy %.2f%%  (%.2f s)\n",
               epoch + 1, c.o.epochs, train_loss, test_loss, 100 * acc, dt);
        fflush(stdout);
        if (c.o.save && tu_save(PROG, c.o.save, &ps, opt, config_hash, epoch + 1, &rng) != 0)
            goto done;
    }
    int confusion[C * C] = {0};
    if (evaluate(t, m, &fd.test_img, &fd.test_lab, c.n_test, &test_loss, &acc, confusion) != 0) goto done;
    tu_print_accuracy(acc, c.o.epochs, train_time, epochs_run);
    printf("\nper class:");
    for (int k = 0; k < C; k++) {
        int tot = 0;
        for (int j = 0; j < C; j++) tot += confusion[k * C + j];
        printf("%s %s %.0f%%", k % 5 ? "," : "\n ", CLASSES[k],
               tot ? 100.0 * confusion[k * C + k] / tot : 0.0);
    }
    printf("\n");
    status = tu_finish(PROG, "Fashion-MNIST: cross-entropy loss", &c.o, &run, &steady, acc);
done:
    tu_run_free(&run);
    tg_tape_free(t);
    tg_sched_free(sched);
    tg_optim_free(opt);
    tg_params_free(&ps);
    tg_mlp_free(m);
    tu_fashion_free(&fd);
    return status;
}
