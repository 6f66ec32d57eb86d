/* ckpt_save.c — tg_checkpoint_save: the whole file image is built in memory (one
 * tg__malloc, ckpt_format.c), then written with tg__write_atomic, so a reader (or a
 * crash) sees the previous file or the new one, never half of one.
 */
#include "ckpt_private.h"

tg_status tg_checkpoint_save(const char *path, const tg_params *const *lists, int n_lists,
                             const tg_checkpoint_meta *meta) {
    if (!path || !path[0])
        return tg__error(TG_ERR_ARG, "%s: path is %s", FN_SAVE, path ? "empty" : "NULL");
    int total;
    tg_status st = tg__ckpt_check_lists(FN_SAVE, path, lists, n_lists, &total);
    if (st != TG_OK) return st;
    int n_meta = meta ? meta->n : 0;
    if (n_meta < 0 || n_meta > TG_CHECKPOINT_META_MAX)
        return tg__error(TG_ERR_ARG, "%s: %s: meta->n is %d (must be 0..%d)", FN_SAVE, path,
                         n_meta, TG_CHECKPOINT_META_MAX);
    unsigned char *img;
    size_t bytes;
    if ((st = tg__ckpt_image(path, lists, n_lists, total, meta, n_meta, &img, &bytes)) != TG_OK)
        return st;
    st = tg__write_atomic(FN_SAVE, path, img, bytes);
    tg__free(img);
    return st;
}
