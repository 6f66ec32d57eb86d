/* sched.c — learning-rate schedules: step decay, exponential, cosine annealing,
 * linear warm-up, and a chain of them (torch.optim.lr_scheduler, 1.13).
 *
 * Every schedule here is the closed form of PyTorch's (`_get_closed_form_lr`): the lr
 * is a pure function of (base_lr, epoch), so a schedule resumes from a saved epoch
 * number alone, and tg_sched_lr_at can tabulate it. PyTorch's default step() uses a
 * chainable, multiplicative form instead; both agree to rounding (about 1e-16
 * relative; tests/optim/test_clip_sched.c compares against PyTorch's own lr sequence). One
 * visible difference: the chainable form multiplies the optimizer's *current* lr,
 * so an lr set by hand between steps would persist there; here the next
 * tg_sched_step overwrites it.
 */
#include <limits.h>
#include <math.h>
#include "optim_private.h"

typedef enum { SCHED_STEP, SCHED_EXPONENTIAL, SCHED_COSINE, SCHED_LINEAR, SCHED_SEQUENTIAL } sched_kind;

struct tg_sched {
    sched_kind kind;
    tg_optim *opt;        /* not owned */
    double base_lr;       /* the optimizer's lr when the schedule was made */
    int epoch;            /* 0 after construction */
    int step_size;        /* step decay */
    double gamma;         /* step decay, exponential */
    int T_max;            /* cosine */
    double eta_min;       /* cosine */
    double start, end;    /* linear: factors of base_lr */
    int total_iters;      /* linear */
    int n;                /* sequential: parts (owned) and n - 1 milestones */
    tg_sched **parts;
    int *milestones;
};

static const double pi = 3.14159265358979323846;

static double lr_at(const tg_sched *s, int e) {
    switch (s->kind) {
    case SCHED_STEP: /* StepLR: base_lr * gamma ** (last_epoch // step_size) */
        return s->base_lr * pow(s->gamma, (double)(e / s->step_size));
    case SCHED_EXPONENTIAL: /* ExponentialLR: base_lr * gamma ** last_epoch */
        return s->base_lr * pow(s->gamma, (double)e);
    case SCHED_COSINE: /* CosineAnnealingLR (SGDR without restarts, Loshchilov & Hutter 2017) */
        return s->eta_min + (s->base_lr - s->eta_min) * (1 + cos(pi * e / s->T_max)) / 2;
    case SCHED_LINEAR: { /* LinearLR */
        int k = e < s->total_iters ? e : s->total_iters;
        return s->base_lr * (s->start + (s->end - s->start) * k / s->total_iters);
    }
    case SCHED_SEQUENTIAL: { /* SequentialLR: part idx restarted at its milestone */
        int idx = 0;
        while (idx < s->n - 1 && s->milestones[idx] <= e) idx++;
        return lr_at(s->parts[idx], idx > 0 ? e - s->milestones[idx - 1] : e);
    }
    }
    return NAN;
}

static tg_status apply(tg_sched *s) { return tg_optim_set_lr(s->opt, lr_at(s, s->epoch)); }

/* Binds a new schedule to opt, remembers opt's lr as base_lr and sets the lr of
 * epoch 0, as PyTorch's constructors do. */
