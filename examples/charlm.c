/* charlm.c — a character-level language model (LSTM or GRU) trained with truncated
 * backpropagation through time; reports bits per character on held-out text and
 * samples new text at a chosen temperature.
 *
 *   Run:  ./build/examples/charlm [options] [FILE]
 *   FILE: any text (default /usr/share/common-licenses/GPL-3, on every Debian machine)
 *
 * Data: the bytes of FILE (tg_text_read: the vocabulary is the set of distinct bytes).
 * The first 90% train, the last 10% are held out.
 *
 * Model, per time step (shapes for a batch of B streams):
 *   e_t = E[x_t]             (B,D)   embedding (tg_embedding), D = 32
 *   h_t = cell(e_t, h_{t-1}) (B,H)   LSTM or GRU (tg_rnn; --layers stacked), H = 256
 *   z_t = h_t W + b          (B,V)   logits over the V characters (tg_linear)
 *   loss = mean_t,b -ln softmax(z_t)[x_{t+1}]   (tg_cross_entropy, in nats)
 * bits per character = loss / ln 2.
 *
 * Truncated BPTT: the training text is cut into B = 16 parallel streams, each read in
 * chunks of T = 32 characters. After a chunk, the final state (h, and c for the LSTM)
 * is copied into a long-lived tensor that seeds the next chunk: the model sees each
 * stream continuously, but gradients stop at the chunk border and the tape is reset.
 * Every epoch starts the streams at a random offset 0..T-1 (from the run's seeded
 * tg_rng) so chunk borders move. Dropout 0.3 on the recurrent output (training only;
 * the masks come from the same tg_rng), Adam lr 3e-3 halved every 8 epochs (step
 * decay, a function of the epoch alone, so a resumed run follows it), gradient norm
 * clipped to 1. Default: 12 epochs; on GPL-3 (31634 training characters) more epochs
 * only overfit.
 *
 * Held-out bits per character: one stream over the last 10%, from a zero state, state
 * carried from chunk to chunk, no gradients. Sampling: the model reads --prime, then
 * draws each next character from softmax(z / temperature) (0: always the most likely).
 *
 * Options (and the common ones of train_util.h: --epochs --seed --save --resume
 * --svg --quick; --seconds S: a training-time budget, see train_util.h; the race
 * against examples/chartransformer, scripts/bpc_race.sh, uses it):
 *   --model lstm|gru   the cell (lstm)
 *   --hidden N         hidden size H (256)     --layers N   stacked layers (1)
 *   --seq T            truncation length (32)  --batch B    parallel streams (16)
 *   --lr X             Adam learning rate (3e-3)
 *   --lr-step N        halve the learning rate every N epochs (8; 0: never)
 *   --dropout P        dropout probability on the recurrent output (0.3)
 *   --temperature X    sampling temperature (0.8)  --sample N  characters (400)
 *   --prime TEXT       what the model reads before sampling (default: the first 16
 *                      characters of the held-out text)
 * --quick trains hidden 32 on the first 5000 characters for 2 epochs (seconds).
 *
 * Measured (./build/examples/charlm, the run of README.md's "Real data": one run on
 * 2026-12-01, float build, 2 threads, a 2-vCPU VM shared with other jobs, so the time
 * is that of a loaded machine):
 *   held-out 2.746 bits per character after 12 epochs (train 1.68), 9.2 s per epoch;
 *   an earlier run with --model gru: 2.841 (best 2.726 at epoch 7: the GRU overfits
 *   sooner).
 * For scale, the held-out 10% (the capitalised disclaimer and the "How to Apply"
 * appendix) given the rest costs gzip -9 2.84, xz -9e 2.64 and bzip2 -9 2.50 bits per
 * character; character frequencies alone 5.05.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "svg_chart.h"
#include <tapegrad/tg_threads.h>
#include "train_util.h"

#define PROG "charlm"
#define DEFAULT_TEXT "/usr/share/common-licenses/GPL-3"
#define EMB 32

typedef struct {
    tu_opts o;
    const char *file;
    tg_rnn_kind kind;
    int hidden, layers, seq, batch, sample, lr_step;
    double lr, temperature, dropout, seconds;
    const char *prime;
} config;

/* CLI_RUN, or the exit code (cli.h). */
static int parse(int argc, char **argv, config *c) {
    const cli_opt opts[] = {
        TU_COMMON_OPTS(c->o),
        {"--model", "lstm|gru", CLI_FN, &c->kind, 0, 0, "the recurrent cell", "lstm", tu_cli_model},
        {"--hidden", "N", CLI_INT, &c->hidden, 1, 4096, "hidden size", NULL, NULL},
        {"--layers", "N", CLI_INT, &c->layers, 1, 8, "stacked recurrent layers", NULL, NULL},
        {"--seq", "T", CLI_INT, &c->seq, 1, 4096, "truncation length", NULL, NULL},
        {"--batch", "B", CLI_INT, &c->batch, 1, 4096, "parallel streams", NULL, NULL},
        {"--lr", "X", CLI_DOUBLE, &c->lr, 0, 10, "Adam learning rate", NULL, NULL},
        {"--lr-step", "N", CLI_INT, &c->lr_step, 0, 100000,
         "halve the learning rate every N epochs (0: never)", NULL, NULL},
        {"--dropout", "P", CLI_DOUBLE, &c->dropout, 0, 0.95,
         "dropout probability on the recurrent output", NULL, NULL},
        {"--temperature", "X", CLI_DOUBLE, &c->temperature, 0, 100,
         "sampling temperature (0: always the most likely)", NULL, NULL},
        {"--sample", "N", CLI_INT, &c->sample, 0, 1000000, "characters to sample", NULL, NULL},
        TU_BUDGET_OPT(c->seconds),
        {"--prime", "TEXT", CLI_STR, &c->prime, 0, 0, "what the model reads before sampling",
         "the first 16 held-out characters", NULL},
        {0}};
    cli cl = {PROG, "[FILE]",
              "Trains a character-level language model on FILE (default " DEFAULT_TEXT "),\n"
              "reports bits per character on its last 10% and samples text; writes the loss\n"
              "curve to --svg. --quick: hidden 32, the first 5000 characters, 2 epochs.\n",
              opts, 1, &c->file, 0, false};
    return cli_parse(&cl, argc, argv);
}

