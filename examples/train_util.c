/* train_util.c — options, progress line and checkpoints of the real-data examples.
 * See train_util.h. */
#include "train_util.h"
#include "svg_chart.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- options ---- */

int tu_parse_int(const char *prog, const char *opt, const char *s, long lo, long hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE) {
        fprintf(stderr, "%s: %s: '%s' is not an integer\n", prog, opt, s);
        return -1;
    }
    if (v < lo || v > hi) {
        fprintf(stderr, "%s: %s must be in %ld..%ld, got %ld\n", prog, opt, lo, hi, v);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int tu_parse_double(const char *prog, const char *opt, const char *s, double lo, double hi,
                    double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        fprintf(stderr, "%s: %s: '%s' is not a finite number\n", prog, opt, s);
        return -1;
    }
    if (v < lo || v > hi) {
        fprintf(stderr, "%s: %s must be in [%g, %g], got %g\n", prog, opt, lo, hi, v);
        return -1;
    }
    *out = v;
    return 0;
}

int tu_parse_u64(const char *prog, const char *opt, const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    /* strtoull accepts "-1" (as 2^64 - 1): refuse any sign. */
    if (end == s || *end != '\0' || errno == ERANGE || s[0] == '-' || s[0] == '+') {
        fprintf(stderr, "%s: %s: '%s' is not a non-negative integer\n", prog, opt, s);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int tu_cli_model(const char *prog, const char *name, const char *value, void *out) {
    (void)name;
    return tu_parse_model(prog, value, out);
}

const char *tu_value(const char *prog, int argc, char **argv, int *i) {
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s: %s needs a value\n", prog, argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

int tu_common_arg(const char *prog, int argc, char **argv, int *i, tu_opts *o) {
    const char *a = argv[*i], *v;
    if (strcmp(a, "--quick") == 0) {
        o->quick = true;
        return 1;
    }
    if (strcmp(a, "--epochs") && strcmp(a, "--seed") && strcmp(a, "--save") &&
        strcmp(a, "--resume") && strcmp(a, "--svg"))
        return 0;
    if (!(v = tu_value(prog, argc, argv, i))) return -1;
    if (strcmp(a, "--epochs") == 0) return tu_parse_int(prog, a, v, 1, 100000, &o->epochs) ? -1 : 1;
    if (strcmp(a, "--seed") == 0) return tu_parse_u64(prog, a, v, &o->seed) ? -1 : 1;
    if (v[0] == '\0') {
        fprintf(stderr, "%s: %s: empty path\n", prog, a);
        return -1;
    }
    if (strcmp(a, "--save") == 0) o->save = v;
    else if (strcmp(a, "--resume") == 0) o->resume = v;
    else o->svg = v;
    return 1;
}

bool tu_has_quick(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0) return true;
    return false;
}

double tu_now(void) {
    static int cpu = -1; /* TU_CLOCK=cpu: this process's CPU time (see train_util.h) */
    if (cpu < 0) {
        const char *v = getenv("TU_CLOCK");
        cpu = v && strcmp(v, "cpu") == 0;
    }
    struct timespec ts;
    clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- progress line ---- */

void tu_progress_start(tu_progress *p, long steps_total, const char *unit) {
    memset(p, 0, sizeof *p);
    p->tty = isatty(fileno(stdout)) != 0;
    p->unit = unit;
    p->steps_total = steps_total;
    p->t0 = tu_now();
}

/* "1h02m", "3m05s", "12s" */
static void fmt_time(char *buf, size_t n, double s) {
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60) snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else snprintf(buf, n, "%lds", t);
}

void tu_progress_step(tu_progress *p, int epoch, int epochs, int step, int steps, double loss,
                      long items) {
    p->steps_done++;
    p->items_done += (double)items;
    p->loss_sum += loss;
    p->loss_n++;
    double now = tu_now(), el = now - p->t0;
    bool last = step + 1 == steps;
    if (p->tty) {
        if (now - p->last_draw < 0.1 && !last) return;
    } else if ((long)(step + 1) * 4 / steps == (long)step * 4 / steps) {
        return; /* plain lines: at each quarter of the epoch only */
    }
    p->last_draw = now;
    char left[32];
    fmt_time(left, sizeof left, el / (double)p->steps_done * (double)(p->steps_total - p->steps_done));
    char line[160];
    int n = snprintf(line, sizeof line, "epoch %d/%d  step %d/%d  loss %.4f  %.0f %s/s  left %s",
                     epoch + 1, epochs, step + 1, steps, p->loss_sum / p->loss_n,
                     el > 0 ? p->items_done / el : 0.0, p->unit, left);
    if (p->tty) {
        /* Pad with spaces over a longer previous line; no escape sequences needed. */
        printf("\r%s%*s", line, p->line_len > n ? p->line_len - n : 0, "");
        p->line_len = n;
    } else {
        printf("%s\n", line);
    }
    fflush(stdout);
}

double tu_progress_epoch_end(tu_progress *p) {
    double mean = p->loss_n ? p->loss_sum / p->loss_n : NAN;
    if (p->tty && p->line_len) printf("\r%*s\r", p->line_len, "");
    p->line_len = 0;
    p->loss_sum = 0;
    p->loss_n = 0;
    fflush(stdout);
    return mean;
}

/* ---- checkpoints ---- */

uint64_t tu_hash(const char *s) { /* FNV-1a 64 */
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return h;
}

#define META_WORDS (2 + TG_CHECKPOINT_RNG_WORDS)

int tu_save(const char *prog, const char *path, const tg_params *ps, const tg_optim *opt,
            uint64_t config, int epoch, const tg_rng *rng) {
    tg_params state = {0};
    tg_checkpoint_meta meta = {0};
    tg_status st = tg_optim_state(opt, &state);
    if (st == TG_OK) st = tg_checkpoint_meta_add(&meta, config);
    if (st == TG_OK) st = tg_checkpoint_meta_add(&meta, (uint64_t)epoch);
    if (st == TG_OK) st = tg_checkpoint_meta_add_rng(&meta, rng);
    const tg_params *lists[2] = {ps, &state};
    if (st == TG_OK) st = tg_checkpoint_save(path, lists, 2, &meta);
    tg_params_free(&state);
    if (st != TG_OK) {
        fprintf(stderr, "%s: cannot save the checkpoint: %s\n", prog, tg_last_error());
        return -1;
    }
    return 0;
}

int tu_resume(const char *prog, const char *path, const tg_params *ps, tg_optim *opt,
              uint64_t config, int *epoch, tg_rng *rng) {
    tg_params state = {0};
    tg_checkpoint_meta meta = {0};
    /* Load into copies first, so a checkpoint from other settings (caught only by the
     * meta words) leaves the model untouched too. */
    tg_params copy = {0};
    tg_status st = tg_optim_state(opt, &state);
    int n = ps->n + state.n, ok = st == TG_OK;
    tg_tensor **tmp = ok ? calloc((size_t)n, sizeof *tmp) : NULL;
    if (ok && !tmp) ok = 0;
    for (int i = 0; ok && i < n; i++) {
        const tg_tensor *src = i < ps->n ? ps->items[i] : state.items[i - ps->n];
        tmp[i] = tg_param_new(src->name, src->rank, src->shape);
        ok = tmp[i] && tg_params_add(&copy, tmp[i]) == TG_OK;
    }
    const tg_params *copies[1] = {&copy};
    if (!ok) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, tg_last_error());
    } else if (tg_checkpoint_load(path, copies, 1, &meta) != TG_OK) {
        fprintf(stderr, "%s: cannot resume: %s\n", prog, tg_last_error());
        ok = 0;
    } else if (meta.n != META_WORDS || meta.v[0] != config) {
        fprintf(stderr, "%s: cannot resume: %s was written by another program or with other "
                "settings (size, batch, learning rate, --quick, data ...)\n", prog, path);
        ok = 0;
    } else if (meta.v[1] > 100000) {
        fprintf(stderr, "%s: cannot resume: %s: epoch count %" PRIu64 " is not plausible\n",
                prog, path, meta.v[1]);
        ok = 0;
    }
    if (ok) { /* everything validated: now change the model, optimizer and rng */
        for (int i = 0; i < n; i++) {
            tg_tensor *dst = i < ps->n ? ps->items[i] : state.items[i - ps->n];
            memcpy(dst->data, tmp[i]->data, dst->size * sizeof *dst->data);
        }
        *epoch = (int)meta.v[1];
        tg_checkpoint_meta_get_rng(&meta, 2, rng);
    }
    for (int i = 0; tmp && i < n; i++) tg_tensor_free(tmp[i]);
    free(tmp);
    tg_params_free(&copy);
    tg_params_free(&state);
    return ok ? 0 : -1;
}