static tg_sched *sched_new(const char *fn, tg_optim *opt, tg_sched proto) {
    if (!opt) {
        tg__error(TG_ERR_ARG, "%s: opt is NULL", fn);
        return NULL;
    }
    tg_sched *s = tg__malloc(sizeof *s);
    if (!s) {
        tg__error(TG_ERR_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    *s = proto;
    s->opt = opt;
    s->base_lr = tg_optim_get_lr(opt);
    s->epoch = 0;
    if (apply(s) != TG_OK) {
        tg__free(s);
        return NULL;
    }
    return s;
}

static bool bad(const char *fn, const char *what, double v) {
    tg__error(TG_ERR_VALUE, "%s: %s, got %g", fn, what, v);
    return true;
}

tg_sched *tg_sched_step_decay_new(tg_optim *opt, int step_size, double gamma) {
    static const char fn[] = "tg_sched_step_decay_new";
    if (step_size < 1 && bad(fn, "step_size must be >= 1", step_size)) return NULL;
    if (!(isfinite(gamma) && gamma > 0) && bad(fn, "gamma must be finite and > 0", gamma)) return NULL;
    return sched_new(fn, opt, (tg_sched){.kind = SCHED_STEP, .step_size = step_size, .gamma = gamma});
}

tg_sched *tg_sched_exponential_new(tg_optim *opt, double gamma) {
    static const char fn[] = "tg_sched_exponential_new";
    if (!(isfinite(gamma) && gamma > 0) && bad(fn, "gamma must be finite and > 0", gamma)) return NULL;
    return sched_new(fn, opt, (tg_sched){.kind = SCHED_EXPONENTIAL, .gamma = gamma});
}

tg_sched *tg_sched_cosine_new(tg_optim *opt, int T_max, double eta_min) {
    static const char fn[] = "tg_sched_cosine_new";
    if (T_max < 1 && bad(fn, "T_max must be >= 1", T_max)) return NULL;
    if (!(isfinite(eta_min) && eta_min >= 0) && bad(fn, "eta_min must be finite and >= 0", eta_min))
        return NULL;
    return sched_new(fn, opt, (tg_sched){.kind = SCHED_COSINE, .T_max = T_max, .eta_min = eta_min});
}

tg_sched *tg_sched_linear_new(tg_optim *opt, double start_factor, double end_factor, int total_iters) {
    static const char fn[] = "tg_sched_linear_new";
    if (!(start_factor >= 0 && start_factor <= 1) &&
        bad(fn, "start_factor must be in [0, 1]", start_factor))
        return NULL;
    if (!(end_factor >= 0 && end_factor <= 1) && bad(fn, "end_factor must be in [0, 1]", end_factor))
        return NULL;
    if (total_iters < 1 && bad(fn, "total_iters must be >= 1", total_iters)) return NULL;
    return sched_new(fn, opt, (tg_sched){.kind = SCHED_LINEAR, .start = start_factor,
                                         .end = end_factor, .total_iters = total_iters});
}

static void set_base(tg_sched *s, double base) {
    s->base_lr = base;
    for (int i = 0; i < s->n; i++) set_base(s->parts[i], base);
}

/* Frees the distinct non-NULL entries of s[0..n-1]. */
static void free_parts(tg_sched *const *s, int n) {
    for (int i = 0; i < n; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++) seen = seen || s[j] == s[i];
        if (!seen) tg_sched_free(s[i]);
    }
}

tg_sched *tg_sched_sequential_new(tg_optim *opt, tg_sched *const *s, int n, const int *milestones) {
    static const char fn[] = "tg_sched_sequential_new";
    tg_status st = TG_OK;
    if (!opt || !s) st = tg__error(TG_ERR_ARG, "%s: %s is NULL", fn, opt ? "s" : "opt");
    else if (n < 1) st = tg__error(TG_ERR_VALUE, "%s: n must be >= 1, got %d", fn, n);
    else if (n > 1 && !milestones) st = tg__error(TG_ERR_ARG, "%s: milestones is NULL", fn);
    for (int i = 0; st == TG_OK && i < n; i++) {
        if (!s[i]) st = tg__error(TG_ERR_ARG, "%s: schedule %d is NULL", fn, i);
        else if (s[i]->opt != opt)
            st = tg__error(TG_ERR_ARG, "%s: schedule %d is bound to another optimizer", fn, i);
        for (int j = 0; st == TG_OK && j < i; j++)
            if (s[j] == s[i]) st = tg__error(TG_ERR_ARG, "%s: schedules %d and %d are the same", fn, j, i);
    }
    for (int i = 0; st == TG_OK && i < n - 1; i++)
        if (milestones[i] < 1 || (i > 0 && milestones[i] <= milestones[i - 1]))
            st = tg__error(TG_ERR_VALUE, "%s: milestones must be >= 1 and increasing, got %d at %d",
                           fn, milestones[i], i);
    tg_sched *q = NULL;
    if (st == TG_OK) {
        q = tg__calloc(1, sizeof *q);
        if (q) {
            q->parts = tg__malloc((size_t)n * sizeof *q->parts);
            q->milestones = tg__malloc((size_t)(n > 1 ? n - 1 : 1) * sizeof *q->milestones);
        }
        if (!q || !q->parts || !q->milestones) {
            if (q) tg__free(q->parts), tg__free(q->milestones), tg__free(q);
            q = NULL;
            st = tg__error(TG_ERR_NOMEM, "%s: out of memory", fn);
        }
    }
    if (st != TG_OK) {
        if (s && n > 0) free_parts(s, n);
        return NULL;
    }
    q->kind = SCHED_SEQUENTIAL;
    q->opt = opt;
    q->n = n;
    for (int i = 0; i < n; i++) q->parts[i] = s[i];
    for (int i = 0; i < n - 1; i++) q->milestones[i] = milestones[i];
    /* Every part starts from the lr the first one started from (PyTorch's initial_lr):
     * the later parts were made after the first had already changed the lr. */
    set_base(q, s[0]->base_lr);
    q->epoch = 0;
    tg_optim_set_lr(opt, lr_at(q, 0));
    return q;
}

tg_status tg_sched_step(tg_sched *s) {
    if (!s) return tg__error(TG_ERR_ARG, "tg_sched_step: s is NULL");
    return tg_sched_set_epoch(s, s->epoch == INT_MAX ? -1 : s->epoch + 1);
}

int tg_sched_epoch(const tg_sched *s) { return s ? s->epoch : -1; }

tg_status tg_sched_set_epoch(tg_sched *s, int e) {
    if (!s) return tg__error(TG_ERR_ARG, "tg_sched_set_epoch: s is NULL");
    if (e < 0) return tg__error(TG_ERR_VALUE, "tg_sched_set_epoch: epoch must be in [0, INT_MAX], got %d", e);
    int old = s->epoch;
    s->epoch = e;
    tg_status st = apply(s);
    if (st != TG_OK) s->epoch = old;
    return st;
}

double tg_sched_lr_at(const tg_sched *s, int e) {
    if (!s || e < 0) return NAN;
    return lr_at(s, e);
}

void tg_sched_free(tg_sched *s) {
    if (!s) return;
    for (int i = 0; i < s->n; i++) tg_sched_free(s->parts[i]);
    tg__free(s->parts);
    tg__free(s->milestones);
    tg__free(s);
}
