/* chartransformer.c — a decoder-only character Transformer (GPT style) on the text and
 * the train/held-out split of charlm; reports bits per character on the held-out text
 * and samples new text at a chosen temperature.
 *
 *   Run:  ./build/examples/chartransformer [options] [FILE]
 *   FILE: any text (default /usr/share/common-licenses/GPL-3, on every Debian machine)
 *
 * Data: as charlm (tu_chars_load): the first 90% train, the last 10% are held out.
 *
 * Model, for a batch of B windows of T characters (tokens idx (B,T)):
 *   x = E[idx] + P[0:T]                 (B,T,d)  tg_embedding + tg_pos_embedding
 *   x = dropout(x)                               (training only)
 *   x = block_l(x), l = 1..L            (B,T,d)  pre-norm encoder blocks with the causal
 *                                                mask (tg_transformer.h): a decoder-only
 *                                                Transformer has no cross-attention
 *   z = LN(x) E^T + b                   (B*T,V)  logits for the next character: the
 *                                                output layer is the token embedding E
 *                                                transposed (tied; --untied: its own W)
 *   loss = mean -ln softmax(z)[next character]   (tg_cross_entropy, in nats)
 * Defaults: d 128, 4 heads, 1 layer, feed-forward 4d with ReLU, context T 20, batches
 * of 12 windows, AdamW lr 3e-3 with weight decay 0.3, 400 warm-up steps, 30 epochs.
 * Why these: in charlm's training time (about 2,300 steps) this model is limited by
 * the number of updates it gets, not by overfitting. In a sweep of 4 to 12 seeds per
 * setting, dropout (even 0.05), GELU, two layers, a context of 48 and batches of 16
 * all did worse; context 20 with 12 windows and 400 warm-up steps was 0.05 bits per
 * character lower than context 32 with 8 windows and 200 (2.672 against 2.724 on the
 * mean of 12 seeds), with no other setting clearly better.
 *
 * Training: each step draws B window starts uniformly from the training text (the
 * run's seeded tg_rng; also the dropout masks); an epoch is n_train / (B T) steps, as
 * many characters as the training text has. AdamW; the learning rate rises linearly
 * over --warmup steps, then falls along a half cosine to 1/10 of --lr at the end of
 * --anneal epochs or, with --seconds, at the end of the budget, whichever comes first
 * (then stays there). The schedule depends on the step count, not on --epochs, so a
 * run of 2 epochs is the start of a run of 3 (what --resume needs). Gradient norm
 * clipped to 1.
 *
 * Held-out bits per character: every held-out character after the first is predicted
 * once, from windows of T characters T/4 apart: the first window scores all its
 * positions, each later one only its last quarter, so every prediction but the first
 * 3T/4 sees at least 3T/4 characters of context (charlm's LSTM carries its state over
 * the whole held-out text). No dropout, no gradients.
 * Sampling: the model reads --prime, then draws each next character from
 * softmax(z / temperature) of the last position, the context being the last T
 * characters read or drawn.
 *
 * Options (and the common ones of train_util.h: --epochs --seed --save --resume
 * --svg --quick; --seconds S: a training-time budget, see train_util.h):
 *   --dim D  --heads H  --layers L  --ff N (0: 4 D)  --ctx T  --batch B
 *   --lr X  --weight-decay X  --warmup N  --anneal N  --dropout P  --untied
 *   --temperature X  --sample N  --prime TEXT
 * --quick: d 32, 2 heads, 1 layer, context 16, batch 8, warm-up 10, the first 5000 characters,
 * 2 epochs (seconds).
 *
 * scripts/bpc_race.sh runs charlm to its natural end, then this program with charlm's
 * measured training time as its --seconds budget, and prints both held-out figures.
 *
 * Measured (BPC_RACE_ARGS="--seed S" sh scripts/bpc_race.sh build 120 1 for S = 1 .. 8,
 * one after the other on 2026-12-03, float build, 1 thread, wall clock, a 2-vCPU VM
 * with nothing else running; charlm's 12 epochs took 11.0 to 11.9 s, and each race
 * gives this program the same budget, 3108 to 3278 steps). Held-out bits per
 * character:
 *   seed          1      2      3      4      5      6      7      8    mean
 *   this program  2.6697 2.6429 2.6333 2.6307 2.6152 2.6990 2.6505 2.6864 2.6535
 *   charlm        2.7426 2.7495 2.7812 2.7470 2.7435 2.7432 2.7897 2.7534 2.7563
 * The Transformer is lower on every seed, by 0.044 to 0.148 (0.103 on the mean).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "svg_chart.h"
#include <tapegrad/tg_threads.h>
#include "train_util.h"

#define PROG "chartransformer"
#define DEFAULT_TEXT "/usr/share/common-licenses/GPL-3"
#define MAX_LAYERS 16

typedef struct {
    tu_opts o;
    const char *file;
    int dim, heads, layers, ff, ctx, batch, warmup, anneal, sample;
    double lr, dropout, temperature, seconds, wd;
    tg_ff_act act;
    bool untied;
    const char *prime;
} config;

/* --act relu|gelu */
static int parse_act(const char *prog, const char *name, const char *v, void *out) {
    if (strcmp(v, "relu") == 0) *(tg_ff_act *)out = TG_FF_RELU;
    else if (strcmp(v, "gelu") == 0) *(tg_ff_act *)out = TG_FF_GELU;
    else {
        fprintf(stderr, "%s: %s must be relu or gelu, got '%s'\n", prog, name, v);
        return -1;
    }
    return 0;
}