/* ---- small helpers ---- */

void tu_shuffle(int *idx, int n, tg_rng *r) {
    for (int i = 0; i < n; i++) idx[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(tg_rng_u64(r) % (uint64_t)(i + 1));
        int tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
    }
}

void tu_steady_begin(tu_steady *s) { s->before = tg_alloc_count(); }

void tu_steady_end(tu_steady *s) {
    if (s->steps++ > 0) s->allocs += tg_alloc_count() - s->before;
}

bool tu_curve_init(tu_curve *c, int epochs, int ticks) {
    memset(c, 0, sizeof *c);
    c->ticks = ticks;
    c->x = malloc((size_t)(epochs * ticks + 1) * sizeof *c->x);
    c->y = malloc((size_t)(epochs * ticks + 1) * sizeof *c->y);
    if (c->x && c->y) return true;
    tu_curve_free(c);
    return false;
}

void tu_curve_step(tu_curve *c, int epoch, int s, int steps, double loss) {
    c->sum += loss, c->count++;
    if ((long)(s + 1) * c->ticks / steps != (long)s * c->ticks / steps) {
        c->x[c->n] = epoch + (double)(s + 1) / steps;
        c->y[c->n++] = c->sum / c->count;
        c->sum = 0, c->count = 0;
    }
}

