/* bad_tg_attention.c — the bad-input rows of <tapegrad/tg_attention.h>: every function
 * it declares, called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

static tg_mha *mha;            /* "att": d 4, 2 heads, fused */
static tg_pos_embedding *pos;  /* "pos": 3 positions of width 4 */

W1(pos_forward, tg_pos_embedding_forward(t, pos, x))

static const gen1 gen1s[] = {
    {"tg_pos_embedding_forward", w_pos_forward, "pos", NULL},
};

int main(int argc, char **argv) {
    fx *f;
    out *o;
    tg_rng g;
    tg_rng_seed(&g, 1);
    mha = tg_mha_new("att", 4, 2, true, 0, &g);
    pos = tg_pos_embedding_new("pos", 3, 4, &g);
    bad_begin(argc, argv); /* after the layers: their tensors live through every row */
    bad_generated(gen1s, sizeof gen1s / sizeof gen1s[0], NULL, 0);

    f = row(&o, "tg_mha_new", "dim not divisible by heads");
    on_null(o, tg_mha_new("a", 12, 5, true, 0, &f->rng));
    expect(f, TG_ERR_ARG, "tg_mha_new: dim 12 is not divisible by heads 5");

    f = row(&o, "tg_mha_new", "heads 0");
    on_null(o, tg_mha_new("a", 12, 0, false, 0, &f->rng));
    expect(f, TG_ERR_ARG, "tg_mha_new: heads must be >= 1, got 0");

    f = row(&o, "tg_mha_new", "dim -1");
    on_null(o, tg_mha_new("a", -1, 1, false, 0, &f->rng));
    expect(f, TG_ERR_ARG, "tg_mha_new: dim must be >= 1, got -1");

    f = row(&o, "tg_mha_new", "dim overflows 3 dim");
    on_null(o, tg_mha_new("a", INT_MAX, 1, true, 0, &f->rng));
    expect(f, TG_ERR_ARG, "tg_mha_new: dim 2147483647 is too large (3 dim overflows)");

    f = row(&o, "tg_mha_new", "dropout 1");
    on_null(o, tg_mha_new("a", 4, 2, true, 1, &f->rng));
    expect(f, TG_ERR_ARG, "tg_mha_new: dropout must be in [0, 1), got 1");

    f = row(&o, "tg_mha_new", "dropout NaN");
    on_null(o, tg_mha_new("a", 4, 2, true, NAN, &f->rng));
    expect(f, TG_ERR_ARG, "tg_mha_new: dropout must be in [0, 1), got nan");

    f = row(&o, "tg_mha_new", "rng NULL");
    on_null(o, tg_mha_new("a", 4, 2, true, 0, NULL));
    expect(f, TG_ERR_ARG, "tg_mha_new: rng is NULL");

    f = row(&o, "tg_mha_new", "prefix NULL");
    on_null(o, tg_mha_new(NULL, 4, 2, true, 0, &f->rng));
    expect(f, TG_ERR_ARG, "tg_mha_new: prefix is NULL");

    f = row(&o, "tg_mha_new", "out of memory");
    tg__alloc_fail_after(2);
    on_null(o, tg_mha_new("a", 4, 2, false, 0, &f->rng));
    tg__alloc_fail_after(0);
    expect(f, TG_ERR_NOMEM, "tg_mha_new: cannot make parameter 'a.q.W': tg_param_new: out of memory for a tensor of shape (4,4)");

    f = row(&o, "tg_mha_free", "NULL");
    tg_mha_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_mha_params", "layer NULL");
    on_status(o, tg_mha_params(NULL, &f->pa));
    expect(f, TG_ERR_ARG, "tg_mha_params: layer is NULL");

    f = row(&o, "tg_mha_params", "ps NULL");
    on_status(o, tg_mha_params(mha, NULL));
    expect_named(f, TG_ERR_ARG, "tg_params_add: ps is NULL", "tg_params_add");

    f = row(&o, "tg_mha_forward", "tape NULL");
    on_null(o, tg_mha_forward(NULL, mha, f->a, f->a, f->a, NULL, false, NULL, false));
    expect(f, TG_ERR_ARG, "tg_mha_forward: tape is NULL");

    f = row(&o, "tg_mha_forward", "failed tape");
    on_tape(o, f->tf, tg_mha_forward(f->tf, mha, f->onf, f->onf, f->onf, NULL, false, NULL, false));
    expect(f, TG_ERR_SHAPE, FIRST);

    f = row(&o, "tg_mha_forward", "layer NULL");
    on_tape(o, f->t, tg_mha_forward(f->t, NULL, f->a, f->a, f->a, NULL, false, NULL, false));
    expect(f, TG_ERR_ARG, "tg_mha_forward: layer is NULL");

    f = row(&o, "tg_mha_forward", "xq NULL");
    on_tape(o, f->t, tg_mha_forward(f->t, mha, NULL, f->a, f->a, NULL, false, NULL, false));
    expect(f, TG_ERR_ARG, "tg_mha_forward: 'att': xq is NULL");

    f = row(&o, "tg_mha_forward", "xv stale");
    on_tape(o, f->t, tg_mha_forward(f->t, mha, f->a, f->a, f->stale, NULL, false, NULL, false));
    expect(f, TG_ERR_STATE, "tg_mha_forward: 'att': xv belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_mha_forward", "key_pad of another tape");
    {
        tg_tensor *x = tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1);
        on_tape(o, f->t, tg_mha_forward(f->t, mha, x, x, x, f->other, false, NULL, false));
    }
    expect(f, TG_ERR_STATE, "tg_mha_forward: 'att': key_pad belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_mha_forward", "xq rank 2");
    on_tape(o, f->t, tg_mha_forward(f->t, mha, f->m34, f->m34, f->m34, NULL, false, NULL, false));
    expect(f, TG_ERR_SHAPE, "tg_mha_forward: 'att': xq must be (B,T,4), got (3,4)");

    f = row(&o, "tg_mha_forward", "xq last dimension differs");
    on_tape(o, f->t, tg_mha_forward(f->t, mha, f->r4, f->r4, f->r4, NULL, false, NULL, false));
    expect(f, TG_ERR_SHAPE, "tg_mha_forward: 'att': xq must be (B,T,4), got (2,3,4,5)");

    f = row(&o, "tg_mha_forward", "xk batch differs");
    {
        tg_tensor *xq = tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1), *xk = tg_tape_full(f->t, 3, (int[]){3, 3, 4}, 1);
        on_tape(o, f->t, tg_mha_forward(f->t, mha, xq, xk, xk, NULL, false, NULL, false));
    }
    expect(f, TG_ERR_SHAPE, "tg_mha_forward: 'att': xk must be (2,T,4), got (3,3,4)");

    f = row(&o, "tg_mha_forward", "xk and xv lengths differ");
    {
        tg_tensor *xq = tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1), *xv = tg_tape_full(f->t, 3, (int[]){2, 5, 4}, 1);
        on_tape(o, f->t, tg_mha_forward(f->t, mha, xq, xq, xv, NULL, false, NULL, false));
    }
    expect(f, TG_ERR_SHAPE, "tg_mha_forward: 'att': xk (2,3,4) and xv (2,5,4) must have the same length");

    f = row(&o, "tg_mha_forward", "key_pad of the wrong shape");
    {
        tg_tensor *x = tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1), *kp = tg_tape_full(f->t, 2, (int[]){2, 4}, 0);
        on_tape(o, f->t, tg_mha_forward(f->t, mha, x, x, x, kp, false, NULL, false));
    }
    expect(f, TG_ERR_SHAPE, "tg_mha_forward: 'att': key_pad must be (2,3), got (2,4)");

    f = row(&o, "tg_mha_forward", "key_pad rank 3");
    {
        tg_tensor *x = tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1), *kp = tg_tape_full(f->t, 3, (int[]){2, 1, 3}, 0);
        on_tape(o, f->t, tg_mha_forward(f->t, mha, x, x, x, kp, false, NULL, false));
    }
    expect(f, TG_ERR_SHAPE, "tg_mha_forward: 'att': key_pad must be (2,3), got (2,1,3)");

    f = row(&o, "tg_mha_forward", "causal with Tq != Tk");
    {
        tg_tensor *xq = tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1), *xk = tg_tape_full(f->t, 3, (int[]){2, 5, 4}, 1);
        on_tape(o, f->t, tg_mha_forward(f->t, mha, xq, xk, xk, NULL, true, NULL, false));
    }
    expect(f, TG_ERR_SHAPE, "tg_mha_forward: 'att': causal needs as many queries as keys, got xq (2,3,4), xk (2,5,4)");

    f = row(&o, "tg_pos_embedding_new", "max_len 0");
    on_null(o, tg_pos_embedding_new("p", 0, 4, &f->rng));
    expect(f, TG_ERR_ARG, "tg_pos_embedding_new: max_len must be >= 1, got 0");

    f = row(&o, "tg_pos_embedding_new", "dim 0");
    on_null(o, tg_pos_embedding_new("p", 3, 0, &f->rng));
    expect(f, TG_ERR_ARG, "tg_pos_embedding_new: dim must be >= 1, got 0");

    f = row(&o, "tg_pos_embedding_new", "rng NULL");
    on_null(o, tg_pos_embedding_new("p", 3, 4, NULL));
    expect(f, TG_ERR_ARG, "tg_pos_embedding_new: rng is NULL");

    f = row(&o, "tg_pos_embedding_new", "prefix too long");
    on_null(o, tg_pos_embedding_new("a_prefix_that_is_far_too_long_for_names", 3, 4, &f->rng));
    expect(f, TG_ERR_ARG, "tg_pos_embedding_new: prefix 'a_prefix_that_is_far_too_long_for_names' must have 1..32 characters, has 39");

    f = row(&o, "tg_pos_embedding_free", "NULL");
    tg_pos_embedding_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_pos_embedding_params", "layer NULL");
    on_status(o, tg_pos_embedding_params(NULL, &f->pa));
    expect(f, TG_ERR_ARG, "tg_pos_embedding_params: layer is NULL");

    f = row(&o, "tg_pos_embedding_forward", "layer NULL");
    on_tape(o, f->t, tg_pos_embedding_forward(f->t, NULL, f->a));
    expect(f, TG_ERR_ARG, "tg_pos_embedding_forward: layer is NULL");

    f = row(&o, "tg_pos_embedding_forward", "T longer than max_len");
    on_tape(o, f->t, tg_pos_embedding_forward(f->t, pos, tg_tape_full(f->t, 3, (int[]){2, 4, 4}, 1)));
    expect(f, TG_ERR_SHAPE, "tg_pos_embedding_forward: 'pos': x must be (B,T,4) or (T,4) with T <= 3, got (2,4,4)");

    f = row(&o, "tg_pos_embedding_forward", "width differs");
    on_tape(o, f->t, tg_pos_embedding_forward(f->t, pos, f->a));
    expect(f, TG_ERR_SHAPE, "tg_pos_embedding_forward: 'pos': x must be (B,T,4) or (T,4) with T <= 3, got (2,3)");

    f = row(&o, "tg_pos_embedding_forward", "rank 4");
    on_tape(o, f->t, tg_pos_embedding_forward(f->t, pos, f->r4));
    expect(f, TG_ERR_SHAPE, "tg_pos_embedding_forward: 'pos': x must be (B,T,4) or (T,4) with T <= 3, got (2,3,4,5)");

    tg_mha_free(mha);
    tg_pos_embedding_free(pos);
    return bad_done("layers/include/tapegrad/tg_attention.h");
}