/* CLI_RUN, or the exit code (cli.h). */
static int parse(int argc, char **argv, config *c) {
    const cli_opt opts[] = {
        TU_COMMON_OPTS(c->o),
        TU_BUDGET_OPT(c->seconds),
        {"--dim", "D", CLI_INT, &c->dim, 1, 4096, "model width d", NULL, NULL},
        {"--heads", "H", CLI_INT, &c->heads, 1, 256, "attention heads (divides d)", NULL, NULL},
        {"--layers", "L", CLI_INT, &c->layers, 1, MAX_LAYERS, "Transformer blocks", NULL, NULL},
        {"--act", "relu|gelu", CLI_FN, &c->act, 0, 0, "the feed-forward activation", "relu",
         parse_act},
        {"--ff", "N", CLI_INT, &c->ff, 0, 65536, "feed-forward width (0: 4 d)", NULL, NULL},
        {"--ctx", "T", CLI_INT, &c->ctx, 2, 4096, "context: characters per window", NULL, NULL},
        {"--batch", "B", CLI_INT, &c->batch, 1, 4096, "windows per step", NULL, NULL},
        {"--lr", "X", CLI_DOUBLE, &c->lr, 0, 10, "Adam's peak learning rate", NULL, NULL},
        {"--weight-decay", "X", CLI_DOUBLE, &c->wd, 0, 10,
         "decoupled weight decay (AdamW; 0: Adam)", NULL, NULL},
        {"--untied", NULL, CLI_FLAG, &c->untied, 0, 0,
         "a separate output layer (default: the logits are LN(x) E^T + b, E the embedding)",
         NULL, NULL},
        {"--warmup", "N", CLI_INT, &c->warmup, 0, 1000000, "steps of linear warm-up", NULL, NULL},
        {"--anneal", "N", CLI_INT, &c->anneal, 1, 100000,
         "epochs of the cosine decay (the schedule does not depend on --epochs)", NULL, NULL},
        {"--dropout", "P", CLI_DOUBLE, &c->dropout, 0, 0.95,
         "dropout on the embeddings, attention, sub-layer outputs and feed-forward", NULL, NULL},
        {"--temperature", "X", CLI_DOUBLE, &c->temperature, 0, 100,
         "sampling temperature (0: always the most likely)", NULL, NULL},
        {"--sample", "N", CLI_INT, &c->sample, 0, 1000000, "characters to sample", NULL, NULL},
        {"--prime", "TEXT", CLI_STR, &c->prime, 0, 0, "what the model reads before sampling",
         "the first 16 held-out characters", NULL},
        {0}};
    cli cl = {PROG, "[FILE]",
              "Trains a decoder-only character Transformer on FILE (default " DEFAULT_TEXT "),\n"
              "reports bits per character on its last 10% (charlm's split) and samples text;\n"
              "writes the loss curve to --svg. --quick: d 32, 1 layer, the first 5000\n"
              "characters, 2 epochs.\n",
              opts, 1, &c->file, 0, false};
    return cli_parse(&cl, argc, argv);
}

