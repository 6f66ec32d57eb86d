/* ckpt_meta.c — the caller's meta words saved with a checkpoint, and an RNG's state
 * as TG_CHECKPOINT_RNG_WORDS of them (tg_checkpoint.h).
 */
#include <string.h>
#include "ckpt_private.h"

tg_status tg_checkpoint_meta_add(tg_checkpoint_meta *m, uint64_t v) {
    if (!m) return tg__error(TG_ERR_ARG, "tg_checkpoint_meta_add: m is NULL");
    if (m->n < 0 || m->n >= TG_CHECKPOINT_META_MAX)
        return tg__error(TG_ERR_RANGE, "tg_checkpoint_meta_add: meta holds %d words (at most %d)", m->n,
                         TG_CHECKPOINT_META_MAX);
    m->v[m->n++] = v;
    return TG_OK;
}

tg_status tg_checkpoint_meta_add_rng(tg_checkpoint_meta *m, const tg_rng *r) {
    if (!m || !r) return tg__error(TG_ERR_ARG, "tg_checkpoint_meta_add_rng: %s is NULL", m ? "r" : "m");
    if (m->n < 0 || m->n > TG_CHECKPOINT_META_MAX - TG_CHECKPOINT_RNG_WORDS)
        return tg__error(TG_ERR_RANGE, "tg_checkpoint_meta_add_rng: meta holds %d words, no room for %d more (at most %d)",
                         m->n, TG_CHECKPOINT_RNG_WORDS, TG_CHECKPOINT_META_MAX);
    for (int i = 0; i < 4; i++) m->v[m->n++] = r->s[i];
    m->v[m->n++] = (uint64_t)(r->has_spare != 0);
    uint64_t u;
    memcpy(&u, &r->spare, 8);
    m->v[m->n++] = u;
    return TG_OK;
}

tg_status tg_checkpoint_meta_get_rng(const tg_checkpoint_meta *m, int at, tg_rng *r) {
    if (!m || !r) return tg__error(TG_ERR_ARG, "tg_checkpoint_meta_get_rng: %s is NULL", m ? "r" : "m");
    if (at < 0 || m->n > TG_CHECKPOINT_META_MAX || at > m->n - TG_CHECKPOINT_RNG_WORDS)
        return tg__error(TG_ERR_RANGE, "tg_checkpoint_meta_get_rng: words %d..%d are not in use (meta holds %d)",
                         at, at + TG_CHECKPOINT_RNG_WORDS - 1, m->n);
    for (int i = 0; i < 4; i++) r->s[i] = m->v[at + i];
    r->has_spare = m->v[at + 4] != 0;
    memcpy(&r->spare, &m->v[at + 5], 8);
    return TG_OK;
}
