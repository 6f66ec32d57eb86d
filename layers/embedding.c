/* embedding.c — token embedding as one tg_gather_rows (tg_embedding.h). */
#include "layers_private.h"

tg_embedding *tg_embedding_new(const char *prefix, int num, int dim, tg_rng *rng) {
    const char *fn = "tg_embedding_new";
    if (tg__check_prefix(fn, prefix) != TG_OK) return NULL;
    if (num < 1 || dim < 1) {
        tg__error(TG_ERR_ARG, "%s: %s must be >= 1, got %d", fn, num < 1 ? "num" : "dim",
                  num < 1 ? num : dim);
        return NULL;
    }
    if (!rng) {
        tg__error(TG_ERR_ARG, "%s: rng is NULL", fn);
        return NULL;
    }
    tg_embedding *e = tg__calloc(1, sizeof *e);
    if (!e) {
        tg__error(TG_ERR_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    e->num = num;
    e->dim = dim;
    snprintf(e->name, sizeof e->name, "%s", prefix);
    e->E = tg__layer_param(fn, prefix, 2, (int[]){num, dim}, ".E");
    if (!e->E) {
        tg__free(e);
        return NULL;
    }
    tg_tensor_normal(e->E, rng, 0, 1);
    return e;
}

void tg_embedding_free(tg_embedding *e) {
    if (!e) return;
    tg_tensor_free(e->E);
    tg__free(e);
}

tg_status tg_embedding_params(const tg_embedding *e, tg_params *ps) {
    if (!e) return tg__error(TG_ERR_ARG, "tg_embedding_params: layer is NULL");
    return tg_params_add(ps, e->E);
}

tg_tensor *tg_embedding_forward(tg_tape *t, const tg_embedding *e, const int *idx, int n) {
    const char *fn = "tg_embedding_forward";
    if (!tg__tape_ok(t, fn)) return NULL;
    if (!e || !idx) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: %s is NULL", fn, e ? "idx" : "layer");
        return NULL;
    }
    if (n < 1) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: '%s': n must be >= 1, got %d", fn, e->name, n);
        return NULL;
    }
    /* Checked here so the message names the layer, not only the primitive. */
    for (int i = 0; i < n; i++)
        if (idx[i] < 0 || idx[i] >= e->num) {
            tg_tape_fail(t, TG_ERR_RANGE, "%s: '%s': idx[%d] = %d is out of range 0..%d", fn,
                         e->name, i, idx[i], e->num - 1);
            return NULL;
        }
    return tg__label(tg_gather_rows(t, e->E, idx, n), e->E, "rows", -1);
}