typedef struct {
    tg_embedding *emb;
    tg_pos_embedding *pos;
    tg_block *blocks[MAX_LAYERS];
    tg_layer_norm *ln;
    tg_linear *head;   /* --untied; else NULL */
    tg_tensor *head_b; /* the tied output layer's bias (V); else NULL */
    tg_params ps;
    int layers, dim;
    tg_real dropout;
} model;

/* Logits (B*T, V) for the tokens idx (B,T) (row b*T + t predicts idx[b*T + t + 1]).
 * rng: the dropout's draws in training (train true). */
static tg_tensor *forward(tg_tape *t, const model *m, const int *idx, int B, int T, tg_rng *rng,
                          bool train) {
    tg_tensor *x = tg_reshape(t, tg_embedding_forward(t, m->emb, idx, B * T), 3,
                              (int[]){B, T, m->dim});
    x = tg_pos_embedding_forward(t, m->pos, x);
    if (train && m->dropout > 0) x = tg_dropout(t, x, m->dropout, rng, true);
    for (int l = 0; l < m->layers; l++) x = tg_encoder_forward(t, m->blocks[l], x, NULL, true, rng, train);
    x = tg_layer_norm_forward(t, m->ln, x);
    x = tg_reshape(t, x, 2, (int[]){B * T, m->dim});
    if (m->head_b) return tg_add(t, tg_matmul_t(t, x, m->emb->E, false, true), m->head_b);
    return tg_linear_forward(t, m->head, x);
}

/* -ln softmax(z)[y] for one row of logits, in double. */
static double nll(const tg_real *z, int V, int y) {
    double mx = z[0], s = 0;
    for (int j = 1; j < V; j++) mx = z[j] > mx ? z[j] : mx;
    for (int j = 0; j < V; j++) s += exp((double)z[j] - mx);
    return log(s) + mx - (double)z[y];
}

/* Bits per character on ids[0..n-1] (see the header: overlapping windows, each
 * target scored once); xs has room for batch * ctx ids. */
static double heldout_bpc(tg_tape *t, const model *m, const config *c, const int *ids, int n,
                          int V, int *xs) {
    int T = c->ctx < n - 1 ? c->ctx : n - 1, stride = T / 4 > 0 ? T / 4 : 1;
    double nats = 0;
    int done = 0; /* targets 1..done are scored */
    bool was = tg_tape_set_grad_enabled(t, false);
    for (int s = 0; done < n - 1;) {
        int starts[4096], G = 0;
        for (; G < c->batch && G < 4096 && (G == 0 || starts[G - 1] + T < n - 1); G++) {
            starts[G] = s;
            memcpy(xs + (size_t)G * T, ids + s, (size_t)T * sizeof *xs);
            s = s + stride + T < n - 1 ? s + stride : n - 1 - T;
        }
        tg_tape_reset(t);
        tg_tensor *z = forward(t, m, xs, G, T, NULL, false);
        if (!z) break;
        for (int g = 0; g < G; g++) {
            for (int p = done - starts[g]; p < T; p++)
                nats += nll(z->data + ((size_t)g * T + p) * V, V, ids[starts[g] + p + 1]);
            done = starts[g] + T;
        }
    }
    tg_tape_set_grad_enabled(t, was);
    if (tg_tape_status(t) != TG_OK) {
        fprintf(stderr, PROG ": evaluation failed: %s\n", tg_tape_message(t));
        return NAN;
    }
    return nats / (n - 1) / log(2.0);
}