typedef struct {
    tg_tensor *h, *c;  /* (L,B,H) carried state; c for the LSTM only (else NULL) */
    tg_tensor *hn, *cn;/* the last chunk's final state, on the tape, until carried */
} state;

/* Copies the last chunk's final state into the carried one. After tg_backward: the
 * chunk's first step saved h and c (matmul, mul), so writing them before the sweep
 * would change its gradients (tg_backward refuses: their versions changed). */
static void state_carry(state *st) {
    if (st->hn) tg_tensor_copy_from(st->h, st->hn->data, st->hn->size);  /* (L, B, H) */
    if (st->c && st->cn) tg_tensor_copy_from(st->c, st->cn->data, st->cn->size);
    st->hn = st->cn = NULL;
}

typedef struct {
    tg_embedding *emb;
    tg_rnn *rnn;
    tg_linear *head;
    tg_params ps;
    state train;       /* B = --batch streams */
    state one;         /* B = 1: held-out text and sampling */
} model;

/* Logits (T*B, V) for the tokens idx (T*B, time-major: idx[t*B + b]); starts from the
 * carried state and keeps the final state for state_carry (at once when no backward
 * follows, gradients disabled).
 * With drop_rng (training), dropout with probability p on the recurrent layer's output:
 * out * mask, mask = 0 with probability p, else 1/(1-p) (inverted dropout). */
static tg_tensor *forward(tg_tape *t, const model *m, state *st, const int *idx, int T, int B,
                          tg_rng *drop_rng, double p) {
    tg_tensor *e = tg_embedding_forward(t, m->emb, idx, T * B);          /* (T*B, D) */
    e = tg_reshape(t, e, 3, (int[]){T, B, EMB});                         /* (T, B, D) */
    tg_tensor *out, *hn, *cn;
    if (tg_rnn_forward(t, m->rnn, e, st->h, st->c, &out, &hn, st->c ? &cn : NULL) != TG_OK)
        return NULL;
    out = tg_reshape(t, out, 2, (int[]){T * B, -1});                    /* (T*B, H) */
    if (drop_rng && p > 0) {
        tg_tensor *mask = tg_tape_tensor(t, 2, out->shape, NULL, 0);
        if (!mask) return NULL;
        for (size_t i = 0; i < mask->size; i++)
            mask->data[i] = tg_rng_uniform(drop_rng) < p ? 0 : (tg_real)(1 / (1 - p));
        out = tg_mul(t, out, mask);
    }
    tg_tensor *z = tg_linear_forward(t, m->head, out);
    if (!z) return NULL;
    st->hn = hn;
    st->cn = st->c ? cn : NULL;
    if (!tg_tape_grad_enabled(t)) state_carry(st);
    return z;                                                           /* (T*B, V) */
}