void tu_curve_free(tu_curve *c) {
    free(c->x);
    free(c->y);
    c->x = c->y = NULL;
}

int tu_parse_model(const char *prog, const char *s, tg_rnn_kind *out) {
    if (!strcmp(s, "lstm")) *out = TG_RNN_LSTM;
    else if (!strcmp(s, "gru")) *out = TG_RNN_GRU_TORCH;
    else {
        fprintf(stderr, "%s: --model must be lstm or gru, got '%s'\n", prog, s);
        return -1;
    }
    return 0;
}

/* ---- the Fashion-MNIST programs ---- */

int tu_fashion_load(const char *prog, const char *dir, bool quick, tu_fashion *f) {
    memset(f, 0, sizeof *f);
    if (tg_fashion_mnist_load(dir, "train", &f->train_img, &f->train_lab) != TG_OK ||
        tg_fashion_mnist_load(dir, "test", &f->test_img, &f->test_lab) != TG_OK) {
        fprintf(stderr, "%s: %s\n", prog, tg_last_error());
        tu_fashion_free(f);
        if (!dir && access(TG_FASHION_MNIST_DIR, F_OK) != 0) {
            fprintf(stderr, "%s: Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist\n", prog);
            return TU_EXIT_NODATA;
        }
        return 1;
    }
    f->n_train = quick && f->train_img.shape[0] > 2000 ? 2000 : f->train_img.shape[0];
    f->n_test = quick && f->test_img.shape[0] > 1000 ? 1000 : f->test_img.shape[0];
    return 0;
}

void tu_fashion_free(tu_fashion *f) {
    tg_idx_free(&f->train_img);
    tg_idx_free(&f->train_lab);
    tg_idx_free(&f->test_img);
    tg_idx_free(&f->test_lab);
}

bool tu_run_init(tu_run *r, int n_train, int batch, int epochs) {
    memset(r, 0, sizeof *r);
    r->perm = malloc((size_t)n_train * sizeof *r->perm);
    r->labels = malloc((size_t)batch * sizeof *r->labels);
    r->curve_ok = tu_curve_init(&r->curve, epochs, 20);
    r->test_x = malloc((size_t)epochs * sizeof *r->test_x);
    r->test_y = malloc((size_t)epochs * sizeof *r->test_y);
    return r->perm && r->labels && r->curve_ok && r->test_x && r->test_y;
}

void tu_run_free(tu_run *r) {
    free(r->perm);
    free(r->labels);
    if (r->curve_ok) tu_curve_free(&r->curve);
    free(r->test_x);
    free(r->test_y);
    memset(r, 0, sizeof *r);
}

void tu_run_test_point(tu_run *r, int epoch, double test_loss) {
    r->test_x[r->n_test] = epoch;
    r->test_y[r->n_test++] = test_loss;
}

void tu_print_accuracy(double acc, int epochs, double train_time, int epochs_run) {
    printf("\ntest accuracy %.2f%% after %d epochs", 100 * acc, epochs);
    if (epochs_run) printf(" (%.1f s per epoch of training)", train_time / epochs_run);
}