/* Reads the prime, then prints c->sample drawn characters. */
static int sample(tg_tape *t, const model *m, const config *c, const tu_chars *ch, tg_rng *r) {
    const tg_text *txt = &ch->txt;
    int V = txt->vocab_size, T = c->ctx, len = 0;
    double *p = malloc((size_t)V * sizeof *p);
    int *buf = malloc((size_t)T * sizeof *buf);
    if (!p || !buf) {
        free(p);
        free(buf);
        return -1;
    }
    bool was = tg_tape_set_grad_enabled(t, false);
    for (int i = 0; i < ch->n_prime; i++) {
        putchar(txt->vocab[ch->prime[i]]);
        if (len == T) memmove(buf, buf + 1, (size_t)(--len) * sizeof *buf);
        buf[len++] = ch->prime[i];
    }
    for (int k = 0; k < c->sample; k++) {
        tg_tape_reset(t);
        tg_tensor *z = forward(t, m, buf, 1, len, NULL, false);
        if (!z) break;
        int tok = tu_draw(z->data + (size_t)(len - 1) * V, V, c->temperature, p, r);
        putchar(txt->vocab[tok]);
        if (len == T) memmove(buf, buf + 1, (size_t)(--len) * sizeof *buf);
        buf[len++] = tok;
    }
    putchar('\n');
    tg_tape_set_grad_enabled(t, was);
    free(p);
    free(buf);
    if (tg_tape_status(t) != TG_OK) {
        fprintf(stderr, PROG ": sampling failed: %s\n", tg_tape_message(t));
        return -1;
    }
    return 0;
}

/* The learning rate at progress f in [0, 1] of training, after `step` steps. */
static double lr_at(const config *c, long step, double f) {
    double warm = c->warmup > 0 && step < c->warmup ? (double)(step + 1) / c->warmup : 1;
    f = f < 1 ? f : 1;
    return c->lr * warm * (0.1 + 0.45 * (1 + cos(3.14159265358979323846 * f)));
}

static int model_new(model *m, const config *c, int V, tg_rng *rng) {
    tg_block_config bc = {.dim = c->dim, .heads = c->heads, .ff_dim = c->ff ? c->ff : 4 * c->dim,
                          .dropout = (tg_real)c->dropout, .act = c->act, .norm_first = true,
                          .eps = 1e-5};
    m->layers = c->layers, m->dim = c->dim, m->dropout = (tg_real)c->dropout;
    m->emb = tg_embedding_new("emb", V, c->dim, rng);
    m->pos = tg_pos_embedding_new("pos", c->ctx, c->dim, rng);
    /* The token embedding from N(0, 0.02^2) like the positions' (GPT-2's
     * initialisation), not nn.Embedding's N(0, 1): at 50 times the positions' scale
     * the position would be a faint signal after the first layer norm, and attention
     * would have to learn a long while before it can tell the previous character. */
    if (m->emb) tg_tensor_normal(m->emb->E, rng, 0, (tg_real)0.02);
    if (!m->emb || !m->pos || tg_embedding_params(m->emb, &m->ps) != TG_OK ||
        tg_pos_embedding_params(m->pos, &m->ps) != TG_OK)
        return -1;
    for (int l = 0; l < c->layers; l++) {
        char name[16];
        snprintf(name, sizeof name, "block%d", l);
        if (!(m->blocks[l] = tg_block_new(name, &bc, false, rng)) ||
            tg_block_params(m->blocks[l], &m->ps) != TG_OK)
            return -1;
    }
    m->ln = tg_layer_norm_new("ln", c->dim, 1e-5, true);
    if (!m->ln || tg_layer_norm_params(m->ln, &m->ps) != TG_OK) return -1;
    if (!c->untied) { /* tied: the output layer reuses E, only its bias is new (zeros) */
        m->head_b = tg_param_new("head.b", 1, (int[]){V});
        return m->head_b && tg_params_add(&m->ps, m->head_b) == TG_OK ? 0 : -1;
    }
    m->head = tg_linear_new("head", c->dim, V, TG_INIT_TORCH, rng);
    if (!m->head || tg_linear_params(m->head, &m->ps) != TG_OK) return -1;
    return 0;
}

static void model_free(model *m) {
    tg_params_free(&m->ps);
    tg_embedding_free(m->emb);
    tg_pos_embedding_free(m->pos);
    for (int l = 0; l < m->layers; l++) tg_block_free(m->blocks[l]);
    tg_layer_norm_free(m->ln);
    tg_linear_free(m->head);
    tg_tensor_free(m->head_b);
}