/* A zero state for B streams (long-lived tensors without gradient: constants to the
 * tape). Returns 0, or -1 out of memory. */
static int state_new(state *st, bool lstm, int L, int B, int H) {
    st->h = tg_tensor_new(3, (int[]){L, B, H}, 0);
    st->c = lstm ? tg_tensor_new(3, (int[]){L, B, H}, 0) : NULL;
    return st->h && (st->c || !lstm) ? 0 : -1;
}

static void state_zero(state *st) {
    tg_tensor_fill(st->h, 0);
    if (st->c) tg_tensor_fill(st->c, 0);
}

/* Bits per character of the model on ids[0..n-1] read as one stream. */
static double heldout_bpc(tg_tape *t, model *m, const config *c, const int *ids, int n) {
    double nats = 0;
    bool was = tg_tape_set_grad_enabled(t, false);
    state_zero(&m->one);
    for (int s = 0; s + 1 < n; s += c->seq) {
        int T = n - 1 - s < c->seq ? n - 1 - s : c->seq;
        tg_tape_reset(t);
        tg_tensor *l = tg_cross_entropy(t, forward(t, m, &m->one, ids + s, T, 1, NULL, 0), ids + s + 1);
        if (!l) break;
        nats += (double)tg_item(l) * T;
    }
    tg_tape_set_grad_enabled(t, was);
    if (tg_tape_status(t) != TG_OK) {
        fprintf(stderr, PROG ": evaluation failed: %s\n", tg_tape_message(t));
        return NAN;
    }
    return nats / (n - 1) / log(2.0);
}

