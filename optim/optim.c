/* optim.c — the optimizer object shared by every optimizer: construction from a
 * descriptor (list checks, state allocation and names), the step (finite check, then
 * the descriptor's update rule), learning rate, and state as named tensors. The
 * optimizers themselves live in sgd.c, adagrad.c, rmsprop.c and adam.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "optim_private.h"

/* ---- option checks: each names the function, the option and the value ----
 * Written so that NaN fails too. */

bool tg__optim_ge0(const char *fn, const char *what, double x) {
    if (isfinite(x) && x >= 0) return true;
    tg__error(TG_ERR_VALUE, "%s: %s must be finite and >= 0, got %g", fn, what, x);
    return false;
}
bool tg__optim_pos(const char *fn, const char *what, double x) {
    if (isfinite(x) && x > 0) return true;
    tg__error(TG_ERR_VALUE, "%s: %s must be finite and > 0, got %g", fn, what, x);
    return false;
}
bool tg__optim_unit(const char *fn, const char *what, double x, bool open_top) {
    if (x >= 0 && (open_top ? x < 1 : x <= 1)) return true;
    tg__error(TG_ERR_VALUE, "%s: %s must be in [0, 1%s, got %g", fn, what, open_top ? ")" : "]", x);
    return false;
}

/* ---- construction ---- */

/* The name of parameter i's state tensor: "<param>.<slot>", "param<i>.<slot>" for an
 * unnamed parameter. False if it does not fit in tg_tensor.name. */
static bool state_name(char out[sizeof((tg_tensor *)0)->name], const tg_tensor *p, int i,
                       const char *slot) {
    char tmp[sizeof p->name + 64];
    int k = p->name[0] ? snprintf(tmp, sizeof tmp, "%s.%.40s", p->name, slot)
                       : snprintf(tmp, sizeof tmp, "param%d.%.40s", i, slot);
    if (k < 0 || (size_t)k >= sizeof p->name) return false;
    memcpy(out, tmp, (size_t)k + 1);
    return true;
}

tg_optim *tg__optim_new(const tg__optim_desc *d, const tg_params *ps, const void *opts, double lr) {
    const char *fn = d->fn;
    if (!d->check(fn, opts)) return NULL;
    const unsigned uses = d->uses ? d->uses(opts) : ~0u;
    const int ns = d->nslots;
    if (!ps) {
        tg__error(TG_ERR_ARG, "%s: ps is NULL", fn);
        return NULL;
    }
    if (ps->n < 1 || !ps->items) {
        tg__error(TG_ERR_ARG, "%s: the parameter list is empty", fn);
        return NULL;
    }
    for (int i = 0; i < ps->n; i++) {
        const tg_tensor *p = ps->items[i];
        if (!p) {
            tg__error(TG_ERR_ARG, "%s: parameter %d is NULL", fn, i);
            return NULL;
        }
        if (!p->data || !p->grad || p->tape) {
            tg__error(TG_ERR_ARG,
                      "%s: parameter %d ('%s') must be a long-lived tensor with a gradient buffer",
                      fn, i, p->name);
            return NULL;
        }
        char nm[sizeof p->name];
        for (int k = 0; k < ns; k++) {
            if (((uses >> k) & 1) && !state_name(nm, p, i, d->slot[k])) {
                tg__error(TG_ERR_ARG,
                          "%s: state name '%s.%s' of parameter %d is longer than %zu characters",
                          fn, p->name, d->slot[k], i, sizeof p->name - 1);
                return NULL;
            }
        }
    }
    /* The options live at the end of the object, aligned for any type. */
    tg_optim *o = tg__calloc(1, sizeof *o + d->opts_size);
    if (!o) goto oom;
    o->d = d;
    o->n = ps->n;
    memcpy(o->opts, opts, d->opts_size);
    o->lr = lr;
    for (int k = 0; k < ns; k++) o->nused += (uses >> k) & 1;
    o->p = tg__malloc((size_t)ps->n * sizeof *o->p);
    o->size = tg__malloc((size_t)ps->n * sizeof *o->size);
    o->slot = tg__calloc((size_t)ps->n * (size_t)ns, sizeof *o->slot);
    if (!o->p || !o->size || !o->slot) goto oom;
    o->step = tg_tensor_new(0, NULL, 0);
    if (!o->step) goto oom;
    snprintf(o->step->name, sizeof o->step->name, "optim.step");
    for (int i = 0; i < ps->n; i++) {
        tg_tensor *p = ps->items[i];
        o->p[i] = p;
        o->size[i] = p->size;
        for (int k = 0; k < ns; k++) {
            if (!((uses >> k) & 1)) continue;
            tg_tensor *b = tg_tensor_new(p->rank, p->shape, 0);
            if (!b) goto oom;
            o->slot[i * ns + k] = b;
            state_name(b->name, p, i, d->slot[k]);
        }
    }
    /* Two parameters could give the same state name ("param0" named so, and an unnamed
     * parameter 0); names must be unique for a checkpoint. */
    for (int a = 0; a < o->n * ns; a++)
        for (int b = 0; b < a && o->slot[a]; b++)
            if (o->slot[b] && strcmp(o->slot[a]->name, o->slot[b]->name) == 0) {
                tg__error(TG_ERR_ARG, "%s: two parameters give the state name '%s'", fn,
                          o->slot[a]->name);
                tg_optim_free(o);
                return NULL;
            }
    if (d->init) d->init(o);
    return o;
oom:
    tg_optim_free(o);
    tg__error(TG_ERR_NOMEM, "%s: out of memory for the optimizer state", fn);
    return NULL;
}