int main(int argc, char **argv) {
    config c = {.o = {.epochs = 30, .seed = 1, .svg = PROG "_loss.svg"}, .dim = 128, .heads = 4,
                .layers = 1, .ctx = 20, .batch = 12, .warmup = 400, .anneal = 30, .sample = 400,
                .lr = 3e-3, .dropout = 0, .wd = 0.3, .act = TG_FF_RELU, .temperature = 0.8};
    if (tu_has_quick(argc, argv)) { /* small enough for the sanitizer build of meson test */
        c.dim = 32, c.heads = 2, c.ctx = 16, c.batch = 8, c.warmup = 10;
        c.sample = 80, c.o.epochs = 2;
    }
    int cli_rc = parse(argc, argv, &c);
    if (cli_rc != CLI_RUN) return cli_rc;
    if (c.dim % c.heads != 0) {
        fprintf(stderr, PROG ": --dim %d is not divisible by --heads %d\n", c.dim, c.heads);
        return TU_EXIT_USAGE;
    }
    tu_chars ch;
    int rc = tu_chars_load(PROG, c.file, DEFAULT_TEXT, c.o.quick ? 5000 : (size_t)1 << 30, c.prime, &ch);
    if (rc) return rc;
    const char *file = c.file ? c.file : DEFAULT_TEXT;
    const tg_text *txt = &ch.txt;
    int V = txt->vocab_size, steps = ch.n_train / (c.batch * c.ctx);
    if (ch.n_train < c.ctx + 2 || steps < 1 || ch.n_held < 2) {
        fprintf(stderr, PROG ": %s: %d characters are too few for batches of %d windows of %d\n",
                file, ch.n, c.batch, c.ctx);
        tu_chars_free(&ch);
        return 1;
    }
    char fp[512];
    snprintf(fp, sizeof fp, PROG " dim=%d heads=%d layers=%d ff=%d act=%d ctx=%d batch=%d lr=%.17g warmup=%d anneal=%d dropout=%.17g wd=%.17g untied=%d n=%d text=%llx",
             c.dim, c.heads, c.layers, c.ff, (int)c.act, c.ctx, c.batch, c.lr, c.warmup, c.anneal, c.dropout, c.wd, (int)c.untied, ch.n, (unsigned long long)tu_hash((const char *)txt->bytes));
    const uint64_t config_hash = tu_hash(fp);

    tg_rng rng;
    tg_rng_seed(&rng, c.o.seed);
    model m = {0};
    tg_optim *opt = NULL;
    if (model_new(&m, &c, V, &rng) == 0) {
        tg_adam_opts ao = c.wd > 0 ? tg_adamw_defaults() : tg_adam_defaults();
        ao.lr = c.lr;
        ao.weight_decay = c.wd;
        opt = c.wd > 0 ? tg_adamw_new(&m.ps, &ao) : tg_adam_new(&m.ps, &ao);
    }
    tg_tape *t = tg_tape_new();
    size_t nb = (size_t)c.batch * c.ctx;
    int *xs = malloc(nb * sizeof *xs), *ys = malloc(nb * sizeof *ys);
    tu_curve curve;
    bool curve_ok = tu_curve_init(&curve, c.o.epochs, 4);
    double *held_x = malloc((size_t)c.o.epochs * sizeof *held_x);
    double *held_y = malloc((size_t)c.o.epochs * sizeof *held_y);
    int status = 1;
    if (!opt || !t || !xs || !ys || !curve_ok || !held_x || !held_y) {
        fprintf(stderr, PROG ": setup failed: %s\n", tg_last_error());
        goto done;
    }
    int epoch = 0;
    if (c.o.resume) {
        if (tu_resume(PROG, c.o.resume, &m.ps, opt, config_hash, &epoch, &rng) != 0) goto done;
        printf("resumed from %s after epoch %d\n", c.o.resume, epoch);
    }
    printf("%s: %d characters (%d train, %d held out), vocabulary %d\n", file, ch.n, ch.n_train,
           ch.n_held, V);
    printf("model: embedding %d + position -> %d x block(%d heads, ff %d, pre-norm, causal) -> "
           "%s %d (%zu parameters); %d windows x %d characters, %d steps per epoch, Adam lr %g"
           " (warm-up %d), seed %llu, %d thread(s)\n", c.dim, c.layers, c.heads,
           c.ff ? c.ff : 4 * c.dim, c.untied ? "linear" : "tied E^T +", V, tg_params_numel(&m.ps), c.batch, c.ctx, steps, c.lr,
           c.warmup, (unsigned long long)c.o.seed, tg_get_num_threads());

    tu_progress prog;
    tu_steady steady = {0};
    int n_heldc = 0, epochs_run = 0;
    double train_time = 0, bpc = NAN, best = INFINITY;
    long steps_run = 0, total = (long)c.anneal * steps;
    bool spent = false;
    tu_progress_start(&prog, (long)(c.o.epochs - epoch) * steps, "char");
    for (; epoch < c.o.epochs && !spent; epoch++) {
        double t0 = tu_now();
        int k = 0;
        for (; k < steps && !spent; k++) {
            for (int b = 0; b < c.batch; b++) {
                int s0 = (int)(tg_rng_u64(&rng) % (uint64_t)(ch.n_train - c.ctx));
                memcpy(xs + (size_t)b * c.ctx, txt->ids + s0, (size_t)c.ctx * sizeof *xs);
                memcpy(ys + (size_t)b * c.ctx, txt->ids + s0 + 1, (size_t)c.ctx * sizeof *ys);
            }
            long step = (long)epoch * steps + k;
            double f = (double)step / (double)total;
            if (c.seconds > 0 && (train_time + tu_now() - t0) / c.seconds > f)
                f = (train_time + tu_now() - t0) / c.seconds;
            tu_steady_begin(&steady);
            tg_optim_set_lr(opt, lr_at(&c, step, f));
            tg_tape_reset(t);
            tg_tensor *loss = tg_cross_entropy(t, forward(t, &m, xs, c.batch, c.ctx, &rng, true), ys);
            tg_optim_zero_grad(opt);
            if (tg_backward(t, loss, NULL) != TG_OK) {
                fprintf(stderr, "\n" PROG ": %s\n", tg_tape_message(t));
                goto done;
            }
            tg_clip_grad_norm(&m.ps, 1.0, 2.0, NULL);
            if (tg_optim_step(opt) != TG_OK) {
                fprintf(stderr, "\n" PROG ": %s\n", tg_last_error());
                goto done;
            }
            tu_steady_end(&steady);
            double l = (double)tg_item(loss) / log(2.0);
            tu_progress_step(&prog, epoch, c.o.epochs, k, steps, l, (long)nb);
            tu_curve_step(&curve, epoch, k, steps, l);
            steps_run++;
            spent = tu_budget_spent(c.seconds, train_time + tu_now() - t0);
        }
        double train_bpc = tu_progress_epoch_end(&prog), dt = tu_now() - t0;
        train_time += dt;
        if (k < steps) break; /* the budget ended the epoch early: evaluated below */
        epochs_run++;
        bpc = heldout_bpc(t, &m, &c, txt->ids + ch.n_train, ch.n_held, V, xs);
        if (isnan(bpc)) goto done;
        best = bpc < best ? bpc : best;
        held_x[n_heldc] = epoch + 1, held_y[n_heldc++] = bpc;
        printf("epoch %2d/%d  train %.3f bpc  held-out %.3f bpc  (%.2f s)\n", epoch + 1,
               c.o.epochs, train_bpc, bpc, dt);
        fflush(stdout);
        if (c.o.save && tu_save(PROG, c.o.save, &m.ps, opt, config_hash, epoch + 1, &rng) != 0)
            goto done;
    }
    if ((!epochs_run || spent) &&
        isnan(bpc = heldout_bpc(t, &m, &c, txt->ids + ch.n_train, ch.n_held, V, xs)))
        goto done;
    tu_print_heldout(PROG, &ch, bpc, epoch, spent, steps_run, best, train_time, epochs_run);

    printf("\nsample (temperature %g):\n", c.temperature);
    tg_rng srng; /* its own generator: sampling does not disturb training's */
    tg_rng_seed(&srng, c.o.seed ^ 0x5a4d504cu);
    if (sample(t, &m, &c, &ch, &srng) != 0) goto done;
    if (steady.allocs) {
        fprintf(stderr, PROG ": %zu allocations during steady training steps (expected 0)\n",
                steady.allocs);
        goto done;
    }
    svg_chart *sc = svg_chart_new("Character Transformer: loss in bits per character", "epoch", "bpc");
    if (sc) {
        svg_chart_add(sc, "train", curve.x, curve.y, curve.n);
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
    tu_curve_free(&curve);
    free(held_x);
    free(held_y);
    tg_tape_free(t);
    tg_optim_free(opt);
    model_free(&m);
    tu_chars_free(&ch);
    return status;
}
