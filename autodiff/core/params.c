/* params.c — parameter lists. */
#include <limits.h>
#include <string.h>
#include <tg/core.h>
#include <tapegrad/tg_params.h>

tg_status tg__params_reserve(tg_params *ps, int more) {
    if (ps->n < 0 || ps->cap < ps->n || more < 0 || ps->n > INT_MAX - more) return TG_ERR_RANGE;
    size_t cap = (size_t)ps->cap;
    if (!tg__grow(&ps->items, &cap, (size_t)ps->n + (size_t)more, sizeof *ps->items, 16))
        return TG_ERR_NOMEM;
    ps->cap = cap > INT_MAX ? INT_MAX : (int)cap;
    return TG_OK;
}

tg_status tg_params_add(tg_params *ps, tg_tensor *p) {
    if (!ps || !p) return tg__error(TG_ERR_ARG, "tg_params_add: %s is NULL", ps ? "p" : "ps");
    if (p->tape || !p->grad)
        return tg__error(TG_ERR_ARG,
                         "tg_params_add: '%s' must be a long-lived tensor with a gradient buffer (tg_param_new)",
                         p->name);
    for (int i = 0; i < ps->n; i++) {
        if (ps->items[i] == p)
            return tg__error(TG_ERR_ARG, "tg_params_add: tensor '%s' is already in the list", p->name);
        if (p->name[0] && strcmp(ps->items[i]->name, p->name) == 0)
            return tg__error(TG_ERR_ARG, "tg_params_add: duplicate parameter name '%s'", p->name);
    }
    tg_status st = tg__params_reserve(ps, 1);
    if (st != TG_OK) return tg__error(st, "tg_params_add: %s", st == TG_ERR_NOMEM ? "out of memory" : "the list is full");
    ps->items[ps->n++] = p;
    return TG_OK;
}

void tg_params_free(tg_params *ps) {
    if (!ps) return;
    tg__free(ps->items);
    ps->items = NULL;
    ps->n = ps->cap = 0;
}

void tg_params_zero_grad(const tg_params *ps) {
    if (!ps) return;
    for (int i = 0; i < ps->n; i++) tg_tensor_zero_grad(ps->items[i]);
}

tg_tensor *tg_params_find(const tg_params *ps, const char *name) {
    if (!ps || !name) return NULL;
    for (int i = 0; i < ps->n; i++)
        if (strcmp(ps->items[i]->name, name) == 0) return ps->items[i];
    return NULL;
}

size_t tg_params_numel(const tg_params *ps) {
    size_t n = 0; /* saturates: every tensor fits memory, a list of repeats may not */
    if (ps)
        for (int i = 0; i < ps->n; i++)
            if (!tg__add_size(n, ps->items[i]->size, &n)) return SIZE_MAX;
    return n;
}