void tg_optim_free(tg_optim *o) {
    if (!o) return;
    if (o->slot)
        for (int j = 0; j < o->n * o->d->nslots; j++) tg_tensor_free(o->slot[j]);
    tg_tensor_free(o->step);
    tg__free(o->slot);
    tg__free(o->size);
    tg__free(o->p);
    tg__free(o);
}

/* ---- the step ---- */

/* Largest step count a tg_real holds exactly (2^24 in float, 2^53 in double). */
static double step_limit(void) { return sizeof(tg_real) == sizeof(float) ? 16777216.0 : 9007199254740992.0; }

static bool valid_step(double s) { return s >= 0 && s < step_limit() && s == floor(s); }

/* True when no element of g is NaN or infinite: the exponent bits are all ones only
 * for those. Written as an OR over integer compares so that it vectorises (it runs
 * over every gradient on every step; TG__OPTIM_CLONES: in full vectors); the caller
 * finds the element on failure. */
TG__OPTIM_CLONES static bool all_finite(const tg_real *g, size_t n) {
#if TG_REAL_IS_DOUBLE
    typedef uint64_t bits;
    const bits exp_mask = UINT64_C(0x7ff0000000000000);
#else
    typedef uint32_t bits;
    const bits exp_mask = UINT32_C(0x7f800000);
#endif
    unsigned bad = 0;
    for (size_t j = 0; j < n; j++) {
        bits u;
        memcpy(&u, &g[j], sizeof u);
        bad |= (u & exp_mask) == exp_mask;
    }
    return bad == 0;
}

static int state_end(const tg_optim *o);
static tg_tensor *state_at(const tg_optim *o, int j);

tg_status tg_optim_step(tg_optim *o) {
    static const char fn[] = "tg_optim_step";
    if (!o) return tg__error(TG_ERR_ARG, "%s: opt is NULL", fn);
    double s = (double)o->step->data[0];
    if (!valid_step(s))
        return tg__error(TG_ERR_STATE, "%s: the step count in the state is %g, not an integer in [0, %.0f)",
                         fn, s, step_limit());
    /* Check everything before touching anything: a failed step changes nothing. */
    for (int i = 0; i < o->n; i++) {
        const tg_tensor *p = o->p[i];
        if (!p->grad || !p->data || p->size != o->size[i])
            return tg__error(TG_ERR_STATE, "%s: parameter %d ('%s') lost its gradient buffer or changed size",
                             fn, i, p->name);
        if (all_finite(p->grad, o->size[i])) continue;
        for (size_t j = 0; j < o->size[i]; j++)
            if (!isfinite((double)p->grad[j]))
                return tg__error(TG_ERR_VALUE, "%s: gradient of '%s' is not finite at element %zu: %g",
                                 fn, p->name, j, (double)p->grad[j]);
    }
    double t = s + 1;
    o->d->update(o, t);
    o->step->data[0] = (tg_real)t;
    /* Library writes: a node that saved a parameter (or a state tensor) before this
     * step refuses to run its backward now (tg_core.h, Versions). */
    for (int i = 0; i < o->n; i++) tg__bump(o->p[i]);
    for (int j = 0; j < state_end(o); j++)
        if (state_at(o, j)) tg__bump(state_at(o, j));
    return TG_OK;
}

