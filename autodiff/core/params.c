/* params.c — parameter lists. */
#include <string.h>
#include <tg/core.h>
#include <tapegrad/tg_params.h>

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
    if (ps->n == ps->cap) {
        int cap = ps->cap ? ps->cap * 2 : 16;
        tg_tensor **a = tg__malloc((size_t)cap * sizeof *a);
        if (!a) return tg__error(TG_ERR_NOMEM, "tg_params_add: out of memory");
        if (ps->n) memcpy(a, ps->items, (size_t)ps->n * sizeof *a);
        tg__free(ps->items);
        ps->items = a;
        ps->cap = cap;
    }
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
    size_t n = 0;
    if (ps)
        for (int i = 0; i < ps->n; i++) n += ps->items[i]->size;
    return n;
}