/* Reads the prime, then prints n sampled characters. */
static int sample(tg_tape *t, model *m, const config *c, const tg_text *txt, const int *prime,
                  int n_prime, tg_rng *r) {
    double *p = malloc((size_t)txt->vocab_size * sizeof *p);
    if (!p) return -1;
    state_zero(&m->one);
    bool was = tg_tape_set_grad_enabled(t, false);
    for (int i = 0; i < n_prime; i++) putchar(txt->vocab[prime[i]]);
    int tok = prime[n_prime - 1];
    if (n_prime > 1) { /* read all but the last prime character in one go */
        tg_tape_reset(t);
        forward(t, m, &m->one, prime, n_prime - 1, 1, NULL, 0);
    }
    for (int k = 0; k < c->sample && tg_tape_status(t) == TG_OK; k++) {
        tg_tape_reset(t);
        tg_tensor *z = forward(t, m, &m->one, &tok, 1, 1, NULL, 0);
        if (!z) break;
        putchar(txt->vocab[tok = tu_draw(z->data, txt->vocab_size, c->temperature, p, r)]);
    }
    putchar('\n');
    tg_tape_set_grad_enabled(t, was);
    free(p);
    if (tg_tape_status(t) != TG_OK) {
        fprintf(stderr, PROG ": sampling failed: %s\n", tg_tape_message(t));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    config c = {.o = {.epochs = 12, .seed = 1, .svg = PROG "_loss.svg"}, .kind = TG_RNN_LSTM,
                .hidden = 256, .layers = 1, .seq = 32, .batch = 16, .sample = 400, .lr = 3e-3,
                .lr_step = 8, .temperature = 0.8, .dropout = 0.3};
    if (tu_has_quick(argc, argv)) { /* small enough for the sanitizer build of meson test */
        c.hidden = 32, c.seq = 16, c.batch = 8, c.sample = 80, c.o.epochs = 2;
    }
    int cli_rc = parse(argc, argv, &c);
    if (cli_rc != CLI_RUN) return cli_rc;
    tu_chars ch;
    const size_t cap = c.o.quick ? 5000 : (size_t)1 << 30; /* --quick: a prefix */
    int load_rc = tu_chars_load(PROG, c.file, DEFAULT_TEXT, cap, c.prime, &ch);
    if (load_rc) return load_rc;
    const char *file = c.file ? c.file : DEFAULT_TEXT;
    const tg_text txt = ch.txt;
    int n = ch.n, n_train = ch.n_train, n_held = ch.n_held;
    /* Streams: B of length len, starting at off + b*len, off in 0..T-1. */
    int len = (n_train - 1 - c.seq) / c.batch, chunks = len / c.seq;
    if (chunks < 1 || n_held < 2) {
        fprintf(stderr, PROG ": %s: %d characters are too few for %d streams of chunks of %d\n",
                file, n, c.batch, c.seq);
        tu_chars_free(&ch);
        return 1;
    }

    char fp[512];
    snprintf(fp, sizeof fp, PROG " %s hidden=%d layers=%d seq=%d batch=%d lr=%.17g lr_step=%d dropout=%.17g n=%d text=%llx",
             tg_rnn_kind_name(c.kind), c.hidden, c.layers, c.seq, c.batch, c.lr, c.lr_step, c.dropout, n,
             (unsigned long long)tu_hash((const char *)txt.bytes));
    const uint64_t config_hash = tu_hash(fp);

    tg_rng rng;
    tg_rng_seed(&rng, c.o.seed);
    model m = {0};
    tg_rnn_config rc = {c.kind, EMB, c.hidden, c.layers, true};
    m.emb = tg_embedding_new("emb", txt.vocab_size, EMB, &rng);
    m.rnn = tg_rnn_new("rnn", &rc, &rng);
    m.head = tg_linear_new("head", c.hidden, txt.vocab_size, TG_INIT_GLOROT, &rng);
    tg_optim *opt = NULL;
    bool lstm = c.kind == TG_RNN_LSTM;
    if (m.emb && m.rnn && m.head && state_new(&m.train, lstm, c.layers, c.batch, c.hidden) == 0 &&
        state_new(&m.one, lstm, c.layers, 1, c.hidden) == 0 && tg_embedding_params(m.emb, &m.ps) == TG_OK &&
        tg_rnn_params(m.rnn, &m.ps) == TG_OK && tg_linear_params(m.head, &m.ps) == TG_OK) {
        tg_adam_opts ao = tg_adam_defaults();
        ao.lr = c.lr;
        opt = tg_adam_new(&m.ps, &ao);
    }
    tg_sched *sched = opt && c.lr_step ? tg_sched_step_decay_new(opt, c.lr_step, 0.5) : NULL;
    tg_tape *t = tg_tape_new();
    int *xs = malloc((size_t)c.seq * c.batch * sizeof *xs);
    int *ys = malloc((size_t)c.seq * c.batch * sizeof *ys);
    double *curve_x = malloc((size_t)c.o.epochs * chunks * sizeof *curve_x);
    double *curve_y = malloc((size_t)c.o.epochs * chunks * sizeof *curve_y);
    double *held_x = malloc((size_t)c.o.epochs * sizeof *held_x);
    double *held_y = malloc((size_t)c.o.epochs * sizeof *held_y);
    int status = 1;
    if (!opt || (c.lr_step && !sched) || !t || !xs || !ys || !curve_x || !curve_y || !held_x || !held_y) {
        fprintf(stderr, PROG ": setup failed: %s\n", tg_last_error());
        goto done;
    }

    int epoch = 0;
    if (c.o.resume) {
        if (tu_resume(PROG, c.o.resume, &m.ps, opt, config_hash, &epoch, &rng) != 0) goto done;
        printf("resumed from %s after epoch %d\n", c.o.resume, epoch);
    }
    if (sched) tg_sched_set_epoch(sched, epoch);
    printf("%s: %d characters (%d train, %d held out), vocabulary %d\n", file, n, n_train, n_held,
           txt.vocab_size);
    printf("model: embedding %d -> %s %d x %d -> linear %d (%zu parameters); %d streams x %d"
           " chunks of %d, Adam lr %g, seed %llu, %d thread(s)\n", EMB, tg_rnn_kind_name(c.kind),
           c.layers, c.hidden, txt.vocab_size, tg_params_numel(&m.ps), c.batch, chunks, c.seq,
           c.lr, (unsigned long long)c.o.seed, tg_get_num_threads());

    tu_progress prog;
    tu_steady steady = {0};
    int n_curve = 0, n_heldc = 0, epochs_run = 0;
    double train_time = 0, bpc = NAN, best = INFINITY;
    long steps_run = 0;
    bool spent = false; /* the --seconds budget */
    tu_progress_start(&prog, (long)(c.o.epochs - epoch) * chunks, "char");
    for (; epoch < c.o.epochs && !spent; epoch++) {
        double t0 = tu_now();
        int k = 0;
        int off = (int)(tg_rng_u64(&rng) % (uint64_t)c.seq);
        state_zero(&m.train);
        for (; k < chunks && !spent; k++) {
            for (int s = 0; s < c.seq; s++)        /* time-major: row s*B + b */
                for (int b = 0; b < c.batch; b++) {
                    int i = off + b * len + k * c.seq + s;
                    xs[s * c.batch + b] = txt.ids[i];
                    ys[s * c.batch + b] = txt.ids[i + 1];
                }
            tu_steady_begin(&steady);
            tg_tape_reset(t);
            tg_tensor *loss = tg_cross_entropy(t, forward(t, &m, &m.train, xs, c.seq, c.batch, &rng, c.dropout), ys);
            tg_optim_zero_grad(opt);
            if (tg_backward(t, loss, NULL) != TG_OK) {
                fprintf(stderr, "\n" PROG ": %s\n", tg_tape_message(t));
                goto done;
            }
            state_carry(&m.train);
            tg_clip_grad_norm(&m.ps, 1.0, 2.0, NULL);
            if (tg_optim_step(opt) != TG_OK) {
                fprintf(stderr, "\n" PROG ": %s\n", tg_last_error());
                goto done;
            }
            tu_steady_end(&steady);
            double l = (double)tg_item(loss) / log(2.0);
            tu_progress_step(&prog, epoch, c.o.epochs, k, chunks, l, (long)c.seq * c.batch);
            curve_x[n_curve] = epoch + (double)(k + 1) / chunks;
            curve_y[n_curve++] = l;
            steps_run++;
            spent = tu_budget_spent(c.seconds, train_time + tu_now() - t0);
        }
        double train_bpc = tu_progress_epoch_end(&prog), dt = tu_now() - t0;
        train_time += dt;
        if (k < chunks) break; /* the budget ended the epoch early: evaluated below */
        epochs_run++;
        if (sched) tg_sched_step(sched);
        bpc = heldout_bpc(t, &m, &c, txt.ids + n_train, n_held);
        if (isnan(bpc)) goto done;
        best = bpc < best ? bpc : best;
        held_x[n_heldc] = epoch + 1, held_y[n_heldc++] = bpc;
        printf("epoch %2d/%d  train %.3f bpc  held-out %.3f bpc  (%.2f s)\n", epoch + 1,
               c.o.epochs, train_bpc, bpc, dt);
        fflush(stdout);
        if (c.o.save && tu_save(PROG, c.o.save, &m.ps, opt, config_hash, epoch + 1, &rng) != 0)
            goto done;
    }
    if ((!epochs_run || spent) && isnan(bpc = heldout_bpc(t, &m, &c, txt.ids + n_train, n_held)))
        goto done;
    tu_print_heldout(PROG, &ch, bpc, epoch, spent, steps_run, best, train_time, epochs_run);

    printf("\nsample (temperature %g):\n", c.temperature);
    tg_rng srng; /* its own generator: sampling does not disturb training's */
    tg_rng_seed(&srng, c.o.seed ^ 0x5a4d504cu);
    if (sample(t, &m, &c, &txt, ch.prime, ch.n_prime, &srng) != 0) goto done;
    if (steady.allocs) {
        fprintf(stderr, PROG ": %zu allocations during steady training steps (expected 0)\n",
                steady.allocs);
        goto done;
    }
    svg_chart *sc = svg_chart_new("Character model: loss in bits per character", "epoch", "bpc");
    if (sc) {
        svg_chart_add(sc, "train (per chunk)", curve_x, curve_y, n_curve);
        svg_chart_add(sc, "held-out", held_x, held_y, n_heldc);
        int written = svg_chart_write(sc, c.o.svg) == 0;
        if (!written) cli_write_failed(PROG, c.o.svg);
        svg_chart_free(sc);
        if (!written) goto done;
        printf("loss curve: %s\n", c.o.svg);
    }
    status = 0;
done:
    free(xs);
    free(ys);
    free(curve_x);
    free(curve_y);
    free(held_x);
    free(held_y);
    tg_tape_free(t);
    tg_sched_free(sched);
    tg_optim_free(opt);
    tg_params_free(&m.ps);
    tg_tensor_free(m.train.h);
    tg_tensor_free(m.train.c);
    tg_tensor_free(m.one.h);
    tg_tensor_free(m.one.c);
    tg_embedding_free(m.emb);
    tg_rnn_free(m.rnn);
    tg_linear_free(m.head);
    tu_chars_free(&ch);
    return status;
}