void tg_optim_zero_grad(tg_optim *o) {
    if (!o) return;
    for (int i = 0; i < o->n; i++) tg_tensor_zero_grad(o->p[i]);
}

double tg_optim_get_lr(const tg_optim *o) {
    if (!o) {
        tg__error(TG_ERR_ARG, "tg_optim_get_lr: opt is NULL");
        return NAN;
    }
    return o->lr;
}

tg_status tg_optim_set_lr(tg_optim *o, double lr) {
    if (!o) return tg__error(TG_ERR_ARG, "tg_optim_set_lr: opt is NULL");
    if (!tg__optim_ge0("tg_optim_set_lr", "lr", lr)) return TG_ERR_VALUE;
    o->lr = lr;
    return TG_OK;
}

const char *tg_optim_name(const tg_optim *o) { return o ? o->d->name : ""; }

size_t tg_optim_state_size(const tg_optim *o) {
    if (!o) return 0;
    size_t n = 1, k; /* the step count; the sum saturates (each part fits memory) */
    for (int i = 0; i < o->n; i++)
        if (!tg__mul_size((size_t)o->nused, o->size[i], &k) || !tg__add_size(n, k, &n)) return SIZE_MAX;
    return n;
}

/* ---- state as named tensors ---- */

/* The state in the order of tg_optim_state: entry j of o->slot for j < n * nslots
 * (parameter by parameter, each one's slots in slot order; NULL for an unused slot),
 * then the step count at j = n * nslots. */
static int state_end(const tg_optim *o) { return o->n * o->d->nslots + 1; }
static tg_tensor *state_at(const tg_optim *o, int j) {
    return j < o->n * o->d->nslots ? o->slot[j] : o->step;
}

tg_status tg_optim_state(const tg_optim *o, tg_params *out) {
    static const char fn[] = "tg_optim_state";
    if (!o || !out) return tg__error(TG_ERR_ARG, "%s: %s is NULL", fn, o ? "out" : "opt");
    /* Duplicate names would make a checkpoint ambiguous. */
    for (int j = 0; j < state_end(o); j++) {
        const tg_tensor *t = state_at(o, j);
        if (t && tg_params_find(out, t->name))
            return tg__error(TG_ERR_ARG, "%s: '%s' is already in the list", fn, t->name);
    }
    /* tg_params_add insists on a gradient buffer (it is meant for parameters), so the
     * tensors are appended here. */
    tg_status st = tg__params_reserve(out, o->n * o->nused + 1);
    if (st != TG_OK)
        return tg__error(st, "%s: %s", fn, st == TG_ERR_NOMEM ? "out of memory" : "the list is full");
    for (int j = 0; j < state_end(o); j++) {
        tg_tensor *t = state_at(o, j);
        if (t) out->items[out->n++] = t;
    }
    return TG_OK;
}

tg_status tg_optim_load_state(tg_optim *o, const tg_params *src) {
    static const char fn[] = "tg_optim_load_state";
    if (!o || !src) return tg__error(TG_ERR_ARG, "%s: %s is NULL", fn, o ? "src" : "opt");
    /* Validate all, then copy all. */
    for (int j = 0; j < state_end(o); j++) {
        const tg_tensor *dst = state_at(o, j);
        if (!dst) continue;
        const tg_tensor *s = tg_params_find(src, dst->name);
        if (!s) return tg__error(TG_ERR_ARG, "%s: state tensor '%s' is missing", fn, dst->name);
        if (!s->data || s->size != dst->size || !tg__same_shape(s, dst)) {
            char a[96], b[96];
            return tg__error(TG_ERR_SHAPE, "%s: '%s' has shape %s, expected %s", fn, dst->name,
                             tg_shape_str(s, a, sizeof a), tg_shape_str(dst, b, sizeof b));
        }
        if (dst == o->step && !valid_step((double)s->data[0]))
            return tg__error(TG_ERR_VALUE, "%s: 'optim.step' must be an integer in [0, %.0f), got %g",
                             fn, step_limit(), (double)s->data[0]);
    }
    for (int j = 0; j < state_end(o); j++) {
        tg_tensor *dst = state_at(o, j);
        if (!dst) continue;
        const tg_tensor *s = tg_params_find(src, dst->name);
        if (s != dst) memcpy(dst->data, s->data, dst->size * sizeof *dst->data);
        tg__bump(dst);
    }
    return TG_OK;
}
