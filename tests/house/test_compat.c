/* test_compat.c — the names before 0.2.0 (NEWS) still compile and mean the new ones. */
#include "check.h"

int main(void) {
    tg_tensor *w = tg_param_new("w", 1, (int[]){3});
    tg_params ps = {0};
    tg_params_add(&ps, w);
    tg_optim *opt = tg_optim_adam(&ps, NULL);
    CHECK(opt && strcmp(tg_optim_name(opt), "adam") == 0, "tg_optim_adam makes an Adam optimizer");
    tg_sched *s = tg_sched_cosine(opt, 10, 0);
    CHECK(s && tg_sched_epoch(s) == 0, "tg_sched_cosine makes a schedule");
    tg_ckpt_meta meta = {0};
    CHECK(tg_ckpt_meta_add(&meta, 7) == TG_OK && meta.n == 1 && meta.v[0] == 7,
          "tg_ckpt_meta_add appends a word");
    CHECK(TG_CKPT_VERSION == TG_CHECKPOINT_VERSION && TG_CKPT_META_MAX == TG_CHECKPOINT_META_MAX,
          "the old constants equal the new ones");
    tg_sched_free(s);
    tg_optim_free(opt);
    tg_params_free(&ps);
    tg_tensor_free(w);
    return check_done();
}