int tu_finish(const char *prog, const char *title, const tu_opts *o, const tu_run *r,
              const tu_steady *steady, double acc) {
    if (steady->allocs) {
        fprintf(stderr, "%s: %zu allocations during steady training steps (expected 0)\n", prog,
                steady->allocs);
        return 1;
    }
    svg_chart *ch = svg_chart_new(title, "epoch", "loss");
    if (ch) {
        svg_chart_set_log_y(ch, 1);
        svg_chart_add(ch, "train (mean per 1/20 epoch)", r->curve.x, r->curve.y, r->curve.n);
        svg_chart_add(ch, "test", r->test_x, r->test_y, r->n_test);
        int written = svg_chart_write(ch, o->svg) == 0;
        if (!written) cli_write_failed(prog, o->svg);
        svg_chart_free(ch);
        if (!written) return 1;
        printf("loss curve: %s\n", o->svg);
    }
    if (o->quick && acc < 0.6) {
        fprintf(stderr, "%s: --quick: test accuracy %.2f%% is implausibly low\n", prog, 100 * acc);
        return 1;
    }
    return 0;
}

/* ---- a wall-time budget ---- */

bool tu_budget_spent(double budget, double train_seconds) {
    return budget > 0 && train_seconds >= budget;
}

void tu_print_result(const char *prog, double bpc, double train_seconds, long steps) {
    printf("RESULT %s heldout_bpc=%.4f train_seconds=%.1f steps=%ld\n", prog, bpc, train_seconds,
           steps);
}

/* ---- character models ---- */

int tu_chars_load(const char *prog, const char *file, const char *default_file, size_t cap,
                  const char *prime, tu_chars *c) {
    memset(c, 0, sizeof *c);
    const char *path = file ? file : default_file;
    if (tg_text_read(path, &c->txt) != TG_OK) {
        fprintf(stderr, "%s: %s\n", prog, tg_last_error());
        if (!file && access(default_file, F_OK) != 0) {
            fprintf(stderr, "%s: the default text comes with the Debian package base-files;"
                    " give any text file as FILE\n", prog);
            return TU_EXIT_NODATA;
        }
        return 1;
    }
    c->n = (int)(c->txt.n < cap ? c->txt.n : cap);
    c->n_train = (int)(0.9 * c->n), c->n_held = c->n - c->n_train;
    for (const char *q = prime; q && *q && c->n_prime < 256; q++) {
        if ((c->prime[c->n_prime++] = c->txt.index[(unsigned char)*q]) < 0) {
            fprintf(stderr, "%s: --prime: the character '%c' never occurs in %s\n", prog, *q, path);
            tu_chars_free(c);
            return 1;
        }
    }
    if (!prime)
        for (; c->n_prime < 16 && c->n_train + c->n_prime < c->n; c->n_prime++)
            c->prime[c->n_prime] = c->txt.ids[c->n_train + c->n_prime];
    return 0;
}

void tu_chars_free(tu_chars *c) { tg_text_free(&c->txt); }

double tu_unigram_bpc(const tu_chars *c) {
    const int *train = c->txt.ids, *held = c->txt.ids + c->n_train;
    double count[256] = {0}, bits = 0;
    for (int i = 0; i < c->n_train; i++) count[train[i]]++;
    for (int i = 1; i < c->n_held; i++)
        bits -= log2((count[held[i]] + 1) / (c->n_train + c->txt.vocab_size));
    return bits / (c->n_held - 1);
}

void tu_print_baselines(const tu_chars *c) {
    printf("for comparison: a uniform guess %.3f bpc, character frequencies of the training"
           " text %.3f bpc\n", log2((double)c->txt.vocab_size), tu_unigram_bpc(c));
}

int tu_draw(const tg_real *z, int V, double temperature, double *p, tg_rng *r) {
    int best = 0;
    for (int j = 1; j < V; j++)
        if (z[j] > z[best]) best = j;
    if (temperature > 0) {
        double sum = 0, u;
        for (int j = 0; j < V; j++)
            sum += p[j] = exp(((double)z[j] - (double)z[best]) / temperature);
        u = tg_rng_uniform(r) * sum;
        for (best = 0; best < V - 1 && (u -= p[best]) >= 0; best++) {}
    }
    return best;
}

void tu_print_heldout(const char *prog, const tu_chars *c, double bpc, int epoch, bool spent,
                      long steps, double best, double train_time, int epochs_run) {
    printf("\nheld-out: %.3f bits per character after %d epochs", bpc, epoch);
    if (spent) printf(" and %ld steps in all (the --seconds budget)", steps);
    if (epochs_run) printf(" (best %.3f; %.1f s per epoch)", best, train_time / epochs_run);
    printf("\n");
    tu_print_baselines(c);
    tu_print_result(prog, bpc, train_time, steps);
}
